"""Personal data in the API and the logs: staff lists and details carry the contact phone and
ID number masked, the portal's track answer carries none of the appellant's data, and a receipt
SMS that cannot go out is logged without the phone or the 查询码."""

import logging

import pytest

from tests.notifications.conftest import (
    configure_sms,
    sms_server,  # noqa: F401 - the fake provider fixture
)

from .test_sweep_selectors_idcheck import _id

pytestmark = pytest.mark.django_db

PERSON = {"appellant_kind": "person", "uscc": "", "enterprise_name": "", "person_name": "张三"}


def test_staff_api_masks_the_phone_and_the_id_number(submit, office, login):
    id_number = _id("510703")
    appeal = submit(**PERSON, id_number=id_number, contact_phone="13812345678")
    client = login(office)
    rows = client.get("/api/appeals/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    detail = client.get(f"/api/appeals/{appeal.pk}/").json()
    for row in (rows[0], detail):
        assert row["contact_phone"] == "138****5678"
        assert row["id_number"] == id_number[:6] + "********" + id_number[-4:]
    body = client.get(f"/api/appeals/{appeal.pk}/").content.decode()
    assert "13812345678" not in body and id_number not in body


def test_the_portal_track_answer_carries_no_personal_data(submit, client):
    id_number = _id("510703")
    appeal = submit(**PERSON, id_number=id_number, contact_phone="13812345678")
    r = client.post(
        "/api/appeals/portal/track/",
        {"number": appeal.number, "code": appeal.lookup_code},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["number"] == appeal.number
    body = r.content.decode()
    for secret in ("13812345678", "138****5678", id_number, "张三", appeal.lookup_code):
        assert secret not in body


@pytest.mark.parametrize("phone", ["0816-2222333", "13812345678"])
def test_a_receipt_sms_that_fails_logs_neither_phone_nor_code(
    submit,
    settings,
    sms_server,  # noqa: F811
    caplog,
    phone,
):
    from yingshang.appeals import services

    configure_sms(settings, sms_server, "tencent")
    if phone.startswith("138"):
        settings.SMS_ACCESS_KEY_SECRET = "wrong-secret"  # the provider refuses the signature
    appeal = submit(contact_phone=phone)
    with caplog.at_level(logging.DEBUG):
        assert services.send_query_code(appeal.pk) is False
    assert f"query code SMS for {appeal.number} not sent" in caplog.text
    digits = phone.replace("-", "")
    assert digits not in caplog.text and phone not in caplog.text
    assert appeal.lookup_code not in caplog.text
    assert appeal.lookup_code.replace("-", "") not in caplog.text
