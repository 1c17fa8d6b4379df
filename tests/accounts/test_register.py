"""Registration of persons and enterprises through the pages: the code button keeps what was
typed, field errors beside the field in zh and en, duplicates, invalid ID numbers and USCCs,
and an enterprise account that only *asks* to represent an enterprise."""

import datetime

import pytest
from django.utils import timezone

from tests.accounts.factories import OUTBOX, PASSWORD, AccountFactory, last_code
from tests.core.factories import ric_for, uscc_for
from tests.registry.factories import EnterpriseFactory
from yingshang.accounts.models import Account, AccountKind, AgentRole, EnterpriseAuthorisation
from yingshang.registry import public as registry
from yingshang.registry.models import Person, Representation, RepresentationStatus

PHONE = "13908163001"
PERSON_URL = "/accounts/register/person/"
ENTERPRISE_URL = "/accounts/register/enterprise/"


def person_data(**over):
    data = {
        "name": "王小红",
        "id_number": ric_for("510703", "19930101", 123),
        "phone": PHONE,
        "code": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "agree": "on",
        "op": "submit",
    }
    data.update(over)
    return data


def _send(client, url, data):
    resp = client.post(url, {**data, "op": "send"})
    assert resp.status_code == 200, resp.content.decode()[:2000]
    return resp


def _errors(resp, field):
    form = resp.context["form"]
    return " ".join(form.errors.get(field, []))


