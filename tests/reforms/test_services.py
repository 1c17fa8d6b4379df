"""Import (all or nothing, fuzzy units, bad input), progress reports, review, states, roll-up,
reminders and the sweep."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yingshang.reforms import matching, selectors, services
from yingshang.reforms.models import (
    EventKind,
    Reminder,
    ReportStatus,
    Task,
    TaskEvent,
    TaskState,
)
from yingshang.reforms.parsing import parse_document, parse_file
from yingshang.reforms.progress import compute_state

from .conftest import FIXTURES

D = datetime.date


def at(d):
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(10)))


def test_fuzzy_and_alias_matches(mianyang, programme):
    m = matching.match_units(
        [
            "市市场监管局",
            "市发改委",
            "市政务服务监督管理局",
            "市纪委(监委)",
            "市经济信息化局",
            "各县（市、区）人民政府",
            "市火星局",
        ],
        services.candidate_departments(programme),
    )
    assert m["市政务服务监督管理局"].status == matching.EXACT
    assert (m["市市场监管局"].status, m["市市场监管局"].department_name) == (
        "alias",
        "市市场监督管理局",
    )
    assert m["市发改委"].department_name == "市发展改革委"
    assert m["市纪委(监委)"].department_name == "市纪委监委"
    assert (m["市经济信息化局"].status, m["市经济信息化局"].department_name) == (
        "fuzzy",
        "市经济和信息化局",
    )
    assert m["各县（市、区）人民政府"].status == matching.COLLECTIVE
    assert m["市火星局"].status == matching.UNKNOWN


def test_import_requires_confirmation_of_fuzzy_names(programme):
    result = parse_file(FIXTURES / "style_a_fangan.txt", year=2019)
    with pytest.raises(ValidationError) as exc:
        services.import_tasks(programme, result)
    assert any("市市场监管局" in m and "市市场监督管理局" in m for m in exc.value.messages)
    assert programme.tasks.count() == 0 and programme.measures.count() == 0
    tasks = services.import_tasks(programme, result, accept_fuzzy=True)
    assert len(tasks) == 6 and programme.measures.count() == 2
    t = Task.objects.get(programme=programme, number="2.1")
    assert [d.name for d in t.lead_units.all()] == ["市市场监督管理局"]
    assert {d.name for d in t.partner_units.all()} == {"市公安局", "市税务局", "人民银行绵阳市分行"}
    t32 = Task.objects.get(programme=programme, number="3.2")
    assert t32.collective_units == ["各县（市、区）人民政府"]
    assert t32.deadline == D(2019, 12, 31)
    t33 = Task.objects.get(programme=programme, number="3.3")
    assert t33.deadline is None and t33.deadline_kind == "long_term"
    assert TaskEvent.objects.filter(task=t, action=EventKind.CREATED).count() == 1


def test_import_with_confirmed_choices(programme, dept):
    text = "一、措施\n1.甲任务,年内完成。(牵头单位:市市场监管局)\n"
    result = parse_document(text, year=2019)
    target = dept("市市场监督管理局")
    tasks = services.import_tasks(programme, result, confirmed={"市市场监管局": target.pk})
    assert list(tasks[0].lead_units.all()) == [target]


def test_import_is_all_or_nothing_on_bad_input(programme):
    text = (
        "一、措施\n"
        "1.甲任务,6月底前完成。(市发展改革委牵头)\n"
        "2.乙任务,2018年底前完成。(市财政局牵头)\n"  # before the programme date
        "3.丙任务。(市火星局牵头)\n"  # unknown unit
        "4.丁任务。(各县（市、区）人民政府牵头)\n"  # collective cannot lead
        "5.戊任务\n"  # no note
    )
    result = parse_document(text, year=2019)
    with pytest.raises(ValidationError) as exc:
        services.import_tasks(programme, result, accept_fuzzy=True)
    msgs = exc.value.message_dict["file"]
    assert any(m.startswith("第3行") and "早于方案印发日期" in m for m in msgs)
    assert any(m.startswith("第4行") and "市火星局" in m for m in msgs)
    assert any(m.startswith("第5行") and "不能作为牵头单位" in m for m in msgs)
    assert any(m.startswith("第6行") and "牵头单位" in m for m in msgs)
    assert programme.tasks.count() == 0 and programme.measures.count() == 0


def test_import_refuses_duplicate_numbers_against_existing(imported):
    result = parse_file(FIXTURES / "style_a_fangan.txt", year=2019)
    with pytest.raises(ValidationError) as exc:
        services.import_tasks(imported, result, accept_fuzzy=True)
    assert any("已存在" in m for m in exc.value.messages)
    assert imported.tasks.count() == 6


@pytest.fixture
def task(imported):
    return Task.objects.get(programme=imported, number="3.1")  # bureau leads; deadline 2020-03-31


def test_report_review_and_close(task, staff):
    bureau = staff["jianduyuan"]
    r1 = services.submit_report(task, user=bureau, percent=40, text="进展", at=at(D(2019, 3, 25)))
    task.refresh_from_db()
    assert task.progress == Decimal("40.00") and r1.period == "2019-03"
    with pytest.raises(ValidationError) as exc:
        services.review_report(r1, user=bureau, accept=False, note="")
    assert "review_note" in exc.value.message_dict
    services.review_report(r1, user=bureau, accept=False, note="材料不全", at=at(D(2019, 3, 27)))
    task.refresh_from_db()
    assert task.progress == 0  # returned → back to the previous accepted state
    r2 = services.submit_report(task, user=bureau, percent=100, text="完成", at=at(D(2019, 4, 20)))
    task.refresh_from_db()
    assert task.closed_at is None  # only the bureau's acceptance closes
    services.review_report(r2, user=bureau, accept=True, at=at(D(2019, 4, 22)))
    task.refresh_from_db()
    assert task.closed_at is not None and task.completed_on == D(2019, 4, 20)
    assert task.state == TaskState.COMPLETED
    kinds = list(task.events.values_list("action", flat=True))
    assert kinds.count(EventKind.REPORT) == 2 and EventKind.CLOSED in kinds
    assert EventKind.RETURNED in kinds and EventKind.STATE in kinds
    # no reports on a closed task
    with pytest.raises(ValidationError) as exc:
        services.submit_report(task, user=bureau, percent=100, text="再报")
    assert "已销号" in exc.value.message_dict["task"][0]
    with pytest.raises(PermissionError):
        task.events.first().save()


def test_progress_validation(task, staff):
    bureau = staff["jianduyuan"]
    for bad in (-1, 101, "abc"):
        with pytest.raises(ValidationError) as exc:
            services.submit_report(task, user=bureau, percent=bad, text="x")
        assert "percent" in exc.value.message_dict
    services.submit_report(task, user=bureau, percent=50, text="x", at=at(D(2019, 3, 1)))
    with pytest.raises(ValidationError) as exc:
        services.submit_report(task, user=bureau, percent=30, text="x", at=at(D(2019, 4, 1)))
    assert "下调" in exc.value.message_dict["decrease_reason"][0]
    r = services.submit_report(
        task, user=bureau, percent=30, text="x", decrease_reason="口径调整", at=at(D(2019, 4, 1))
    )
    assert r.percent == 30
    assert task.reports.count() == 2


def test_only_lead_units_report_and_partners_contribute(imported, staff):
    t = Task.objects.get(programme=imported, number="2.1")  # market leads
    with pytest.raises(PermissionDenied):
        services.submit_report(t, user=staff["shilingdao"], percent=10, text="x")
    services.submit_report(t, user=staff["chengban"], percent=10, text="x")
    with pytest.raises(PermissionDenied):
        services.add_contribution(t, user=staff["chuangkou"], text="x")
    t22 = Task.objects.get(programme=imported, number="2.2")  # bureau participates
    c = services.add_contribution(t22, user=staff["jianduyuan"], text="已配合完成系统对接")
    assert c.department.name == "市政务服务监督管理局"
    with pytest.raises(PermissionDenied):
        services.review_report(t.reports.get(), user=staff["chengban"], accept=True)


def test_evidence_is_content_checked(task, staff, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bureau = staff["jianduyuan"]
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError) as exc:
        services.submit_report(task, user=bureau, percent=10, text="x", files=[fake])
    assert "files" in exc.value.message_dict
    assert task.reports.count() == 0
    png_as_pdf = SimpleUploadedFile("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    with pytest.raises(ValidationError) as exc:
        services.submit_report(task, user=bureau, percent=10, text="x", files=[png_as_pdf])
    assert "不符" in exc.value.message_dict["files"][0]
    settings.UPLOAD_MAX_BYTES = 100
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 200)
    with pytest.raises(ValidationError):
        services.submit_report(task, user=bureau, percent=10, text="x", files=[big])
    settings.UPLOAD_MAX_BYTES = 10_000
    ok = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n%%EOF")
    r = services.submit_report(task, user=bureau, percent=10, text="x", files=[ok])
    f = r.files.get()
    assert f.kind == "pdf" and f.original_name == "纪要.pdf"
    assert str(settings.MEDIA_ROOT) in f.file.path and "纪要" not in f.file.path


BASE = dict(
    start=D(2019, 1, 20),
    deadline=D(2019, 12, 31),
    progress=0,
    closed=False,
    completed_on=None,
    reported_periods=set(),
    cycle="monthly",
    margin=15,
)


@pytest.mark.parametrize(
    "changes,state",
    [
        (dict(today=D(2019, 1, 25)), TaskState.NOT_STARTED),
        (dict(today=D(2019, 1, 10)), TaskState.NOT_STARTED),
        (dict(today=D(2019, 3, 5)), TaskState.LAGGING),  # no report for February
        (
            dict(today=D(2019, 7, 5), progress=50, reported_periods={"2019-06"}),
            TaskState.ON_TRACK,
        ),
        (
            dict(today=D(2019, 7, 5), progress=20, reported_periods={"2019-06"}),
            TaskState.LAGGING,  # line says ~47 %, margin 15
        ),
        (
            dict(today=D(2019, 7, 5), progress=60, reported_periods={"2019-04"}),
            TaskState.LAGGING,  # nothing reported in June
        ),
        (dict(today=D(2020, 1, 2), progress=90, reported_periods={"2019-12"}), TaskState.OVERDUE),
        (dict(today=D(2020, 1, 2), closed=True, completed_on=D(2019, 12, 1)), TaskState.COMPLETED),
        (
            dict(today=D(2020, 2, 2), closed=True, completed_on=D(2020, 1, 20)),
            TaskState.COMPLETED_LATE,
        ),
        (
            dict(
                today=D(2019, 5, 5),
                deadline=None,
                progress=5,
                reported_periods={"2019-Q1"},
                cycle="quarterly",
            ),
            TaskState.ON_TRACK,  # standing task reports quarterly
        ),
    ],
)
def test_each_state(changes, state):
    assert compute_state(**{**BASE, **changes}) == state


def test_rollup_by_weight(imported, staff):
    from yingshang.reforms.models import Measure

    bureau = staff["jianduyuan"]
    t31 = Task.objects.get(programme=imported, number="3.1")
    t32 = Task.objects.get(programme=imported, number="3.2")
    Task.objects.filter(pk=t31.pk).update(weight=3)
    m1 = services.add_milestone(t31, user=bureau, title="方案", due_date=D(2019, 3, 1), weight=1)
    m2 = services.add_milestone(t31, user=bureau, title="上线", due_date=D(2019, 9, 1), weight=3)
    t31.refresh_from_db()
    services.submit_report(t31, user=bureau, text="x", milestone_percents={m1.pk: 100, m2.pk: 20})
    t31.refresh_from_db()
    assert t31.progress == Decimal("40.00")  # (100·1 + 20·3) / 4
    services.submit_report(t32, user=bureau, percent=80, text="x")
    Measure.objects.filter(programme=imported, number=3).update(weight=2)
    r = selectors.rollup(imported)
    m3 = next(row for row in r["measures"] if row["measure"].number == 3)
    assert m3["progress"] == Decimal("40.00")  # (40·3 + 80·1 + 0·1) / 5
    assert r["programme"] == Decimal("26.67")  # measure 2 is 0, weight 1; measure 3 weight 2


def test_sweep_sends_reminders_once_and_flags_units(imported, staff):
    # nobody reports: after a few months every task lags, then overdue; reminders recorded
    r1 = services.sweep(today=D(2019, 3, 5), programme=imported)
    assert r1.changed == 6 and r1.reminders >= 6
    assert services.sweep(today=D(2019, 3, 6), programme=imported).reminders == 0
    services.sweep(today=D(2019, 4, 5), programme=imported)
    services.sweep(today=D(2019, 5, 5), programme=imported)
    t = Task.objects.get(programme=imported, number="2.1")
    assert t.state == TaskState.LAGGING
    assert Reminder.objects.filter(task=t, reason="missing_report").count() == 3
    assert t.events.filter(action=EventKind.REMINDER).count() == 3
    services.sweep(today=D(2019, 7, 2), programme=imported)
    t.refresh_from_db()
    assert t.state == TaskState.OVERDUE
    flagged = {f["unit"]: f for f in selectors.flagged_units(staff["admin"], imported)}
    assert "市政务服务监督管理局" in flagged  # leads 3 tasks, missed reports repeatedly
    assert flagged["市政务服务监督管理局"]["missing_reports"] >= 3
    esc = selectors.escalation_list(staff["admin"], imported)
    assert t in esc


def test_statistics_per_unit_and_leader(imported, staff):
    s = selectors.statistics(staff["admin"], imported, today=D(2019, 2, 1))
    units = {u["unit"]: u for u in s["units"]}
    assert units["市政务服务监督管理局"]["tasks"] == 3
    assert s["units"][0]["unit"] == "市政务服务监督管理局"
    assert s["total"] == 6


def test_reminder_notifies_unit_staff_and_job_registered(
    imported, staff, django_capture_on_commit_callbacks
):
    from yingshang.notifications.models import Notification
    from yingshang.platform.jobs import registry

    t = Task.objects.get(programme=imported, number="2.1")  # market: chengban, kezhang
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminder(t, user=staff["jianduyuan"], note="请报送")
    reminder = t.reminders.get()
    assert reminder.notified
    assert (
        Notification.objects.filter(recipient__in=[staff["chengban"], staff["kezhang"]]).count()
        == 2
    )
    import yingshang.reforms.jobs  # noqa: F401

    assert registry.get("reforms.sweep") is not None


def test_demo_history_shows_every_state(programme, staff):
    """The demo's history generator on a small programme: every state and light appears."""
    from yingshang.demo.framework import Tally
    from yingshang.demo.reforms import _history
    from yingshang.reforms.models import STATE_LIGHT, Light

    as_of = D(2019, 12, 20)
    lines = ["一、措施"]
    # scenarios are dealt in turn: 4 due tasks, 6 running ones and a standing one cover all
    ends = ["3月底前", "4月底前", "5月底前", "6月底前"] + ["2020年3月底前"] * 6 + ["长期坚持"]
    for i, end in enumerate(ends, start=1):
        lines.append(f"{i}.任务{i},{end}。(市发展改革委牵头,市财政局配合)")
    result = parse_document("\n".join(lines), year=2019)
    services.import_tasks(programme, result)
    _history(programme, as_of, 2019, Tally())
    states = set(Task.objects.filter(programme=programme).values_list("state", flat=True))
    assert states == set(TaskState.values)
    assert {STATE_LIGHT[s] for s in states} == set(Light.values)
    assert Reminder.objects.filter(task__programme=programme).exists()
    assert _report_status_counts(programme)["returned"] >= 1


def _report_status_counts(programme):
    from django.db.models import Count

    from yingshang.reforms.models import ProgressReport

    rows = (
        ProgressReport.objects.filter(task__programme=programme)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return {**{s: 0 for s in ReportStatus.values}, **dict(rows)}


def test_messages_have_english(task, staff):
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            services.submit_report(task, user=staff["jianduyuan"], percent=120, text="x")
        assert exc.value.message_dict["percent"] == [
            "Progress must be between 0 and 100 (got 120)."
        ]
        assert str(TaskState.LAGGING.label) == "Lagging"
