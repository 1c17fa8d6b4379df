"""The monthly report (月度报告): Excel (openpyxl, native Excel charts) and PDF (WeasyPrint,
charts drawn as SVG on the server in Noto Sans CJK SC), for the city, from stored values.

Files are written under ``settings.VAR_DIR / "reports"`` (outside the web root) as
``yingshang-monitoring-YYYY-MM.xlsx`` / ``.pdf`` and downloaded through a permission-checked
view: the city report is for city-level staff (and administrators); others get 404.
"""

from __future__ import annotations

import datetime
import logging
import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from yingshang.core.models import Division, DivisionLevel, User

from . import dashboard as dash
from . import supervision, svg
from .compute import COMPOSITE
from .periods import Period
from .policies import policy

NAME_RE = re.compile(r"^yingshang-monitoring-(\d{4}-\d{2})\.(xlsx|pdf)$")


def reports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_month(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip() + "-01")
    except ValueError as exc:
        raise ValueError(f"bad month {text!r}, expected YYYY-MM") from exc


logger = logging.getLogger("yingshang.monitoring")


def _system_user():
    return User(username="report", is_superuser=True, is_active=True)


def collect(month: datetime.date) -> dict:
    """Everything the report shows, for the city, month ``month``."""
    user = _system_user()
    month = month.replace(day=1)
    city = Division.objects.filter(level=DivisionLevel.CITY).order_by("code").first()
    data = dash.dashboard(user, period=Period.of("month", month), division=city.pk)
    sup = supervision.table(user, month)
    return {
        "month": month,
        "label": Period.of("month", month).label,
        "city": city,
        "data": data,
        "supervision": sup,
        "narrative": narrative(data),
        "generated_at": timezone.localtime(),
    }


def narrative(data: dict, n: int = 3) -> list[str]:
    """A few sentences for the report's reader, generated from the month's figures: the
    composite index with its coverage, the largest changes from the previous month (measured
    in score points, so that indicators of different units compare), the indicators with the
    lowest scores, and the departments and counties at the bottom of the ranking. In the
    active language (every phrase through the catalogue)."""
    from django.utils.translation import gettext as _

    sep, stop = _("；"), _("。")
    cards = data["cards"]
    lines = []
    comp = next((c for c in cards if c["key"] == COMPOSITE), None)
    if comp is not None and comp["value"] is not None:
        text = _("综合指数 %(value).1f 分（%(note)s）") % {
            "value": comp["value"],
            "note": comp["note"],
        }
        if comp["previous"] is not None:
            delta = comp["value"] - comp["previous"]
            change = _("，较上月上升 %(d).1f 分") if delta >= 0 else _("，较上月下降 %(d).1f 分")
            text += change % {"d": abs(delta)}
        lines.append(text + stop)
    else:
        lines.append(_("本月没有可计算的综合指数。"))
    changed = [
        c
        for c in cards
        if c["key"] != COMPOSITE and c["score"] is not None and c.get("previous_score") is not None
    ]
    changed.sort(key=lambda c: -abs(c["score"] - c["previous_score"]))
    changed = [c for c in changed if abs(c["score"] - c["previous_score"]) >= 0.05][:n]
    if changed:
        parts = [
            (
                _("%(name)s由 %(before)s 升至 %(after)s（得分%(sign)s%(points).1f）")
                if c["value"] >= c["previous"]
                else _("%(name)s由 %(before)s 降至 %(after)s（得分%(sign)s%(points).1f）")
            )
            % {
                "name": c["label"],
                "before": c["previous_display"],
                "after": c["display"],
                "sign": "+" if c["score"] >= c["previous_score"] else "−",
                "points": abs(c["score"] - c["previous_score"]),
            }
            for c in changed
        ]
        lines.append(_("较上月变化最大：") + sep.join(parts) + stop)
    else:
        lines.append(_("各指标与上月相比没有可比较的变化。"))
    scored = [c for c in cards if c["key"] != COMPOSITE and c["score"] is not None]
    worst = sorted(scored, key=lambda c: c["score"])[:n]
    if worst:
        lines.append(
            _("得分最低的指标：")
            + sep.join(
                _("%(name)s %(value)s（得分 %(score).1f）")
                % {"name": c["label"], "value": c["display"], "score": c["score"]}
                for c in worst
            )
            + stop
        )
    ranked = [r for r in data.get("ranking", []) if r["value"] is not None]
    if len(ranked) > 1:
        tail = ranked[-n:][::-1]
        lines.append(
            _("%(indicator)s排名靠后的部门：") % {"indicator": data["indicator_name"]}
            + sep.join(f"{r['name']} {r['value']:.1f}" for r in tail)
            + stop
        )
    counties = sorted(
        (c for c in data.get("counties", []) if c["value"] is not None), key=lambda c: c["value"]
    )
    if len(counties) > 1:
        lines.append(
            _("%(indicator)s最低的县（市、区）：") % {"indicator": data["indicator_name"]}
            + sep.join(f"{c['name']} {c['value']:.1f}" for c in counties[:n])
            + stop
        )
    return lines


