"""The accounts forms field by field (no database: what the pages refuse before a service is
called) and the reads behind the login page (the real-name provider's label, the demo box, the
fake SMS provider, the demo outbox)."""

import datetime

import pytest
from django.core.cache import cache

from tests.accounts.factories import PASSWORD
from tests.core.factories import ric_for, uscc_for
from yingshang.accounts import demo_outbox, selectors
from yingshang.accounts.forms import (
    CodeLoginForm,
    DeleteForm,
    DemoIdentityForm,
    EnterpriseRegisterForm,
    OpForm,
    PersonRegisterForm,
    ResetForm,
)

RIC = ric_for("510703", "19950505", 211)
USCC = uscc_for("510703", 7_100_001)


def _person(**over):
    data = {
        "name": "王小红",
        "id_number": RIC,
        "phone": "13908163001",
        "code": "123456",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "agree": "on",
    }
    data.update(over)
    return PersonRegisterForm(data)


def _enterprise(**over):
    data = {
        "uscc": USCC,
        "role": "legal",
        "name": "王小红",
        "phone": "13908163001",
        "code": "123456",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "agree": "on",
    }
    letter = over.pop("letter", "default")
    data.update(over)
    files = {}
    if data["role"] == "agent" and letter == "default":  # an agent sends the 授权委托书
        from tests.accounts.test_register import letter_file

        files["letter"] = letter_file()
    return EnterpriseRegisterForm(data, files)


def test_op_form_names_the_button_and_defaults_to_submit():
    assert OpForm({"op": "send"}).value() == "send"
    assert OpForm({}).value() == "submit"
    assert OpForm({"op": "x" * 21}).value() == "submit"  # too long: invalid, not trusted


def test_a_valid_person_form_cleans_its_values():
    form = _person(id_number=RIC.lower(), phone="+86 139-0816-3001", code=" 123456 ")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == RIC.upper()
    assert form.cleaned_data["phone"] == "13908163001"
    assert form.cleaned_data["code"] == "123456"


@pytest.mark.parametrize(
    ("over", "field", "text"),
    [
        ({"id_number": RIC[:17]}, "id_number", "18位"),
        ({"id_number": RIC[:17] + ("0" if RIC[-1] != "0" else "1")}, "id_number", "校验码"),
        ({"phone": "0816-2220000"}, "phone", "手机号码"),
        ({"code": "12345"}, "code", "6位数字"),
        ({"code": "12a456"}, "code", "6位数字"),
        ({"password2": PASSWORD + "x"}, "password2", "不一致"),
        ({"agree": ""}, "agree", "个人信息保护告知书"),
        ({"name": ""}, "name", ""),
    ],
)
def test_person_form_field_errors(over, field, text):
    form = _person(**over)
    assert not form.is_valid()
    assert text in " ".join(form.errors[field])
    assert set(form.errors) == {field}  # only the field at fault


def test_a_missing_first_password_does_not_complain_about_the_second():
    form = _person(password1="", password2="x")
    assert not form.is_valid()
    assert "password1" in form.errors and "password2" not in form.errors


def test_the_enterprise_form_upper_cases_the_uscc_and_checks_it():
    form = _enterprise(uscc=USCC.lower())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uscc"] == USCC
    bad = _enterprise(uscc=USCC[:17] + ("0" if USCC[-1] != "0" else "1"))
    assert not bad.is_valid() and "校验码" in bad.errors["uscc"][0]
    short = _enterprise(uscc=USCC[:10])
    assert "18位" in short.errors["uscc"][0]


def test_an_agent_must_name_who_authorised_and_until_when():
    form = _enterprise(role="agent")
    assert not form.is_valid()
    assert set(form.errors) == {"authorised_by", "valid_until"}
    form = _enterprise(role="agent", authorised_by="李某", valid_until="2027-01-31", letter=None)
    assert set(form.errors) == {"letter"}  # and the letter of authorisation
    form = _enterprise(role="agent", authorised_by="李某", valid_until="2027-01-31")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["valid_until"] == datetime.date(2027, 1, 31)
    legal = _enterprise(role="legal")
    assert legal.is_valid()  # a legal representative needs neither


