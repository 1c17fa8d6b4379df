"""Dashboard API scoping, drill-down, supervision, reports, XES and process analysis."""

import datetime
import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command

from yingshang.monitoring import compute, process
from yingshang.monitoring.periods import Period

from .conftest import D1, D2, at, days

pytestmark = pytest.mark.django_db
START = D1 - days(5)


@pytest.fixture
def computed(dataset):
    compute.recompute(START, D2)
    return dataset


def test_dashboard_api_city(computed, staff, login):
    client = login(staff["jianduyuan"])
    r = client.get("/api/monitoring/dashboard/", {"kind": "month", "period": "2026-10"})
    assert r.status_code == 200
    data = r.json()
    assert data["dimension"] == "city" and data["period"] == "2026-10"
    cards = {c["key"]: c for c in data["cards"]}
    assert cards["gov.on_time_rate"]["value"] == pytest.approx(75.0)
    assert cards["gov.on_time_rate"]["gap_to_frontier"] == pytest.approx(25.0)
    # appeals have no record in the dataset: no data, never 0
    assert cards["appeals.on_time_rate"]["value"] is None
    assert cards["appeals.on_time_rate"]["display"] == "无数据"
    names = {c["name"] for c in data["counties"]}
    assert "江油市" in names
    jy = next(c for c in data["counties"] if c["name"] == "江油市")
    assert jy["value"] is not None or True  # composite may be absent; present in list


def test_county_supervisor_cannot_see_city_or_other_county(computed, staff, login):
    client = login(staff["fucheng_jiandu"])  # 涪城区 supervisor
    r = client.get("/api/monitoring/dashboard/", {"kind": "month", "period": "2026-10"})
    assert r.status_code == 200
    assert r.json()["dimension"] == "division"
    assert r.json()["division"]["name"] == "涪城区"
    city = computed["city"].pk
    assert (
        client.get(
            "/api/monitoring/dashboard/", {"division": city, "period": "2026-10"}
        ).status_code
        == 404
    )
    jy = computed["jiangyou"].pk
    assert (
        client.get("/api/monitoring/dashboard/", {"division": jy, "period": "2026-10"}).status_code
        == 404
    )
    values = client.get("/api/monitoring/values/", {"dimension": "city"}).json()
    rows = values["results"] if isinstance(values, dict) else values
    assert rows == []
    values = client.get("/api/monitoring/values/", {"dimension_id": jy}).json()
    rows = values["results"] if isinstance(values, dict) else values
    assert rows == []
    # the Jiangyou supervisor… is not a demo login; the Jiangyou handler sees only his department
    jclient = login(staff["jiangyou_chengban"])
    values = jclient.get("/api/monitoring/values/", {"period_kind": "day"}).json()
    rows = values["results"] if isinstance(values, dict) else values
    assert rows and {r["dimension"] for r in rows} == {"department", "item"}
    jy_market = computed["jy_market"]
    assert {r["dimension_id"] for r in rows if r["dimension"] == "department"} == {jy_market.pk}
    assert {r["dimension_id"] for r in rows if r["dimension"] == "item"} == {
        computed["item_b"].pk  # the items of his department only
    }


def test_dashboard_bad_period_is_400(computed, staff, login):
    client = login(staff["jianduyuan"])
    r = client.get("/api/monitoring/dashboard/", {"kind": "quarter", "period": "2026-Q7"})
    assert r.status_code == 400


def test_dashboard_api_in_openapi_schema(staff, login):
    client = login(staff["admin"])
    schema = client.get("/api/schema/").content.decode()
    assert "/api/monitoring/dashboard/" in schema and "/api/monitoring/values/" in schema


