"""The accounts services called directly: registration refusals (all field errors at once,
nothing half-written), login and reset by code, real-name identities, the PIPL export and
deletion, the trusted ``ensure_account``, the close policy role by role and the public
helpers."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.accounts.factories import OUTBOX, PASSWORD, AccountFactory, last_code
from tests.core.factories import ric_for, uscc_for
from tests.registry.factories import EnterpriseFactory, PersonFactory
from yingshang.accounts import codes, policies, public, services
from yingshang.accounts.models import (
    Account,
    AccountKind,
    AccountStatus,
    AgentRole,
    CodePurpose,
    EnterpriseAuthorisation,
    OneTimeCode,
)
from yingshang.core.models import User
from yingshang.platform.models import AuditEntry
from yingshang.registry.models import Person, Representation, RepresentationStatus

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Fucheng-Reset-2026"


def _phone(n: int) -> str:
    return f"1360816{n:04d}"


def _refusal(call) -> dict:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict


def _code(phone, purpose=CodePurpose.REGISTER) -> str:
    services.request_code(phone=phone, purpose=purpose)
    return last_code(phone)


def _person(phone, **over):
    data = {
        "name": "赵明静",
        "id_number": ric_for("510703", "19950505", 211),
        "phone": phone,
        "password": PASSWORD,
    }
    data.update(over)
    if "code" not in data:
        data["code"] = _code(phone)
    return services.register_person(**data)


# --------------------------------------------------------------------------- lookups


def test_account_by_phone_finds_only_active_accounts_of_active_users():
    account = AccountFactory(phone=_phone(1))
    assert services.account_by_phone("+86 136-0816-0001") == account
    assert services.account_by_phone("not a phone") is None
    account.user.is_active = False
    account.user.save()
    assert services.account_by_phone(_phone(1)) is None
    other = AccountFactory(phone=_phone(2), status=AccountStatus.DELETED)
    assert services.account_by_phone(other.phone) is None


def test_a_phone_used_as_a_username_counts_as_registered():
    User.objects.create_user(username=_phone(3), password=PASSWORD)
    assert services.phone_registered(_phone(3))
    assert not services.phone_registered(_phone(4))
    err = _refusal(lambda: services.request_code(phone=_phone(3), purpose="register"))
    assert "已注册" in err["phone"][0]
    assert OUTBOX == []


def test_login_and_reset_codes_are_delivered_only_to_accounts():
    AccountFactory(phone=_phone(5))
    services.request_code(phone=_phone(5), purpose=CodePurpose.LOGIN)
    services.request_code(phone=_phone(6), purpose=CodePurpose.RESET)
    assert [m["phone"] for m in OUTBOX] == [_phone(5)]
    assert OneTimeCode.objects.filter(phone=_phone(6), purpose="reset").count() == 1


# --------------------------------------------------------------------------- registration


def test_person_registration_reports_every_field_error_at_once(mianyang):
    AccountFactory(phone=_phone(10))
    err = _refusal(
        lambda: services.register_person(
            name="  ", id_number="510703199505052110", phone=_phone(10), code="123456", password="x"
        )
    )
    assert set(err) == {"name", "id_number", "phone"}
    assert "校验码" in err["id_number"][0]
    assert Account.objects.count() == 1


def test_person_registration_with_a_wrong_code_writes_nothing(mianyang):
    _code(_phone(11))
    wrong = "000000" if last_code(_phone(11)) != "000000" else "111111"
    err = _refusal(lambda: _person(_phone(11), code=wrong))
    assert "验证码错误" in err["code"][0]
    assert not User.objects.filter(username=_phone(11)).exists()
    assert not Person.objects.filter(id_number=ric_for("510703", "19950505", 211)).exists()


def test_person_registration_checks_the_password_before_using_the_code(mianyang):
    code = _code(_phone(12))
    err = _refusal(lambda: _person(_phone(12), code=code, password="12345678"))
    assert "password1" in err
    assert OneTimeCode.objects.get(phone=_phone(12)).attempts == 0  # the code is still good
    account = _person(_phone(12), code=code)
    assert account.kind == AccountKind.PERSON and account.phone_verified_at is not None


def test_lower_case_x_in_the_id_number_is_the_same_number(mianyang):
    number = next(
        ric_for("510703", "19960101", n)
        for n in range(1000)
        if ric_for("510703", "19960101", n).endswith("X")
    )
    account = _person(_phone(13), id_number=number.lower())
    person = Person.objects.get(user=account.user)
    assert person.id_number == number
    assert AuditEntry.objects.filter(action="accounts.register", actor=account.user).exists()


def test_an_existing_person_is_linked_when_name_and_phone_agree(mianyang):
    person = PersonFactory(name="钱芳芳", phone=_phone(14))
    account = _person(_phone(14), name="钱芳芳", id_number=person.id_number)
    person.refresh_from_db()
    assert person.user_id == account.user_id
    assert Person.objects.filter(id_number=person.id_number).count() == 1


def test_an_existing_person_without_a_phone_is_linked_on_the_name_alone(mianyang):
    person = PersonFactory(name="孙伟", phone="")
    account = _person(_phone(15), name="孙伟", id_number=person.id_number)
    person.refresh_from_db()
    assert person.user_id == account.user_id and person.phone == _phone(15)


@pytest.mark.parametrize(("name", "phone_on_record"), [("别人", None), ("孙明", "13908169999")])
def test_an_existing_person_with_other_details_is_not_taken_over(mianyang, name, phone_on_record):
    person = PersonFactory(name="孙明", phone=phone_on_record or _phone(16))
    err = _refusal(lambda: _person(_phone(16), name=name, id_number=person.id_number))
    assert "不符" in err["id_number"][0]
    person.refresh_from_db()
    assert person.user_id is None


def test_an_id_number_with_an_account_is_refused(mianyang):
    first = _person(_phone(17))
    err = _refusal(lambda: _person(_phone(18)))
    assert "已注册账号" in err["id_number"][0]
    assert Person.objects.get(user=first.user).phone == _phone(17)


def _enterprise(phone, enterprise, **over):
    data = {
        "name": enterprise.legal_representative,
        "phone": phone,
        "password": PASSWORD,
        "uscc": enterprise.uscc,
        "role": AgentRole.LEGAL_REPRESENTATIVE,
    }
    data.update(over)
    if "code" not in data:
        data["code"] = _code(phone)
    if data["role"] == AgentRole.AGENT and "letter" not in data:  # the 授权委托书
        from tests.accounts.test_register import letter_file

        data["letter"] = letter_file()
    return services.register_enterprise(**data)


def test_legal_representative_registration_records_the_authorisation(mianyang):
    enterprise = EnterpriseFactory()
    account = _enterprise(_phone(20), enterprise, uscc=enterprise.uscc.lower())
    auth = EnterpriseAuthorisation.objects.get(account=account)
    assert (auth.uscc, auth.role, auth.valid_until) == (enterprise.uscc, "legal", None)
    assert auth.authorised_by == enterprise.legal_representative
    rep = Representation.objects.get(pk=auth.representation_id)
    assert rep.status == RepresentationStatus.PENDING and rep.user_id == account.user_id


def test_agent_registration_keeps_who_until_when_and_a_scope_cut_to_200(mianyang):
    enterprise = EnterpriseFactory()
    until = timezone.localdate() + datetime.timedelta(days=30)
    account = _enterprise(
        _phone(21),
        enterprise,
        name="经办人甲",
        role=AgentRole.AGENT,
        authorised_by=f"  {enterprise.legal_representative} ",
        valid_until=until,
        scope="办" * 250,
    )
    auth = account.authorisations.get()
    assert auth.authorised_by == enterprise.legal_representative
    assert auth.valid_until == until and len(auth.scope) == 200


def test_an_agent_authorisation_valid_today_is_accepted(mianyang):
    enterprise = EnterpriseFactory()
    account = _enterprise(
        _phone(22),
        enterprise,
        name="经办人乙",
        role=AgentRole.AGENT,
        authorised_by="某某",
        valid_until=timezone.localdate(),
    )
    assert account.authorisations.get().valid_until == timezone.localdate()


def test_enterprise_registration_refusals(mianyang):
    enterprise = EnterpriseFactory()
    agent = {"role": AgentRole.AGENT, "name": "经办人丙", "code": "123456"}
    cases = [
        ({"uscc": "91510703MA0000000X"}, "uscc", "校验码"),
        ({"uscc": uscc_for("510703", 9_999_999)}, "uscc", "企业开办"),
        ({"role": "owner"}, "role", "身份"),
        ({**agent, "valid_until": timezone.localdate()}, "authorised_by", "授权人"),
        ({**agent, "authorised_by": "甲"}, "valid_until", "授权有效期"),
        (
            {
                **agent,
                "authorised_by": "甲",
                "valid_until": timezone.localdate() - datetime.timedelta(1),
            },
            "valid_until",
            "已过",
        ),
        ({"name": "不是法人"}, "name", "法定代表人不一致"),
        ({"name": " "}, "name", "经办人姓名"),
    ]
    for over, field, text in cases:
        data = {"code": "123456", **over}
        err = _refusal(lambda d=data: _enterprise(_phone(23), enterprise, **d))
        assert text in " ".join(err.get(field, [])), (over, err)
    assert not Account.objects.filter(phone=_phone(23)).exists()
    assert not EnterpriseAuthorisation.objects.exists()


def test_an_enterprise_without_a_legal_representative_on_record_accepts_any_name(mianyang):
    enterprise = EnterpriseFactory(legal_representative="")
    account = _enterprise(_phone(24), enterprise, name="新法人")
    assert account.authorisations.get().authorised_by == ""


# --------------------------------------------------------------------------- login, reset


def test_login_by_code_for_an_unknown_phone_answers_like_a_wrong_code(monkeypatch):
    monkeypatch.setattr(codes, "new_code", lambda: "246810")
    AccountFactory(phone=_phone(29))
    for phone in (_phone(29), _phone(30)):
        services.request_code(phone=phone, purpose=CodePurpose.LOGIN)
    known = _refusal(lambda: services.login_by_code(phone=_phone(29), code="135790"))
    unknown = _refusal(lambda: services.login_by_code(phone=_phone(30), code="135790"))
    assert known == unknown == {"code": ["验证码错误，还可尝试 4 次。"]}
    assert OneTimeCode.objects.get(phone=_phone(30)).attempts == 1
    # even the stored (never sent) code does not log in without an account
    err = _refusal(lambda: services.login_by_code(phone=_phone(30), code="246810"))
    assert err["code"] == ["验证码错误。"]
    assert [m["phone"] for m in OUTBOX] == [_phone(29)]


def test_login_by_code_returns_the_user_once():
    account = AccountFactory(phone=_phone(31))
    code = _code(_phone(31), CodePurpose.LOGIN)
    assert services.login_by_code(phone=_phone(31), code=code) == account.user
    assert (
        "请先获取"
        in _refusal(lambda: services.login_by_code(phone=_phone(31), code=code))["code"][0]
    )


def test_a_register_code_does_not_log_in():
    AccountFactory(phone=_phone(32))
    row = codes.send_code(phone=_phone(32), purpose=CodePurpose.REGISTER)
    err = _refusal(lambda: services.login_by_code(phone=_phone(32), code=last_code(_phone(32))))
    assert "请先获取" in err["code"][0]
    assert OneTimeCode.objects.get(pk=row.pk).used_at is None


def test_reset_password_for_an_unknown_phone_and_a_bad_phone():
    err = _refusal(
        lambda: services.reset_password(phone=_phone(33), code="123456", password=NEW_PASSWORD)
    )
    assert "验证码错误或已过期" in err["code"][0]
    err = _refusal(lambda: services.reset_password(phone="12", code="1", password=NEW_PASSWORD))
    assert "phone" in err


def test_reset_password_refuses_a_weak_password_before_the_code_and_then_resets():
    account = AccountFactory(phone=_phone(34))
    code = _code(_phone(34), CodePurpose.RESET)
    err = _refusal(lambda: services.reset_password(phone=_phone(34), code=code, password="123"))
    assert err["password1"]
    account.user.refresh_from_db()
    assert account.user.check_password(PASSWORD)
    services.reset_password(phone=_phone(34), code=code, password=NEW_PASSWORD)
    account.user.refresh_from_db()
    assert account.user.check_password(NEW_PASSWORD) and not account.user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="password_reset", actor=account.user)
    assert len(entry.action) <= 20


def test_every_wrong_registration_code_counts_towards_the_tries(mianyang, settings):
    settings.ACCOUNTS_CODE_MAX_ATTEMPTS = 2
    code = _code(_phone(36))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(2):
        _refusal(lambda: _person(_phone(36), code=wrong))
    assert OneTimeCode.objects.get(phone=_phone(36)).attempts == 2
    err = _refusal(lambda: _person(_phone(36), code=code))
    assert "次数过多" in err["code"][0]
    assert not Account.objects.filter(phone=_phone(36)).exists()


def test_every_wrong_reset_code_counts_towards_the_tries(settings):
    """The reset is one transaction; a wrong code's refusal must not roll its try back, or the
    code could be guessed without limit."""
    settings.ACCOUNTS_CODE_MAX_ATTEMPTS = 3
    AccountFactory(phone=_phone(35))
    code = _code(_phone(35), CodePurpose.RESET)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(3):
        _refusal(
            lambda: services.reset_password(phone=_phone(35), code=wrong, password=NEW_PASSWORD)
        )
    assert OneTimeCode.objects.get(phone=_phone(35), purpose=CodePurpose.RESET).attempts == 3
    err = _refusal(
        lambda: services.reset_password(phone=_phone(35), code=code, password=NEW_PASSWORD)
    )
    assert "次数过多" in err["code"][0]


# --------------------------------------------------------------------------- real name


def test_one_provider_identity_binds_one_account():
    first, second = AccountFactory(), AccountFactory()
    services.link_realname(user=first.user, issuer="https://idp", subject="s1", name=" 张三 ")
    first.refresh_from_db()
    assert (first.real_name, first.realname_subject) == ("张三", "s1")
    assert first.realname_verified_at is not None
    err = _refusal(
        lambda: services.link_realname(
            user=second.user, issuer="https://idp", subject="s1", name="x"
        )
    )
    assert "已绑定其他账号" in err["realname"][0]
    # the same subject at another issuer is another identity
    services.link_realname(user=second.user, issuer="https://other", subject="s1", name="李四")
    # relinking the same identity to its own account is fine
    services.link_realname(user=first.user, issuer="https://idp", subject="s1", name="张三")


def test_the_released_id_number_links_a_person_record_only_when_free(mianyang):
    account = AccountFactory()
    number = ric_for("510703", "19980808", 41)
    services.link_realname(
        user=account.user, issuer="i", subject="a", name="周杰", id_number=number
    )
    assert Person.objects.get(id_number=number).user_id == account.user_id
    taken = PersonFactory(user=AccountFactory().user)
    other = AccountFactory()
    services.link_realname(
        user=other.user, issuer="i", subject="b", name="周敏", id_number=taken.id_number
    )
    taken.refresh_from_db()
    assert taken.user_id != other.user_id
    bogus = AccountFactory()
    services.link_realname(
        user=bogus.user, issuer="i", subject="c", name="x", id_number="510703199808080000"
    )
    assert not Person.objects.filter(user=bogus.user).exists()


def test_an_enterprise_account_gets_no_person_from_the_id_number(mianyang):
    account = AccountFactory(kind=AccountKind.ENTERPRISE)
    number = ric_for("510703", "19980808", 43)
    services.link_realname(user=account.user, issuer="i", subject="e", name="企", id_number=number)
    assert not Person.objects.filter(id_number=number).exists()


def test_account_from_realname_reuses_the_bound_account_and_never_takes_a_phone():
    user = services.account_from_realname(issuer="i", subject="x1", name="王", phone=_phone(40))
    assert user.username == _phone(40) and user.account.phone == _phone(40)
    assert not user.has_usable_password()
    again = services.account_from_realname(issuer="i", subject="x1", name="王", phone=_phone(41))
    assert again.pk == user.pk
    other = services.account_from_realname(issuer="i", subject="x2", name="李", phone=_phone(40))
    assert other.pk != user.pk and other.username.startswith("oidc-")
    assert other.account.phone is None
    bad = services.account_from_realname(issuer="i", subject="x3", name="赵", phone="hello")
    assert bad.phone == "" and Account.objects.get(user=bad).realname_subject == "x3"
    assert AuditEntry.objects.filter(action="accounts.register", actor=bad).exists()


def test_a_deleted_realname_account_is_not_reused(mianyang):
    user = services.account_from_realname(issuer="i", subject="gone", name="王")
    services.delete_account(user=user)
    # the identity was cleared on deletion: the next sign-in is a new account
    again = services.account_from_realname(issuer="i", subject="gone", name="王")
    assert again.pk != user.pk


# --------------------------------------------------------------------------- PIPL


def test_export_lists_the_account_person_authorisations_and_representations(mianyang):
    enterprise = EnterpriseFactory()
    account = _enterprise(_phone(50), enterprise)
    PersonFactory(user=account.user, name=enterprise.legal_representative)
    data = services.export_data(user=account.user)
    assert data["user"]["username"] == _phone(50) and data["user"]["last_login"] is None
    assert data["account"]["kind"] == "enterprise" and data["account"]["phone"] == _phone(50)
    assert data["account"]["realname_verified_at"] is None
    assert data["authorisations"] == [
        {
            "uscc": enterprise.uscc,
            "role": "legal",
            "authorised_by": enterprise.legal_representative,
            "valid_until": None,
            "scope": "",
        }
    ]
    assert data["representations"][0]["uscc"] == enterprise.uscc
    assert data["representations"][0]["status"] == "pending"
    assert data["person"]["name"] == enterprise.legal_representative
    assert data["cases"] == [] and data["appeals"] == []
    entry = AuditEntry.objects.get(action="accounts.export")
    assert entry.object_id == str(account.pk)


def test_export_of_a_user_without_an_account(mianyang, staff):
    user = staff["admin"]
    data = services.export_data(user=user)
    assert data["account"] is None and data["person"] is None and data["authorisations"] == []
    assert AuditEntry.objects.get(action="accounts.export").object_id == ""


def test_deletion_revokes_representations_unlinks_the_person_and_cannot_repeat(mianyang):
    enterprise = EnterpriseFactory()
    account = _enterprise(_phone(51), enterprise)
    person = PersonFactory(user=account.user)
    user = account.user
    services.delete_account(user=user)
    account.refresh_from_db()
    user.refresh_from_db()
    person.refresh_from_db()
    assert account.status == AccountStatus.DELETED and account.phone is None
    assert account.deleted_at is not None and account.events.filter(action="close").exists()
    assert user.username.startswith(f"deleted-{user.pk}-") and not user.is_active
    assert (user.full_name, user.phone, user.email) == ("", "", "")
    assert not user.has_usable_password()
    assert person.user_id is None
    assert Representation.objects.get(user=user).status == RepresentationStatus.REVOKED
    entry = AuditEntry.objects.get(action="accounts.delete")
    assert _phone(51) not in str(entry.changes) and "*" in entry.changes["phone"]
    err = _refusal(lambda: services.delete_account(user=user))
    assert "已注销" in err["confirm"][0]
    # the phone is free again
    assert not services.phone_registered(_phone(51)) or User.objects.filter(username=_phone(51))


def test_deletion_of_a_user_without_an_account_is_refused(mianyang, staff):
    err = _refusal(lambda: services.delete_account(user=staff["admin"]))
    assert err["confirm"]


def test_close_policy_role_by_role(mianyang, staff):
    account = AccountFactory()
    other = AccountFactory()
    assert policies.can(account.user, "close", account)
    assert not policies.can(other.user, "close", account)
    for user in staff.values():
        assert not policies.can(user, "close", account), user.username
    assert not policies.can(None, "close", account)
    with pytest.raises(ValidationError) as exc:
        policies.check(other.user, "close", account)
    assert "本人" in exc.value.message_dict["confirm"][0]


# --------------------------------------------------------------------------- trusted set-up


def test_ensure_account_is_idempotent_and_repairs():
    user = User.objects.create_user(username="demo-ent", password=PASSWORD)
    assert services.ensure_account(user=user, kind="person", phone=_phone(60)) == "created"
    assert services.ensure_account(user=user, kind="person", phone=_phone(60)) == "unchanged"
    user.refresh_from_db()
    assert user.phone == _phone(60)
    auth = {"uscc": uscc_for("510703", 42), "role": "legal", "authorised_by": "甲"}
    assert (
        services.ensure_account(user=user, kind="enterprise", phone=_phone(60), authorisation=auth)
        == "updated"
    )
    assert (
        services.ensure_account(user=user, kind="enterprise", phone=_phone(60), authorisation=auth)
        == "unchanged"
    )
    assert user.account.authorisations.count() == 1
    Account.objects.filter(user=user).update(status=AccountStatus.DELETED)
    assert services.ensure_account(user=user, kind="enterprise", phone=_phone(60)) == "updated"
    assert Account.objects.get(user=user).status == AccountStatus.ACTIVE
    user.phone = ""
    user.save()
    assert services.ensure_account(user=user, kind="enterprise", phone=_phone(60)) == "updated"
    with pytest.raises(ValidationError):
        services.ensure_account(user=user, kind="person", phone="123")


def test_public_phone_of(mianyang, staff):
    from django.contrib.auth.models import AnonymousUser

    account = AccountFactory(phone=_phone(70))
    assert public.phone_of(account.user) == _phone(70)
    assert public.phone_of(AnonymousUser()) == ""
    assert public.phone_of(staff["admin"]) == ""
    Account.objects.filter(pk=account.pk).update(status=AccountStatus.DELETED)
    assert public.phone_of(User.objects.get(pk=account.user_id)) == ""


def test_public_demo_accounts_are_copies():
    first = public.demo_accounts()
    assert first and all({"username", "phone", "kind"} <= set(a) for a in first)
    first[0]["phone"] = "changed"
    assert public.demo_accounts()[0]["phone"] != "changed"
