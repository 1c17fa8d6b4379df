"""Staff get their 催办 and overdue escalations in 企业微信 from the producers themselves (not a
hand-made notification): a reform task's reminder and an appeal escalated by the overdue sweep
reach WeCom-bound staff as text cards whose 查看 button opens the workbench page, over HTTP
through the fake WeCom API."""

import datetime

import pytest

from tests.appeals.conftest import MONDAY, appeal_data, submit  # noqa: F401 - fixtures by name
from tests.reforms.factories import TaskFactory
from yingshang.channels.models import StaffWeCom

from .test_wecom import AGENT, CORP, SECRET

pytestmark = pytest.mark.django_db
SITE = "https://zwfw.example.gov.cn"


@pytest.fixture
def wecom(fake, settings):
    fake.wecom_corp_id, fake.wecom_secret, fake.wecom_agent_id = CORP, SECRET, AGENT
    fake.wecom_users = {"MarketStaff", "Mayor"}
    settings.WECOM_CORP_ID, settings.WECOM_SECRET = CORP, SECRET
    settings.WECOM_AGENT_ID = str(AGENT)
    from yingshang.channels.config import get_config

    settings.WECOM_API_BASE = get_config().api_base
    settings.SITE_URL = SITE
    return fake


def cards(fake, userid):
    return [m for m in fake.received if m["kind"] == "wecom" and m["touser"] == userid]


def test_a_reform_reminder_reaches_the_units_staff_in_wecom(
    wecom, staff, mianyang, django_capture_on_commit_callbacks
):
    from yingshang.core.models import Role
    from yingshang.reforms import services

    task = TaskFactory()
    unit = task.lead_units.get()
    member = next(u for u in staff.values() if u.department_id == unit.pk and u.role != Role.LEADER)
    StaffWeCom.objects.create(user=member, userid="MarketStaff")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminder(task, user=staff["jianduyuan"], note="请本周内报送")
    [card] = cards(wecom, "MarketStaff")
    assert card["textcard"]["title"].startswith("催办")
    assert card["textcard"]["url"] == f"{SITE}/staff/reforms/tasks/{task.pk}/"


def test_an_overdue_appeal_escalation_reaches_the_city_leader_in_wecom(
    wecom,
    staff,
    submit,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
):
    from yingshang.appeals import services

    StaffWeCom.objects.create(user=staff["shilingdao"], userid="Mayor")
    late = submit()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep_overdue(now=MONDAY + datetime.timedelta(days=2))
    assert result["escalated"] == 1
    [card] = cards(wecom, "Mayor")
    assert late.number in card["textcard"]["title"] and "督办" in card["textcard"]["title"]
    assert card["textcard"]["url"] == f"{SITE}/staff/appeals/{late.pk}/"
