"""The evaluations tests use the appeals fixtures (appeals are rated subjects)."""

from tests.appeals.conftest import (  # noqa: F401 - fixtures are found by name
    MONDAY,
    SH,
    appeal_data,
    depts,
    make_uscc,
    office,
    portal_user,
    submit,
)
