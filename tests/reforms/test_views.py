"""Pages and API: scoping, task book PDF, schedule Excel, import preview/confirm, evidence."""

import datetime
import io

import pytest
from django.urls import reverse

from yingshang.reforms import services
from yingshang.reforms.models import Task

from .conftest import FIXTURES


@pytest.fixture
def bureau_dept(dept):
    return dept("市政务服务监督管理局")


def test_department_handler_sees_only_own_tasks(imported, staff, login):
    client = login(staff["chengban"])  # city market handler
    market_task = Task.objects.get(programme=imported, number="2.1")
    bureau_task = Task.objects.get(programme=imported, number="3.1")
    assert client.get(reverse("reforms:task", args=[market_task.pk])).status_code == 200
    assert client.get(reverse("reforms:task", args=[bureau_task.pk])).status_code == 404
    data = client.get("/api/reforms/tasks/").json()
    assert {t["number"] for t in data["results"]} == {"2.1"}


def test_county_handler_cannot_see_or_modify_city_tasks(imported, staff, login):
    client = login(staff["jiangyou_chengban"])
    t = Task.objects.get(programme=imported, number="2.1")
    assert client.get(reverse("reforms:task", args=[t.pk])).status_code == 404
    r = client.post(
        reverse("reforms:task", args=[t.pk]), {"action": "report", "percent": 50, "text": "x"}
    )
    assert r.status_code == 404
    assert client.get(reverse("reforms:schedule", args=[imported.pk])).status_code == 404
    r = client.post("/api/reforms/reports/", {"task": t.pk, "percent": 50, "text": "x"})
    assert r.status_code == 404
    assert client.get("/api/reforms/programmes/").json()["count"] == 0
    assert t.reports.count() == 0


def test_report_and_review_through_pages(imported, staff, login):
    t = Task.objects.get(programme=imported, number="2.1")
    client = login(staff["chengban"])
    r = client.post(
        reverse("reforms:task", args=[t.pk]), {"action": "report", "percent": 150, "text": "x"}
    )
    assert r.status_code == 400 and "0到100" in r.content.decode()
    r = client.post(
        reverse("reforms:task", args=[t.pk]),
        {"action": "report", "percent": 100, "text": "已完成"},
    )
    assert r.status_code == 302
    report = t.reports.get()
    r = client.post(reverse("reforms:task", args=[t.pk]), {"action": "accept", "report": report.pk})
    assert r.status_code == 403  # a handler cannot accept
    client = login(staff["jianduyuan"])
    client.post(reverse("reforms:task", args=[t.pk]), {"action": "accept", "report": report.pk})
    t.refresh_from_db()
    assert t.closed_at is not None


