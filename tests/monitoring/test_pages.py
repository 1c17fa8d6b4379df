"""The monitoring staff pages and their filter forms (a bad value is a field message and the
default is used, never a 500), the monthly report read back from the Excel file, the reports
page (who may generate and download) and the monthly report job."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from yingshang.core.models import Division, User
from yingshang.monitoring import forms, reports
from yingshang.monitoring.compute import COMPOSITE
from yingshang.monitoring.periods import Period

from .factories import IndicatorValueFactory

pytestmark = pytest.mark.django_db

OCT = Period.parse("month", "2026-10")


def filter_errors(response):
    """{field: message} of the page's filter error list."""
    html = response.content.decode()
    return dict(re.findall(r'<li data-field="(\w+)">[^:：]*[:：]([^<]*)</li>', html))


def store(indicator, value, period=OCT, code="510700", **kw):
    division = Division.objects.get(code=code)
    return IndicatorValueFactory(
        indicator=indicator,
        period_kind=period.kind,
        period_start=period.start,
        dimension="city" if code == "510700" else "division",
        dimension_id=division.pk,
        division_path=division.path,
        value=value,
        **kw,
    )


# ------------------------------------------------------------------------------ forms


@pytest.mark.parametrize(
    "data,field",
    [
        ({"kind": "quarter", "period": "2026-Q5"}, "period"),
        ({"period": "2026-10-32"}, "period"),
        ({"kind": "decade"}, "kind"),
        ({"division": "-3"}, "division"),
        ({"division": "x"}, "division"),
    ],
)
def test_dashboard_form_field_errors(db, data, field):
    form = forms.DashboardForm(data)
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_dashboard_form_chosen_period(db):
    assert forms.DashboardForm({"kind": "week", "period": "2026-W42"}).chosen_period().start == (
        datetime.date(2026, 10, 12)
    )
    assert forms.DashboardForm({"period": "2026-09"}).chosen_period().label == "2026-09"
    # an invalid period is ignored: the latest stored (here none: the current month)
    now = Period.of("month", timezone.localdate())
    assert forms.DashboardForm({"period": "2026-13"}).chosen_period() == now


@pytest.mark.parametrize(
    "text,expected",
    [("2026-10", "2026-10"), (" 2026-02 ", "2026-02"), ("", None), ("2026-13", "bad"),
     ("2026/10", "bad"), ("abcdefg", "bad")],
)  # fmt: skip
def test_month_form(db, text, expected):
    form = forms.MonthForm({"month": text})
    if expected == "bad":
        assert not form.is_valid()
        assert form.errors["month"] == ["月份格式应为 YYYY-MM。"]
        assert form.chosen_month() == Period.of("month", timezone.localdate())
    else:
        assert form.is_valid()
        got = form.cleaned_data["month"]
        assert (got.label if got else None) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "", "2026-10-01", "２０２６-10"])
def test_report_month_form_refuses(text):
    form = forms.ReportMonthForm({"month": text})
    assert not form.is_valid()
    assert form.errors["month"] == ["月份格式应为 YYYY-MM。"]


