"""The catalogue's staff pages at their edges: the import page with no file, an oversized or
unreadable one, without the permission and with a good file; the export limited to the
staff member's scope and audited; the list and the 检索词 page filtered; the portal's search
form with bad values; the search command."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from tests.core.factories import MAINTAIN_CATALOG, department
from tests.core.factories import HandlerFactory as StaffFactory
from yingshang.catalog import excel, services, views
from yingshang.catalog.models import ServiceItem, ServiceItemVersion
from yingshang.platform.models import AuditEntry

IMPORT, EXPORT, LIST, TERMS = (
    "/staff/catalog/import/",
    "/staff/catalog/export.xlsx",
    "/staff/catalog/",
    "/staff/catalog/terms/",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(content, name="catalog.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX)


@pytest.fixture
def maintainer(items, login):
    return login(StaffFactory(maintains=[MAINTAIN_CATALOG]))


def test_import_without_a_file_or_with_a_bad_one_is_400_and_writes_nothing(maintainer, items):
    before = ServiceItemVersion.objects.count()
    response = maintainer.post(IMPORT, {})
    assert response.status_code == 400 and "请选择要导入的Excel文件" in response.content.decode()
    response = maintainer.post(IMPORT, {"file": _upload(b"not a workbook")})
    assert response.status_code == 400 and "无法读取Excel文件" in response.content.decode()
    assert ServiceItemVersion.objects.count() == before


def test_an_oversized_upload_is_refused_before_it_is_read(maintainer, items, monkeypatch):
    monkeypatch.setattr(views, "MAX_UPLOAD", 10)
    monkeypatch.setattr(excel, "import_workbook", lambda *a, **k: pytest.fail("read"))
    response = maintainer.post(IMPORT, {"file": _upload(b"x" * 11)})
    assert response.status_code == 400 and "文件过大" in response.content.decode()


def test_import_needs_the_maintain_permission_and_post(items, login):
    clerk = login(StaffFactory())
    content = excel.export_workbook()
    assert clerk.post(IMPORT, {"file": _upload(content)}).status_code == 403
    assert clerk.get(IMPORT).status_code == 405


def test_a_good_import_redirects_with_the_counts(maintainer, items):
    wb = load_workbook(
        BytesIO(
            excel.export_workbook(ServiceItem.objects.filter(department=items["setup"].department))
        )
    )
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("承诺时限") + 1).value = 2
    out = BytesIO()
    wb.save(out)
    response = maintainer.post(IMPORT, {"file": _upload(out.getvalue())}, follow=True)
    assert response.redirect_chain[-1][0].endswith(LIST)
    text = response.content.decode()
    assert "导入成功" in text and "发布新版本 1 项" in text
    assert items["setup"].versions.count() == 2


def test_a_refused_row_is_listed_on_the_page(maintainer, items):
    wb = load_workbook(BytesIO(excel.export_workbook()))
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("法定时限") + 1).value = "十五"
    out = BytesIO()
    wb.save(out)
    response = maintainer.post(IMPORT, {"file": _upload(out.getvalue())})
    assert response.status_code == 400
    assert "第2行" in response.content.decode() and "法定时限" in response.content.decode()


def test_export_holds_only_the_items_in_scope_and_is_audited(items, login):
    jiangyou = StaffFactory(department=department("510781", "market"))
    response = login(jiangyou).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(XLSX)
    ws = load_workbook(BytesIO(response.content))["事项"]
    header = [c.value for c in ws[1]]
    codes = [row[header.index("实施编码")] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert codes == ["T-FOOD-510781"]
    entry = AuditEntry.objects.filter(action="export", object_type="catalog.ServiceItem").latest(
        "at"
    )
    assert entry.changes == {"items": 1} and entry.actor == jiangyou


def test_staff_list_is_scoped_and_searchable(items, login):
    city = login(StaffFactory())
    body = city.get(LIST, {"q": "设立"}).content.decode()
    assert "企业设立登记" in body and "公章刻制备案" not in body
    jiangyou = login(StaffFactory(department=department("510781", "market")))
    body = jiangyou.get(LIST).content.decode()
    assert "食品经营许可" in body and "企业设立登记" not in body


def test_terms_page_filters_by_word_item_or_code(items, login):
    services.add_term(item=items["setup"], term="开公司", kind="colloquial")
    services.add_term(item=items["setup"], term="办执照", kind="synonym")
    services.add_term(item=items["seal"], term="刻章", kind="colloquial")  # the police's item
    page = login(StaffFactory())  # the city market bureau

    def terms(q):
        return [t.term for t in page.get(TERMS, {"q": q}).context["page"]]

    assert terms("执照") == ["办执照"]
    assert terms("企业设立") == ["办执照", "开公司"]
    assert terms("T-SETUP-510700") == ["办执照", "开公司"]
    assert terms("T-SETUP") == []  # a code must be whole
    assert terms("刻") == []  # another department's words are out of scope


def test_portal_search_form_ignores_bad_filter_values(client, items):
    response = client.get("/services/", {"theme": "aliens", "category": "magic", "q": "许可"})
    assert response.status_code == 200  # invalid filters are dropped, the words still count
    names = [i.name for i in response.context["page"].object_list]
    plain = client.get("/services/", {"q": "许可"})
    assert names == [i.name for i in plain.context["page"].object_list] == ["食品经营许可"]
    response = client.get("/services/", {"department": "abc"})
    assert response.status_code == 200 and list(response.context["page"].object_list) == []


def test_search_command_rebuilds_and_queries(items, capsys):
    call_command("catalog_search", "rebuild")
    assert "search index rebuilt: 4 items" in capsys.readouterr().out
    call_command("catalog_search", "query", "食品经营许可", "--limit", "1")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "食品经营许可" in out[0] and "T-FOOD-510781" in out[0]
    call_command("catalog_search", "query", "营业执找火箭")
    assert "no result" in capsys.readouterr().out
