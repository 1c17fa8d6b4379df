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


# ---------------------------------------------------------------- reading entries


def _model_of(object_type: str):
    from django.apps import apps

    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field_of(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist or a removed field
        return None


def _words(value, field=None, model=None) -> str:
    """One audited value in words: empty values as "—", booleans as 是/否, choices by label,
    a related object by its name, a timestamp in local time to the minute."""
    from django.utils import dateparse, formats, timezone
    from django.utils.translation import gettext as _

    from . import labels

    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and getattr(field, "choices", None):
        return labels.label(f"{model._meta.label}.{field.name}", value)
    if field is not None and field.is_relation and field.many_to_one:
        target = field.related_model._base_manager.filter(pk=value).first()
        return str(target) if target is not None else f"#{value}"
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        parsed = dateparse.parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return formats.date_format(parsed, "Y-m-d H:i")
    if isinstance(value, list):
        return "、".join(_words(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{_field_name(None, str(k))}: {_words(v)}" for k, v in value.items())
    return str(value)


def describe_changes(entry) -> list[dict]:
    """The entry's changes as rows ``{"field", "before", "after"}`` in words: the model field's
    verbose name, the old and the new value (docs/architecture.md "Labels"). A creation has
    only "after" values, a deletion only "before"; other payloads (an export's filters) are
    listed under their keys."""
    changes = entry.changes or {}
    if not isinstance(changes, dict):
        return [{"field": "", "before": "", "after": str(changes)}]
    model = _model_of(entry.object_type)
    before = changes.get("before") if isinstance(changes.get("before"), dict) else None
    after = changes.get("after") if isinstance(changes.get("after"), dict) else None
    rows = []
    if before is None and after is None:
        for key, value in changes.items():
            rows.append({"field": _field_name(model, key), "before": "", "after": _words(value)})
        return rows
    keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
    for key in keys:
        field = _field_of(model, key)
        rows.append(
            {
                "field": _field_name(model, key),
                "before": _words((before or {}).get(key), field, model)
                if before is not None
                else "",
                "after": _words((after or {}).get(key), field, model) if after is not None else "",
            }
        )
    return rows


def _field_name(model, key: str) -> str:
    """The field's verbose name; a field without one (Django's default, the name with spaces:
    ``created at``) and a key of a payload that is no model field (an export's ``items``,
    ``filters``; the demo's ``service items``) by the ``audit.field`` labels
    (platform/labels.py), else as stored."""
    from . import labels

    field = _field_of(model, key)
    verbose = str(getattr(field, "verbose_name", "") or "") if field is not None else ""
    if verbose and verbose != field.name.replace("_", " "):
        return verbose
    named = labels.label("audit.field", key)
    return named if named != key else (verbose or key)


def changes_text(entry) -> str:
    """``describe_changes`` as one line (the Excel export)."""
    parts = []
    for row in describe_changes(entry):
        value = (
            f"{row['before']} → {row['after']}"
            if row["before"] and row["after"]
            else row["before"] or row["after"]
        )
        parts.append(f"{row['field']}: {value}" if row["field"] else value)
    return ";".join(parts)


def object_type_name(object_type: str) -> str:
    """``cases.Case`` → the model's verbose name (办件); login entries ("auth") → 账号."""
    from django.utils.translation import gettext as _

    model = _model_of(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return {"auth": _("账号")}.get(object_type, object_type)
