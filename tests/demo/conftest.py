# The demo loaders are tested on the fixtures of the parts they fill: the cases tests' catalogue
# and applicants (volume demo), the monitoring tests' dataset (monitoring step).
from tests.cases.conftest import (  # noqa: F401
    calendar,
    catalog,
    enterprise_applicant,
    person_applicant,
    portal_users,
)
from tests.monitoring.conftest import dataset  # noqa: F401