def test_date_range_form_bounds(db):
    today = timezone.localdate()
    form = forms.DateRangeForm({"from": "2026-10-01", "to": "2026-10-31"})
    assert form.bounds() == (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
    form = forms.DateRangeForm({"from": "2026-02-30"})
    assert form.bounds(days=7) == (today - datetime.timedelta(days=7), today)
    assert form.errors["date_from"] == ["日期格式应为 YYYY-MM-DD。"]
    assert forms.DateRangeForm(None).bounds() == (today - datetime.timedelta(days=30), today)


# ------------------------------------------------------------------------------ pages


def test_dashboard_page_reports_a_bad_period_and_shows_the_default(mianyang, staff, login):
    store(COMPOSITE, 77.0)
    client = login(staff["jianduyuan"])
    r = client.get("/staff/monitoring/", {"kind": "month", "period": "2026-13"})
    assert r.status_code == 200
    assert filter_errors(r) == {"period": "期间“2026-13”无效。"}
    data = json.loads(
        re.search(r'id="monitoring-data"[^>]*>(.*?)</script>', r.content.decode(), re.S).group(1)
    )
    assert data["period"] == "2026-10"  # the latest stored month instead
    r = client.get("/staff/monitoring/", {"period": "2026-13"}, HTTP_ACCEPT_LANGUAGE="en")
    assert filter_errors(r) == {"period": "Invalid period “2026-13”."}


def test_dashboard_page_of_another_county_is_404(mianyang, staff, login):
    jy = Division.objects.get(code="510781")
    client = login(staff["fucheng_jiandu"])
    assert client.get("/staff/monitoring/", {"division": jy.pk}).status_code == 404
    assert client.get("/staff/monitoring/screen/", {"division": jy.pk}).status_code == 404
    page = client.get("/staff/monitoring/")
    assert page.status_code == 200
    # the division picker offers his own county only (never the city above him)
    picker = {d.code for d in page.context["divisions"]}
    assert picker == {"510703"}


def test_city_supervisor_picks_the_city_and_every_county(mianyang, staff, login):
    page = login(staff["jianduyuan"]).get("/staff/monitoring/")
    codes = {d.code for d in page.context["divisions"]}
    assert {"510700", "510781", "510703"} <= codes
    assert "510000" not in codes  # not the province


def test_supervision_page_bad_month(mianyang, staff, login):
    client = login(staff["jianduyuan"])
    r = client.get("/staff/monitoring/supervision/", {"month": "2026-13"})
    assert r.status_code == 200
    assert filter_errors(r) == {"month": "月份格式应为 YYYY-MM。"}
    assert r.context["month"] == timezone.localdate().replace(day=1)
    r = client.get("/staff/monitoring/supervision/", {"month": "2026-09"})
    assert r.context["month"] == datetime.date(2026, 9, 1) and not filter_errors(r)


def test_process_page_bad_date(mianyang, staff, login):
    r = login(staff["jianduyuan"]).get(
        "/staff/monitoring/process/", {"from": "2026-02-30", "to": "2026-03-31"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert r.status_code == 200
    assert list(filter_errors(r)) == ["date_from"]
    assert r.context["end"] == datetime.date(2026, 3, 31)


def test_benchmarks_page_bad_period_is_a_field_error(db, staff, login):
    r = login(staff["jianduyuan"]).get("/staff/monitoring/benchmarks/", {"period": "x" * 30})
    assert r.status_code == 200
    assert list(filter_errors(r)) == ["period"]


@pytest.mark.parametrize(
    "url",
    ["/staff/monitoring/", "/staff/monitoring/screen/", "/staff/monitoring/supervision/",
     "/staff/monitoring/process/", "/staff/monitoring/reports/", "/staff/monitoring/benchmarks/"],
)  # fmt: skip
def test_pages_refuse_portal_users(mianyang, client, url):
    assert client.get(url).status_code in (302, 403)
    client.force_login(User.objects.create_user("portal-user", password="x"))
    assert client.get(url).status_code == 403


# ------------------------------------------------------------------------------ reports


@pytest.fixture
def stored(mianyang):
    store(COMPOSITE, 72.0)
    store(COMPOSITE, 70.0, period=OCT.previous())
    store("gov.on_time_rate", 75.0, numerator=3.0, denominator=4.0)
    store("gov.on_time_rate", 50.0, period=OCT.previous())
    store("gov.mean_trips", 0.5)
    store(COMPOSITE, 81.0, code="510781")


def test_report_excel_holds_the_stored_values(stored, tmp_path):
    from openpyxl import load_workbook

    info = reports.collect(datetime.date(2026, 10, 17))
    assert info["label"] == "2026-10" and info["month"] == datetime.date(2026, 10, 1)
    path = reports.write_excel(info, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    ws = wb["指标"]
    assert ws["A1"].value == "绵阳市营商环境动态监测月报 2026-10"
    header = [c.value for c in ws[2]]
    assert header[:3] == ["指标", "代码", "数值"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows[COMPOSITE][2:] == (72.0, "分", 72.0, pytest.approx(28.0), 70.0, None, None)
    on_time = rows["gov.on_time_rate"]
    assert on_time[0] == "按时办结率（政务服务办件）" and on_time[2:] == (
        75.0, "%", pytest.approx(75.0), pytest.approx(25.0), 50.0, 3.0, 4.0,
    )  # fmt: skip
    trips = rows["gov.mean_trips"]
    assert trips[3] == "次"  # units in words
    assert trips[4] == pytest.approx(100 * (3 - 0.5) / 3) and trips[5] == pytest.approx(0.5)
    assert rows["appeals.on_time_rate"][2] == "无数据" and rows["appeals.on_time_rate"][4] is None
    counties = {r[0]: r[1] for r in wb["各县"].iter_rows(min_row=2, values_only=True)}
    assert counties["江油市"] == 81.0 and counties["涪城区"] is None
    trend = list(wb["趋势"].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 12 and trend[-2:] == [("2026-09", 70.0), ("2026-10", 72.0)]
    sup = wb["效能通报"]
    assert [c.value for c in sup[1]][0] == "部门" and [c.value for c in sup[1]][-2:] == [
        "合计",
        "红旗",
    ]


def test_report_page_generate_and_list(stored, staff, login, settings):
    client = login(staff["jianduyuan"])  # a city supervisor generates and downloads
    page = client.get("/staff/monitoring/reports/")
    assert page.context["can_generate"] and page.context["allowed"]
    assert "暂无报告" in page.content.decode()
    r = client.post("/staff/monitoring/reports/", {"month": "2026-10"})
    assert r.status_code == 302
    names = sorted(p.name for p in reports.reports_dir().iterdir())
    assert names == ["yingshang-monitoring-2026-10.pdf", "yingshang-monitoring-2026-10.xlsx"]
    html = client.get("/staff/monitoring/reports/").content.decode()
    assert "/staff/monitoring/reports/yingshang-monitoring-2026-10.xlsx" in html
    r = client.get("/staff/monitoring/reports/yingshang-monitoring-2026-10.xlsx")
    assert r.status_code == 200 and b"".join(r.streaming_content)[:2] == b"PK"
    assert "attachment" in r["Content-Disposition"]


@pytest.mark.parametrize("month", ["2026-13", "", "10-2026"])
def test_report_page_bad_month_is_400_and_writes_nothing(stored, staff, login, month):
    r = login(staff["jianduyuan"]).post("/staff/monitoring/reports/", {"month": month})
    assert r.status_code == 400
    html = r.content.decode()
    assert "月份格式应为 YYYY-MM。" in html
    # the page itself, with the message next to the field and the value typed kept
    assert '<p class="field-error errorlist" id="month-error" role="alert">' in html
    assert 'aria-invalid="true"' in html and f'value="{month}"' in html
    assert "<title>" in html and 'name="csrfmiddlewaretoken"' in html
    assert list(reports.reports_dir().iterdir()) == []


def test_only_supervisors_generate_and_only_city_staff_download(stored, staff, login):
    handler = login(staff["chengban"])  # city handler: may download, may not generate
    assert handler.post("/staff/monitoring/reports/", {"month": "2026-10"}).status_code == 403
    page = handler.get("/staff/monitoring/reports/")
    assert page.context["allowed"] and not page.context["can_generate"]
    reports.write_excel(
        reports.collect(OCT.start), reports.reports_dir() / "yingshang-monitoring-2026-10.xlsx"
    )
    assert (
        handler.get("/staff/monitoring/reports/yingshang-monitoring-2026-10.xlsx").status_code
        == 200
    )
    county = login(staff["fucheng_jiandu"])  # a county supervisor: neither the list nor the file
    page = county.get("/staff/monitoring/reports/")
    assert page.context["files"] == [] and not page.context["allowed"]
    assert "全市月度报告仅供市级工作人员下载。" in page.content.decode()
    assert (
        county.get("/staff/monitoring/reports/yingshang-monitoring-2026-10.xlsx").status_code == 404
    )


@pytest.mark.parametrize(
    "name",
    ["yingshang-monitoring-2026-11.xlsx", "yingshang-monitoring-2026-10.xlsx.bak",
     "other.xlsx", "yingshang-monitoring-2026-10.csv"],
)  # fmt: skip
def test_report_path_only_serves_existing_report_names(stored, staff, name):
    reports.reports_dir().joinpath(name).write_bytes(b"x")
    (reports.reports_dir() / "yingshang-monitoring-2026-10.xlsx").write_bytes(b"PK")
    admin = staff["admin"]
    assert reports.report_path(admin, "yingshang-monitoring-2026-10.xlsx").read_bytes() == b"PK"
    expected = name == "yingshang-monitoring-2026-11.xlsx"  # a well-formed name that exists
    assert (reports.report_path(admin, name) is not None) == expected
    assert reports.report_path(admin, "yingshang-monitoring-2026-12.xlsx") is None  # missing


def test_parse_month():
    assert reports.parse_month(" 2026-10 ") == datetime.date(2026, 10, 1)
    with pytest.raises(ValueError, match="YYYY-MM"):
        reports.parse_month("2026-13")


def test_monthly_report_job_writes_the_previous_month(stored, monkeypatch):
    from yingshang.monitoring.jobs import monthly_report

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 11, 1))
    paths = monthly_report.call()
    assert [p.rsplit("/", 1)[-1] for p in paths] == [
        "yingshang-monitoring-2026-10.xlsx",
        "yingshang-monitoring-2026-10.pdf",
    ]
    from pathlib import Path

    from openpyxl import load_workbook

    assert Path(paths[1]).read_bytes().startswith(b"%PDF")
    assert load_workbook(paths[0])["指标"]["A1"].value.endswith("2026-10")


def test_monthly_report_job_in_january_reports_december(stored, monkeypatch):
    from yingshang.monitoring.jobs import monthly_report

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2027, 1, 1))
    assert monthly_report.call()[0].endswith("yingshang-monitoring-2026-12.xlsx")
