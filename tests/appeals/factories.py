"""factory_boy factories of appeals (营商环境诉求), Q&A sessions (政企面对面) and commitments.

``AppealFactory`` writes the row directly (for lists, statistics and ratings that need an
appeal in a given state); the workflow itself is exercised through ``appeals.services``.
"""

import datetime
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from tests.core.factories import UserFactory, city, department, mobile, person_name, uscc_for
from yingshang.appeals.models import Appeal, Commitment, QASession, Status

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2025, 6, 9, 10, 0, tzinfo=SH)


class AppealFactory(DjangoModelFactory):
    """A portal appeal of an enterprise about power connection (用电报装), just submitted."""

    class Meta:
        model = Appeal

    number = factory.Sequence(lambda n: f"SQ20250609{n:06d}")
    appellant_kind = "enterprise"
    uscc = factory.Sequence(lambda n: uscc_for("510703", 6_700_000 + n))
    enterprise_name = factory.Sequence(lambda n: f"绵阳市涪城区示例电子有限公司{n}")
    contact_name = factory.Sequence(person_name)
    contact_phone = factory.Sequence(lambda n: mobile(7000 + n))
    applicant_user = factory.SubFactory(UserFactory)
    channel = "portal"
    appeal_type = "help"
    topic = "power"
    title = "新厂房用电报装迟迟未接电"
    text = "我公司新建厂房申请用电报装已经两个月,变压器增容一直没有安排施工,影响投产。"
    division = factory.LazyFunction(city)
    submitted_at = MONDAY
    sign_due = factory.LazyAttribute(lambda o: o.submitted_at + datetime.timedelta(days=1))


class ClosedAppealFactory(AppealFactory):
    """An appeal the power company replied to and the appellant confirmed resolved."""

    status = Status.CLOSED
    lead_department = factory.LazyFunction(lambda: department("510700", "power"))
    signed_at = MONDAY
    dispatched_at = MONDAY
    replied_at = MONDAY + datetime.timedelta(days=2)
    reply_text = "已安排施工,三日内接电。"
    closed_at = MONDAY + datetime.timedelta(days=3)
    resolved = True


class QASessionFactory(DjangoModelFactory):
    class Meta:
        model = QASession

    title = factory.Sequence(lambda n: f"政企面对面第{n + 1}期")
    date = datetime.date(2025, 6, 12)
    theme = "企业用电用水"
    venue = "市政务服务中心三楼会议室"
    leaders = "李市长"
    division = factory.LazyFunction(city)


class CommitmentFactory(DjangoModelFactory):
    class Meta:
        model = Commitment

    session = factory.SubFactory(QASessionFactory)
    content = "一个月内完成园区变压器增容"
    owner_department = factory.LazyFunction(lambda: department("510700", "power"))
    deadline = datetime.date(2025, 7, 12)
    division = factory.LazyAttribute(lambda o: o.owner_department.division)