@pytest.mark.parametrize("typed", ["2027/01/31", "2027年01月31日", "2027-01-31"])
def test_the_validity_date_accepts_the_chinese_input_formats(typed):
    form = _enterprise(role="agent", authorised_by="李某", valid_until=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["valid_until"] == datetime.date(2027, 1, 31)


def test_unknown_role_is_refused():
    form = _enterprise(role="owner")
    assert not form.is_valid() and "role" in form.errors


def test_code_login_and_reset_forms_order_and_check():
    assert list(CodeLoginForm().fields) == ["phone", "code"]
    assert list(ResetForm().fields) == ["phone", "code", "password1", "password2"]
    assert not CodeLoginForm({"phone": "13908163001", "code": ""}).is_valid()
    form = ResetForm({"phone": "13908163001", "code": "654321", "password1": "a", "password2": "b"})
    assert not form.is_valid() and "password2" in form.errors


@pytest.mark.django_db
def test_delete_form_asks_for_the_password_only_when_there_is_one():
    from yingshang.core.models import User

    user = User.objects.create_user(username="13908163002", password=PASSWORD)
    assert "当前密码" in DeleteForm({"confirm": "on"}, user=user).errors["password"][0]
    assert DeleteForm({"confirm": "on", "password": "nope"}, user=user).errors["password"] == [
        "密码错误。"
    ]
    assert DeleteForm({"confirm": "on", "password": PASSWORD}, user=user).is_valid()
    assert "confirm" in DeleteForm({"password": PASSWORD}, user=user).errors
    user.set_unusable_password()
    assert DeleteForm({"confirm": "on"}, user=user).is_valid()  # real-name only account


def test_demo_identity_form_offers_the_identities_by_index():
    form = DemoIdentityForm(identities=[{"name": "张三", "sub": "a"}, {"name": "李四", "sub": "b"}])
    assert form.fields["identity"].choices == [("0", "张三 · a"), ("1", "李四 · b")]
    assert form.fields["identity"].initial == "0"
    bound = DemoIdentityForm({"identity": "2"}, identities=[{"name": "张三", "sub": "a"}])
    assert not bound.is_valid()


# --------------------------------------------------------------------------- reads


def test_identity_provider_name(settings):
    settings.ACCOUNTS_OIDC = {}
    assert selectors.identity_provider_name() == ""
    settings.ACCOUNTS_OIDC = {"issuer": "https://idp.example", "client_id": ""}
    assert selectors.identity_provider_name() == ""
    settings.ACCOUNTS_OIDC = {"issuer": "https://idp.example", "client_id": "c"}
    assert selectors.identity_provider_name() == "OpenID Connect"
    settings.ACCOUNTS_OIDC = {
        "issuer": "https://idp.example",
        "client_id": "c",
        "label": "天府通办",
    }
    assert selectors.identity_provider_name() == "天府通办"
    settings.ACCOUNTS_OIDC = None
    assert selectors.identity_provider_name() == ""


@pytest.mark.parametrize(
    ("demo", "endpoint", "expected"),
    [
        (True, "127.0.0.1:8025", "127.0.0.1:8025"),
        (True, "localhost:9000", "localhost:9000"),
        (True, "[::1]:9000", "[::1]:9000"),
        (True, "sms.example.com:443", ""),  # a real provider is never shown
        (True, "", ""),
        (False, "127.0.0.1:8025", ""),  # not the demo
    ],
)
def test_fake_sms_endpoint_is_local_and_demo_only(settings, demo, endpoint, expected):
    settings.ACCOUNTS_DEMO = demo
    settings.SMS_ENDPOINT = endpoint
    assert selectors.fake_sms_endpoint() == expected


def test_fake_sms_messages_none_outside_the_demo_or_when_the_provider_is_down(settings):
    settings.ACCOUNTS_DEMO = False
    assert selectors.fake_sms_messages() is None
    settings.ACCOUNTS_DEMO = True
    settings.ACCOUNTS_CODE_SENDER = "tests.accounts.factories.record_sms"
    settings.SMS_ENDPOINT = "127.0.0.1:9"  # discard port: nothing answers
    assert selectors.fake_sms_messages("13908163001") is None


def test_the_demo_outbox_keeps_the_last_fifty_and_filters_by_phone(settings):
    settings.ACCOUNTS_DEMO = True
    settings.ACCOUNTS_CODE_SENDER = "yingshang.accounts.demo_outbox.send"
    cache.delete(demo_outbox.KEY)
    assert selectors.uses_demo_outbox()
    for i in range(55):
        demo_outbox.send(
            phone=f"1390816{i % 2:04d}", template="otp", values={"code": f"{i:06d}", "minutes": 5}
        )
    kept = demo_outbox.messages()
    assert len(kept) == 50 and "000054" in kept[-1]["text"] and "000005" in kept[0]["text"]
    assert "5分钟内有效" in kept[-1]["text"]
    mine = selectors.fake_sms_messages("13908160001")
    assert mine and all(m["phone"] == "13908160001" for m in mine)
    assert len(selectors.fake_sms_messages()) == 50
    cache.delete(demo_outbox.KEY)
    settings.ACCOUNTS_DEMO = False
    assert not selectors.uses_demo_outbox()


@pytest.mark.django_db
def test_demo_context_lists_only_demo_accounts_that_exist(settings):
    from yingshang.accounts.demo_data import DEMO_ACCOUNTS
    from yingshang.accounts.services import ensure_account
    from yingshang.core.models import User

    settings.ACCOUNTS_DEMO = False
    assert selectors.demo_context() is None
    settings.ACCOUNTS_DEMO = True
    settings.SMS_ENDPOINT = ""
    settings.ACCOUNTS_CODE_SENDER = "tests.accounts.factories.record_sms"
    assert selectors.demo_context() == {"accounts": [], "sms": False}
    first = DEMO_ACCOUNTS[0]
    user = User.objects.create_user(username=first["username"], password=PASSWORD)
    ensure_account(user=user, kind=first["kind"], phone=first["phone"])
    context = selectors.demo_context()
    assert [a["phone"] for a in context["accounts"]] == [first["phone"]]
    settings.SMS_ENDPOINT = "127.0.0.1:8025"
    assert selectors.demo_context()["sms"] is True


@pytest.mark.django_db
def test_account_of_and_authorisations_of():
    from django.contrib.auth.models import AnonymousUser

    from tests.accounts.factories import AccountFactory
    from yingshang.accounts.models import EnterpriseAuthorisation

    account = AccountFactory()
    other = AccountFactory()
    EnterpriseAuthorisation.objects.create(account=other, uscc=USCC, role="legal")
    assert selectors.account_of(account.user) == account
    assert selectors.account_of(AnonymousUser()) is None
    assert selectors.person_of(account.user) is None
    assert not selectors.authorisations_of(account.user).exists()
    assert selectors.authorisations_of(other.user).get().uscc == USCC
