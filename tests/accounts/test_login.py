"""申请人登录 (code, password), the staff page kept apart, password reset, and the PIPL
requests: data export and account deletion."""

import json

import pytest

from tests.accounts.factories import OUTBOX, PASSWORD, AccountFactory, last_code
from tests.registry.factories import EnterpriseFactory
from yingshang.accounts.models import AccountStatus
from yingshang.platform.models import AuditEntry
from yingshang.registry import public as registry
from yingshang.registry.models import Person, Representation, RepresentationStatus

LOGIN = "/accounts/login/"


def _code_login(client, phone, code=None, next_=""):
    client.post(LOGIN, {"sms-phone": phone, "op": "send", "next": next_})
    return client.post(
        LOGIN,
        {"sms-phone": phone, "sms-code": code or last_code(phone), "op": "code", "next": next_},
    )


@pytest.mark.django_db
def test_login_by_code_alone(client, mianyang):
    account = AccountFactory()
    resp = _code_login(client, account.phone, next_="/my/cases/")
    assert resp.status_code == 302 and resp.url == "/my/cases/"
    assert client.get("/accounts/").context["user"] == account.user


@pytest.mark.django_db
def test_login_by_code_wrong_code_and_unknown_phone(client, mianyang):
    account = AccountFactory()
    client.post(LOGIN, {"sms-phone": account.phone, "op": "send"})
    code = last_code(account.phone)
    resp = client.post(
        LOGIN,
        {
            "sms-phone": account.phone,
            "sms-code": "000000" if code != "000000" else "111111",
            "op": "code",
        },
    )
    assert resp.status_code == 400 and "验证码错误" in " ".join(
        resp.context["sms_form"].errors["code"]
    )
    # an unknown phone: the same answer, and nothing is sent
    before = len(OUTBOX)
    resp = client.post(LOGIN, {"sms-phone": "13908168888", "op": "send"})
    assert resp.status_code == 200 and "如该手机号已注册" in resp.content.decode()
    assert len(OUTBOX) == before
    resp = client.post(LOGIN, {"sms-phone": "13908168888", "sms-code": "123456", "op": "code"})
    assert resp.status_code == 400 and "验证码错误" in " ".join(
        resp.context["sms_form"].errors["code"]
    )


@pytest.mark.django_db
def test_login_by_password_with_phone_or_username(client, mianyang):
    account = AccountFactory()
    resp = client.post(
        LOGIN, {"pw-login": account.phone, "pw-password": PASSWORD, "op": "password"}
    )
    assert resp.status_code == 302 and resp.url == "/accounts/"
    client.logout()
    resp = client.post(
        LOGIN, {"pw-login": account.phone, "pw-password": "wrong-one-2026", "op": "password"}
    )
    assert resp.status_code == 400 and "密码错误" in resp.content.decode()


@pytest.mark.django_db
def test_password_login_can_require_a_code_too(client, mianyang, settings):
    settings.ACCOUNTS_PASSWORD_LOGIN_REQUIRES_CODE = True
    account = AccountFactory()
    resp = client.post(
        LOGIN, {"pw-login": account.phone, "pw-password": PASSWORD, "op": "password"}
    )
    assert resp.status_code == 400 and resp.context["pw_form"].errors["code"]
    client.post(LOGIN, {"sms-phone": account.phone, "op": "send"})
    resp = client.post(
        LOGIN,
        {
            "pw-login": account.phone,
            "pw-password": PASSWORD,
            "pw-code": last_code(account.phone),
            "op": "password",
        },
    )
    assert resp.status_code == 302


@pytest.mark.django_db
def test_staff_are_sent_to_their_own_page(client, staff):
    resp = client.post(
        LOGIN, {"pw-login": "chuangkou", "pw-password": "mianyang2019!", "op": "password"}
    )
    assert resp.status_code == 400 and "工作人员登录" in resp.content.decode()
    # staff pages send to the staff login page; a staff next= on the applicants' page too
    resp = client.get("/staff/")
    assert resp.status_code == 302 and resp.url.startswith("/login/?next=/staff/")
    resp = client.get("/accounts/login/?next=/staff/cases/")
    assert resp.status_code == 302 and resp.url == "/login/?next=%2Fstaff%2Fcases%2F"


