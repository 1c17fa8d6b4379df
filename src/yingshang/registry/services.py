"""Writes of the registry: enterprises, persons, licence types and e-licences (电子证照).

The cases app calls ``issue_elicence`` when a case ends with a licence, and
``selectors.licence_for`` when an application may take a document from the registry (免提交).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from . import policies
from .models import ELicence, Enterprise, LicenceType, Person


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
def link_enterprise_user(enterprise: Enterprise, user) -> None:
    """Let a portal account act for an enterprise (经办人)."""
    if user.role:
        raise ValidationError({"user": _("工作人员账号不能作为企业经办账号。")})
    enterprise.users.add(user)


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
