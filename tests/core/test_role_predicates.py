"""The organisation's predicates (core/policies.py) and the read rules built on them: one
`is_portal_user`, one `is_bureau` for reforms and 好差评, the role part of `visible_to` as each
app's `read` rule — and the permission table showing them (docs/permissions.md)."""

import ast
import pathlib

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.core.factories import UserFactory
from yingshang.core.policies import is_bureau, is_department_bound, is_portal_user
from yingshang.platform.policies import POLICIES, all_policies, matrix

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "yingshang"
ROLE_VALUES = {"clerk", "handler", "dept_head", "supervisor", "leader", "admin", "gov_service"}


def test_portal_user_predicate(staff, mianyang):
    assert is_portal_user(UserFactory())
    assert not is_portal_user(AnonymousUser())
    assert not is_portal_user(None)
    assert not any(is_portal_user(u) for u in staff.values())


def test_one_bureau_predicate_for_reforms_and_evaluations(staff):
    from yingshang.evaluations import policies as ev
    from yingshang.reforms import policies as rf

    assert ev.is_bureau is rf.is_bureau is is_bureau
    assert is_bureau(staff["jianduyuan"]) and is_bureau(staff["admin"])
    assert not is_bureau(staff["chengban"]) and not is_bureau(staff["shilingdao"])
    # a city leader filed under the bureau still only reads
    leader = staff["shilingdao"]
    leader.department = staff["jianduyuan"].department
    assert not is_bureau(leader)


def test_department_bound(staff):
    assert is_department_bound(staff["chengban"]) and is_department_bound(staff["kezhang"])
    assert not is_department_bound(staff["chuangkou"])


@pytest.mark.parametrize("app", ["cases", "appeals", "reforms"])
def test_read_rule_in_the_permission_table(app, mianyang):
    all_policies()
    rows = {action: cells for action, _label, cells in matrix(POLICIES[app])}
    portal, *roles, superuser = rows["read"]
    assert portal == "—" and superuser == "✓" and set(roles) == {"✓"}


def test_read_rule_filters_like_visible_to(staff):
    """A department-bound role's filter is narrower than the division's."""
    from yingshang.cases.policies import policy

    handler_q = policy.rules["read"].on.q(staff["chengban"])
    clerk_q = policy.rules["read"].on.q(staff["chuangkou"])
    assert "department_id" in str(handler_q) and "division_id__in" in str(clerk_q)


def test_no_role_literals_outside_core_models():
    """Role values are `Role` constants; the bureau's function key is `BUREAU_FUNCTION`."""
    allowed = {SRC / "core" / "models.py", SRC / "core" / "policies.py"}
    found = []
    for path in SRC.rglob("*.py"):
        if path in allowed or "migrations" in path.parts or path.parts[-2] == "demo":
            continue
        if "demo" in path.relative_to(SRC).parts or path.parent.name == "platform":
            continue  # demo data names roles as data; platform cannot import core
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if isinstance(side, ast.Constant) and side.value in ROLE_VALUES:
                        found.append(f"{path.relative_to(SRC)}:{node.lineno}")
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if node.value.value == "gov_service":
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []
