"""The accounts demo step (demo/accounts.py): the registry's portal users get verified phones,
a rerun changes nothing, and the demo person logs in with a code shown on the demo SMS page."""

import pytest

from tests.demo.conftest import run_steps
from yingshang.accounts.models import Account, AccountKind, EnterpriseAuthorisation


@pytest.mark.django_db
def test_demo_accounts_are_created_once_and_log_in_by_code(client, mianyang, settings):
    tally = run_steps({200, 210, 810})
    assert tally.counts["applicant accounts"]["created"] == 2
    person = Account.objects.get(user__username="shimin")
    enterprise = Account.objects.get(user__username="qiye")
    assert person.kind == AccountKind.PERSON and person.phone == "19900000001"
    assert enterprise.kind == AccountKind.ENTERPRISE
    record = EnterpriseAuthorisation.objects.get(account=enterprise)
    assert record.role == "legal" and record.representation_id
    again = run_steps({810})
    assert again.counts["applicant accounts"] == {"created": 0, "updated": 0, "unchanged": 2}

    settings.ACCOUNTS_DEMO = True
    settings.ACCOUNTS_CODE_SENDER = "yingshang.accounts.demo_outbox.send"
    page = client.get("/accounts/login/").content.decode()
    assert "演示账号" in page and "19900000001" in page and "/accounts/demo-sms/" in page
    client.post("/accounts/login/", {"sms-phone": "19900000001", "op": "send"})
    sms = client.get("/accounts/demo-sms/")
    assert sms.status_code == 200
    code = sms.context["sms"][0]["text"].split("验证码为")[1][:6]
    resp = client.post(
        "/accounts/login/", {"sms-phone": "19900000001", "sms-code": code, "op": "code"}
    )
    assert resp.status_code == 302
    assert client.get("/accounts/").context["user"].username == "shimin"
