"""Writes of the accounts app: registration (person, enterprise), login by code, password reset,
real-name identity from an OpenID Connect provider, and the PIPL requests (data export,
deletion). Keyword-only; refusals are ``ValidationError`` keyed by form field."""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingshang.platform import audit, uploads
from yingshang.platform.masking import mask_phone
from yingshang.registry import public as registry

from . import codes
from .models import (
    Account,
    AccountKind,
    AccountStatus,
    AgentRole,
    CodePurpose,
    EnterpriseAuthorisation,
)

User = get_user_model()


def account_by_phone(phone: str) -> Account | None:
    try:
        phone = codes.normalise_phone(phone)
    except ValidationError:
        return None
    return (
        Account.objects.select_related("user")
        .filter(phone=phone, status=AccountStatus.ACTIVE, user__is_active=True)
        .first()
    )


def phone_registered(phone: str) -> bool:
    return (
        Account.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists()
    )


def request_code(*, phone: str, purpose: str, ip: str | None = None, now=None):
    """Send a code for registration (refused when the phone already has an account), login or
    reset (sent only when it has one; the same answer either way)."""
    phone = codes.normalise_phone(phone)
    if purpose == CodePurpose.REGISTER:
        if phone_registered(phone):
            raise ValidationError(
                {"phone": _("该手机号已注册，请直接登录或找回密码。")}, code="duplicate"
            )
        return codes.send_code(phone=phone, purpose=purpose, ip=ip, now=now)
    deliver = account_by_phone(phone) is not None
    return codes.send_code(phone=phone, purpose=purpose, ip=ip, deliver=deliver, now=now)


def _check_password(password: str, user) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from None


def _new_user(*, phone: str, full_name: str, password: str):
    user = User(username=phone, full_name=full_name.strip(), phone=phone, role="")
    _check_password(password, user)
    user.set_password(password)
    return user


def _confirm_registration(*, phone: str, name: str, password: str, code: str, now):
    """The new (unsaved) user once its password is acceptable and the registration code is
    confirmed. Called *outside* any transaction: a wrong code's try must stay counted (a
    rollback would undo it and let the code be guessed without limit)."""
    user = _new_user(phone=phone, full_name=name, password=password)
    codes.verify_code(phone=phone, purpose=CodePurpose.REGISTER, code=code, now=now)
    return user


def _create_account(*, user, kind: str, phone: str, now):
    """Save the confirmed user and its account; a phone taken meanwhile (the unique
    constraint) is a field error, not a 500."""
    try:
        with transaction.atomic():
            user.save()
            account = Account.objects.create(
                user=user, kind=kind, phone=phone, phone_verified_at=now
            )
    except IntegrityError:
        raise ValidationError({"phone": _("该手机号已注册，请直接登录或找回密码。")}) from None
    return user, account


def register_person(*, name: str, id_number: str, phone: str, code: str, password: str, now=None):
    """个人注册: the phone proven by its code, the ID number checked (GB 11643 via
    ``stdnum.cn.ric``). A person already in the registry is linked only when its registered phone
    is the verified one and the name matches; otherwise the account is refused (one ID number,
    one account — a stranger cannot take over a person's record by typing its number)."""
    now = now or timezone.now()
    name = (name or "").strip()
    errors = {}
    number = registry.normalise_ric(id_number)
    from yingshang.registry.models import Person, is_valid_ric

    if not name:
        errors["name"] = _("请填写姓名。")
    if not is_valid_ric(number):
        errors["id_number"] = _("居民身份证号码无效，请核对18位号码及末位校验码。")
    phone = codes.normalise_phone(phone)
    if phone_registered(phone):
        errors["phone"] = _("该手机号已注册，请直接登录或找回密码。")
    person = Person.objects.filter(id_number=number).first() if "id_number" not in errors else None
    if person is not None:
        if person.user_id:
            errors["id_number"] = _("该身份证号码已注册账号，请直接登录或找回密码。")
        elif person.name != name or (person.phone and person.phone != phone):
            errors["id_number"] = _(
                "该身份证号码的登记信息与您填写的姓名或手机号不符，请到政务服务大厅核验。"
            )
    if errors:
        raise ValidationError(errors)
    user = _confirm_registration(phone=phone, name=name, password=password, code=code, now=now)
    with transaction.atomic():
        user, account = _create_account(user=user, kind=AccountKind.PERSON, phone=phone, now=now)
        registry.register_person(id_number=number, name=name, phone=phone, user=user)
        audit.record(
            "accounts.register",
            instance=account,
            user=user,
            changes={"kind": "person", "phone": mask_phone(phone)},
        )
    return account


