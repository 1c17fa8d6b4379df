"""Public progress pages (政务公开) of reform programmes: no login, only published programmes and
their public tasks. Pages, open data (CSV / JSON with stable URLs) and an Atom feed of changes.

What is public about a task: its number, measure, content, lead and participating units,
deadline, state and light, progress, milestones and the summary of its last *accepted* report.
Never: review notes, unaccepted (submitted or returned) reports, authors, reviewers, leaders'
names, contributions, reminders, evidence files. Phone and ID numbers in a report's text are
masked.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.appeals.public import public_commitments
from yingshang.core.models import Department
from yingshang.platform.exports import csv_response
from yingshang.platform.masking import mask_text

from . import selectors
from .models import STATE_LIGHT, Light, Programme, TaskState

SUMMARY_CHARS = 500
LANDLINE_RE = re.compile(r"(?<!\d)(0\d{2,3})[-\s]?\d{7,8}(?!\d)")
# Entry ids of the feed: name-based UUIDs (RFC 4122 §4.3) of a fixed namespace and the
# change's key, so an entry keeps its id whatever host or URL the site is served under.
FEED_NAMESPACE = uuid.UUID("5d0f4f3e-2b0e-4a53-9a53-79696e677368")

# The open-data fields, in CSV column order (JSON uses the same keys). Documented in
# docs/reforms.md and on the programme page.
FIELDS = [
    ("programme", gettext_lazy("方案公开代码")),
    ("number", gettext_lazy("任务编号")),
    ("measure_number", gettext_lazy("政策措施序号")),
    ("measure", gettext_lazy("政策措施")),
    ("content", gettext_lazy("任务内容")),
    ("lead_units", gettext_lazy("牵头单位（多个以“、”分隔；JSON为数组）")),
    ("partner_units", gettext_lazy("参与单位及其他责任主体（同上）")),
    ("deadline", gettext_lazy("完成时限（YYYY-MM-DD；长期任务为空）")),
    (
        "deadline_kind",
        gettext_lazy("时限类型：date 限时完成 / long_term 长期坚持 / ongoing 持续推进"),
    ),
    ("deadline_text", gettext_lazy("时限原文")),
    ("progress", gettext_lazy("进度（%,0–100，以最近一次已采纳的进度报告为准，已销号为100）")),
    (
        "state",
        gettext_lazy(
            "状态代码：not_started、on_track、lagging、overdue、completed、completed_late"
        ),
    ),
    ("state_label", gettext_lazy("状态名称")),
    ("light", gettext_lazy("亮灯：green 绿灯 / yellow 黄灯 / red 红灯")),
    ("completed_on", gettext_lazy("完成日期（YYYY-MM-DD）")),
    ("last_report_period", gettext_lazy("最近一次已采纳进度报告的期次")),
    ("last_report_date", gettext_lazy("该报告的报送日期")),
    ("last_report_percent", gettext_lazy("该报告的进度（%）")),
    ("last_report_summary", gettext_lazy("该报告的进展摘要")),
    ("milestones", gettext_lazy("节点：名称、计划完成日期（CSV以“;”分隔）")),
    ("url", gettext_lazy("任务在公开页面上的网址")),
]


_CODE = re.compile(r"(?<![A-Za-z])[a-z]+(?:_[a-z]+)*(?![A-Za-z])")


def field_rows(fields=FIELDS) -> list[tuple[str, str]]:
    """The data dictionary as the page shows it: each field's key and the codes its
    description lists (``not_started``, ``green``) marked as data — ``<code translate="no">``,
    values a program reads, not words to translate — and the rest of the description escaped."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    def marked(text):
        text, out, at = str(text), [], 0
        for m in _CODE.finditer(text):
            out += [escape(text[at : m.start()]), f'<code translate="no">{m.group(0)}</code>']
            at = m.end()
        return mark_safe("".join([*out, escape(text[at:])]))

    return [(key, marked(label)) for key, label in fields]


def public_summary(text: str) -> str:
    """A report's text as published: ID, mobile and landline numbers masked, shortened."""
    text = mask_text(text or "")
    text = LANDLINE_RE.sub(lambda m: m.group(1) + "-********", text)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def programme_url(request, programme: Programme) -> str:
    return request.build_absolute_uri(reverse("reforms:public-programme", args=[programme.slug]))