def write_excel(info: dict, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    from yingshang.platform.exports import safe_row

    wb = Workbook()
    ws = wb.active
    ws.title = "指标"
    ws.append(safe_row([f"{info['city'].name}营商环境动态监测月报 {info['label']}"]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        safe_row(
            ["指标", "代码", "数值", "单位", "得分(前沿=100)", "距前沿", "上期", "分子", "分母"]
        )
    )
    for c in info["data"]["cards"]:
        ws.append(
            safe_row(
                [
                    c["label"],
                    c["key"],
                    c["value"] if c["value"] is not None else str(dash.NO_DATA),
                    c["unit_label"],
                    c["score"],
                    c["gap_to_frontier"],
                    c["previous"],
                    c.get("numerator"),
                    c.get("denominator"),
                ]
            )
        )
    ws.column_dimensions["A"].width = 30

    cs = wb.create_sheet("各县")
    cs.append(safe_row(["县(市、区)", "综合指数"]))
    counties = info["data"]["counties"]
    for d in counties:
        cs.append(safe_row([d["name"], d["value"]]))
    if counties:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "各县(市、区)综合指数"
        chart.add_data(
            Reference(cs, min_col=2, min_row=1, max_row=len(counties) + 1), titles_from_data=True
        )
        chart.set_categories(Reference(cs, min_col=1, min_row=2, max_row=len(counties) + 1))
        chart.height, chart.width = 9, 16
        cs.add_chart(chart, "D2")

    ts = wb.create_sheet("趋势")
    ts.append(safe_row(["月份", "综合指数"]))
    trend = info["data"]["trend"]
    for p in trend:
        ts.append(safe_row([p["period"], p["value"]]))
    line = LineChart()
    line.title = "综合指数趋势"
    line.add_data(
        Reference(ts, min_col=2, min_row=1, max_row=len(trend) + 1), titles_from_data=True
    )
    line.set_categories(Reference(ts, min_col=1, min_row=2, max_row=len(trend) + 1))
    line.height, line.width = 9, 16
    ts.add_chart(line, "D2")

    ss = wb.create_sheet("效能通报")
    sup = info["supervision"]
    ss.append(safe_row(["部门", *sup["columns"], "合计", "红旗"]))
    for r in sup["departments"]:
        ss.append(safe_row([r["department"].name, *r["counts"], r["total"], "、".join(r["flags"])]))
    ss.column_dimensions["A"].width = 30
    wb.save(path)
    return path


def write_pdf(info: dict, path: Path) -> Path:
    from weasyprint import HTML

    data = info["data"]
    charts = {
        "counties": svg.bar_chart(
            "各县(市、区)综合指数",
            [d["name"] for d in data["counties"]],
            [d["value"] for d in data["counties"]],
        )
        if data["counties"]
        else "",
        # the composite is a 0–100 score: its axis runs from 0 to 100
        "trend": svg.line_chart(
            "综合指数趋势(分)",
            [p["period"][2:] for p in data["trend"]],
            [p["value"] for p in data["trend"]],
            top=100,
        ),
    }
    html = render_to_string("monitoring/report.html", {**info, "charts": charts})
    HTML(string=html).write_pdf(path)
    return path


def generate(month: datetime.date) -> list[Path]:
    """The month's report files; none (logged) while the organisation has no city division yet —
    the monthly job on a fresh installation must not fail every month."""
    if not Division.objects.filter(level=DivisionLevel.CITY).exists():
        logger.warning("monitoring report for %s skipped: no city division is set up", month)
        return []
    info = collect(month)
    base = reports_dir() / f"yingshang-monitoring-{info['label']}"
    return [
        write_excel(info, base.with_suffix(".xlsx")),
        write_pdf(info, base.with_suffix(".pdf")),
    ]


def can_download(user) -> bool:
    return policy.can(user, "download_report")


def report_path(user, name: str) -> Path | None:
    if not can_download(user) or not NAME_RE.match(name):
        return None
    path = reports_dir() / name
    return path if path.is_file() else None


def context(request) -> dict:
    files = []
    if can_download(request.user):
        files = sorted((p for p in reports_dir().iterdir() if NAME_RE.match(p.name)), reverse=True)
    return {
        "files": files,
        "can_generate": policy.can(request.user, "generate_report"),
        "allowed": can_download(request.user),
        "default_month": Period.of("month", timezone.localdate()).previous().label,
        "composite": COMPOSITE,
    }
