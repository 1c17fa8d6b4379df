"""The one append-only event-log base.

Every event table (case, appeal, commitment, rectification, reform task …) inherits ``EventLog``
and so has the same fields: ``actor`` (+ ``actor_name``), ``actor_role``, ``channel``, ``action``,
``from_state``, ``to_state``, ``at``, ``note``, ``data``. Rows are added, never changed, at three
levels:

* model:    ``save()`` of an existing row and ``delete()`` raise ``PermissionError``;
* queryset: ``update()`` and ``delete()`` raise ``PermissionError``;
* database: a ``BEFORE UPDATE OR DELETE`` trigger (PostgreSQL and SQLite) created by migration
  with ``AppendOnlyTriggers("app.Model")``; INSERT (and bulk COPY) is untouched.

Maintenance switch: ``events_maintenance()`` (a context manager) lets the *current connection*
delete or update event rows — used by ``flush`` (test teardown, ``yingshang flush``) and nothing
else. On PostgreSQL it sets the session setting ``yingshang.events_writable``; on SQLite the
triggers call the per-connection SQL function ``yingshang_events_writable()`` that this module
registers on every new connection. ``TRUNCATE`` (PostgreSQL ``flush``) never fires row triggers.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import connections, migrations, models
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MESSAGE = "append-only event log: rows are never updated or deleted"


class AppendOnlyQuerySetMixin:
    """``update()`` and ``delete()`` refused on every queryset of an event table."""

    def update(self, **kwargs):
        raise PermissionError(f"{self.model._meta.label} rows are append-only")

    def delete(self):
        raise PermissionError(f"{self.model._meta.label} rows are append-only")


class AppendOnlyQuerySet(AppendOnlyQuerySetMixin, models.QuerySet):
    pass


class AppendOnlyModel(models.Model):
    """Abstract base of the append-only logs: saving an existing row or deleting one fails."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError(f"{self._meta.label} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self._meta.label} rows are append-only")


class EventLog(AppendOnlyModel):
    """One step in the life of a record. A subclass adds the FK to its record and may override
    a field's options (``db_column``, indexes) but never renames one."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("操作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=24, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    actor_role = models.CharField(_("角色"), max_length=50, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


# --------------------------------------------------------------------------- database triggers

SQLITE_FUNCTION = "yingshang_events_writable"
PG_SETTING = "yingshang.events_writable"
PG_FUNCTION = "yingshang_append_only"


def trigger_sql(vendor: str, table: str) -> tuple[list[str], list[str]]:
    """(create, drop) statements that refuse UPDATE and DELETE on ``table``."""
    if vendor == "postgresql":
        name = f"{table}_append_only"
        create = [
            f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('{PG_SETTING}', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql""",
            f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
            f'CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
        return create, [f'DROP TRIGGER IF EXISTS {name} ON "{table}"']
    if vendor == "sqlite":
        create, drop = [], []
        for op in ("UPDATE", "DELETE"):
            name = f"{table}_no_{op.lower()}"
            drop.append(f'DROP TRIGGER IF EXISTS "{name}"')
            create += [
                drop[-1],
                f'CREATE TRIGGER "{name}" BEFORE {op} ON "{table}" '
                f"WHEN NOT {SQLITE_FUNCTION}() "
                f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
            ]
        return create, drop
    return [], []  # other back ends: model and queryset level only


class AppendOnlyTriggers(migrations.RunPython):
    """Migration operation: ``AppendOnlyTriggers("cases.CaseEvent")`` installs the trigger for the
    vendor in use; reversing drops it."""

    def __init__(self, model_label: str):
        self.model_label = model_label
        super().__init__(self._create, self._drop, hints={"model_label": model_label})

    def _run(self, apps, schema_editor, index):
        app_label, name = self.model_label.split(".")
        table = apps.get_model(app_label, name)._meta.db_table
        for sql in trigger_sql(schema_editor.connection.vendor, table)[index]:
            schema_editor.execute(sql, params=None)

    def _create(self, apps, schema_editor):
        self._run(apps, schema_editor, 0)

    def _drop(self, apps, schema_editor):
        self._run(apps, schema_editor, 1)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_label], {})

    def describe(self):
        return f"Append-only triggers on {self.model_label}"


def fill_actor_columns(model_label: str):
    """A data migration for a log that gains ``actor_name``/``actor_role``: old rows take them
    from their actor (username, role code). Runs before the table's triggers are created."""

    def forward(apps, schema_editor):
        app_label, name = model_label.split(".")
        model = apps.get_model(app_label, name)
        rows = model._default_manager.filter(actor__isnull=False).select_related("actor")
        for event in rows.iterator():
            model._default_manager.filter(pk=event.pk).update(
                actor_name=event.actor_name or event.actor.username,
                actor_role=event.actor_role or event.actor.role or "",
            )

    return migrations.RunPython(forward, migrations.RunPython.noop)


@receiver(connection_created)
def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: int(getattr(connection, "events_writable", False))
    )


@contextmanager
def events_maintenance(using: str = "default"):
    """Let this connection delete/update event rows (``flush`` only; documented in
    docs/architecture.md). Nothing else may use it."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [PG_SETTING])
    previous = getattr(connection, "events_writable", False)
    connection.events_writable = True
    try:
        yield
    finally:
        connection.events_writable = previous
        if connection.vendor == "postgresql" and not previous:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', false)", [PG_SETTING])
