"""factory_boy factories of reform programmes (改革方案), measures, tasks, milestones and
progress reports."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from tests.core.factories import city, department
from yingshang.reforms.models import Measure, Milestone, Programme, ProgressReport, Task

SH = ZoneInfo("Asia/Shanghai")


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"绵阳市优化营商环境重点任务清单(第{n + 1}批)")
    doc_number = factory.Sequence(lambda n: f"绵府办发〔2026〕{n + 1}号")
    issue_date = datetime.date(2026, 1, 20)
    year = 2026
    division = factory.LazyFunction(city)


class MeasureFactory(DjangoModelFactory):
    class Meta:
        model = Measure

    programme = factory.SubFactory(ProgrammeFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"持续提升政务服务效能{n + 1}")


class TaskFactory(DjangoModelFactory):
    """A dated task of the city's market bureau (牵头单位), due at the end of 2026."""

    class Meta:
        model = Task
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    measure = factory.SubFactory(MeasureFactory, programme=factory.SelfAttribute("..programme"))
    number = factory.Sequence(lambda n: f"{n + 1}")
    seq = factory.Sequence(lambda n: n + 1)
    content = factory.Sequence(lambda n: f"企业开办时间压缩至1个工作日以内(任务{n + 1})")
    deadline_kind = "date"
    deadline = datetime.date(2026, 12, 31)
    start_date = datetime.date(2026, 1, 20)

    @factory.post_generation
    def leads(obj, create, extracted, **kwargs):
        """The lead units; the city's market bureau unless ``leads=[…]`` is given."""
        if create:
            obj.lead_units.set(extracted or [department("510700", "market")])


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    task = factory.SubFactory(TaskFactory)
    title = factory.Sequence(lambda n: f"阶段目标{n + 1}")
    due_date = datetime.date(2026, 6, 30)


class ProgressReportFactory(DjangoModelFactory):
    class Meta:
        model = ProgressReport

    task = factory.SubFactory(TaskFactory)
    department = factory.LazyAttribute(lambda o: o.task.lead_units.first())
    submitted_at = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    period = "2026-02"
    percent = Decimal("30")
    text = "已完成企业开办“一窗通办”系统升级,平均办理时间压缩至0.5个工作日。"
