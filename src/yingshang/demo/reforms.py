"""Demo: the Mianyang programme (35 measures, 102 tasks, 25 lead departments, the bureau leading
21) with about a year of progress history, so that every task state and light appears.

The programme is written out as a policy document in the house style of a 两办 document and
goes through the same parser and import service as a real upload. Dates are relative to the
``--reforms-as-of`` date (default: today): the programme is issued about 11½ months earlier, so
the history is always one year long and the daily sweep keeps it alive. Deterministic for a
given date and seed; a rerun finds the programme and changes nothing.
"""

from __future__ import annotations

import argparse
import calendar
import datetime
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yingshang.core.models import Department, Division, User
from yingshang.demo.framework import demo_step
from yingshang.demo.reforms_data import INDICATOR_KEYS, LEADERS, MEASURES
from yingshang.platform.scoping import can_write
from yingshang.reforms import services
from yingshang.reforms.models import Programme, ReportStatus, Task
from yingshang.reforms.parsing import parse_document

TITLE = "绵阳市进一步优化营商环境工作方案"


def _iso_date(value: str) -> str:
    """``--reforms-as-of``: a date as YYYY-MM-DD (a bad one is a usage error, not a traceback)."""
    try:
        datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc
    return value


def _add_arguments(parser):
    parser.add_argument(
        "--reforms-as-of",
        default=None,
        type=_iso_date,
        help="date the reforms demo history runs up to (YYYY-MM-DD, default today)",
    )


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(d: datetime.date, months: int, day: int | None = None) -> datetime.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day or d.day, last))


def issue_date_for(as_of: datetime.date) -> datetime.date:
    d = as_of - datetime.timedelta(days=350)
    return datetime.date(d.year, d.month, 10)


def programme_text(issue: datetime.date) -> str:
    """The demo programme as a published document."""
    names = {k: n for k, n, *_rest in _city_departments()}
    lines = [
        "中共绵阳市委办公室 绵阳市人民政府办公室",
        f"关于印发《{TITLE}》的通知",
        f"绵府办发〔{issue.year}〕1号",
        "各县市区党委和人民政府，科学城办公室，各园区党工委和管委会，市级各部门：",
        f"  《{TITLE}》已经市委、市政府同意，现印发给你们，请结合实际认真贯彻落实。",
        "",
    ]
    number = 0
    cn = "一二三四五六七八九十"
    for i, (title, leader_idx, tasks) in enumerate(MEASURES, start=1):
        tens, ones = divmod(i, 10)
        numeral = (
            (cn[tens - 1] if tens > 1 else "")
            + ("十" if tens else "")
            + (cn[ones - 1] if ones else "")
        )
        lines.append(f"{numeral}、{title}")
        name, title_ = LEADERS[leader_idx]
        for content, lead, partners, deadline in tasks:
            number += 1
            if isinstance(deadline, int):
                end = _month_end(*_ym(_add_months(issue, deadline)))
                when = f"{end.year}年{end.month}月底前"
            else:
                when = deadline
            note = f"牵头领导：{name}（{title_}）；牵头单位：{names[lead]}"
            if partners:
                note += "；责任单位：" + "、".join(names[p] for p in partners)
            note += f"；完成时限：{when}"
            lines.append(f"{number}.{content}。({note})")
        lines.append("")
    return "\n".join(lines)


def _ym(d: datetime.date) -> tuple[int, int]:
    return d.year, d.month


def _city_departments():
    from yingshang.demo.data.mianyang import CITY_DEPARTMENTS

    return CITY_DEPARTMENTS


SCENARIOS_DUE = ["completed", "completed", "completed_late", "overdue", "completed"]
SCENARIOS_RUNNING = [
    "on_track",
    "behind",
    "on_track",
    "missing",
    "on_track",
    "not_started",
    "on_track",
]


def _at(d: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(hour, 0)))


@demo_step(400, "reform programme and task progress", add_arguments=_add_arguments)
def load_reforms(options, tally, out):
    as_of = options.get("reforms_as_of")
    as_of = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    city = Division.objects.get(code=getattr(settings, "YINGSHANG_CITY_CODE", "510700"))
    existing = Programme.objects.filter(division=city, title=TITLE).first()
    if existing is not None:
        tally.add("reform programmes", "unchanged")
        publish_demo(existing, tally)
        return
    issue = issue_date_for(as_of)
    with transaction.atomic():
        programme = services.create_programme(
            title=TITLE,
            doc_number=f"绵府办发〔{issue.year}〕1号",
            issue_date=issue,
            division=city,
        )
        result = parse_document(programme_text(issue), year=issue.year)
        tasks = services.import_tasks(programme, result)
        for task in tasks:
            keys = sorted(
                {k for phrase, ks in INDICATOR_KEYS if phrase in task.content for k in ks}
            )
            if keys:
                Task.objects.filter(pk=task.pk).update(indicator_keys=keys)
    tally.add("reform programmes", "created")
    tally.add("reform tasks", "created", len(tasks))
    with transaction.atomic():
        _history(programme, as_of, options.get("seed") or 2019, tally)
    publish_demo(programme, tally)


def _bureau(programme) -> User | None:
    """The demo account of the programme's supervision bureau: a demo staff member of the city
    table (demo/data) in the 政务服务监督管理局 (``gov_service``) of the programme's division who
    may publish it — Mianyang's ``jianduyuan``, another city's own — or None."""
    from yingshang.demo.data import mianyang as config
    from yingshang.reforms.policies import can_publish

    names = [
        username
        for username, _name, _role, division, key in config.DEMO_STAFF
        if division == programme.division.code and key == "gov_service"
    ]
    for user in User.objects.filter(username__in=names).order_by("username"):
        if can_publish(user, programme):
            return user
    return None


