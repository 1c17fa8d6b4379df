"""Every event table is append-only at model, queryset and database level; INSERT stays free,
and the flush maintenance switch (test teardown, `yingshang flush`) still empties the tables.
Runs on SQLite, and on PostgreSQL with DATABASE_URL set."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from yingshang.appeals.models import AppealEvent, CommitmentEvent
from yingshang.cases.models import CaseEvent
from yingshang.evaluations.models import RectificationEvent
from yingshang.platform.events import EventLog, events_maintenance
from yingshang.reforms.models import TaskEvent

EVENT_MODELS = [CaseEvent, TaskEvent, AppealEvent, CommitmentEvent, RectificationEvent]
STANDARD = [
    "actor",
    "actor_role",
    "channel",
    "action",
    "from_state",
    "to_state",
    "at",
    "note",
    "data",
]

pytestmark = pytest.mark.django_db
ORPHAN = 987654321  # an owner id that does not exist


def _owner_field(model):
    return next(
        f
        for f in model._meta.concrete_fields
        if f.is_relation and f.name not in ("actor", "department")
    )


def _make(model):
    """One row whose owner does not exist: foreign keys are checked at commit, and the test's
    transaction never commits."""
    return model.objects.create(
        **{_owner_field(model).attname: ORPHAN},
        at=timezone.now(),
        action="submit",
        to_state="submitted",
        note="原始",
    )


@pytest.fixture(autouse=True)
def _remove_orphans(request):
    """The rows made here point at owners that do not exist; Django checks foreign keys before
    rolling the test back, so they go first (through the maintenance switch)."""
    yield
    if "transactional_db" in request.fixturenames or not connection.in_atomic_block:
        return
    with events_maintenance(), connection.cursor() as cursor:
        for model in EVENT_MODELS:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} "
                f"WHERE {_owner_field(model).column} = %s",
                [ORPHAN],
            )


def test_every_event_table_inherits_the_base_with_the_same_field_names():
    for model in EVENT_MODELS:
        assert issubclass(model, EventLog)
        names = {f.name for f in model._meta.get_fields()}
        assert set(STANDARD) <= names, model


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.__name__)
def test_model_level(model):
    event = _make(model)
    event.note = "改写"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert model.objects.get(pk=event.pk).note == "原始"


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.__name__)
def test_queryset_level(model):
    event = _make(model)
    with pytest.raises(PermissionError):
        model.objects.filter(pk=event.pk).update(note="改写")
    with pytest.raises(PermissionError):
        model.objects.filter(pk=event.pk).delete()
    assert model.objects.filter(pk=event.pk, note="原始").exists()


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.__name__)
def test_database_level(model):
    event = _make(model)
    table = connection.ops.quote_name(model._meta.db_table)
    note = connection.ops.quote_name(model._meta.get_field("note").column)
    for sql, params in [
        (f"UPDATE {table} SET {note} = %s WHERE id = %s", ["改写", event.pk]),
        (f"DELETE FROM {table} WHERE id = %s", [event.pk]),
    ]:
        with pytest.raises(DatabaseError) as exc, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        assert "append-only" in str(exc.value)
    with connection.cursor() as cursor:  # INSERT (and so COPY / bulk loads) stays allowed
        cursor.execute(f"SELECT {note} FROM {table} WHERE id = %s", [event.pk])
        assert cursor.fetchone()[0] == "原始"
    assert model.objects.bulk_create([_make_unsaved(model)])  # bulk insert allowed


def _make_unsaved(model):
    return model(
        **{_owner_field(model).attname: ORPHAN},
        at=timezone.now(),
        action="note",
        to_state="",
    )


def test_maintenance_switch_lets_this_connection_delete():
    event = _make(CaseEvent)
    table = connection.ops.quote_name(CaseEvent._meta.db_table)
    with events_maintenance(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert not CaseEvent.objects.filter(pk=event.pk).exists()
    # and the switch is off again afterwards
    again = _make(CaseEvent)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [again.pk])


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_event_tables(mianyang):
    """What transactional tests' teardown and `yingshang flush` do: DELETE FROM on SQLite (the
    triggers let the maintenance switch through), TRUNCATE on PostgreSQL."""
    import datetime

    from django.core.management import call_command

    from yingshang.appeals.models import Commitment, QASession
    from yingshang.core.models import Department

    dept = Department.objects.filter(division__code="510700").first()
    session = QASession.objects.create(
        title="政企面对面", date=datetime.date(2019, 3, 1), theme="用电", division=dept.division
    )
    c = Commitment.objects.create(
        session=session,
        content="承诺",
        owner_department=dept,
        deadline=datetime.date(2019, 4, 1),
        division=dept.division,
    )
    CommitmentEvent.objects.create(commitment=c, action="create", to_state=c.status)
    table = connection.ops.quote_name(CommitmentEvent._meta.db_table)
    with pytest.raises(DatabaseError), connection.cursor() as cursor:  # committed rows: refused
        cursor.execute(f"DELETE FROM {table}")
    call_command("flush", interactive=False, verbosity=0)
    assert not CommitmentEvent.objects.exists()
    assert not Commitment.objects.exists()


def test_trigger_sql_per_vendor():
    from yingshang.platform.events import AppendOnlyTriggers, trigger_sql

    create, drop = trigger_sql("sqlite", "cases_caseevent")
    assert len(create) == 4 and len(drop) == 2  # UPDATE and DELETE, each dropped first
    assert all("yingshang_events_writable()" in s for s in create if s.startswith("CREATE"))
    pg_create, pg_drop = trigger_sql("postgresql", "cases_caseevent")
    assert "BEFORE UPDATE OR DELETE" in pg_create[-1]
    assert pg_drop == ['DROP TRIGGER IF EXISTS cases_caseevent_append_only ON "cases_caseevent"']
    # another back end: the model and queryset levels only
    assert trigger_sql("mysql", "cases_caseevent") == ([], [])
    op = AppendOnlyTriggers("cases.CaseEvent")
    assert op.deconstruct() == ("AppendOnlyTriggers", ["cases.CaseEvent"], {})
    assert op.describe() == "Append-only triggers on cases.CaseEvent"