def _units(task) -> tuple[list[str], list[str]]:
    leads = [d.name for d in task.lead_units.all()]
    partners = [d.name for d in task.partner_units.all()] + list(task.collective_units)
    return leads, partners


def task_records(request, programme: Programme, tasks) -> list[dict]:
    """One open-data record per public task (keys as in FIELDS)."""
    reports = selectors.last_accepted_reports(tasks)
    base = programme_url(request, programme)
    out = []
    for t in tasks:
        leads, partners = _units(t)
        r = reports.get(t.pk)
        out.append(
            {
                "programme": programme.slug,
                "number": t.number,
                "measure_number": t.measure.number,
                "measure": t.measure.title,
                "content": t.content,
                "lead_units": leads,
                "partner_units": partners,
                "deadline": t.deadline.isoformat() if t.deadline else None,
                "deadline_kind": t.deadline_kind,
                "deadline_text": t.deadline_text,
                "progress": float(selectors.public_progress(t, r)),
                "state": t.state,
                "state_label": str(TaskState(t.state).label),
                "light": t.light,
                "completed_on": t.completed_on.isoformat() if t.completed_on else None,
                "last_report_period": r.period if r else None,
                "last_report_date": (timezone.localdate(r.submitted_at).isoformat() if r else None),
                "last_report_percent": float(r.percent) if r else None,
                "last_report_summary": public_summary(r.text) if r else None,
                "milestones": [
                    {"title": m.title, "due_date": m.due_date.isoformat()}
                    for m in t.milestones.all()
                ],
                "url": f"{base}#task-{t.pk}",
            }
        )
    return out


def _csv_value(key, value):
    if isinstance(value, list) and key == "milestones":
        return ";".join(f"{m['title']} {m['due_date']}" for m in value)
    if isinstance(value, list):
        return "、".join(value)
    return value


def programme_record(request, programme: Programme, tasks) -> dict:
    return {
        "code": programme.slug,
        "title": programme.title,
        "doc_number": programme.doc_number,
        "issue_date": programme.issue_date.isoformat(),
        "year": programme.year,
        "division": programme.division.name,
        "published_at": programme.published_at.isoformat(),
        "progress": float(selectors.public_rollup(programme, tasks)["programme"]),
        "task_count": tasks.count(),
        "url": programme_url(request, programme),
    }


def programme_commitments(programme: Programme, tasks):
    """政企面对面 commitments of this programme's units: published sessions in the programme's
    division subtree whose owner department leads or joins one of its public tasks."""
    units = Department.objects.filter(
        Q(reform_tasks_led__in=tasks) | Q(reform_tasks_joined__in=tasks)
    ).values("pk")
    return public_commitments(division=programme.division, departments=units)


# --- pages ---------------------------------------------------------------------------------


def programme_list(request):
    rows = []
    for p in selectors.public_programmes().order_by("-issue_date", "-id"):
        tasks = selectors.public_tasks(p)
        counts = Counter(tasks.values_list("state", flat=True))
        rows.append(
            {
                "programme": p,
                "progress": selectors.public_rollup(p, tasks)["programme"],
                "tasks": sum(counts.values()),
                "counts": [(label, counts[v]) for v, label in TaskState.choices if counts[v]],
            }
        )
    return render(request, "reforms/public/list.html", {"rows": rows})


def programme_page(request, slug):
    programme = selectors.public_programme_or_404(slug)
    tasks_qs = selectors.public_tasks(programme)
    tasks = list(tasks_qs)
    reports = selectors.last_accepted_reports(tasks_qs)
    rollup = selectors.public_rollup(programme, tasks_qs, reports)
    by_measure: dict[int, list] = {}
    for t in tasks:
        t.public_report = reports.get(t.pk)
        t.public_progress = selectors.public_progress(t, t.public_report)
        t.leads, t.partners = _units(t)
        t.milestone_list = list(t.milestones.all())
        t.public_summary = public_summary(t.public_report.text) if t.public_report else ""
        by_measure.setdefault(t.measure_id, []).append(t)
    measures = [
        {**row, "task_list": by_measure[row["measure"].pk]}
        for row in rollup["measures"]
        if row["measure"].pk in by_measure
    ]
    counts = selectors.state_counts(tasks)
    return render(
        request,
        "reforms/public/programme.html",
        {
            "programme": programme,
            "progress": rollup["programme"],
            "measures": measures,
            "task_count": len(tasks),
            "counts": [(value, label, counts[value]) for value, label in TaskState.choices],
            "lights": Light.choices,
            "commitments": programme_commitments(programme, tasks_qs),
            "fields": field_rows(),
        },
    )


