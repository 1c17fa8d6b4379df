"""Input limits of an appeal (docs/appeals.md "Limits"): text ≤ 5,000 characters, title ≤ 100,
attachments by count and total size — refused per field in Chinese (English with
Accept-Language: en), through the API, the portal form and the service alike, nothing written."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from yingshang.appeals import services
from yingshang.appeals.models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, Appeal, AppealAttachment

from .conftest import make_uscc

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _api_data(**over):
    data = {
        "appellant_kind": "enterprise",
        "uscc": make_uscc(7),
        "enterprise_name": "绵阳测试科技有限公司",
        "contact_name": "赵经理",
        "contact_phone": "13900001234",
        "appeal_type": "consult",
        "topic": "startup",
        "title": "营业执照变更",
        "text": "请问营业执照经营范围变更需要哪些材料?",
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    ("field", "value", "zh", "en"),
    [
        ("text", "诉" * (TEXT_MAX_LENGTH + 1), "5000", "5000"),
        ("title", "题" * (TITLE_MAX_LENGTH + 1), "100", "100"),
    ],
)
def test_api_refuses_text_and_title_over_the_limit(client, mianyang, field, value, zh, en):
    r = client.post(
        "/api/appeals/portal/", _api_data(**{field: value}), content_type="application/json"
    )
    assert r.status_code == 400
    body = r.json()
    assert zh in body["errors"][field][0] and "不能超过" in body["errors"][field][0]
    r = client.post(
        "/api/appeals/portal/",
        _api_data(**{field: value}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    message = r.json()["errors"][field][0]
    assert en in message and "no more than" in message
    assert not Appeal.objects.exists()


def test_api_accepts_text_and_title_at_the_limit(client, mianyang):
    r = client.post(
        "/api/appeals/portal/",
        _api_data(text="诉" * TEXT_MAX_LENGTH, title="题" * TITLE_MAX_LENGTH),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    appeal = Appeal.objects.get()
    assert len(appeal.text) == TEXT_MAX_LENGTH and len(appeal.title) == TITLE_MAX_LENGTH


def test_a_million_character_appeal_is_refused_quickly(client, mianyang):
    import time

    start = time.monotonic()
    r = client.post(
        "/api/appeals/portal/", _api_data(text="诉" * 1_000_000), content_type="application/json"
    )
    assert r.status_code == 400 and "text" in r.json()["errors"]
    assert time.monotonic() - start < 5
    assert not Appeal.objects.exists()


def test_service_refuses_over_the_limit_for_every_channel(mianyang):
    with pytest.raises(ValidationError) as exc:
        services.submit_appeal(
            channel="portal",
            **_api_data(text="诉" * (TEXT_MAX_LENGTH + 1), title="题" * (TITLE_MAX_LENGTH + 1)),
        )
    assert set(exc.value.message_dict) == {"text", "title"}
    assert "不能超过 5000 个字" in exc.value.message_dict["text"][0]
    assert "不能超过 100 个字" in exc.value.message_dict["title"][0]
    assert not Appeal.objects.exists()


def test_portal_form_refuses_text_over_the_limit(client, mianyang):
    r = client.post("/appeals/new/", _api_data(text="诉" * (TEXT_MAX_LENGTH + 1)))
    assert r.status_code == 200
    assert "5000" in r.content.decode()
    assert not Appeal.objects.exists()


def _pngs(n, extra=0):
    return [
        SimpleUploadedFile(f"p{i}.png", PNG + b"\x00" * extra, content_type="image/png")
        for i in range(n)
    ]


def test_portal_refuses_too_many_attachments(client, mianyang):
    r = client.post("/appeals/new/", {**_api_data(), "attachments": _pngs(11)})
    assert "一次最多上传 10 个文件" in r.content.decode()
    assert not Appeal.objects.exists() and not AppealAttachment.objects.exists()
    r = client.post(
        "/appeals/new/", {**_api_data(), "attachments": _pngs(11)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "10" in r.content.decode() and not Appeal.objects.exists()


def test_portal_refuses_attachments_over_the_total_size(client, mianyang, settings):
    settings.UPLOAD_MAX_TOTAL_BYTES = 500
    r = client.post("/appeals/new/", {**_api_data(), "attachments": _pngs(3, extra=200)})
    assert "上传文件合计超过" in r.content.decode()
    assert not Appeal.objects.exists() and not AppealAttachment.objects.exists()
    settings.UPLOAD_MAX_TOTAL_BYTES = 5000
    r = client.post("/appeals/new/", {**_api_data(), "attachments": _pngs(3, extra=200)})
    assert r.status_code == 302 and AppealAttachment.objects.count() == 3


def test_schema_documents_the_limits(client, mianyang):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    props = schema["components"]["schemas"]["AppealInputRequest"]["properties"]
    assert props["text"]["maxLength"] == TEXT_MAX_LENGTH
    assert props["title"]["maxLength"] == TITLE_MAX_LENGTH