def register_enterprise(**fields):
    """企业注册: an account for a person acting for an enterprise, as its legal representative or
    an authorised agent (the authorisation — who, until when, for what — is recorded, and the
    agent's 授权委托书 ``letter`` is uploaded through the upload service for the staff who verify
    the request). The account only *asks* to act for the enterprise: the registry's
    representation request stays pending until verified; typing a USCC gives nothing. Nothing
    is written, and no file left, when anything is refused."""
    with uploads.cleanup_on_error():
        return _register_enterprise(**fields)


def _register_enterprise(
    *,
    name: str,
    phone: str,
    code: str,
    password: str,
    uscc: str,
    role: str,
    authorised_by: str = "",
    valid_until: datetime.date | None = None,
    scope: str = "",
    letter=None,
    now=None,
):
    now = now or timezone.now()
    name = (name or "").strip()
    errors = {}
    code_uscc = (registry.normalise_uscc(uscc) or "").upper()
    from yingshang.registry.models import Enterprise
    from yingshang.registry.models import validate_uscc as _validate

    if not name:
        errors["name"] = _("请填写经办人姓名。")
    try:
        _validate(code_uscc)
    except ValidationError:
        errors["uscc"] = _("统一社会信用代码无效，请核对18位代码及末位校验码。")
    enterprise = None
    if "uscc" not in errors:
        enterprise = Enterprise.objects.filter(uscc=code_uscc).first()
        if enterprise is None:
            errors["uscc"] = _(
                "登记库中没有该企业。新设立的企业请先办理“企业开办”，取得执照后再注册企业账号。"
            )
    if role not in AgentRole.values:
        errors["role"] = _("请选择您的身份。")
    elif role == AgentRole.AGENT:
        if not (authorised_by or "").strip():
            errors["authorised_by"] = _("请填写授权人（法定代表人）姓名。")
        if valid_until is None:
            errors["valid_until"] = _("请填写授权有效期。")
        elif valid_until < timezone.localdate(now):
            errors["valid_until"] = _("授权有效期已过。")
        if letter is None:
            errors["letter"] = _("请上传授权委托书（PDF、JPG、PNG 或 OFD）。")
        else:
            try:
                uploads.check(letter, uploads.AUTHORISATION_LETTER)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    elif (
        enterprise is not None
        and name  # a blank name keeps its own message ("请填写经办人姓名")
        and enterprise.legal_representative
        and (enterprise.legal_representative != name)
    ):
        errors["name"] = _(
            "您的姓名与该企业登记的法定代表人不一致；如为经办人，请选择“授权经办人”。"
        )
    phone = codes.normalise_phone(phone)
    if phone_registered(phone):
        errors["phone"] = _("该手机号已注册，请直接登录或找回密码。")
    if errors:
        raise ValidationError(errors)
    user = _confirm_registration(phone=phone, name=name, password=password, code=code, now=now)
    with transaction.atomic():
        user, account = _create_account(
            user=user, kind=AccountKind.ENTERPRISE, phone=phone, now=now
        )
        rep = registry.request_representation(
            user=user, uscc_code=code_uscc, letter=letter if role == AgentRole.AGENT else None
        )
        EnterpriseAuthorisation.objects.create(
            account=account,
            uscc=code_uscc,
            role=role,
            authorised_by=(authorised_by or "").strip()
            if role == AgentRole.AGENT
            else enterprise.legal_representative,
            valid_until=valid_until if role == AgentRole.AGENT else None,
            scope=(scope or "").strip()[:200],
            representation_id=rep.pk,
        )
        audit.record(
            "accounts.register",
            instance=account,
            user=user,
            changes={"kind": "enterprise", "uscc": code_uscc, "role": role},
        )
    return account


def login_by_code(*, phone: str, code: str, now=None):
    """The user of the account with this phone when ``code`` is its current login code.
    Without an account the code cannot match (none was sent): the same message as a wrong code."""
    account = account_by_phone(phone)
    if account is None:
        phone = codes.normalise_phone(phone)
        # a stored row (not delivered) still counts the tries
        codes.verify_code(phone=phone, purpose=CodePurpose.LOGIN, code=code, now=now)
        raise ValidationError({"code": _("验证码错误。")}, code="wrong")
    codes.verify_code(phone=account.phone, purpose=CodePurpose.LOGIN, code=code, now=now)
    return account.user


