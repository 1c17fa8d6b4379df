"""The core split keeps data: a database migrated by the code before the split (calendar and
audit tables owned by core, the scheduler's ledger by notifications) keeps its rows, and the
permissions granted on the moved models, when migrated forward."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0001_initial"), ("notifications", "0001_initial")]
MOVED = [
    ("core", "calendaryear", "workdays"),
    ("core", "calendarday", "workdays"),
    ("core", "auditentry", "platform"),
    ("notifications", "scheduledrun", "platform"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rows_and_permissions_survive_the_move():
    old = _migrate(BEFORE)
    year = old.get_model("core", "CalendarYear").objects.create(year=2031, status="confirmed")
    old.get_model("core", "CalendarDay").objects.create(
        year=year, date=datetime.date(2031, 1, 1), kind="holiday", name="元旦"
    )
    old.get_model("core", "AuditEntry").objects.create(action="create", object_repr="before")
    old.get_model("notifications", "ScheduledRun").objects.create(
        job="t.before", slot=datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC)
    )
    content_type = old.get_model("contenttypes", "ContentType")
    permission = old.get_model("auth", "Permission")
    group = old.get_model("auth", "Group").objects.create(name="calendar keepers")
    ct = content_type.objects.get_or_create(app_label="core", model="calendaryear")[0]
    group.permissions.add(
        permission.objects.get_or_create(
            content_type=ct, codename="change_calendaryear", defaults={"name": "x"}
        )[0]
    )

    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from yingshang.platform.models import AuditEntry, ScheduledRun
    from yingshang.workdays.models import CalendarDay, CalendarYear

    assert CalendarYear.objects.get(year=2031).status == "confirmed"
    assert CalendarDay.objects.get(date=datetime.date(2031, 1, 1)).name == "元旦"
    assert AuditEntry.objects.filter(object_repr="before").exists()
    assert ScheduledRun.objects.filter(job="t.before").exists()
    perms = Group.objects.get(name="calendar keepers").permissions.all()
    assert [(p.content_type.app_label, p.codename) for p in perms] == [
        ("workdays", "change_calendaryear")
    ]
    for old_app, model, new_app in MOVED:
        assert not ContentType.objects.filter(app_label=old_app, model=model).exists()
        assert ContentType.objects.filter(app_label=new_app, model=model).count() <= 1