@pytest.mark.django_db
def test_person_registers_with_a_code_and_is_logged_in(client, mianyang):
    resp = _send(client, PERSON_URL, person_data())
    page = resp.content.decode()
    assert "王小红" in page  # the typed values are kept when the code is sent
    assert "139****3001" in page
    code = last_code(PHONE)
    resp = client.post(PERSON_URL, person_data(code=code))
    assert resp.status_code == 302, resp.context["form"].errors
    assert resp.url == "/accounts/"
    account = Account.objects.get(phone=PHONE)
    assert account.kind == AccountKind.PERSON and account.phone_verified_at
    person = Person.objects.get(user=account.user)
    assert person.name == "王小红" and person.phone == PHONE
    assert client.get("/accounts/").status_code == 200  # signed in
    assert account.user.check_password(PASSWORD)
    assert not account.user.role


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "id_number", "message"),
    [
        ("zh-hans", "510703199301011234", "居民身份证号码无效"),
        ("en", "510703199301011234", "ID card number is not valid"),
        ("zh-hans", "51070319930101", "居民身份证号码为18位"),
        ("en", "51070319930101", "18 characters"),
    ],
)
def test_invalid_id_number_is_shown_beside_the_field(client, mianyang, lang, id_number, message):
    _send(client, PERSON_URL, person_data())
    resp = client.post(
        PERSON_URL,
        person_data(id_number=id_number, code=last_code(PHONE)),
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert resp.status_code == 400
    assert message in _errors(resp, "id_number")
    page = resp.content.decode()
    assert 'id="id_id_number_errors"' in page and message in page
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_wrong_code_weak_password_and_mismatch_are_field_errors(client, mianyang):
    _send(client, PERSON_URL, person_data())
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    resp = client.post(PERSON_URL, person_data(code=wrong))
    assert resp.status_code == 400 and "验证码错误" in _errors(resp, "code")
    resp = client.post(
        PERSON_URL, person_data(code=code, password1="12345678901", password2="12345678901")
    )
    assert resp.status_code == 400 and "只包含数字" in _errors(resp, "password1")
    resp = client.post(PERSON_URL, person_data(code=code, password2="another-password-2026"))
    assert resp.status_code == 400 and "不一致" in _errors(resp, "password2")
    resp = client.post(PERSON_URL, person_data(code=code, agree=""))
    assert resp.status_code == 400 and "个人信息保护" in _errors(resp, "agree")
    # the code was not used by the refused attempts that did not reach it
    resp = client.post(PERSON_URL, person_data(code=code))
    assert resp.status_code == 302


@pytest.mark.django_db
def test_send_without_a_valid_phone_shows_the_phone_error_only(client, mianyang):
    resp = client.post(PERSON_URL, person_data(phone="1234", op="send"))
    form = resp.context["form"]
    assert list(form.errors) == ["phone"] and OUTBOX == []


@pytest.mark.django_db
def test_duplicate_phone_is_refused(client, mianyang):
    account = AccountFactory()
    resp = client.post(PERSON_URL, person_data(phone=account.phone, op="send"))
    assert "已注册" in _errors(resp, "phone") and OUTBOX == []
    resp = client.post(PERSON_URL, person_data(phone=account.phone, code="123456"))
    assert resp.status_code == 400 and "已注册" in _errors(resp, "phone")


@pytest.mark.django_db
def test_an_id_number_with_an_account_or_other_details_is_not_taken_over(client, mianyang):
    owner = AccountFactory()
    number = ric_for("510703", "19950505", 11)
    registry.register_person(id_number=number, name="刘一", user=owner.user)
    _send(client, PERSON_URL, person_data(id_number=number, name="刘一"))
    resp = client.post(
        PERSON_URL, person_data(id_number=number, name="刘一", code=last_code(PHONE))
    )
    assert resp.status_code == 400 and "已注册账号" in _errors(resp, "id_number")
    # a registry person without an account but with another phone: refused too
    other = ric_for("510703", "19950505", 13)
    registry.register_person(id_number=other, name="刘二", phone="13908169999")
    resp = client.post(PERSON_URL, person_data(id_number=other, name="刘二", code=last_code(PHONE)))
    assert resp.status_code == 400 and "不符" in _errors(resp, "id_number")
    assert Person.objects.get(id_number=other).user is None


def enterprise_data(enterprise, **over):
    data = {
        "uscc": enterprise.uscc if enterprise else uscc_for("510703", 9_999_001),
        "role": AgentRole.AGENT,
        "name": "赵经办",
        "authorised_by": enterprise.legal_representative if enterprise else "钱法人",
        "valid_until": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        "scope": "办理企业登记、许可事项",
        "phone": PHONE,
        "code": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "agree": "on",
        "op": "submit",
        "letter": letter_file(),
    }
    data.update(over)
    return data


def letter_file(name="授权委托书.pdf", content=b"%PDF-1.4\n%letter\n%%EOF\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.django_db
def test_enterprise_agent_registers_and_the_representation_stays_pending(client, mianyang):
    enterprise = EnterpriseFactory()
    _send(client, ENTERPRISE_URL, enterprise_data(enterprise))
    resp = client.post(ENTERPRISE_URL, enterprise_data(enterprise, code=last_code(PHONE)))
    assert resp.status_code == 302 and resp.url == "/my/enterprises/"
    account = Account.objects.get(phone=PHONE)
    assert account.kind == AccountKind.ENTERPRISE
    rep = Representation.objects.get(user=account.user)
    assert rep.status == RepresentationStatus.PENDING and rep.enterprise == enterprise
    record = EnterpriseAuthorisation.objects.get(account=account)
    assert record.role == AgentRole.AGENT and record.representation_id == rep.pk
    assert record.authorised_by == enterprise.legal_representative
    # typing the USCC gave nothing: the enterprise is not among the account's holders
    assert enterprise not in registry.holders_for_user(account.user)


@pytest.mark.django_db
def test_enterprise_bad_inputs(client, mianyang):
    enterprise = EnterpriseFactory()
    resp = client.post(ENTERPRISE_URL, enterprise_data(enterprise, uscc="91510703MA00000000"))
    assert resp.status_code == 400 and "统一社会信用代码无效" in _errors(resp, "uscc")
    resp = client.post(
        ENTERPRISE_URL,
        enterprise_data(enterprise, uscc="91510703MA00000000"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "credit code is not valid" in _errors(resp, "uscc")
    resp = client.post(
        ENTERPRISE_URL, enterprise_data(enterprise, authorised_by="", valid_until="")
    )
    assert resp.status_code == 400
    assert _errors(resp, "authorised_by") and _errors(resp, "valid_until")
    # unknown enterprise: the registry has no record (a new company goes through 企业开办)
    _send(client, ENTERPRISE_URL, enterprise_data(None))
    resp = client.post(ENTERPRISE_URL, enterprise_data(None, code=last_code(PHONE)))
    assert resp.status_code == 400 and "企业开办" in _errors(resp, "uscc")
    # a legal representative whose name is not the registered one
    resp = client.post(
        ENTERPRISE_URL,
        enterprise_data(
            enterprise, role=AgentRole.LEGAL_REPRESENTATIVE, name="冒名者", code=last_code(PHONE)
        ),
    )
    assert resp.status_code == 400 and "法定代表人不一致" in _errors(resp, "name")
    assert not Account.objects.exists()
