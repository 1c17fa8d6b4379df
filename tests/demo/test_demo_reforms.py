"""The reforms demo (step 400) as of a fixed day: the programme the docs describe (35 measures,
102 tasks, 25 lead departments, the bureau leading 21), written as a document and parsed back,
a year of reports whose reviews walk the report machine, every task state, published once, and
a rerun that changes nothing. The date helpers on their own."""

import datetime

import pytest

from tests.demo.conftest import SMALL, loaded_once, run_steps
from yingshang.demo import reforms as demo
from yingshang.demo.reforms_data import INDICATOR_KEYS, MEASURES
from yingshang.reforms.models import (
    Measure,
    Programme,
    ProgressReport,
    ReportStatus,
    Task,
    TaskState,
)
from yingshang.reforms.parsing import parse_document

pytestmark = pytest.mark.django_db

AS_OF = datetime.date.fromisoformat(SMALL["reforms_as_of"])


@pytest.fixture(scope="module")
def reforms_demo(django_db_setup, django_db_blocker):
    with loaded_once(django_db_blocker, {400}) as tally:
        yield tally


@pytest.fixture
def programme(reforms_demo):
    return Programme.objects.get(title=demo.TITLE)


def test_the_programme_is_the_documented_one(programme, reforms_demo):
    assert programme.issue_date == demo.issue_date_for(AS_OF)
    assert programme.doc_number == f"绵府办发〔{programme.issue_date.year}〕1号"
    assert programme.division.code == "510700"
    assert Measure.objects.filter(programme=programme).count() == len(MEASURES) == 35
    tasks = Task.objects.filter(programme=programme)
    assert tasks.count() == sum(len(m[2]) for m in MEASURES) == 102
    leads = demo.lead_counts(programme)
    assert len(leads) == 25
    assert leads["市政务服务监督管理局"] == 21
    assert reforms_demo.counts["reform tasks"]["created"] == 102
    assert reforms_demo.counts["reform programmes"]["created"] == 1


def test_tasks_keep_the_document_order_leaders_and_indicators(programme):
    tasks = list(Task.objects.filter(programme=programme).order_by("seq"))
    contents = [content for _t, _l, ts in MEASURES for content, *_r in ts]
    assert [t.content.rstrip("。") for t in tasks] == [c.rstrip("。") for c in contents]
    for task in tasks:
        expected = sorted(
            {k for phrase, ks in INDICATOR_KEYS if phrase in task.content for k in ks}
        )
        assert task.indicator_keys == expected, task.content
        assert task.leader_name and task.lead_units.exists()
    assert any(t.indicator_keys for t in tasks)


def test_every_task_state_appears(programme):
    states = set(Task.objects.filter(programme=programme).values_list("state", flat=True))
    assert states == set(TaskState.values)
    # the not-started tasks start after the as-of day
    for t in Task.objects.filter(programme=programme, state=TaskState.NOT_STARTED):
        assert t.start_date > AS_OF


def test_reports_are_monotone_and_reviews_walk_the_machine(programme):
    from yingshang.platform.transitions import MACHINES
    from yingshang.reforms import machines  # noqa: F401 - registers the machine

    machine = MACHINES["reform_reports"]
    reports = ProgressReport.objects.filter(task__programme=programme).order_by("submitted_at")
    assert reports.count() > 102  # a year of monthly reports
    statuses = set(reports.values_list("status", flat=True))
    assert statuses == set(ReportStatus.values)  # accepted, returned, one awaiting review
    last = {}
    for r in reports:
        assert r.submitted_at.date() <= AS_OF
        assert 0 <= r.percent <= 100
        if r.status == ReportStatus.SUBMITTED:
            assert r.reviewed_at is None
            continue
        action = "accept" if r.status == ReportStatus.ACCEPTED else "return"
        edge = machine.edge(action)
        assert ReportStatus.SUBMITTED in edge.sources
        assert machine.target_name(edge, ReportStatus.SUBMITTED) == r.status
        assert r.reviewed_at >= r.submitted_at
        assert r.reviewed_by.username == "jianduyuan"
        if r.status == ReportStatus.RETURNED:
            assert r.review_note and r.percent < 100
        else:  # accepted progress never goes down
            assert r.percent >= last.get(r.task_id, 0)
            last[r.task_id] = r.percent
    assert reports.filter(status=ReportStatus.SUBMITTED).count() == 1