def test_api_report_create_and_review(imported, staff, login):
    t = Task.objects.get(programme=imported, number="2.1")
    client = login(staff["chengban"])
    r = client.post(
        "/api/reforms/reports/",
        {"task": t.pk, "percent": 120, "text": "x"},
        content_type="application/json",
    )
    assert r.status_code == 400
    r = client.post(
        "/api/reforms/reports/",
        {"task": t.pk, "percent": 30, "text": "x"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["percent"] == "30.00"
    rid = r.json()["id"]
    client = login(staff["jianduyuan"])
    r = client.post(
        f"/api/reforms/reports/{rid}/review/", {"accept": False}, content_type="application/json"
    )
    assert r.status_code == 400 and "review_note" in r.json()
    r = client.post(
        f"/api/reforms/reports/{rid}/review/",
        {"accept": False, "note": "补材料"},
        content_type="application/json",
    )
    assert r.json()["status"] == "returned"
    schema = client.get("/api/schema/").content.decode()
    assert "/api/reforms/tasks/" in schema and "/api/reforms/reports/{id}/review/" in schema


def test_task_book_pdf_and_xlsx(imported, staff, login, bureau_dept):
    client = login(staff["jianduyuan"])
    url = reverse("reforms:book", args=[imported.pk, bureau_dept.pk])
    html = client.get(url).content.decode()
    assert 'id="led-count">3<' in html and 'id="joined-count">1<' in html
    pdf = client.get(url + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 10_000
    from openpyxl import load_workbook

    x = client.get(url + "?format=xlsx")
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("分工", "序号", "政策措施")
    assert [r[0] for r in rows[1:]] == ["牵头", "牵头", "牵头", "参与"]
    assert rows[1][1] == "3.1" and "一网通办" in rows[1][3]


def test_schedule_filters_and_excel(imported, staff, login, dept):
    client = login(staff["shilingdao"])  # leaders read the schedule
    url = reverse("reforms:schedule", args=[imported.pk])
    html = client.get(url, {"unit": dept("市政务服务监督管理局").pk}).content.decode()
    assert "推进“一网通办”" in html and "压缩企业开办时间" not in html
    from openpyxl import load_workbook

    x = client.get(url, {"format": "xlsx", "state": "not_started"})
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) == 7
    assert rows[1][4] == "市市场监督管理局" and rows[1][6] == "2019-06-30"
    pdf = client.get(url, {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    assert client.get(reverse("reforms:timeline", args=[imported.pk])).status_code == 200
    stats = client.get(reverse("reforms:statistics", args=[imported.pk])).content.decode()
    assert "vendor/echarts/echarts.min.js" in stats and "chart-data" in stats


def test_import_preview_and_confirm(programme, staff, login):
    client = login(staff["jianduyuan"])
    url = reverse("reforms:import", args=[programme.pk])
    with open(FIXTURES / "style_a_fangan.txt", "rb") as fh:
        r = client.post(url, {"file": fh})
    html = r.content.decode()
    assert r.status_code == 200 and 'id="fuzzy"' in html and "市市场监管局" in html
    assert programme.tasks.count() == 0
    token = r.context["token"]
    confirm = {"step": "confirm", "token": token}
    for m in r.context["preview"].to_confirm:
        confirm[f"unit:{m.name}"] = m.department_id
    r = client.post(url, confirm)
    assert r.status_code == 302 and programme.tasks.count() == 6


def test_import_preview_flags_uncertain_fields_for_the_reviewer(programme, staff, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(staff["jianduyuan"])
    url = reverse("reforms:import", args=[programme.pk])
    text = "一、措施\n1.甲任务。(责任单位:市公安局、市税务局)\n2.乙任务,年内完成。(市公安局牵头)\n"
    r = client.post(url, {"file": SimpleUploadedFile("a.txt", text.encode())})
    html = r.content.decode()
    rows = html.split('id="parsed"')[1].split("</tr>")
    assert (
        "待确认" in rows[1] and "待确认" not in rows[2].split("<td>市公安局")[1].split("</td>")[0]
    )
    assert "未写明牵头单位" in html and "排在第一位" in html  # the warning names the proposal
    assert programme.tasks.count() == 0
    confirm = {"step": "confirm", "token": r.context["token"]}
    for m in r.context["preview"].to_confirm:
        confirm[f"unit:{m.name}"] = m.department_id
    assert client.post(url, confirm).status_code == 302  # imported once the reviewer confirms
    assert [
        list(t.lead_units.values_list("name", flat=True))
        for t in programme.tasks.order_by("number")
    ][0] == ["市公安局"]


def test_import_page_reports_bad_file_and_writes_nothing(programme, staff, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(staff["jianduyuan"])
    url = reverse("reforms:import", args=[programme.pk])
    text = "一、措施\n1.甲任务,2018年底前完成。(市火星局牵头)\n".encode()
    r = client.post(url, {"file": SimpleUploadedFile("a.txt", text)})
    html = r.content.decode()
    assert "第2行" in html and "市火星局" in html and "早于方案印发日期" in html
    assert 'id="confirm"' not in html
    assert programme.tasks.count() == 0
    assert login(staff["chengban"]).get(url).status_code == 403


def test_evidence_download_is_permission_checked(imported, staff, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = Task.objects.get(programme=imported, number="3.1")
    report = services.submit_report(
        t,
        user=staff["jianduyuan"],
        percent=10,
        text="x",
        files=[SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n1234")],
    )
    f = report.files.get()
    url = reverse("reforms:evidence", args=[f.pk])
    r = login(staff["jianduyuan"]).get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"\x89PNG")
    assert login(staff["chengban"]).get(url).status_code == 404
    assert login(staff["jiangyou_chengban"]).get(url).status_code == 404


def test_supervision_page_and_reminder(imported, staff, login):
    client = login(staff["jianduyuan"])
    t = Task.objects.get(programme=imported, number="2.1")
    client.post(reverse("reforms:task", args=[t.pk]), {"action": "remind", "note": "请尽快报送"})
    assert t.reminders.get().department.name == "市市场监督管理局"
    r = client.post(reverse("reforms:supervision", args=[imported.pk]))
    assert r.status_code == 302
    html = client.get(reverse("reforms:supervision", args=[imported.pk])).content.decode()
    assert 'id="escalation"' in html and 'id="flagged"' in html


def test_programme_create_page(staff, login, mianyang):
    client = login(staff["jianduyuan"])
    r = client.post(
        reverse("reforms:programme-list"),
        {"title": "测试方案", "issue_date": "2019-02-01", "reporting_cycle": "quarterly"},
    )
    assert r.status_code == 302
    from yingshang.reforms.models import Programme

    p = Programme.objects.get(title="测试方案")
    assert p.year == 2019 and p.reporting_cycle == "quarterly" and p.division.code == "510700"
    assert (
        login(staff["chengban"])
        .post(reverse("reforms:programme-list"), {"title": "x", "issue_date": "2019-02-01"})
        .status_code
        == 403
    )
    assert datetime.date(2019, 2, 1) == p.issue_date


def test_supervision_lists_only_visible_tasks(imported, staff, login):
    bureau_task = Task.objects.get(programme=imported, number="3.1")
    services.send_reminder(bureau_task, user=staff["jianduyuan"], note="请报送")
    services.submit_report(bureau_task, user=staff["jianduyuan"], percent=10, text="x")
    html = login(staff["chengban"]).get(reverse("reforms:supervision", args=[imported.pk]))
    body = html.content.decode()
    assert "推进“一网通办”" not in body
    html = login(staff["jianduyuan"]).get(reverse("reforms:supervision", args=[imported.pk]))
    assert "推进“一网通办”" in html.content.decode()
