"""The appeals policy role by role (no object): who signs and dispatches (the service office),
who may escalate (the office or a non-staff appellant), who gives 批示 (city leaders and
admins), who enters hotline appeals (office and window clerks), who verifies commitments, and
that nobody marks a commitment overdue by hand (the sweep does)."""

import pytest

from yingshang.appeals.policies import policy

pytestmark = pytest.mark.django_db

ACCOUNTS = ["admin", "jianduyuan", "shilingdao", "chuangkou", "chengban", "kezhang"]

# the demo's admin is a superuser: the office's rules let superusers in
EXPECTED = {
    "office": {"admin", "jianduyuan"},
    "escalate": {"admin", "jianduyuan"},
    "instruct": {"admin", "shilingdao"},
    "staff_entry": {"admin", "jianduyuan", "chuangkou"},
    "commitment_verify": {"admin", "jianduyuan"},
    "commitment_overdue": set(),
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_who_may(staff, action):
    allowed = {name for name in ACCOUNTS if policy.can(staff[name], action)}
    assert allowed == EXPECTED[action]


def test_a_portal_appellant_may_escalate_but_not_sign(portal_user):
    assert policy.can(portal_user, "escalate")
    for action in ("office", "instruct", "staff_entry", "commitment_verify"):
        assert not policy.can(portal_user, action), action


def test_the_appellant_rule_needs_the_appellant(submit, portal_user, staff):
    mine = submit(user=portal_user)
    anonymous = submit()
    assert policy.can(portal_user, "appellant", mine)
    assert not policy.can(portal_user, "appellant", anonymous)
    assert not policy.can(staff["jianduyuan"], "appellant", mine)


def test_leading_and_reporting_are_the_departments(submit, office, depts, staff):
    from tests.appeals.factories import CommitmentFactory
    from yingshang.appeals import services
    from yingshang.core.models import User

    power = User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )
    appeal = services.dispatch(submit(), office, depts["power"], note="")
    assert policy.can(power, "lead", appeal)
    assert not policy.can(staff["chengban"], "lead", appeal)
    c = CommitmentFactory(owner_department=depts["power"])
    assert policy.can(power, "commitment_report", c)
    assert not policy.can(staff["chengban"], "commitment_report", c)
    assert not policy.can(office, "commitment_report", c)
