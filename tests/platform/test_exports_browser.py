"""In a real browser: 导出Excel on the cases queue starts a background export, the person lands
on 我的导出, the progress (polled by static/yingshang/exports.js, no inline script) reaches
已完成 when the worker has run the job, and the download link gives the workbook."""

import io

import openpyxl
import pytest

from tests.platform.test_browser import _login, _watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_button_progress_and_download(
    live_server, browser_page, mianyang, settings, tmp_path
):
    from tests.cases.factories import CaseFactory
    from tests.catalog.factories import ItemWithVersionFactory
    from tests.core.factories import ClerkFactory, department
    from yingshang.platform import export_jobs
    from yingshang.platform.models import ExportJob

    # the queue only: the worker is the test itself (below), every export is "big"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.EXPORT_SYNC_ROWS = 0
    jiangyou = ItemWithVersionFactory(department=department("510781", "market"))
    fucheng = ItemWithVersionFactory(department=department("510703", "market"))
    for i in range(3):
        CaseFactory(number=f"JY-B{i}", item=jiangyou)
    CaseFactory(number="FC-B0", item=fucheng)
    clerk = ClerkFactory(department=department("510781", "hall"))

    page = browser_page
    problems = []
    _watch(page, problems)
    _login(page, live_server, clerk)
    page.goto(f"{live_server.url}/staff/cases/?status=")
    with page.expect_navigation():
        page.click("[data-testid=export]")
    assert page.url.split("#")[0].endswith("/staff/exports/")
    job = ExportJob.objects.get(user=clerk)
    row = page.locator(f"[data-testid=export-{job.pk}]")
    assert "排队中" in row.locator("[data-export-status]").inner_text()
    assert row.locator(f"[data-testid=download-{job.pk}]").count() == 0

    assert export_jobs.run_job(job.pk) == "done"  # what `yingshang worker` does
    page.wait_for_selector(f"[data-testid=export-{job.pk}][data-export-state=done]", timeout=15000)
    assert row.locator("[data-export-status]").inner_text() == "已完成"
    assert row.locator("[data-export-progress]").get_attribute("value") == "100"
    assert row.locator("[data-export-rows]").inner_text() == "3 / 3"
    with page.expect_download() as info:
        page.click(f"[data-testid=download-{job.pk}]")
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert download.suggested_filename == job.filename
    wb = openpyxl.load_workbook(io.BytesIO(target.read_bytes()), read_only=True)
    numbers = sorted(r[0] for r in list(wb.active.iter_rows(values_only=True))[1:])
    assert numbers == ["JY-B0", "JY-B1", "JY-B2"]  # the clerk's scope: no 涪城 case
    assert not problems, problems