def tasks_csv(request, slug):
    programme = selectors.public_programme_or_404(slug)
    records = task_records(request, programme, selectors.public_tasks(programme))
    keys = [k for k, _label in FIELDS]
    rows = ([_csv_value(k, rec[k]) for k in keys] for rec in records)
    return csv_response(f"reforms-{programme.slug}-tasks.csv", keys, rows)


def tasks_json(request, slug):
    programme = selectors.public_programme_or_404(slug)
    tasks = selectors.public_tasks(programme)
    data = {
        "programme": programme_record(request, programme, tasks),
        "fields": {k: str(label) for k, label in FIELDS},
        "tasks": task_records(request, programme, tasks),
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- Atom feed -----------------------------------------------------------------------------


class ChangesFeed(Feed):
    """Changes of published programmes (all of them, or one with ``slug``): publication,
    accepted progress reports, state and light changes, tasks made public."""

    feed_type = Atom1Feed

    def get_object(self, request, slug=None):
        self.request = request
        return selectors.public_programme_or_404(slug) if slug else None

    def title(self, obj):
        if obj is None:
            return _("营商环境改革任务公开 · 进展动态")
        return _("%(title)s · 进展动态") % {"title": obj.title}

    def link(self, obj):
        if obj is None:
            return reverse("reforms:public-list")
        return reverse("reforms:public-programme", args=[obj.slug])

    def subtitle(self, obj):
        return _("方案公开、进度报告采纳、任务状态与亮灯变化。")

    def author_name(self, obj):
        return obj.division.name if obj else _("营商环境改革任务公开")

    def feed_guid(self, obj):
        key = f"feed:{obj.pk}" if obj else "feed:all"
        return uuid.uuid5(FEED_NAMESPACE, key).urn

    def items(self, obj):
        programmes = selectors.public_programmes()
        if obj is not None:
            programmes = programmes.filter(pk=obj.pk)
        return selectors.public_changes(programmes)

    def item_title(self, item):
        p = item["programme"]
        if item["kind"] == "programme":
            return _("方案公开：%(title)s") % {"title": p.title}
        task = item["task"]
        if item["kind"] == "report":
            r = item["report"]
            return _("任务%(n)s 进度报告（%(period)s）已采纳：%(p)s%%") % {
                "n": task.number,
                "period": r.period,
                "p": f"{r.percent:.0f}",
            }
        e = item["event"]
        if item["kind"] == "published":
            return _("任务%(n)s 公开") % {"n": task.number}
        return _("任务%(n)s:%(old)s → %(new)s(%(light)s)") % {
            "n": task.number,
            "old": TaskState(e.from_state).label if e.from_state else "—",
            "new": TaskState(e.to_state).label,
            "light": Light(STATE_LIGHT[e.to_state]).label,
        }

    def item_description(self, item):
        if item["kind"] == "programme":
            p = item["programme"]
            return " ".join(x for x in (p.doc_number, p.title) if x)
        text = item["task"].content
        if item["kind"] == "report":
            text = f"{text}\n{public_summary(item['report'].text)}"
        return text

    def item_link(self, item):
        p = item["programme"]
        url = reverse("reforms:public-programme", args=[p.slug])
        return f"{url}#task-{item['task'].pk}" if "task" in item else url

    def item_guid(self, item):
        return uuid.uuid5(FEED_NAMESPACE, item["key"]).urn

    def item_pubdate(self, item):
        return item["at"]

    def item_updateddate(self, item):
        return item["at"]
