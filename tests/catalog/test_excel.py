from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.catalog.workbooks import col_of as _col
from tests.catalog.workbooks import open_book as _book
from tests.catalog.workbooks import row_of as _row_of
from tests.catalog.workbooks import save_book as _save
from tests.core.factories import MAINTAIN_CATALOG, grant
from yingshang.catalog import excel
from yingshang.catalog.models import Material, ServiceItem, ServiceItemVersion


def _snapshot():
    return (
        list(ServiceItem.objects.order_by("pk").values()),
        list(ServiceItemVersion.objects.order_by("pk").values()),
        list(Material.objects.order_by("pk").values()),
    )


def test_export_has_all_columns_and_readme(items):
    wb = _book(excel.export_workbook())
    assert wb.sheetnames == ["事项", "材料", "检索词来源", "说明"]
    headers = [c.value for c in wb["事项"][1]]
    assert headers == [c[0] for c in excel.ITEM_COLUMNS] + ["同义词", "俗称"]
    assert "办理结果证照" in headers and "通办范围" in headers
    assert [c.value for c in wb["材料"][1]] == [c[0] for c in excel.MATERIAL_COLUMNS]
    ws = wb["事项"]
    row = _row_of(ws, "T-FOOD-510781")
    assert ws.cell(row, _col(ws, "实施部门")).value == "江油市市场监督管理局"
    assert ws.cell(row, _col(ws, "实施区划代码")).value == "510781"
    assert ws.cell(row, _col(ws, "办件类型")).value == "承诺件"
    assert ws.cell(row, _col(ws, "办理结果证照")).value == "spjy"
    assert ws.max_row == 5
    assert wb["材料"].max_row == 1 + 3 + 2 + 2 + 1
    readme = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    for header, *_ in excel.ITEM_COLUMNS + excel.MATERIAL_COLUMNS:
        assert header in readme


def test_reimport_of_export_changes_nothing(items):
    content = excel.export_workbook()
    before = _snapshot()
    result = excel.import_workbook(content)
    assert (result.created, result.updated, result.new_versions, result.unchanged) == (0, 0, 0, 4)
    assert _snapshot() == before


def test_changed_limit_publishes_new_version_old_intact(items):
    wb = _book(excel.export_workbook())
    ws = wb["事项"]
    row = _row_of(ws, "T-FOOD-510781")
    ws.cell(row, _col(ws, "承诺时限")).value = 2
    old = ServiceItemVersion.objects.get(item=items["food"], version=1)
    old_values = ServiceItemVersion.objects.filter(pk=old.pk).values().get()
    result = excel.import_workbook(_save(wb))
    assert (result.new_versions, result.unchanged) == (1, 3)
    item = ServiceItem.objects.get(pk=items["food"].pk)
    assert item.current_version.version == 2
    assert item.current_version.committed_limit_days == 2
    assert ServiceItemVersion.objects.filter(pk=old.pk).values().get() == old_values
    assert old.materials.count() == 2 and item.current_version.materials.count() == 2


def test_changed_name_updates_in_place_and_new_rows_create(items, licences):
    wb = _book(excel.export_workbook())
    ws, ms = wb["事项"], wb["材料"]
    ws.cell(_row_of(ws, "T-SETUP-510700"), _col(ws, "事项名称")).value = "公司设立登记"
    source = _row_of(ws, "T-SEAL-510700")
    ws.append([c.value for c in ws[source]])
    ws.cell(ws.max_row, _col(ws, "实施编码")).value = "T-SEAL-COPY"
    ms.append(["T-SEAL-COPY", 1, "营业执照", "必要", "", "电子材料", 1, "yyzz"])
    result = excel.import_workbook(_save(wb))
    assert (result.created, result.updated, result.new_versions) == (1, 1, 0)
    assert ServiceItem.objects.get(implementation_code="T-SETUP-510700").name == "公司设立登记"
    copy = ServiceItem.objects.get(implementation_code="T-SEAL-COPY")
    assert copy.current_version.materials.get().licence_type == licences["yyzz"]


BAD_CASES = [
    ("承诺时限", 99, "承诺时限", "不能超过法定办结时限"),
    ("事项类型", "行政审批", "事项类型", "无效"),
    ("实施部门", "不存在的局", "实施部门", "没有名为"),
    ("实施区划代码", "999999", "实施区划代码", "未知的区划代码"),
    ("法定时限", "十五天", "法定时限", "整数"),
    ("办件类型", "即办件", "承诺时限", "即办件"),
    ("是否进驻大厅", "可能", "是否进驻大厅", "是"),
    ("办理结果证照", "nope", "办理结果证照", "未知的证照类型"),
]


@pytest.mark.parametrize("column, value, named, text", BAD_CASES)
def test_bad_cell_refuses_whole_file(items, column, value, named, text):
    wb = _book(excel.export_workbook())
    ws = wb["事项"]
    # a valid change elsewhere in the same file must not be written either
    ws.cell(_row_of(ws, "T-SETUP-510700"), _col(ws, "承诺时限")).value = 2
    row = _row_of(ws, "T-FOOD-510781")
    ws.cell(row, _col(ws, column)).value = value
    before = _snapshot()
    with pytest.raises(excel.CatalogImportError) as exc:
        excel.import_workbook(_save(wb))
    message = " ".join(exc.value.messages)
    assert f"第{row}行" in message and named in message and text in message
    assert list(exc.value.row_errors) == [("事项", row)]
    assert _snapshot() == before


