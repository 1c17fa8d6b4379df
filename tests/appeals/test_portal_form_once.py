"""The portal's appeal form keeps what was sent (issue 12, "Bad input"): the attachments of a try
that came back with errors are kept with the form and sent with the corrected one (or left out
when the person says so), and the form's idempotency key (hidden ``form_key``) makes a second
POST of the same form — a double click, a reload — open the appeal the first one raised instead
of raising another."""

import re

import pytest

from yingshang.appeals.models import Appeal

from .conftest import make_uscc

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _data(**over):
    data = {
        "appellant_kind": "enterprise",
        "uscc": make_uscc(41),
        "enterprise_name": "绵阳附件测试有限公司",
        "contact_name": "钱经理",
        "contact_phone": "13900005678",
        "appeal_type": "help",
        "topic": "startup",
        "text": "申请营业执照变更已经两周没有消息，请帮助协调。",
    }
    data.update(over)
    return data


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _key(body: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', body).group(1)


def test_attachments_kept_across_an_error_and_sent_with_the_corrected_form(client, mianyang):
    key = _key(client.get("/appeals/new/").content.decode())
    r = client.post(
        "/appeals/new/",
        _data(form_key=key, text="太短", attachments=[_pdf("现场照片.pdf"), _pdf("回执.pdf")]),
    )
    body = r.content.decode()
    assert r.status_code == 200 and 'id="err_text">' in body
    assert not Appeal.objects.exists()
    kept = re.findall(r'data-testid="kept-attachment">✓ (\S+?)（', body)
    assert kept == ["现场照片.pdf", "回执.pdf"]
    assert _key(body) == key  # the same form: the same key
    # corrected, no file chosen again, one of the two left out
    r = client.post("/appeals/new/", _data(form_key=key, drop_kept=["1"]))
    assert r.status_code == 302
    appeal = Appeal.objects.get()
    assert [a.original_name for a in appeal.attachments.all()] == ["现场照片.pdf"]
    # nothing stays kept once the appeal is raised
    assert client.session.get("appeal_kept", {}) == {}


def test_a_refused_file_is_not_kept(client, mianyang):
    key = _key(client.get("/appeals/new/").content.decode())
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    body = client.post(
        "/appeals/new/", _data(form_key=key, text="太短", attachments=[exe, _pdf("好的.pdf")])
    ).content.decode()
    assert re.findall(r'data-testid="kept-attachment">✓ (\S+?)（', body) == ["好的.pdf"]


def test_a_second_post_of_the_same_form_opens_the_first_appeal(client, mianyang):
    key = _key(client.get("/appeals/new/").content.decode())
    first = client.post("/appeals/new/", _data(form_key=key, attachments=[_pdf("a.pdf")]))
    second = client.post("/appeals/new/", _data(form_key=key, attachments=[_pdf("a.pdf")]))
    appeal = Appeal.objects.get()  # one appeal, one attachment
    assert appeal.attachments.count() == 1
    assert first["Location"] == second["Location"] == f"/appeals/{appeal.number}/"
    page = client.get(second["Location"]).content.decode()
    assert "无需重复提交" in page and appeal.number in page


def test_the_duplicate_opens_the_appeal_in_a_fresh_session_too(client, mianyang):
    """A double click whose first answer never reached the browser (so the session cookie it
    set did not either): the second answer still opens the anonymous person's appeal."""
    from django.test import Client

    key = _key(client.get("/appeals/new/").content.decode())
    client.post("/appeals/new/", _data(form_key=key))
    other = Client()
    r = other.post("/appeals/new/", _data(form_key=key))
    appeal = Appeal.objects.get()
    assert r["Location"] == f"/appeals/{appeal.number}/"
    assert other.get(r["Location"]).status_code == 200


def test_a_new_form_raises_a_new_appeal_and_english(client, mianyang):
    for _ in range(2):
        key = _key(client.get("/appeals/new/").content.decode())
        client.post("/appeals/new/", _data(form_key=key))
    assert Appeal.objects.count() == 2
    key = _key(client.get("/appeals/new/").content.decode())
    body = client.post(
        "/appeals/new/",
        _data(form_key=key, text="太短", attachments=[_pdf("x.pdf")]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "These attachments are kept with the form" in body
    assert "x.pdf (" in body and "Do not send this attachment" in body
    r = client.post("/appeals/new/", _data(form_key=key), HTTP_ACCEPT_LANGUAGE="en")
    r2 = client.post("/appeals/new/", _data(form_key=key), HTTP_ACCEPT_LANGUAGE="en")
    assert r["Location"] == r2["Location"]
    assert (
        "no need to submit it again"
        in client.get(r2["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_a_malformed_key_or_position_is_ignored(client, mianyang):
    body = client.post(
        "/appeals/new/", _data(form_key="bad key!", text="太短", attachments=[_pdf("p.pdf")])
    ).content.decode()
    key = _key(body)
    assert key != "bad key!" and re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key)
    # an unknown position leaves the kept attachment in
    r = client.post("/appeals/new/", _data(form_key=key, drop_kept=["99", "x"]))
    assert r.status_code == 302
    assert [a.original_name for a in Appeal.objects.get().attachments.all()] == ["p.pdf"]