def publish_demo(programme, tally):
    """政务公开: the demo programme is published by the supervision bureau (idempotent)."""
    if programme.published_at is not None:
        return
    bureau = _bureau(programme)
    if bureau is None:
        return
    services.publish_programme(programme, user=bureau)
    tally.add("reform programmes published", "created")


def _history(programme, as_of, seed, tally):
    rng = random.Random(seed)
    bureau = _bureau(programme) or User.objects.filter(is_superuser=True).first()
    staff_by_dept = {}
    for u in User.objects.exclude(department=None).order_by("role", "username"):
        if can_write(u):
            staff_by_dept.setdefault(u.department_id, u)
    issue = programme.issue_date
    plans = []
    due_i = run_i = standing_i = 0
    for task in Task.objects.filter(programme=programme).order_by("seq"):
        lead = task.lead_units.order_by("pk").first()
        if task.deadline is None:
            scenario = "missing" if standing_i % 4 == 3 else "on_track"
            standing_i += 1
        elif task.deadline <= as_of:
            scenario = SCENARIOS_DUE[due_i % len(SCENARIOS_DUE)]
            due_i += 1
        else:
            scenario = SCENARIOS_RUNNING[run_i % len(SCENARIOS_RUNNING)]
            run_i += 1
        if scenario == "not_started":
            Task.objects.filter(pk=task.pk).update(start_date=as_of + datetime.timedelta(days=20))
            continue
        plans.append((task, lead, scenario))

    # Build the chronological list of actions.
    actions = []  # (date, order, kind, payload)
    for task, lead, scenario in plans:
        deadline = task.deadline
        finish = None
        if scenario == "completed":
            finish = deadline - datetime.timedelta(days=rng.randint(3, 20))
        elif scenario == "completed_late":
            finish = deadline + datetime.timedelta(days=rng.randint(15, 40))
        stop = as_of
        if scenario == "missing":
            stop = _add_months(as_of, -2, 1)
        horizon = deadline or _add_months(issue, 14)
        month = 0
        last = 0.0
        while True:
            month += 1
            day = _add_months(issue, month, 22 + rng.randint(0, 5))
            if finish and day >= finish:
                day = finish
            if day > stop or day > as_of:
                break
            span = max((horizon - issue).days, 1)
            line = 100 * (day - issue).days / span
            if scenario in ("completed", "completed_late") and day == finish:
                pct = 100.0
            elif scenario == "behind":
                pct = line * 0.45
            elif scenario == "overdue":
                pct = min(line, 60 + rng.randint(0, 25))
            elif scenario == "completed_late":
                pct = min(line * 0.85, 95)
            else:
                pct = min(line + rng.randint(0, 6), 95)
            pct = round(max(pct, last), 0)
            last = pct
            actions.append((day, 1, "report", (task, lead, pct, month)))
            if day == finish:
                break
    month = 1
    while True:
        d = _add_months(issue, month, 3)
        if d > as_of:
            break
        actions.append((d, 0, "sweep", None))
        month += 1
    actions.sort(key=lambda a: (a[0], a[1], a[3][0].seq if a[3] else 0))

    reports = 0
    for day, _order, kind, payload in actions:
        if kind == "sweep":
            services.sweep(today=day, programme=programme)
            continue
        task, lead, pct, month = payload
        task.refresh_from_db()
        if task.is_closed:
            continue
        author = staff_by_dept.get(lead.pk) or bureau
        report = services.submit_report(
            task,
            user=author,
            percent=pct,
            text=_report_text(task, pct),
            department=lead,
            at=_at(day),
        )
        reports += 1
        review_day = min(day + datetime.timedelta(days=2), as_of)
        returned = pct < 100 and (task.seq + month) % 9 == 0
        services.review_report(
            report,
            user=bureau,
            accept=not returned,
            note="佐证材料不全，请补充会议纪要和工作台账后重新报送" if returned else "",
            at=_at(review_day, 16),
        )
    services.sweep(today=as_of, programme=programme)
    tally.add("reform reports", "created", reports)
    # one report awaiting review, so the review queue is not empty
    open_task = (
        Task.objects.filter(programme=programme, state="on_track", closed_at=None)
        .order_by("seq")
        .first()
    )
    if (
        open_task is not None
        and not open_task.reports.filter(status=ReportStatus.SUBMITTED).exists()
    ):
        lead = open_task.lead_units.order_by("pk").first()
        services.submit_report(
            open_task,
            user=staff_by_dept.get(lead.pk) or bureau,
            percent=min(float(open_task.progress) + 5, 99),
            text=_report_text(open_task, float(open_task.progress) + 5),
            department=lead,
            at=_at(as_of, 9),
        )


def _report_text(task, pct) -> str:
    if pct >= 100:
        return f"任务已全部完成：{task.content[:30]}……相关制度文件已印发，申请销号。"
    if pct >= 60:
        return "主体工作基本完成，正在完善配套制度和系统功能，按计划推进。"
    if pct >= 30:
        return "已制定工作方案并召开专题会议部署，正在组织实施。"
    return "已开展调研摸底，正在起草工作方案。"


def lead_counts(programme) -> dict[str, int]:
    out = {}
    for d in Department.objects.filter(reform_tasks_led__programme=programme).distinct():
        out[d.name] = d.reform_tasks_led.filter(programme=programme).count()
    return out
