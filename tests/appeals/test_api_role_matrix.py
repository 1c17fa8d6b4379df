"""The staff API's workflow endpoints account by account: for sign, dispatch, reply and
escalate, who succeeds (and the appeal moves), who is refused by role (403: city leaders only
read), who is refused by the policy (400 on the field that names who may), and who does not
see the appeal at all (404) — a refusal never changes the appeal or writes an event. Plus the
leader's city-wide read and the list's filters."""

import pytest

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, AppealEvent, Status

from .conftest import MONDAY, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(staff, depts):
    from yingshang.core.models import User

    power = User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )
    return {
        "admin": staff["admin"],
        "office": staff["jianduyuan"],
        "leader": staff["shilingdao"],
        "clerk": staff["chuangkou"],
        "lead handler": power,
        "other handler": staff["chengban"],
    }


def _prepare(action, submit, office, depts):
    appeal = submit()
    if action in ("reply", "escalate"):
        appeal = services.dispatch(appeal, office, depts["power"], note="请办理", now=MONDAY)
    return appeal


def _body(action, depts):
    return {
        "sign": {"note": "已签收"},
        "dispatch_to": {"lead_department": depts["power"].pk, "note": "请办理"},
        "reply": {"text": "已安排施工,三日内接电。"},
        "escalate": {"note": "企业多次反映"},
    }[action]


AFTER = {
    "sign": Status.SIGNED,
    "dispatch_to": Status.DISPATCHED,
    "reply": Status.REPLIED,
    "escalate": Status.ESCALATED,
}

# (status code, field of the 400) by action and account
MATRIX = {
    "sign": {
        "admin": 200,
        "office": 200,
        "leader": 403,
        "clerk": (400, "user"),
        "lead handler": 404,  # not dispatched yet: not theirs to see
        "other handler": 404,
    },
    "dispatch_to": {
        "admin": 200,
        "office": 200,
        "leader": 403,
        "clerk": (400, "user"),
        "lead handler": 404,
        "other handler": 404,
    },
    "reply": {
        "admin": 200,
        "office": (400, "department"),  # only the lead department replies
        "leader": 403,
        "clerk": (400, "department"),
        "lead handler": 200,
        "other handler": 404,
    },
    "escalate": {
        "admin": 200,
        "office": 200,
        "leader": 403,
        "clerk": (400, "user"),
        "lead handler": (400, "user"),
        "other handler": 404,
    },
}
CASES = [(action, who) for action in MATRIX for who in MATRIX[action]]


def _url(appeal, action):
    path = "dispatch" if action == "dispatch_to" else action
    return f"/api/appeals/{appeal.pk}/{path}/"


@pytest.mark.parametrize("action,who", CASES, ids=[f"{a}-{w}" for a, w in CASES])
def test_workflow_endpoint_by_account(submit, office, depts, accounts, login, action, who):
    appeal = _prepare(action, submit, office, depts)
    before = (appeal.status, AppealEvent.objects.filter(appeal=appeal).count())
    r = login(accounts[who]).post(_url(appeal, action), _body(action, depts), "application/json")
    expected = MATRIX[action][who]
    code, field = expected if isinstance(expected, tuple) else (expected, None)
    assert r.status_code == code, r.content
    fresh = Appeal.objects.get(pk=appeal.pk)
    if code == 200:
        assert r.json()["status"] == fresh.status == AFTER[action]
        last = AppealEvent.objects.filter(appeal=appeal).order_by("-at", "-id").first()
        assert last.actor == accounts[who] and last.to_state == AFTER[action]
        return
    if field:
        assert field in r.json(), r.json()
    assert (fresh.status, AppealEvent.objects.filter(appeal=appeal).count()) == before


def test_the_office_may_not_sign_what_is_already_dispatched(submit, office, depts, login):
    appeal = _prepare("reply", submit, office, depts)
    r = login(office).post(_url(appeal, "sign"), {"note": ""}, "application/json")
    assert r.status_code == 400
    assert "办理中" in r.content.decode()  # the current status is named


# --------------------------------------------------------------------------- reading


def test_a_leader_reads_every_appeal_of_the_city(submit, office, depts, accounts, login):
    waiting = submit()
    dispatched = _prepare("reply", submit, office, depts)
    client = login(accounts["leader"])
    rows = client.get("/api/appeals/", {"queue": "all"}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert {r["number"] for r in rows} >= {waiting.number, dispatched.number}
    detail = client.get(f"/api/appeals/{dispatched.pk}/")
    assert detail.status_code == 200
    assert detail.json()["number"] == dispatched.number


def test_the_list_filters_by_status_and_lead_department(submit, office, depts, login):
    waiting = submit()
    power = _prepare("reply", submit, office, depts)
    water = services.dispatch(
        submit(uscc=make_uscc(5)), office, depts["water"], note="", now=MONDAY
    )
    client = login(office)

    def numbers(**params):
        rows = client.get("/api/appeals/", params).json()
        rows = rows["results"] if isinstance(rows, dict) else rows
        return {r["number"] for r in rows}

    assert numbers(status=Status.SUBMITTED) == {waiting.number}
    assert numbers(status=Status.DISPATCHED) == {power.number, water.number}
    assert numbers(lead_department=depts["water"].pk) == {water.number}


def test_a_handler_reads_only_the_appeals_dispatched_to_it(submit, office, depts, accounts, login):
    mine = _prepare("reply", submit, office, depts)
    other = services.dispatch(
        submit(uscc=make_uscc(6)), office, depts["water"], note="", now=MONDAY
    )
    client = login(accounts["lead handler"])
    rows = client.get("/api/appeals/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert {r["number"] for r in rows} == {mine.number}
    assert client.get(f"/api/appeals/{other.pk}/").status_code == 404
    assert client.get(f"/api/appeals/{other.pk}/suggestions/").status_code == 404
