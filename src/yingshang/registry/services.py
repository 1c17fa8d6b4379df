"""Writes of the registry: enterprises, persons, licence types and e-licences (电子证照).

The cases app calls ``issue_elicence`` when a case ends with a licence, and
``selectors.licence_for`` when an application may take a document from the registry (免提交).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.cn.uscc import is_valid as uscc_is_valid

from yingshang.core.policies import is_portal_user
from yingshang.platform import uploads
from yingshang.platform.masking import mask_phone

from . import policies, verification
from .models import (
    ELicence,
    Enterprise,
    LicenceType,
    Person,
    Representation,
    RepresentationStatus,
)


def normalise_uscc(value: str) -> str:
    return uscc.compact(value or "") if value else ""


def normalise_ric(value: str) -> str:
    return ric.compact(value or "").upper() if value else ""


def _apply(obj, values: dict) -> bool:
    changed = obj.pk is None
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


@transaction.atomic
def save_licence_type(*, code: str, name: str, holder_kind: str = "any") -> tuple[LicenceType, str]:
    """Create or update a licence type by code. Returns (type, created|updated|unchanged)."""
    obj = LicenceType.objects.filter(code=code).first() or LicenceType(code=code)
    new = obj.pk is None
    if not _apply(obj, {"name": name, "holder_kind": holder_kind}):
        return obj, "unchanged"
    obj.full_clean()
    obj.save()
    return obj, "created" if new else "updated"


@transaction.atomic
def register_enterprise(*, uscc: str, name: str, actor=None, **fields) -> Enterprise:
    """Create an enterprise, or update the one with this 统一社会信用代码.

    ``fields``: legal_representative, phone, address, division, established_on.
    Invalid USCC → ValidationError({"uscc": …}). ``actor`` (a staff member; None is the
    system — submissions, the demo) must be a registry maintainer (``PermissionDenied``); an
    existing enterprise outside the actor's subtree is ``Http404`` and is left untouched, and
    neither a new nor an existing one may be placed in a division outside it.
    """
    code = normalise_uscc(uscc)
    allowed = {"legal_representative", "phone", "address", "division", "established_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({k: _("未知字段。") for k in unknown})
    if actor is not None:
        policies.check(actor, "maintain")
        try:  # a bad code is the first error, before the scope of the record
            Enterprise._meta.get_field("uscc").run_validators(code)
        except ValidationError as exc:
            raise ValidationError({"uscc": exc.messages}) from exc
    obj = Enterprise.objects.select_for_update().filter(uscc=code).first() or Enterprise(uscc=code)
    if actor is not None:
        if obj.pk is not None and not policies.in_scope(actor, obj):
            raise Http404
        division = fields.get("division", obj.division if obj.pk else None)
        if not policies.division_in_scope(actor, division):
            raise ValidationError({"division": _("登记区划不在您的管辖范围内。")})
    if _apply(obj, {"name": (name or "").strip(), **fields}):
        obj.full_clean()
        obj.save()
    return obj


@transaction.atomic
def register_person(*, id_number: str, name: str, **fields) -> Person:
    """Create a person, or update the one with this 居民身份证号码.

    ``fields``: phone, division, user. Invalid ID number → ValidationError({"id_number": …}).
    """
    code = normalise_ric(id_number)
    allowed = {"phone", "division", "user"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({k: _("未知字段。") for k in unknown})
    obj = Person.objects.select_for_update().filter(id_number=code).first() or Person(
        id_number=code
    )
    if _apply(obj, {"name": (name or "").strip(), **fields}):
        obj.full_clean()
        obj.save()
    return obj


@transaction.atomic
def link_enterprise_user(enterprise: Enterprise, user) -> Representation:
    """A *trusted* link (demo data, imports by administrators): the account becomes a verified
    representative of the enterprise at once, by the system. Portal accounts ask with
    ``request_representation`` and prove it (code, staff approval, real name)."""
    if not is_portal_user(user):
        raise ValidationError({"user": _("工作人员账号不能作为企业经办账号。")})
    rep, created = Representation.objects.get_or_create(enterprise=enterprise, user=user)
    machine = _machine()
    if created:
        machine.record(rep, "request", "", rep.status, actor=None, channel="system")
    if rep.status in (RepresentationStatus.REJECTED, RepresentationStatus.REVOKED):
        rep = machine.transition(rep, "reapply", actor=None, channel="system")
    if rep.status == RepresentationStatus.PENDING:
        rep = machine.transition(rep, "approve", actor=None, channel="system", note="system link")
    return rep


@transaction.atomic
def found_enterprise(
    *, uscc: str, name: str, founder=None, channel: str = "system", note: str = "", **fields
) -> Enterprise:
    """A new enterprise registered by a 设立登记 (企业开办): created — never an update of an
    existing record (a USCC already in the registry is refused on ``uscc``) — and the portal
    account that applied for it (``founder``) becomes its verified representative: they asked
    for the company and the registration authority examined the application (method 工作人员审核;
    the representation's event says so in ``note``). ``fields`` as ``register_enterprise``."""
    code = normalise_uscc(uscc).upper()
    if not uscc_is_valid(code):
        raise ValidationError({"uscc": _("统一社会信用代码无效：应为 18 位，请核对校验位。")})
    if Enterprise.objects.filter(uscc=code).exists():
        raise ValidationError({"uscc": _("该统一社会信用代码已在登记库中，不能用于新设企业。")})
    allowed = {"legal_representative", "phone", "address", "division", "established_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({k: _("未知字段。") for k in unknown})
    obj = Enterprise(uscc=code, name=(name or "").strip(), **fields)
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # registered concurrently
        raise ValidationError(
            {"uscc": _("该统一社会信用代码已在登记库中，不能用于新设企业。")}
        ) from exc
    if founder is not None and is_portal_user(founder):
        rep = Representation.objects.create(enterprise=obj, user=founder)
        machine = _machine()
        machine.record(rep, "request", "", rep.status, actor=founder, channel=channel, note=note)
        machine.transition(rep, "approve", actor=None, channel=channel, note=note)
    return obj


# --------------------------------------------------------------------------- representatives


def _machine():
    from .machines import RepresentationMachine

    return RepresentationMachine


def _setting(name, default):
    from django.conf import settings

    return getattr(settings, name, default)


def code_ttl() -> datetime.timedelta:
    return datetime.timedelta(seconds=_setting("REGISTRY_CODE_TTL_SECONDS", 600))


def code_max_attempts() -> int:
    return int(_setting("REGISTRY_CODE_MAX_ATTEMPTS", 5))


def code_resend_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=_setting("REGISTRY_CODE_RESEND_SECONDS", 60))


@transaction.atomic
def request_representation(
    *, user, uscc_code: str, channel: str = "web", letter=None
) -> Representation:
    """A portal account asks to act for the enterprise with this USCC. The request is pending:
    the account sees nothing of the enterprise until it is verified. Asking again for an
    enterprise already asked for returns that request (a rejected or revoked one is reopened).
    ``letter``: the 授权委托书 an authorised agent uploads (checked and stored by the upload
    service, ``uploads.AUTHORISATION_LETTER``; errors on ``letter``), for the staff who verify
    the request; a new letter replaces an earlier one."""
    checked = uploads.check(letter, uploads.AUTHORISATION_LETTER) if letter is not None else None
    if not is_portal_user(user):
        raise ValidationError({"user": _("工作人员账号不能作为企业经办账号。")})
    code = normalise_uscc(uscc_code).upper()
    if not uscc.is_valid(code):
        raise ValidationError({"uscc": _("统一社会信用代码无效。")})
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        raise ValidationError({"uscc": _("登记库中没有该企业。")})
    rep = (
        Representation.objects.select_for_update().filter(enterprise=enterprise, user=user).first()
    )
    machine = _machine()
    if rep is None:
        rep = Representation.objects.create(enterprise=enterprise, user=user)
        machine.record(rep, "request", "", rep.status, actor=user, channel=channel)
    elif rep.status in (RepresentationStatus.REJECTED, RepresentationStatus.REVOKED):
        rep = machine.transition(rep, "reapply", actor=user, channel=channel)
    if checked is not None:
        stored = uploads.store(checked, uploads.AUTHORISATION_LETTER)
        rep.letter = stored.name
        rep.letter_name = stored.original_name
        rep.letter_type = stored.content_type
        rep.save(update_fields=["letter", "letter_name", "letter_type"])
        machine.record(
            rep,
            "letter",
            rep.status,
            rep.status,
            actor=user,
            channel=channel,
            data={"name": stored.original_name, "size": stored.size, "sha256": stored.sha256},
        )
    return rep


def send_code(representation: Representation, *, user, at=None) -> Representation:
    """Send a one-time code to the enterprise's *registered* phone (not one the account
    types): whoever reads it there is the enterprise. The code is stored hashed, expires after
    ``REGISTRY_CODE_TTL_SECONDS`` and allows ``REGISTRY_CODE_MAX_ATTEMPTS`` tries; a new code
    may be asked for after ``REGISTRY_CODE_RESEND_SECONDS``."""
    now = at or timezone.now()
    machine = _machine()
    rep = Representation.objects.select_related("enterprise").get(pk=representation.pk)
    machine.require(rep, "send_code")
    _policy().check(user, "represent", rep)
    phone = (rep.enterprise.phone or "").strip()
    if not phone:
        raise ValidationError({"method": _("该企业没有登记联系电话，请改用工作人员审核。")})
    if rep.code_sent_at and now < rep.code_sent_at + code_resend_after():
        raise ValidationError({"code": _("验证码已发送，请稍后再试。")})
    code = verification.new_code()
    with transaction.atomic():
        rep = machine.transition(
            rep,
            "send_code",
            actor=user,
            now=now,
            code_hash=verification.hash_code(rep.pk, code),
            expires_at=now + code_ttl(),
            masked_phone=mask_phone(phone),
        )
        try:
            verification.code_sender()(
                phone=phone,
                template="otp",
                values={"code": code, "minutes": str(int(code_ttl().total_seconds() // 60))},
            )
        except Exception as exc:
            raise ValidationError(
                {"method": _("验证码短信发送失败，请稍后再试或改用工作人员审核。")}
            ) from exc
    return rep


def verify_code(representation: Representation, *, user, code: str, at=None) -> Representation:
    """Check the code. Every try counts (a wrong one is remembered even though the request
    fails); expired codes and used-up attempts are refused with their own message."""
    now = at or timezone.now()
    machine = _machine()
    rep = Representation.objects.get(pk=representation.pk)
    machine.require(rep, "verify_code")
    _policy().check(user, "represent", rep)
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("请填写验证码。")})
    if not rep.code_hash:
        raise ValidationError({"code": _("请先获取验证码。")})
    if rep.code_expires_at is None or now >= rep.code_expires_at:
        raise ValidationError({"code": _("验证码已过期，请重新获取。")})
    # claim one attempt first, committed whatever the outcome (a conditional UPDATE, so that
    # two concurrent tries cannot both use the last attempt)
    claimed = Representation.objects.filter(
        pk=rep.pk, code_attempts__lt=code_max_attempts()
    ).update(code_attempts=F("code_attempts") + 1)
    if not claimed:
        raise ValidationError({"code": _("验证码错误次数过多，请重新获取。")})
    if not verification.code_matches(rep, code):
        left = code_max_attempts() - rep.code_attempts - 1
        if left <= 0:
            raise ValidationError({"code": _("验证码错误次数过多，请重新获取。")})
        raise ValidationError({"code": _("验证码错误，还可尝试 %(n)s 次。") % {"n": left}})
    return machine.transition(rep, "verify_code", actor=user, now=now)


def verify_realname(representation: Representation, *, user) -> Representation:
    """The login provider's verified real name of the account equals the enterprise's legal
    representative (法定代表人) → verified."""
    machine = _machine()
    rep = Representation.objects.select_related("enterprise").get(pk=representation.pk)
    machine.require(rep, "verify_realname")
    _policy().check(user, "represent", rep)
    provider = verification.realname_provider()
    if not provider.available:
        raise ValidationError({"method": _("暂未接入实名认证服务，请改用验证码或工作人员审核。")})
    name = (provider.real_name(user) or "").strip()
    legal = (rep.enterprise.legal_representative or "").strip()
    if not name:
        raise ValidationError({"method": _("您的账号尚未完成实名认证。")})
    if not legal or name != legal:
        raise ValidationError({"method": _("实名信息与企业法定代表人不一致。")})
    return machine.transition(rep, "verify_realname", actor=user)


def approve_representation(representation: Representation, *, user, note: str = ""):
    return _machine().transition(representation, "approve", actor=user, note=note)


def reject_representation(representation: Representation, *, user, note: str = ""):
    return _machine().transition(representation, "reject", actor=user, note=note)


def revoke_representation(representation: Representation, *, user, note: str = ""):
    return _machine().transition(representation, "revoke", actor=user, note=note)


def reapply_representation(representation: Representation, *, user):
    return _machine().transition(representation, "reapply", actor=user)


def _policy():
    from .policies import policy

    return policy


def _holder_fields(holder) -> dict:
    if isinstance(holder, Enterprise):
        return {"enterprise": holder, "person": None}
    if isinstance(holder, Person):
        return {"enterprise": None, "person": holder}
    raise ValidationError({"holder": _("持证主体必须是企业或自然人。")})


def _licence_type(value) -> LicenceType:
    if isinstance(value, LicenceType):
        return value
    obj = LicenceType.objects.filter(code=value).first()
    if obj is None:
        raise ValidationError({"licence_type": _("未知的证照类型“%(code)s”。") % {"code": value}})
    return obj


@transaction.atomic
def issue_elicence(
    holder,
    licence_type,
    issuer,
    number: str,
    source_case_number: str = "",
    data: dict | None = None,
    *,
    issued_on: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> ELicence:
    """Store an e-licence for ``holder`` (Enterprise or Person).

    ``licence_type`` is a LicenceType or its code; ``issuer`` the issuing Department.
    Idempotent: issuing the same (type, number) to the same holder again returns the existing
    licence unchanged; the same number for another holder is refused.
    """
    ltype = _licence_type(licence_type)
    holder_fields = _holder_fields(holder)
    kind = "enterprise" if holder_fields["enterprise"] else "person"
    if ltype.holder_kind not in ("any", kind):
        raise ValidationError(
            {"holder": _("证照“%(t)s”不能发给该类持证主体。") % {"t": ltype.name}}
        )
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("证照编号不能为空。")})
    existing = ELicence.objects.filter(licence_type=ltype, number=number).first()
    if existing is not None:
        if existing.enterprise_id == getattr(
            holder_fields["enterprise"], "pk", None
        ) and existing.person_id == getattr(holder_fields["person"], "pk", None):
            return existing
        raise ValidationError({"number": _("证照编号“%(n)s”已被使用。") % {"n": number}})
    issued_on = issued_on or timezone.localdate()
    if valid_until and valid_until < issued_on:
        raise ValidationError({"valid_until": _("有效期不能早于发证日期。")})
    licence = ELicence(
        licence_type=ltype,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        valid_until=valid_until,
        source_case_number=source_case_number or "",
        data=data or {},
        **holder_fields,
    )
    licence.full_clean()
    licence.save()
    return licence


@transaction.atomic
def revoke_elicence(licence: ELicence, reason: str = "") -> ELicence:
    """注销 an e-licence; it is no longer offered for reuse."""
    licence = ELicence.objects.select_for_update().get(pk=licence.pk)
    if licence.status == ELicence.Status.REVOKED:
        raise ValidationError({"status": _("该证照已注销。")})
    licence.status = ELicence.Status.REVOKED
    if reason:
        licence.data = {**licence.data, "revoked_reason": reason}
    licence.save(update_fields=["status", "data"])
    return licence
