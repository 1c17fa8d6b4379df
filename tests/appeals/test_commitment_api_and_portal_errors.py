"""Commitments through the API walked edge by edge (owner department reports, the service
office verifies or sends back; every refused step a 400 on ``status`` in Chinese and English;
out of scope a 404), and the portal API's field errors for bad inputs, nothing written."""

import pytest

from tests.appeals.conftest import make_uscc
from tests.appeals.factories import CommitmentFactory
from yingshang.appeals.models import Appeal, CommitmentStatus

pytestmark = pytest.mark.django_db

C = CommitmentStatus


@pytest.fixture
def commitment(mianyang, depts):
    return CommitmentFactory(owner_department=depts["market"])


def _step(client, commitment, action, note="", lang="zh-hans"):
    return client.post(
        f"/api/appeals/commitments/{commitment.pk}/step/",
        {"action": action, "note": note},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=lang,
    )


def test_the_happy_path_edge_by_edge(commitment, staff, login):
    owner = login(staff["chengban"])
    r = _step(owner, commitment, "start", "已成立专班")
    assert r.status_code == 200 and r.json()["status"] == C.IN_PROGRESS
    r = _step(owner, commitment, "progress", "完成方案起草")
    assert r.status_code == 200 and r.json()["status"] == C.IN_PROGRESS
    r = _step(owner, commitment, "complete", "细则已印发")
    assert r.status_code == 200 and r.json()["status"] == C.COMPLETED
    office = login(staff["jianduyuan"])
    r = _step(office, commitment, "reject", "佐证不足")
    assert r.status_code == 200 and r.json()["status"] == C.IN_PROGRESS
    _step(login(staff["chengban"]), commitment, "complete", "补充佐证")
    r = _step(login(staff["jianduyuan"]), commitment, "verify", "核验销号")
    assert r.status_code == 200 and r.json()["status"] == C.VERIFIED
    commitment.refresh_from_db()
    assert commitment.progress_note == "核验销号" and commitment.completed_at is not None
    actions = list(commitment.events.order_by("at", "id").values_list("action", "to_state"))
    assert actions == [
        ("start", C.IN_PROGRESS),
        ("progress", C.IN_PROGRESS),
        ("complete", C.COMPLETED),
        ("reject", C.IN_PROGRESS),
        ("complete", C.COMPLETED),
        ("verify", C.VERIFIED),
    ]


@pytest.mark.parametrize(
    "state,action",
    [
        (C.PENDING, "progress"),
        (C.PENDING, "verify"),
        (C.IN_PROGRESS, "start"),
        (C.IN_PROGRESS, "reject"),
        (C.COMPLETED, "complete"),
        (C.VERIFIED, "progress"),
        (C.VERIFIED, "complete"),
    ],
)
def test_a_step_not_allowed_from_the_state_is_a_400_in_both_languages(
    mianyang, depts, staff, login, state, action
):
    from yingshang.core.models import User

    commitment = CommitmentFactory(owner_department=depts["market"], status=state)
    admin = login(User.objects.get(username="admin"))  # may do every step: only the state refuses
    r = _step(admin, commitment, action)
    assert r.status_code == 400, r.content
    assert "不能执行该操作" in r.json()["errors"]["status"][0]
    en = _step(admin, commitment, action, lang="en")
    assert en.status_code == 400
    message = en.json()["errors"]["status"][0]
    assert message and not any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    commitment.refresh_from_db()
    assert commitment.status == state and not commitment.events.exists()


def test_an_unknown_action_is_a_field_error(commitment, staff, login):
    r = _step(login(staff["chengban"]), commitment, "overdue")  # the sweep's, not the API's
    assert r.status_code == 400 and "action" in r.json()


def test_another_department_cannot_see_or_step_it(commitment, staff, login):
    county = login(staff["jiangyou_chengban"])
    assert county.get(f"/api/appeals/commitments/{commitment.pk}/").status_code == 404
    assert _step(county, commitment, "start").status_code == 404
    commitment.refresh_from_db()
    assert commitment.status == C.PENDING


def test_the_owner_may_not_verify_its_own_work(commitment, staff, login):
    owner = login(staff["chengban"])
    _step(owner, commitment, "complete", "完成")
    r = _step(owner, commitment, "verify")
    assert 400 <= r.status_code < 500
    commitment.refresh_from_db()
    assert commitment.status == C.COMPLETED


def test_the_list_filters_by_status(commitment, mianyang, depts, staff, login):
    CommitmentFactory(owner_department=depts["market"], status=C.VERIFIED)
    client = login(staff["jianduyuan"])
    body = client.get("/api/appeals/commitments/", {"status": "pending"}).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [r["id"] for r in rows] == [commitment.pk]


# --------------------------------------------------------------------------- portal API errors

BASE = {
    "appellant_kind": "enterprise",
    "uscc": make_uscc(8),
    "enterprise_name": "绵阳接口测试有限公司",
    "contact_name": "孙",
    "contact_phone": "13700005678",
    "appeal_type": "complaint",
    "topic": "enforcement",
    "text": "执法检查过于频繁,影响经营。",
}


@pytest.mark.parametrize(
    "over,field",
    [
        ({"uscc": "91510700MA0000000X"}, "uscc"),
        ({"contact_phone": "12"}, "contact_phone"),
        ({"appeal_type": "praise"}, "appeal_type"),
        ({"topic": "weather"}, "topic"),
        ({"appellant_kind": "alien"}, "appellant_kind"),
        ({"appellant_kind": "person", "uscc": "", "person_name": ""}, "person_name"),
        (
            {"appellant_kind": "person", "uscc": "", "person_name": "张明", "id_number": "123"},
            "id_number",
        ),
        ({"text": "   "}, "text"),
    ],
)
def test_portal_api_bad_input_is_a_field_error(client, mianyang, over, field):
    r = client.post("/api/appeals/portal/", {**BASE, **over}, content_type="application/json")
    assert r.status_code == 400, r.content
    assert field in r.json(), r.json()
    en = client.post(
        "/api/appeals/portal/",
        {**BASE, **over},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert en.status_code == 400 and field in en.json()
    assert not Appeal.objects.exists()


def test_track_needs_both_fields(client, mianyang):
    r = client.post("/api/appeals/portal/track/", {"number": ""}, content_type="application/json")
    assert r.status_code == 400
    assert "number" in r.json()["errors"]


def test_confirm_of_an_unknown_number_is_a_404(client, mianyang):
    r = client.post(
        "/api/appeals/portal/confirm/",
        {"number": "SQ20250609999999", "phone_last4": "5678", "resolved": True},
        content_type="application/json",
    )
    assert r.status_code == 404
