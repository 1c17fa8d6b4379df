"""The core factories make valid rows: model validation passes and identifiers check."""

import datetime

import pytest
from stdnum.cn import ric, uscc

from yingshang.core.models import DivisionLevel, Role

from .factories import (
    ROLE_FACTORIES,
    DepartmentFactory,
    DivisionFactory,
    UserFactory,
    ric_for,
    uscc_for,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seq", [0, 1, 42, 9_999_999, 12_345_678])
def test_uscc_for_is_valid_and_carries_the_division(seq):
    code = uscc_for("510781", seq)
    assert uscc.is_valid(code)
    assert code[2:8] == "510781"


@pytest.mark.parametrize("birth", ["19920229", datetime.date(2001, 12, 31), "19991001"])
@pytest.mark.parametrize("seq", [1, 2, 999])
def test_ric_for_is_valid(birth, seq):
    number = ric_for("510703", birth, seq)
    assert ric.is_valid(number)
    assert ric.get_birth_date(number).strftime("%Y%m%d") == (
        birth if isinstance(birth, str) else birth.strftime("%Y%m%d")
    )


def test_ric_checks_the_division_existed_at_birth():
    """510703 (涪城区) dates from 1992 in stdnum's table: a 1991 birth there is refused, so
    the factories use birth years from 1992 on."""
    assert not ric.is_valid(ric_for("510703", "19910101", 1))
    assert ric.is_valid(ric_for("510703", "19920101", 1))


def test_division_factory_reuses_mianyang_and_makes_valid_townships(mianyang):
    assert DivisionFactory(code="510781").name == "江油市"
    town = DivisionFactory()
    town.full_clean()
    assert town.level == DivisionLevel.TOWNSHIP
    assert town.path == "510000/510700/510703/" + f"{town.code}/"


def test_department_factory_is_valid(mianyang):
    dept = DepartmentFactory()
    dept.full_clean()
    assert uscc.is_valid(dept.uscc)
    assert dept.division.code == "510700"


@pytest.mark.parametrize("role", list(ROLE_FACTORIES))
def test_role_factories_make_valid_staff(mianyang, role):
    user = ROLE_FACTORIES[role]()
    user.full_clean()
    assert user.role == role and user.is_staff_member
    assert user.check_password("x-test-pass-1")
    assert user.division is not None
    if role in (Role.HANDLER, Role.DEPT_HEAD):
        assert user.department.division.is_within(user.division)


def test_portal_user_has_no_role(mianyang):
    user = UserFactory()
    assert user.role == "" and not user.is_staff_member
    assert user.phone.startswith("1390816") and len(user.phone) == 11
