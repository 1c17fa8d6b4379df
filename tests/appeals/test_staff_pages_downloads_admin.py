"""Attachment downloads person by person (who gets the file, as a download with the right type
and ``nosniff``; everyone else a 404), the staff entry page's errors, the commitments page's
steps and their errors in both languages, 批示 on the appeal page, and the admin (no adding
appeals by hand, the model blob never shown)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.appeals.factories import CommitmentFactory
from yingshang.appeals import services
from yingshang.appeals.models import Appeal, AppealEvent, CommitmentEvent, CommitmentStatus

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"0" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
FILES = {
    "pdf": ("营业执照.pdf", PDF, "application/pdf"),
    "png": ("现场照片.png", PNG, "image/png"),
    "jpg": ("现场照片.jpg", JPG, "image/jpeg"),
}


def _with_attachment(submit, kind, **over):
    name, content, mime = FILES[kind]
    appeal = submit(files=[SimpleUploadedFile(name, content, content_type=mime)], **over)
    return appeal, appeal.attachments.get()


@pytest.mark.parametrize("kind", sorted(FILES))
def test_the_appellant_downloads_the_file_as_it_was_sent(submit, portal_user, login, kind):
    appeal, att = _with_attachment(submit, kind, user=portal_user)
    r = login(portal_user).get(f"/appeals/attachments/{att.pk}/")
    assert r.status_code == 200
    name, content, mime = FILES[kind]
    assert r["Content-Type"] == mime
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("attachment;")
    assert b"".join(r.streaming_content) == content


@pytest.fixture
def accounts(staff, depts, portal_user):
    from yingshang.core.models import User

    power = User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )
    stranger = User.objects.create_user("qiye02", password="x-unused-pass-2")
    return {
        "office": staff["jianduyuan"],
        "leader": staff["shilingdao"],
        "lead department": power,
        "other department": staff["chengban"],
        "appellant": portal_user,
        "another portal user": stranger,
        "anonymous": None,
    }


WHO_GETS_THE_FILE = {
    "office": True,
    "leader": True,
    "lead department": True,
    "other department": False,
    "appellant": True,
    "another portal user": False,
    "anonymous": False,
}


@pytest.mark.parametrize("who", sorted(WHO_GETS_THE_FILE))
def test_who_may_download_an_attachment(submit, accounts, office, depts, who):
    appeal, att = _with_attachment(submit, "pdf", user=accounts["appellant"])
    services.dispatch(appeal, office, depts["power"], now=MONDAY)
    client = Client()
    if accounts[who] is not None:
        client.force_login(accounts[who])
    r = client.get(f"/appeals/attachments/{att.pk}/")
    assert r.status_code == (200 if WHO_GETS_THE_FILE[who] else 404)


def test_an_unknown_attachment_is_404(client, mianyang):
    assert client.get("/appeals/attachments/999999/").status_code == 404


# --------------------------------------------------------------------------- staff entry page


def test_the_staff_entry_page_offers_only_staff_channels(login, staff):
    page = login(staff["chuangkou"]).get("/staff/appeals/new/").content.decode()
    for channel in ("hotline", "visit", "qa_session"):
        assert f'value="{channel}"' in page
    assert 'value="portal"' not in page


def test_staff_entry_errors_are_shown_beside_fields_and_nothing_is_written(
    login, staff, appeal_data
):
    r = login(staff["chuangkou"]).post(
        "/staff/appeals/new/", appeal_data(channel="portal", text="太短", uscc="123")
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "来源渠道无效。" in page
    assert "诉求内容过短，请具体描述问题。" in page
    assert 'id="err_text"' in page and 'id="err_uscc"' in page
    assert not Appeal.objects.exists()


# --------------------------------------------------------------------------- commitments page


@pytest.fixture
def commitment(depts):
    return CommitmentFactory(owner_department=depts["market"])


def test_the_owner_steps_a_commitment_on_the_page(commitment, staff, login):
    client = login(staff["chengban"])  # 市场监管局, the owner department
    r = client.post(
        f"/staff/appeals/commitments/{commitment.pk}/", {"action": "start", "note": "已成立专班"}
    )
    assert r.status_code == 302 and r["Location"] == "/staff/appeals/commitments/"
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.IN_PROGRESS
    assert commitment.progress_note == "已成立专班"
    event = CommitmentEvent.objects.get(commitment=commitment)
    assert (event.action, event.actor) == ("start", staff["chengban"])
    assert "操作成功。" in client.get(r["Location"]).content.decode()


@pytest.mark.parametrize(
    "language,message",
    [
        ("zh-hans", "承诺事项当前状态为“待落实”，不能执行该操作。"),
        ("en", "The commitment is “Pending”; this action is not allowed."),
    ],
)
def test_a_refused_step_is_shown_once_on_the_list(commitment, staff, login, language, message):
    client = login(staff["jianduyuan"])
    r = client.post(
        f"/staff/appeals/commitments/{commitment.pk}/",
        {"action": "verify", "note": ""},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert r.status_code == 302
    page = client.get(r["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert message in page
    assert message not in client.get(r["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.PENDING
    assert not CommitmentEvent.objects.filter(commitment=commitment).exists()


def test_a_step_without_an_action_is_a_field_error(commitment, staff, login):
    client = login(staff["chengban"])
    r = client.post(f"/staff/appeals/commitments/{commitment.pk}/", {"note": "x"})
    assert "请选择操作。" in client.get(r["Location"]).content.decode()
    assert not CommitmentEvent.objects.exists()


# --------------------------------------------------------------------------- 批示 on the page


def test_a_leader_instructs_on_an_escalated_appeal(submit, office, depts, staff, login):
    appeal = services.dispatch(submit(), office, depts["power"], now=MONDAY)
    client = login(staff["shilingdao"])
    url = f"/staff/appeals/{appeal.pk}/instruct/"
    r = client.post(url, {"note": "请电力公司三日内接电"})
    page = client.get(r["Location"]).content.decode()
    assert "只有已升级督办的诉求可以批示。" in page
    assert not AppealEvent.objects.filter(action="instruct").exists()
    services.escalate(appeal, office, "企业多次反映", now=MONDAY)
    r = client.post(url, {"note": "请电力公司三日内接电"})
    assert "操作成功。" in client.get(r["Location"]).content.decode()
    event = AppealEvent.objects.get(appeal=appeal, action="instruct")
    assert (event.note, event.actor) == ("请电力公司三日内接电", staff["shilingdao"])


# --------------------------------------------------------------------------- admin


def test_the_admin_lists_appeals_but_never_adds_one(submit, staff, login):
    appeal = submit()
    client = login(staff["admin"])
    page = client.get("/admin/appeals/appeal/").content.decode()
    assert appeal.number in page
    assert client.get("/admin/appeals/appeal/add/").status_code == 403
    change = client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert 'name="text"' not in change  # every field is read-only


def test_the_admin_never_shows_the_model_blob(staff, login):
    from yingshang.appeals.models import DispatchModel

    row = DispatchModel.objects.create(n_train=8, n_test=2, top1=0.5, top3=1.0, blob=b"\x00npz")
    page = login(staff["admin"]).get(f"/admin/appeals/dispatchmodel/{row.pk}/change/")
    assert page.status_code == 200
    assert 'name="blob"' not in page.content.decode()
    assert 'name="n_train"' in page.content.decode()
