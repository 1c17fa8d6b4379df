"""Fixtures for the appeals and evaluations tests (tests/evaluations re-uses them)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
# A Monday in an ordinary week (no holidays), 10:00 Shanghai.
MONDAY = datetime.datetime(2025, 6, 9, 10, 0, tzinfo=SH)


def make_uscc(seq: int) -> str:
    """A valid USCC of an enterprise registered in the city (see tests.core.factories)."""
    from tests.core.factories import uscc_for

    return uscc_for("510700", seq)


@pytest.fixture
def depts(mianyang):
    from yingshang.core.models import Department

    return {
        d.function_key: d
        for d in Department.objects.filter(division__code="510700").exclude(function_key="")
    }


@pytest.fixture
def office(staff):
    return staff["jianduyuan"]  # supervisor of 市政务服务监督管理局: the service office


@pytest.fixture
def portal_user(db):
    from yingshang.core.models import User

    return User.objects.create_user("qiye01", password="x-unused-pass-1", full_name="钱经理")


@pytest.fixture
def appeal_data():
    def _data(**over):
        data = {
            "channel": "portal",
            "appellant_kind": "enterprise",
            "uscc": make_uscc(1),
            "enterprise_name": "绵阳市涪城区示例电子有限公司",
            "contact_name": "钱经理",
            "contact_phone": "13812345678",
            "appeal_type": "help",
            "topic": "power",
            "title": "新厂房用电报装迟迟未接电",
            "text": "我公司新建厂房申请用电报装已经两个月,变压器增容一直没有安排施工,影响投产。",
        }
        data.update(over)
        return data

    return _data


@pytest.fixture
def submit(appeal_data):
    from yingshang.appeals import services

    def _submit(user=None, now=MONDAY, **over):
        return services.submit_appeal(user=user, now=now, **appeal_data(**over))

    return _submit
