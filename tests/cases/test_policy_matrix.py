"""The case policy role by action on one case of the city market bureau (市市场监督管理局), for
every demo staff account, a portal account and nobody: who reads it, who writes at all, who
takes it in, asks for 补正 before and after 受理, decides, approves, and acts as the applicant;
``check`` raises on the rule's field (or PermissionDenied without one) with its message."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingshang.cases.models import Status
from yingshang.cases.policies import policy

pytestmark = pytest.mark.django_db

ACCOUNTS = [
    "jianduyuan",
    "shilingdao",
    "chuangkou",
    "chengban",
    "kezhang",
    "jiangyou_chuangkou",
    "jiangyou_chengban",
    "fucheng_chengban",
    "fucheng_jiandu",
]

CASE_WORKERS = {
    "chuangkou",
    "chengban",
    "kezhang",
    "jiangyou_chuangkou",
    "jiangyou_chengban",
    "fucheng_chengban",
}

# who is allowed, per action, on a just-submitted city market case
EXPECTED = {
    "read": {"jianduyuan", "shilingdao", "chuangkou", "chengban", "kezhang"},
    "staff": set(ACCOUNTS),
    "write": set(ACCOUNTS) - {"shilingdao"},
    # intake and 补正 before 受理: every case worker of any hall in scope (全域通办)
    "handle": CASE_WORKERS,
    "supplement": CASE_WORKERS,
    "decide": {"chengban", "kezhang"},
    "approve": {"kezhang"},
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_who_may_do_what_on_a_submitted_case(staff, submitted, action):
    allowed = {name for name in ACCOUNTS if policy.can(staff[name], action, submitted)}
    assert allowed == EXPECTED[action]


def test_after_acceptance_only_the_competent_department_asks_for_supplement(staff, submitted):
    submitted.status = Status.ACCEPTED
    allowed = {name for name in ACCOUNTS if policy.can(staff[name], "supplement", submitted)}
    assert allowed == {"chengban", "kezhang"}
    submitted.status = Status.IN_PROCESS  # and in review
    in_review = {name for name in ACCOUNTS if policy.can(staff[name], "supplement", submitted)}
    assert in_review == {"chengban", "kezhang"}
    with pytest.raises(PermissionDenied) as err:
        policy.check(staff["chuangkou"], "supplement", submitted)
    assert "受理后只有办理部门" in str(err.value)


def test_portal_accounts_and_nobody(submitted, portal_users):
    owner, other = portal_users["qiye"], None
    for action in ("read", "staff", "write", "handle", "supplement", "decide", "approve"):
        assert not policy.can(owner, action, submitted), action
    assert policy.can(owner, "applicant", submitted)
    # nobody (the system: jobs, roll-ups) acts for the applicant
    assert policy.can(other, "applicant", submitted)
    stranger = [u for k, u in portal_users.items() if u.pk != submitted.user_id][0]
    assert not policy.can(stranger, "applicant", submitted)


def test_staff_acting_for_the_applicant_is_their_own_case_only(staff, submitted):
    assert not policy.can(staff["chuangkou"], "applicant", submitted)


@pytest.mark.parametrize(
    "name,action,field,text",
    [
        ("shilingdao", "write", None, "只读角色"),
        ("jianduyuan", "handle", None, "综合窗口人员"),
        ("chuangkou", "decide", None, "作出办理决定"),
        ("chengban", "approve", None, "负责人可以审批"),
        ("jiangyou_chengban", "decide", None, "作出办理决定"),
    ],
)
def test_check_raises_with_the_rule_message(staff, submitted, name, action, field, text):
    rule = policy.rules[action]
    expected = PermissionDenied if rule.field is None else ValidationError
    with pytest.raises(expected) as err:
        policy.check(staff[name], action, submitted)
    assert text in str(err.value)


def test_a_portal_account_trying_a_staff_edge_gets_a_field_error(submitted, portal_users):
    with pytest.raises(ValidationError) as err:
        policy.check(portal_users["qiye"], "staff")
    assert "action" in err.value.message_dict
    assert "只有工作人员" in err.value.message_dict["action"][0]


def test_a_superuser_reads_and_takes_window_steps_but_decides_nothing(submitted):
    """Separation of duties (docs/cases.md, "Who may decide"): being a superuser is no
    substitute for the competent department's handler or head role."""
    from yingshang.core.models import User

    root = User.objects.create_superuser("root", password="x-unused-pass-9")
    for action in ("read", "write", "handle"):
        assert policy.can(root, action, submitted), action
    for action in ("decide", "approve"):
        assert not policy.can(root, action, submitted), action


def test_the_read_filter_matches_the_object_rule(staff, submitted, catalog):
    from yingshang.cases.models import Case

    for name in ACCOUNTS:
        visible = set(policy.filter(Case.objects.all(), staff[name], "read"))
        assert (submitted in visible) == (name in EXPECTED["read"]), name