def test_completed_tasks_are_closed_with_a_full_report(programme):
    for t in Task.objects.filter(
        programme=programme, state__in=[TaskState.COMPLETED, TaskState.COMPLETED_LATE]
    ):
        assert t.progress == 100 and t.completed_on is not None
        late = t.completed_on > t.deadline
        assert (t.state == TaskState.COMPLETED_LATE) == late, (t.content, t.completed_on)
    for t in Task.objects.filter(programme=programme, state=TaskState.OVERDUE):
        assert t.deadline < AS_OF and t.progress < 100


def test_the_programme_is_published_once(programme, reforms_demo):
    assert programme.published_at is not None
    assert reforms_demo.counts["reform programmes published"]["created"] == 1
    published = programme.published_at
    tally = run_steps({400})
    programme.refresh_from_db()
    assert programme.published_at == published
    assert "reform programmes published" not in tally.counts


def test_rerun_changes_nothing(programme):
    before = (Task.objects.count(), ProgressReport.objects.count(), Programme.objects.count())
    tally = run_steps({400}, {"reforms_as_of": "2026-09-30"})  # another day: still found
    assert (
        Task.objects.count(),
        ProgressReport.objects.count(),
        Programme.objects.count(),
    ) == before
    assert tally.counts["reform programmes"] == {"created": 0, "updated": 0, "unchanged": 1}


def test_the_document_parses_back_to_its_tasks():
    from yingshang.demo.reforms_data import LEADERS

    issue = datetime.date(2025, 7, 10)
    result = parse_document(demo.programme_text(issue), year=issue.year)
    assert len(result.tasks) == 102
    assert len({t.measure_number for t in result.tasks}) == 35
    flat = [(m, task) for m in MEASURES for task in m[2]]
    for parsed, ((title, leader, _ts), (content, _lead, partners, deadline)) in zip(
        result.tasks, flat, strict=True
    ):
        assert parsed.measure == title
        assert parsed.content.rstrip("。") == content.rstrip("。")
        name, title_ = LEADERS[leader]
        # (the parser splits “市政府秘书长” as name “吴晓峰 市政府”, title “秘书长”: a reforms
        # parsing quirk reported to the lead; name + title together are kept)
        assert parsed.leader_name.split()[0] == name
        assert (parsed.leader_name + parsed.leader_title).replace(" ", "") == name + title_
        assert len(parsed.partner_units) == len(partners)
        if isinstance(deadline, int):  # a month offset: the end of that month
            month = demo._add_months(issue, deadline)
            assert parsed.deadline == demo._month_end(month.year, month.month)
        assert not parsed.uncertain_fields, parsed.content


@pytest.mark.parametrize(
    "as_of,issue",
    [
        (datetime.date(2026, 6, 30), datetime.date(2025, 7, 10)),
        (datetime.date(2026, 1, 5), datetime.date(2025, 1, 10)),
        (datetime.date(2026, 12, 31), datetime.date(2026, 1, 10)),
    ],
)
def test_issue_date_is_about_eleven_and_a_half_months_earlier(as_of, issue):
    assert demo.issue_date_for(as_of) == issue
    assert 330 <= (as_of - issue).days <= 380


@pytest.mark.parametrize(
    "start,months,day,expected",
    [
        (datetime.date(2025, 1, 31), 1, None, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 1, 31), 1, None, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 11, 10), 3, 25, datetime.date(2026, 2, 25)),
        (datetime.date(2025, 5, 10), -2, 1, datetime.date(2025, 3, 1)),
        (datetime.date(2025, 12, 15), 12, None, datetime.date(2026, 12, 15)),
    ],
)
def test_add_months_clamps_to_the_month_end(start, months, day, expected):
    assert demo._add_months(start, months, day) == expected


@pytest.mark.parametrize(
    "pct,start",
    [(100, "任务已全部完成"), (75, "主体工作基本完成"), (40, "已制定工作方案"), (5, "已开展调研")],
)
def test_report_text_by_progress(pct, start):
    task = Task(content="推行企业开办全程网上办理,压缩办理时间至1个工作日以内")
    text = demo._report_text(task, pct)
    assert text.startswith(start)
    if pct == 100:
        assert task.content[:30] in text
