# The demo loaders are tested on the fixtures of the parts they fill: the cases tests' catalogue
# and applicants (volume demo), the monitoring tests' dataset (monitoring step).
import contextlib

import pytest
from django.db import transaction

from tests.cases.conftest import (  # noqa: F401
    calendar,
    catalog,
    enterprise_applicant,
    person_applicant,
    portal_users,
)
from tests.monitoring.conftest import dataset  # noqa: F401

# A small demo: every step between the organisation (loaded once per session by tests/conftest)
# and monitoring, with few cases and appeals so that a module loads it in seconds.
SMALL = {
    "seed": 2019,
    "quiet": True,
    "cases": 400,
    "appeals": 300,
    "reforms_as_of": "2026-06-30",
}


def run_steps(orders, options=None):
    """Run the demo steps whose order is in ``orders``; the tally of what they did."""
    from yingshang.demo import framework

    tally = framework.Tally()
    for step in framework.steps():
        if step.order in orders:
            step.run({**SMALL, **(options or {})}, tally, None)
    return tally


@contextlib.contextmanager
def loaded_once(django_db_blocker, orders, options=None):
    """Load demo steps once inside a transaction that is rolled back when the fixture ends:
    every test's own transaction is a savepoint inside it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield run_steps(orders, options)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    """registry, catalog, volume cases, appeals and ratings of the small demo (no reforms,
    no monitoring: they have their own modules), loaded once per module that uses it. Every
    test of such a module sees the data (the fixture lives until the module ends)."""
    with loaded_once(django_db_blocker, {200, 210, 300, 500, 600}) as tally:
        yield tally
