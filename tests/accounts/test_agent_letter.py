"""The 授权委托书 of an enterprise registration by an authorised agent: an uploaded file through
the one upload service (content-checked, size-limited, stored outside the web root), opened
only by the approvers who verify the request (others 404); a wrong type or an oversized file
is a field error and leaves no account, no request and no file."""

import pytest

from tests.accounts.factories import OUTBOX, last_code  # noqa: F401
from tests.accounts.test_register import (
    ENTERPRISE_URL,
    PHONE,
    _errors,
    _send,
    enterprise_data,
    letter_file,
)
from tests.helpers import has_cjk
from tests.registry.factories import EnterpriseFactory
from yingshang.accounts.models import Account, AgentRole
from yingshang.platform import uploads
from yingshang.registry.models import Representation, RepresentationEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%letter of authorisation\n%%EOF\n"


@pytest.fixture
def enterprise(mianyang):
    # registered in 涪城: the 涪城 window (chuangkou) verifies its representatives
    return EnterpriseFactory(phone="13980619999", legal_representative="王法人")


def _stored_files():
    root = uploads.storage.path("registry")
    import os

    found = []
    for base, _dirs, files in os.walk(root):
        found += [os.path.join(base, f) for f in files]
    return found


def _register(client, enterprise, **over):
    _send(client, ENTERPRISE_URL, enterprise_data(enterprise))
    return client.post(ENTERPRISE_URL, enterprise_data(enterprise, code=last_code(PHONE), **over))


def test_agent_uploads_the_letter_and_the_approver_opens_it(
    client, enterprise, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resp = _register(client, enterprise, letter=letter_file(content=PDF))
    assert resp.status_code == 302, resp.context["form"].errors
    rep = Representation.objects.get(enterprise=enterprise)
    assert rep.letter.name.startswith("registry/letters/") and rep.letter_type == "application/pdf"
    assert rep.letter_name == "授权委托书.pdf"
    assert RepresentationEvent.objects.filter(representation=rep, action="letter").exists()
    # stored by the upload service, outside the web root, under a random name
    path = uploads.storage.path(rep.letter.name)
    assert open(path, "rb").read() == PDF and "授权委托书" not in path
    url = f"/staff/registry/representatives/{rep.pk}/letter/"
    client.force_login(staff["chuangkou"])  # the 涪城 window verifies
    page = client.get("/staff/registry/representatives/").content.decode()
    assert f'href="{url}"' in page
    resp = client.get(url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF
    assert resp["Content-Type"] == "application/pdf"
    assert resp["X-Content-Type-Options"] == "nosniff"
    # others: 江油's window, a handler, a city leader, the applicant, nobody logged in → 404
    for other in ("jiangyou_chuangkou", "chengban", "shilingdao"):
        client.force_login(staff[other])
        assert client.get(url).status_code == 404, other
    client.force_login(Account.objects.get(phone=PHONE).user)
    assert client.get(url).status_code in (302, 403, 404)
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    # the letter stays the evidence after the decision
    client.force_login(staff["chuangkou"])
    client.post("/staff/registry/representatives/", {"representation": rep.pk, "op": "approve"})
    assert client.get(url).status_code == 200


def test_an_agent_must_send_the_letter(client, enterprise):
    resp = _register(client, enterprise, letter="")
    assert resp.status_code == 400 and "请上传授权委托书" in _errors(resp, "letter")
    assert not Account.objects.exists() and not Representation.objects.exists()


def test_the_legal_representative_sends_none(
    client, enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resp = _register(
            client, enterprise, role=AgentRole.LEGAL_REPRESENTATIVE, name="王法人", letter=""
        )
    assert resp.status_code == 302
    assert Representation.objects.get(enterprise=enterprise).letter == ""


def test_wrong_file_type_is_refused_by_content(client, enterprise):
    before = _stored_files()
    # an executable renamed .pdf: judged by its content, not its name
    resp = _register(client, enterprise, letter=letter_file("委托书.pdf", b"MZ\x90\x00binary"))
    assert resp.status_code == 400 and "类型不支持" in _errors(resp, "letter")
    assert not Account.objects.exists() and not Representation.objects.exists()
    assert _stored_files() == before
    resp = client.post(
        ENTERPRISE_URL,
        enterprise_data(enterprise, code=last_code(PHONE), letter=letter_file("a.pdf", b"MZ")),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    message = _errors(resp, "letter")
    assert message and not has_cjk(message.replace("a.pdf", "")), message


def test_oversized_file_is_refused(client, enterprise, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    before = _stored_files()
    resp = _register(client, enterprise, letter=letter_file(content=PDF + b"0" * 2048))
    assert resp.status_code == 400 and "超过大小上限" in _errors(resp, "letter")
    assert not Account.objects.exists() and not Representation.objects.exists()
    assert _stored_files() == before


def test_a_failure_after_the_letter_was_stored_leaves_no_file(client, enterprise, monkeypatch):
    from yingshang.accounts import services

    def boom(*args, **kwargs):
        raise RuntimeError("audit down")

    before = _stored_files()
    monkeypatch.setattr(services.audit, "record", boom)
    _send(client, ENTERPRISE_URL, enterprise_data(enterprise))
    data = enterprise_data(enterprise, code=last_code(PHONE))
    with pytest.raises(RuntimeError):
        services.register_enterprise(
            name=data["name"],
            phone=PHONE,
            code=data["code"],
            password=data["password1"],
            uscc=enterprise.uscc,
            role=AgentRole.AGENT,
            authorised_by="王法人",
            valid_until=__import__("datetime").date(2099, 1, 1),
            letter=letter_file(content=PDF),
        )
    assert not Representation.objects.exists()
    assert _stored_files() == before