def reset_password(*, phone: str, code: str, password: str, now=None):
    """找回密码: a new password for the account of this phone, proven by a reset code."""
    account = account_by_phone(phone)
    if account is None:
        codes.normalise_phone(phone)
        raise ValidationError({"code": _("验证码错误或已过期，请重新获取。")}, code="wrong")
    user = account.user
    _check_password(password, user)
    # outside a transaction: a wrong code's try stays counted (see _confirm_registration)
    codes.verify_code(phone=account.phone, purpose=CodePurpose.RESET, code=code, now=now)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record("password_reset", instance=account, user=user)
    return user


# --------------------------------------------------------------------------- real-name (OIDC)


@transaction.atomic
def link_realname(*, user, issuer: str, subject: str, name: str, id_number: str = "", now=None):
    """Attach the identity an OpenID Connect provider verified (its ``iss`` and ``sub``, the
    real name and, when released, the ID number) to ``user``'s account. One provider identity,
    one account."""
    now = now or timezone.now()
    account = Account.objects.select_for_update().get(user=user)
    other = (
        Account.objects.filter(realname_issuer=issuer, realname_subject=subject)
        .exclude(pk=account.pk)
        .exists()
    )
    if other:
        raise ValidationError({"realname": _("该实名身份已绑定其他账号。")})
    account.realname_issuer, account.realname_subject = issuer, subject
    account.real_name, account.realname_verified_at = (name or "").strip(), now
    account.save()
    number = registry.normalise_ric(id_number) if id_number else ""
    if number and account.kind == AccountKind.PERSON:
        from yingshang.registry.models import Person, is_valid_ric

        person = Person.objects.filter(id_number=number).first()
        if is_valid_ric(number) and (person is None or person.user_id in (None, user.pk)):
            registry.register_person(id_number=number, name=account.real_name, user=user)
    audit.record("accounts.realname", instance=account, user=user, changes={"issuer": issuer})
    return account


@transaction.atomic
def account_from_realname(
    *, issuer: str, subject: str, name: str, phone: str = "", id_number: str = ""
):
    """The user signed in by a real-name provider: the account already bound to this identity,
    or a new person account (no password: it logs in through the provider or by code)."""
    account = (
        Account.objects.select_related("user")
        .filter(realname_issuer=issuer, realname_subject=subject, status=AccountStatus.ACTIVE)
        .first()
    )
    if account is not None:
        return account.user
    try:
        phone = codes.normalise_phone(phone) if phone else ""
    except ValidationError:
        phone = ""
    if phone and phone_registered(phone):
        phone = ""  # the phone belongs to another account: do not take it over
    username = phone or f"oidc-{secrets.token_hex(6)}"
    user = User(username=username, full_name=(name or "").strip(), phone=phone, role="")
    user.set_unusable_password()
    user.save()
    Account.objects.create(user=user, kind=AccountKind.PERSON, phone=phone or None)
    link_realname(user=user, issuer=issuer, subject=subject, name=name, id_number=id_number)
    audit.record(
        "accounts.register",
        user=user,
        object_type="accounts.Account",
        object_id=str(user.pk),
        changes={"kind": "person", "via": "oidc"},
    )
    return user


# --------------------------------------------------------------------------- PIPL