@pytest.mark.django_db
def test_pages_are_named_and_link_each_other(client, mianyang):
    page = client.get(LOGIN).content.decode()
    assert "申请人登录" in page and 'href="/login/"' in page and "/accounts/register/" in page
    staff_page = client.get("/login/").content.decode()
    assert "工作人员登录" in staff_page and 'href="/accounts/login/"' in staff_page
    english = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Applicant login" in english and "Send code" in english


@pytest.mark.django_db
def test_online_application_asks_for_an_applicant_login(client, mianyang):
    resp = client.get("/apply/ANY-ITEM/")
    assert resp.status_code == 302 and resp.url.startswith("/accounts/login/?next=/apply/")


@pytest.mark.django_db
def test_demo_box_only_in_the_demo(client, mianyang, settings):
    AccountFactory(user__username="shimin", phone="19900000001")
    assert "演示账号" not in client.get(LOGIN).content.decode()
    settings.ACCOUNTS_DEMO = True
    page = client.get(LOGIN).content.decode()
    assert "演示账号" in page and "19900000001" in page
    assert client.get("/accounts/demo-sms/").status_code == 404  # no local fake provider


@pytest.mark.django_db
def test_password_reset_by_code(client, mianyang):
    account = AccountFactory()
    url = "/accounts/reset/"
    client.post(url, {"phone": account.phone, "op": "send"})
    new = "Another-Secret-2026"
    resp = client.post(
        url,
        {
            "phone": account.phone,
            "code": last_code(account.phone),
            "password1": new,
            "password2": new,
            "op": "submit",
        },
    )
    assert resp.status_code == 302
    account.user.refresh_from_db()
    assert account.user.check_password(new)
    assert AuditEntry.objects.filter(action="password_reset").exists()
    # a used code cannot reset it again
    resp = client.post(
        url,
        {
            "phone": account.phone,
            "code": last_code(account.phone),
            "password1": PASSWORD,
            "password2": PASSWORD,
            "op": "submit",
        },
    )
    assert resp.status_code == 400 and resp.context["form"].errors["code"]


@pytest.mark.django_db
def test_data_export_has_own_data_only(client, mianyang):
    account = AccountFactory()
    other = AccountFactory()
    client.force_login(account.user)
    resp = client.get("/accounts/export.json")
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment")
    data = json.loads(resp.content)
    assert data["account"]["phone"] == account.phone
    assert other.phone not in resp.content.decode()
    assert AuditEntry.objects.filter(action="accounts.export").exists()


@pytest.mark.django_db
def test_account_deletion_anonymises_and_is_audited(client, mianyang):
    from tests.core.factories import ric_for

    account = AccountFactory()
    user = account.user
    registry.register_person(id_number=ric_for("510703", "19930101", 7), name="孙七", user=user)
    enterprise = EnterpriseFactory()
    registry.link_enterprise_user(enterprise, user)
    client.force_login(user)
    resp = client.post("/accounts/delete/", {"password": "wrong-password-1"})
    assert resp.status_code == 400
    assert resp.context["form"].errors["password"] and resp.context["form"].errors["confirm"]
    resp = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
    assert resp.status_code == 302
    account.refresh_from_db()
    user.refresh_from_db()
    assert account.status == AccountStatus.DELETED and account.phone is None
    assert user.username.startswith("deleted-") and not user.is_active and not user.full_name
    assert not user.has_usable_password()
    assert Person.objects.get(name="孙七").user is None
    assert Representation.objects.get(user=user).status == RepresentationStatus.REVOKED
    event = account.events.get()
    assert (event.action, event.from_state, event.to_state) == ("close", "active", "deleted")
    assert event.actor_id == user.pk
    entry = AuditEntry.objects.get(action="accounts.delete")
    assert account.phone is None and "****" in json.dumps(entry.changes)
    # logged out, cannot log in again with the old phone
    assert client.get("/accounts/").status_code == 302
    resp = client.post(LOGIN, {"pw-login": "deleted", "pw-password": PASSWORD, "op": "password"})
    assert resp.status_code == 400


@pytest.mark.django_db
def test_only_the_account_user_closes_it(mianyang):
    from django.core.exceptions import ValidationError

    from yingshang.accounts import machines  # noqa: F401
    from yingshang.platform.transitions import transition

    account, other = AccountFactory(), AccountFactory()
    with pytest.raises(ValidationError):
        transition(account, "close", actor=other.user)
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


@pytest.mark.django_db
def test_staff_have_no_applicant_pages(client, staff):
    client.force_login(staff["chuangkou"])
    assert client.get("/accounts/").status_code == 403
    assert client.get("/accounts/export.json").status_code == 403