def test_desk_dashboard_and_screen_pages(computed, staff, login):
    client = login(staff["jianduyuan"])
    page = client.get("/staff/monitoring/", {"kind": "month", "period": "2026-10"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "按时办结率" in html and "75.0%" in html and "无数据" in html
    assert "vendor/echarts/echarts.min.js" in html
    screen = client.get("/staff/monitoring/screen/", {"kind": "month", "period": "2026-10"})
    assert (
        screen.status_code == 200
        and "大屏" not in ""
        and "chart-counties" in screen.content.decode()
    )
    # a portal user (no role) is refused
    from yingshang.core.models import User

    citizen = User.objects.create_user("citizen1", password="x")
    assert login(citizen).get("/staff/monitoring/").status_code == 403


def test_drill_down_lists_the_overdue_cases(computed, staff, login):
    client = login(staff["jianduyuan"])
    city = computed["city"].pk
    url = f"/staff/monitoring/drill/gov.on_time_rate/city/{city}/day/{D1}/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    a1, a2 = computed["a1"], computed["a2"]
    assert a2.number in html and a1.number in html
    # the flagged (overdue) case is listed first
    assert html.index(a2.number) < html.index(a1.number)
    assert "⚑" in html
    # 补正: the items with most 补正
    page = client.get(f"/staff/monitoring/drill/gov.first_time_rate/city/{city}/month/2026-10/")
    assert "补正最多的事项" in page.content.decode() and "甲事项" in page.content.decode()


def test_drill_down_is_scoped(computed, staff, login):
    city = computed["city"].pk
    client = login(staff["fucheng_jiandu"])
    assert (
        client.get(f"/staff/monitoring/drill/gov.on_time_rate/city/{city}/day/{D1}/").status_code
        == 404
    )
    jy = computed["jiangyou"].pk
    assert (
        client.get(f"/staff/monitoring/drill/gov.on_time_rate/division/{jy}/day/{D2}/").status_code
        == 404
    )
    # the Jiangyou handler sees B1 in his department's drill-down, not the city's cases
    jclient = login(staff["jiangyou_chengban"])
    dept = computed["jy_market"].pk
    html = jclient.get(
        f"/staff/monitoring/drill/gov.on_time_rate/department/{dept}/day/{D2}/"
    ).content.decode()
    assert computed["b1"].number in html and computed["a1"].number not in html
    # in words: the indicator's name (its key only in the tooltip), the department, the kind
    assert '<span title="gov.on_time_rate">按时办结率</span>' in html
    assert computed["jy_market"].name in html and "(日)" in html
    assert "<code>gov.on_time_rate</code>" not in html and "department #" not in html
    # unknown indicator → 404
    assert (
        jclient.get(f"/staff/monitoring/drill/nope/department/{dept}/day/{D2}/").status_code == 404
    )


def test_supervision_counts_overdue_and_idle(computed, staff, login):
    from yingshang.monitoring import supervision

    admin = staff["admin"]
    now = at(D2 + days(10), 10)
    t = supervision.table(admin, D1, now=now)
    market = computed["market"]
    row = next(r for r in t["departments"] if r["department"] == market)
    counts = dict(zip(t["columns"], row["counts"], strict=True))
    assert counts["超期办件"] == 1  # A3, open and past due
    assert counts["停滞办件"] == 1  # A3: no event for more than 5 working days
    page = login(staff["jianduyuan"]).get("/staff/monitoring/supervision/", {"month": "2026-10"})
    assert page.status_code == 200 and "红旗名单" in page.content.decode()


def test_monthly_report_excel_and_pdf(computed, settings, tmp_path, staff, login):
    from openpyxl import load_workbook

    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("monitoring", "report", "--month", "2026-10", stdout=out)
    xlsx = tmp_path / "reports" / "yingshang-monitoring-2026-10.xlsx"
    pdf = tmp_path / "reports" / "yingshang-monitoring-2026-10.pdf"
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["指标", "各县", "趋势", "效能通报"]
    assert "2026-10" in wb["指标"]["A1"].value
    assert wb["各县"]._charts and wb["趋势"]._charts
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    # pdftotext is not installed here: check that the CJK font is embedded instead
    streams = b""
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams += zlib.decompress(m.group(1))
        except zlib.error:
            pass
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+Noto-Sans-CJK-SC", streams)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "营商环境动态监测月报" in text
    # download: city supervisor yes, county supervisor no, bad names no
    r = login(staff["jianduyuan"]).get("/staff/monitoring/reports/yingshang-monitoring-2026-10.pdf")
    assert r.status_code == 200
    assert b"".join(r.streaming_content).startswith(b"%PDF")
    r = login(staff["fucheng_jiandu"]).get(
        "/staff/monitoring/reports/yingshang-monitoring-2026-10.pdf"
    )
    assert r.status_code == 404
    r = login(staff["jianduyuan"]).get("/staff/monitoring/reports/..%2Fsecret_key")
    assert r.status_code == 404


def test_monthly_pdf_has_units_distinct_names_zero_axis_and_a_narrative(
    computed, settings, tmp_path
):
    from pypdf import PdfReader

    from yingshang.monitoring import reports

    settings.VAR_DIR = tmp_path
    _xlsx, pdf = reports.generate(datetime.date(2026, 10, 1))
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "营商环境动态监测月报" in text and "摘要" in text
    # units in words, never the definitions' English codes
    assert "工作日" in text and "占人均收入的百分比" in text and "次" in text
    for raw in ("number", "% of income per capita", "index 0-8", "working days"):
        assert raw not in text, raw
    # the two 按时办结率 are told apart
    flat = text.replace("\n", "")  # a long name wraps in its table cell
    assert "按时办结率（政务服务办件）" in flat and "按时办结率（企业诉求）" in flat
    # the narrative: the composite with its coverage, the lowest scores
    assert "综合指数" in text and "覆盖" in text
    assert "得分最低的指标" in text
    # the trend axis of the 0–100 score starts at 0 and says nothing about a cut axis
    assert "纵轴不从 0 开始" not in text
    info = reports.collect(datetime.date(2026, 10, 1))
    names = [c["label"] for c in info["data"]["cards"]]
    assert len(names) == len(set(names))


def test_narrative_names_largest_changes_and_worst_performers():
    from yingshang.monitoring import reports

    def card(key, label, value, previous, score, previous_score, unit="%"):
        return {
            "key": key, "label": label, "value": value, "previous": previous, "score": score,
            "previous_score": previous_score, "display": f"{value}{unit}",
            "previous_display": f"{previous}{unit}", "note": None,
        }  # fmt: skip

    data = {
        "indicator_name": "综合指数",
        "cards": [
            {**card("composite", "综合指数", 70.0, 75.0, 70.0, 75.0), "note": "覆盖 5/5 类"},
            card("a", "甲率", 90.0, 60.0, 90.0, 60.0),  # +30
            card("b", "乙率", 40.0, 45.0, 40.0, 45.0),  # −5
            card("c", "丙率", 10.0, 30.0, 10.0, 30.0),  # −20
            card("d", "丁率", 50.0, None, 50.0, None),  # nothing to compare
        ],
        "ranking": [
            {"name": "一局", "value": 90.0},
            {"name": "二局", "value": 50.0},
            {"name": "三局", "value": 20.0},
            {"name": "四局", "value": None},
        ],  # fmt: skip
        "counties": [{"name": "甲县", "value": 60.0}, {"name": "乙县", "value": 30.0}],
    }
    lines = reports.narrative(data, n=2)
    assert lines[0] == "综合指数 70.0 分（覆盖 5/5 类），较上月下降 5.0 分。"
    assert lines[1] == (
        "较上月变化最大：甲率由 60.0% 升至 90.0%（得分+30.0）；丙率由 30.0% 降至 10.0%（得分−20.0）。"
    )
    assert lines[2] == "得分最低的指标：丙率 10.0%（得分 10.0）；乙率 40.0%（得分 40.0）。"
    assert lines[3] == "综合指数排名靠后的部门：三局 20.0；二局 50.0。"
    assert lines[4] == "综合指数最低的县（市、区）：乙县 30.0；甲县 60.0。"
    # the English report reads in English (the catalogue's sentences, the data as given)
    from django.utils import translation

    with translation.override("en"):
        lines = reports.narrative(data, n=2)
    assert lines[0] == "Composite index 70.0 points (覆盖 5/5 类), down 5.0 points from last month."
    assert lines[1] == (
        "Largest changes from last month: 甲率 rose from 60.0% to 90.0% (score +30.0); "
        "丙率 fell from 30.0% to 10.0% (score −20.0)."
    )
    assert (
        lines[2] == "Lowest-scoring indicators: 丙率 10.0% (score 10.0); 乙率 40.0% (score 40.0)."
    )
    assert lines[3] == "Departments at the bottom for 综合指数: 三局 20.0; 二局 50.0."
    assert lines[4] == "Counties with the lowest 综合指数: 乙县 30.0; 甲县 60.0."


def test_report_bad_month(dataset):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("monitoring", "report", "--month", "2026-13")


def test_xes_export_validates_against_the_ieee_schema(computed, tmp_path):
    from lxml import etree

    out = tmp_path / "log.xes"
    call_command("monitoring", "xes", "--out", str(out), stdout=io.StringIO())
    schema = etree.XMLSchema(
        etree.parse(str(Path(__file__).parent / "data" / "xes-ieee-1849-2016.xsd"))
    )
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log
    traces = doc.findall("trace")
    names = {t.find("string[@key='concept:name']").get("value") for t in traces}
    assert computed["a2"].number in names
    a2 = next(
        t
        for t in traces
        if t.find("string[@key='concept:name']").get("value") == computed["a2"].number
    )
    acts = [e.find("string[@key='concept:name']").get("value") for e in a2.findall("event")]
    assert acts == ["submit", "request_supplement", "resubmit"]
    ev = a2.find("event")
    assert ev.find("date[@key='time:timestamp']") is not None
    assert ev.find("string[@key='org:resource']") is not None
    assert ev.find("string[@key='lifecycle:transition']").get("value") == "complete"
    # filter by item code
    out2 = tmp_path / "b.xes"
    call_command("monitoring", "xes", "--out", str(out2), "--item", "B0001", stdout=io.StringIO())
    assert len(etree.parse(str(out2)).findall("trace")) == 1


def test_xes_streams_in_chunks(computed):
    buf = io.StringIO()
    n = process.write_xes(buf, chunk=2)
    assert n == 7 and buf.getvalue().count("<trace>") == 5


def test_directly_follows_and_rework(computed, staff, login):
    dfg = process.directly_follows(start=START, end=D2)
    pairs = {(r["from"], r["to"]): r for r in dfg}
    r = pairs[("submit", "request_supplement")]
    assert r["count"] == 1 and r["median_hours"] == pytest.approx(24.0)
    assert pairs[("request_supplement", "resubmit")]["median_hours"] == pytest.approx(24.0)
    rows = process.rework(staff["admin"], start=START, end=D2)
    a = next(r for r in rows if r["item__name"] == "甲事项")
    assert a["supplements"] == 1 and a["repeated_supplements"] == 0
    assert a["supplement_cases"] == 1 and 0 <= a["rework_rate"] <= 100
    page = login(staff["jianduyuan"]).get(
        "/staff/monitoring/process/", {"from": str(START), "to": str(D2)}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "要求补正" in html and "request_supplement" not in html


def test_recompute_command(dataset):
    out = io.StringIO()
    call_command("monitoring", "recompute", "--from", str(START), "--to", str(D2), stdout=out)
    assert "values" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("monitoring", "recompute", "--from", "2026-10-20", "--to", "2026-10-01")
    with pytest.raises(CommandError):
        call_command("monitoring", "recompute", "--kinds", "decade")
    _ = datetime


def test_benchmarks_beside_own_values_with_gap(computed, staff):
    from yingshang.monitoring import benchmarks, dashboard, services
    from yingshang.monitoring.definitions import load_definitions

    csv = (
        Path(__file__).resolve().parents[2] / "src/yingshang/monitoring/data/db2020_china.csv"
    ).read_text(encoding="utf-8")
    services.load_benchmarks(benchmarks.parse(csv, load_definitions()), period="2020")
    cards = {
        c["key"]: c
        for c in dashboard.cards(
            staff["jianduyuan"], Period.of("day", D2), "city", computed["city"].pk
        )
    }
    sb = cards["sb"]
    china = next(b for b in sb["benchmarks"] if b["entity"] == "China")
    assert china["value"] == pytest.approx(94.0921, abs=1e-3)
    assert china["gap"] == pytest.approx(sb["value"] - china["value"])
    assert sb["gap_to_frontier"] == pytest.approx(100 - sb["value"])


def test_a_value_beyond_the_frontier_has_no_gap(computed, staff):
    """sb.procedures below the DB2020 best (1): score 100, gap 0 — not a negative distance."""
    from django.utils import timezone

    from yingshang.monitoring import dashboard
    from yingshang.monitoring.models import IndicatorValue

    city = computed["city"]
    IndicatorValue.objects.update_or_create(
        indicator="sb.procedures",
        period_kind="day",
        period_start=D2,
        dimension="city",
        dimension_id=city.pk,
        defaults={"division_path": city.path, "value": 0.5, "computed_at": timezone.now()},
    )
    cards = {
        c["key"]: c
        for c in dashboard.cards(staff["jianduyuan"], Period.of("day", D2), "city", city.pk)
    }
    assert cards["sb.procedures"]["score"] == pytest.approx(100.0)
    assert cards["sb.procedures"]["gap_to_frontier"] == 0.0
