"""``flush`` with the event-log maintenance switch on: emptying the whole database (test
teardown of transactional tests, ``yingshang flush``) is the one sanctioned delete of event rows.
On SQLite ``flush`` issues ``DELETE FROM`` (the append-only triggers would refuse it); on
PostgreSQL it issues ``TRUNCATE``, which row triggers never see."""

from django.core.management.commands.flush import Command as FlushCommand

from yingshang.platform.events import events_maintenance


class Command(FlushCommand):
    def handle(self, **options):
        with events_maintenance(options["database"]):
            return super().handle(**options)
