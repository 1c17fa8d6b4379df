"""Audit trail (审计日志): every create, update and delete of a model that declares
``audited = True``, and every login, logout and failed login, appends an AuditEntry.

The actor, address and channel come from a context variable that AuditContextMiddleware sets
for each request (and that commands and background jobs set with ``audit_context``). Fields
named in a model's ``personal_fields`` are stored masked; ``audit_exclude`` fields (password
hashes) are never stored.
"""

import contextvars
import datetime
import decimal
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import signals as auth_signals
from django.db import models
from django.db.models import signals

from .masking import mask_id_number, mask_phone


@dataclass(frozen=True)
class AuditContext:
    user: object = None
    ip: str | None = None
    channel: str = ""


_SYSTEM = AuditContext(channel="system")
_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "yingshang_audit", default=None
)


def current() -> AuditContext:
    return _context.get() or _SYSTEM


@contextmanager
def audit_context(user=None, ip=None, channel="system"):
    token = _context.set(AuditContext(user=user, ip=ip, channel=channel))
    try:
        yield
    finally:
        _context.reset(token)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (str, int, float, bool, type(None), list, dict)):
        return value
    return str(value)


def _mask(field_name: str, value):
    if value in (None, ""):
        return value
    if "phone" in field_name or "mobile" in field_name:
        return mask_phone(value)
    return mask_id_number(value)


def snapshot(instance) -> dict:
    exclude = set(getattr(instance, "audit_exclude", ()))
    personal = set(getattr(instance, "personal_fields", ()))
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = field.value_from_object(instance)
        if isinstance(value, models.fields.files.FieldFile):
            value = value.name
        data[field.name] = _mask(field.name, value) if field.name in personal else _jsonable(value)
    return data


def record(
    action, *, instance=None, changes=None, user=None, object_repr="", object_type="", object_id=""
):
    """Append one AuditEntry. ``user`` overrides the request context's actor."""
    build_entry(
        action,
        instance=instance,
        changes=changes,
        user=user,
        object_repr=object_repr,
        object_type=object_type,
        object_id=object_id,
    ).save(force_insert=True)


def build_entry(
    action, *, instance=None, changes=None, user=None, object_repr="", object_type="", object_id=""
):
    """The AuditEntry ``record`` appends, unsaved (for write paths that insert it in bulk)."""
    from .models import AuditEntry

    ctx = current()
    actor = user if user is not None else ctx.user
    actor = actor if getattr(actor, "is_authenticated", False) else None
    division_path = ""
    if actor is not None and getattr(actor, "division_id", None):
        division_path = actor.division.path
    elif instance is not None:
        division_path = _instance_division_path(instance)
    return AuditEntry(
        actor=actor,
        actor_name=getattr(actor, "username", "") if actor else ctx.channel or "system",
        ip=ctx.ip,
        channel=ctx.channel,
        action=action,
        object_type=object_type or (instance._meta.label if instance is not None else ""),
        object_id=object_id or (str(instance.pk) if instance is not None else ""),
        object_repr=(object_repr or (str(instance) if instance is not None else ""))[:200],
        changes=changes or {},
        division_path=division_path,
    )


def created_entry(instance):
    """The entry the post_save signal records when ``instance`` is created — for write paths
    that insert rows without ``save()`` (no signals) and must still audit them: build it once
    the instance has its primary key and insert it in the same transaction. None for models
    that are not audited."""
    from .models import AuditAction

    if not is_audited(type(instance)):
        return None
    return build_entry(AuditAction.CREATE, instance=instance, changes={"after": snapshot(instance)})


def _instance_division_path(instance) -> str:
    field = getattr(instance, "scope_division_field", None)
    if not field:
        return ""
    obj = instance
    try:
        for part in field.split("__"):
            obj = getattr(obj, part)
    except AttributeError:
        return ""
    if isinstance(obj, str):
        return obj
    return getattr(obj, "path", "") or ""


def is_audited(sender) -> bool:
    return getattr(sender, "audited", False) is True


_is_audited = is_audited


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or not _is_audited(sender):
        return
    instance._audit_before = None
    if instance.pk is not None:
        old = sender._base_manager.filter(pk=instance.pk).first()
        if old is not None:
            instance._audit_before = snapshot(old)


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _is_audited(sender):
        return
    from .models import AuditAction

    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record(AuditAction.CREATE, instance=instance, changes={"after": after})
        return
    diff_before = {k: v for k, v in before.items() if after.get(k) != v}
    if not diff_before:
        return
    diff_after = {k: after.get(k) for k in diff_before}
    record(
        AuditAction.UPDATE, instance=instance, changes={"before": diff_before, "after": diff_after}
    )


def _post_delete(sender, instance, **kwargs):
    if not _is_audited(sender):
        return
    from .models import AuditAction

    record(AuditAction.DELETE, instance=instance, changes={"before": snapshot(instance)})


def _logged_in(sender, request, user, **kwargs):
    from .models import AuditAction

    with audit_context(user=user, ip=client_ip(request), channel="web"):
        record(
            AuditAction.LOGIN, object_type="auth", object_id=str(user.pk), object_repr=user.username
        )


def _logged_out(sender, request, user, **kwargs):
    from .models import AuditAction

    if user is None:
        return
    with audit_context(user=user, ip=client_ip(request), channel="web"):
        record(
            AuditAction.LOGOUT,
            object_type="auth",
            object_id=str(user.pk),
            object_repr=user.username,
        )


def _login_failed(sender, credentials, request=None, **kwargs):
    from .models import AuditAction

    username = str(credentials.get("username", ""))[:150]
    ip = client_ip(request) if request is not None else None
    with audit_context(user=None, ip=ip, channel="web"):
        record(AuditAction.LOGIN_FAILED, object_type="auth", object_repr=username)


def connect_signals():
    """Connect the model signals per audited model only (called from PlatformConfig.ready, when
    every model is loaded): a model without ``audited = True`` then has no delete listener, so
    Django deletes its rows with one DELETE instead of loading each one (bulk data such as
    monitoring facts and values)."""
    from django.apps import apps

    for model in apps.get_models():
        if not is_audited(model):
            continue
        uid = f"{model._meta.label_lower}"
        signals.pre_save.connect(_pre_save, sender=model, dispatch_uid=f"audit_pre_save:{uid}")
        signals.post_save.connect(_post_save, sender=model, dispatch_uid=f"audit_post_save:{uid}")
        signals.post_delete.connect(
            _post_delete, sender=model, dispatch_uid=f"audit_post_delete:{uid}"
        )
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="yingshang_audit_login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="yingshang_audit_logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="yingshang_audit_failed")
