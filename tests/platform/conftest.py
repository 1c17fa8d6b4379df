"""The domain apps' fixtures the platform tests export, serve and break."""

from tests.cases.conftest import (  # noqa: F401 - fixtures
    calendar,
    catalog,
    enterprise_applicant,
    portal_users,
    submitted,
)
from tests.catalog.conftest import items, licences  # noqa: F401 - fixtures
from tests.reforms.conftest import FIXTURES, city, dept, imported, programme  # noqa: F401 - fixtures