def test_bad_material_rows_and_missing_column(items):
    wb = _book(excel.export_workbook())
    ms = wb["材料"]
    ms.append(["NO-SUCH-CODE", 1, "x", "必要", "", "原件", 1, ""])
    ms.append(["T-FOOD-510781", 9, "y", "必须吗", "", "原件", 0, ""])
    before = _snapshot()
    with pytest.raises(excel.CatalogImportError) as exc:
        excel.import_workbook(_save(wb))
    errors = exc.value.row_errors
    n = ms.max_row
    assert "不在“事项”表中" in errors[("材料", n - 1)][0]
    assert any("必要性" in e for e in errors[("材料", n)])
    assert any("份数" in e for e in errors[("材料", n)])
    assert _snapshot() == before

    wb = _book(excel.export_workbook())
    wb["事项"].delete_cols(_col(wb["事项"], "法定时限"))
    with pytest.raises(excel.CatalogImportError) as exc:
        excel.import_workbook(_save(wb))
    assert "缺少列“法定时限”" in " ".join(exc.value.messages)


def test_duplicate_codes_and_unreadable_file(items):
    wb = _book(excel.export_workbook())
    ws = wb["事项"]
    ws.append([c.value for c in ws[2]])
    with pytest.raises(excel.CatalogImportError) as exc:
        excel.import_workbook(_save(wb))
    assert "重复" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        excel.import_workbook(b"not a workbook")
    assert "file" in exc.value.message_dict


def test_command_round_trip(items, tmp_path, capsys):
    path = tmp_path / "catalog.xlsx"
    call_command("catalog", "export", str(path))
    assert path.stat().st_size > 0
    call_command("catalog", "import", str(path))
    assert "unchanged 4" in capsys.readouterr().out


def test_staff_upload_page(items, staff, login):
    client = login(staff["admin"])
    page = client.get("/staff/catalog/")
    assert "食品经营许可" in page.content.decode()
    content = client.get("/staff/catalog/export.xlsx").content
    wb = _book(content)
    ws = wb["事项"]
    ws.cell(_row_of(ws, "T-FOOD-510781"), _col(ws, "承诺时限")).value = 50
    bad = BytesIO(_save(wb))
    bad.name = "bad.xlsx"
    response = client.post("/staff/catalog/import/", {"file": bad})
    assert response.status_code == 400
    assert "不能超过法定办结时限" in response.content.decode()
    good = BytesIO(content)
    good.name = "good.xlsx"
    response = client.post("/staff/catalog/import/", {"file": good})
    assert response.status_code == 302


def test_staff_import_is_scoped(items, staff, login):
    """A Jiangyou handler may not import (or change) city items."""
    client = login(staff["jiangyou_chengban"])
    export = client.get("/staff/catalog/export.xlsx").content
    assert len(list(_book(export)["事项"].iter_rows())) == 2  # header + the Jiangyou item
    full = BytesIO(excel.export_workbook())
    full.name = "all.xlsx"
    # not a catalog maintainer: 403 before the file is read
    assert client.post("/staff/catalog/import/", {"file": full}).status_code == 403
    grant(staff["jiangyou_chengban"], MAINTAIN_CATALOG)
    full.seek(0)
    response = client.post("/staff/catalog/import/", {"file": full})
    assert response.status_code == 400
    assert "不在您的管理范围内" in response.content.decode()
    leader = login(staff["shilingdao"])
    assert leader.post("/staff/catalog/import/", {"file": full}).status_code == 403


def test_head_approval_column_sets_the_flag_and_may_be_absent(items):
    """“需负责人审批” (#13): 是 sets ``requires_head_approval``; a workbook from before the
    column existed still imports, the flag left as it was unless the column says otherwise."""
    wb = _book(excel.export_workbook())
    ws = wb["事项"]
    col = _col(ws, "需负责人审批")
    assert ws.cell(_row_of(ws, "T-FOOD-510781"), col).value == "否"
    ws.cell(_row_of(ws, "T-FOOD-510781"), col).value = "是"
    result = excel.import_workbook(_save(wb))
    assert (result.updated, result.new_versions) == (1, 0)  # an item field: no new version
    assert ServiceItem.objects.get(pk=items["food"].pk).requires_head_approval
    ws.cell(_row_of(ws, "T-FOOD-510781"), col).value = "也许"
    with pytest.raises(excel.CatalogImportError):
        excel.import_workbook(_save(wb))
    ws.cell(_row_of(ws, "T-FOOD-510781"), col).value = "是"
    ws.cell(_row_of(ws, "T-SEAL-510700"), col).value = "否"
    ws.delete_cols(col)
    result = excel.import_workbook(_save(wb))  # no such column: every item keeps its value
    assert result.unchanged == 4
    assert ServiceItem.objects.get(pk=items["food"].pk).requires_head_approval
