"""The domain apps' fixtures the platform tests export, serve and break; the scheduler and worker
tests queue notifications (the notification centre's fixtures)."""

from tests.cases.conftest import (  # noqa: F401 - fixtures
    calendar,
    catalog,
    enterprise_applicant,
    portal_users,
    submitted,
)
from tests.catalog.conftest import items, licences  # noqa: F401 - fixtures
from tests.notifications.conftest import DB_TASKS, user  # noqa: F401 - fixtures
from tests.reforms.conftest import FIXTURES, city, dept, imported, programme  # noqa: F401 - fixtures