def export_data(*, user) -> dict:
    """Everything the platform holds about this applicant (PIPL art. 45): account, identity,
    enterprises asked for, authorisations, cases and appeals. Audited."""
    from yingshang.registry.models import Person, Representation

    account = Account.objects.filter(user=user).first()
    person = Person.objects.filter(user=user).first()
    data = {
        "exported_at": timezone.now().isoformat(),
        "user": {
            "username": user.username,
            "full_name": user.full_name,
            "phone": user.phone,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "account": None,
        "person": None,
        "representations": [
            {
                "uscc": r.enterprise.uscc,
                "enterprise": r.enterprise.name,
                "status": r.status,
                "requested_at": r.requested_at.isoformat(),
            }
            for r in Representation.objects.filter(user=user).select_related("enterprise")
        ],
        "authorisations": [],
        "cases": _cases_of(user),
        "appeals": _appeals_of(user),
    }
    if account is not None:
        data["account"] = {
            "kind": account.kind,
            "phone": account.phone,
            "status": account.status,
            "created_at": account.created_at.isoformat(),
            "real_name": account.real_name,
            "realname_issuer": account.realname_issuer,
            "realname_verified_at": account.realname_verified_at.isoformat()
            if account.realname_verified_at
            else None,
        }
        data["authorisations"] = [
            {
                "uscc": a.uscc,
                "role": a.role,
                "authorised_by": a.authorised_by,
                "valid_until": a.valid_until.isoformat() if a.valid_until else None,
                "scope": a.scope,
            }
            for a in account.authorisations.all()
        ]
    if person is not None:
        data["person"] = {"name": person.name, "id_number": person.id_number, "phone": person.phone}
    audit.record(
        "accounts.export",
        user=user,
        object_type="accounts.Account",
        object_id=str(account.pk if account else ""),
        object_repr=user.username,
    )
    return data


def _cases_of(user) -> list:
    from yingshang.cases.models import Case

    return [
        {"number": c.number, "status": c.status, "submitted_at": c.submitted_at.isoformat()}
        for c in Case.objects.filter(user=user).order_by("id")
    ]


def _appeals_of(user) -> list:
    from yingshang.appeals.models import Appeal

    return [
        {"number": a.number, "status": a.status}
        for a in Appeal.objects.filter(applicant_user=user).order_by("id")
    ]


@transaction.atomic
def delete_account(*, user, now=None):
    """注销账号 on request (PIPL art. 47), through the account machine (``close``, by the
    account's own user): the sign-in data is anonymised (username, name, phone, e-mail, password,
    real-name identity), the enterprise representations are revoked, the person record is
    unlinked. Cases and appeals stay (public records the departments must keep) but no longer
    point to anyone who can sign in. Audited; cannot be undone."""
    from yingshang.platform.transitions import transition
    from yingshang.registry.models import Person, Representation, RepresentationStatus

    from . import machines  # noqa: F401 - registers the machine

    now = now or timezone.now()
    account = Account.objects.filter(user=user).first()
    if account is None or account.status != AccountStatus.ACTIVE:
        raise ValidationError({"confirm": _("账号不存在或已注销。")})
    masked = mask_phone(account.phone or "")
    account = transition(account, "close", actor=user, channel="web", now=now)
    for rep in Representation.objects.filter(user=user).exclude(
        status__in=[RepresentationStatus.REVOKED, RepresentationStatus.REJECTED]
    ):
        registry_revoke(rep)
    Person.objects.filter(user=user).update(user=None)
    account.phone = None
    account.deleted_at = now
    account.real_name = ""
    account.realname_issuer = account.realname_subject = ""
    account.save()
    user.username = f"deleted-{user.pk}-{secrets.token_hex(4)}"
    user.full_name = ""
    user.first_name = user.last_name = user.email = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    audit.record(
        "accounts.delete",
        instance=account,
        user=user,
        changes={"phone": masked, "deleted_at": now.isoformat()},
    )
    return account


def registry_revoke(rep) -> None:
    """Revoke a representation of a deleted account (the system acts: the account is gone)."""
    registry.revoke_representation(rep, user=None, note="account deleted")


@transaction.atomic
def ensure_account(*, user, kind: str, phone: str, authorisation: dict | None = None) -> str:
    """A trusted set-up (the demo, imports by administrators): ``user`` gets an active account
    with this verified phone (and, for an enterprise account, the authorisation record).
    Idempotent: returns "created", "updated" or "unchanged"."""
    phone = codes.normalise_phone(phone)
    account = Account.objects.filter(user=user).first()
    status = "unchanged"
    if account is None:
        account = Account.objects.create(
            user=user, kind=kind, phone=phone, phone_verified_at=timezone.now()
        )
        status = "created"
    elif (account.kind, account.phone, account.status) != (kind, phone, AccountStatus.ACTIVE):
        account.kind, account.phone, account.status = kind, phone, AccountStatus.ACTIVE
        account.phone_verified_at = account.phone_verified_at or timezone.now()
        account.save()
        status = "updated"
    if user.phone != phone:
        user.phone = phone
        user.save(update_fields=["phone"])
        status = "updated" if status == "unchanged" else status
    if authorisation and not account.authorisations.filter(uscc=authorisation["uscc"]).exists():
        EnterpriseAuthorisation.objects.create(account=account, **authorisation)
        status = "updated" if status == "unchanged" else status
    return status
