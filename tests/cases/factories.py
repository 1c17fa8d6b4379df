"""factory_boy factories of cases (办件) and their events.

These make rows directly, for reads (monitoring, lists, exports) that need cases in a given
state and time; a case that must go through the workflow is made with
``cases.services.submit_case`` as the tests of tests/cases do.
"""

import datetime
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from tests.catalog.factories import ItemWithVersionFactory
from tests.core.factories import mobile, uscc_for
from yingshang.cases.models import Case, CaseEvent

SH = ZoneInfo("Asia/Shanghai")


class CaseFactory(DjangoModelFactory):
    """A submitted online case of an enterprise for a committed item of the market bureau."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"T{n:04d}")
    item = factory.SubFactory(ItemWithVersionFactory)
    version = factory.LazyAttribute(lambda o: o.item.current_version if o.item else None)
    title = factory.LazyAttribute(lambda o: o.item.name if o.item else "企业开办")
    applicant_kind = "enterprise"
    applicant_name = factory.Sequence(lambda n: f"绵阳示例科技有限公司{n}")
    applicant_code = factory.Sequence(lambda n: uscc_for("510703", 6_500_000 + n))
    applicant_phone = factory.Sequence(lambda n: mobile(5000 + n))
    department = factory.LazyAttribute(lambda o: o.item.department)
    division = factory.LazyAttribute(lambda o: o.department.division)
    channel = "online"
    status = "submitted"
    submitted_at = datetime.datetime(2026, 10, 12, 10, 0, tzinfo=SH)

    @factory.post_generation
    def submit_event(obj, create, extracted, **kwargs):
        """Every case starts with its submit event, as the service writes it."""
        if create and extracted is not False:
            CaseEventFactory(case=obj, at=obj.submitted_at, channel=obj.channel)


class CaseEventFactory(DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory, submit_event=False)
    at = factory.LazyAttribute(lambda o: o.case.submitted_at)
    action = "submit"
    from_state = ""
    to_state = "submitted"
    channel = factory.LazyAttribute(lambda o: o.case.channel)


class CompletedCaseFactory(CaseFactory):
    """A case completed on time, two working days after submission."""

    status = "completed"
    accepted_at = factory.LazyAttribute(lambda o: o.submitted_at)
    completed_at = factory.LazyAttribute(lambda o: o.submitted_at + datetime.timedelta(days=2))
    final_sla_state = "on_time"
    working_days_used = 2
    limit_days = 5
    due_at = factory.LazyAttribute(lambda o: o.submitted_at + datetime.timedelta(days=7))


def approval_item(catalog):
    """食品生产许可 of the city market bureau: an item that needs the head's 审批
    (``requires_head_approval``)."""
    from yingshang.catalog import services as cat

    return cat.create_item(
        implementation_code="000009510700CITYMARKET09",
        basic_code="000009510700",
        name="食品生产许可",
        category="licensing",
        department=catalog["registration"].department,
        kind="committed",
        legal_limit_days=20,
        committed_limit_days=10,
        requires_head_approval=True,
        materials=[{"name": "申请书", "requirement": "required"}],
    )
