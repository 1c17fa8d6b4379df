"""The Excel import at its edges: every kind of bad sheet, header and row is reported with its
sheet and row, several at once, and the database is left exactly as it was (all or nothing);
the 检索词来源 sheet's own refusals; blank rows; booleans spelt many ways; scope by user."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook, load_workbook

from tests.catalog.factories import catalog_maintainer
from tests.core.factories import MAINTAIN_CATALOG
from yingshang.catalog import excel
from yingshang.catalog.models import ItemTerm, Material, ServiceItem, ServiceItemVersion

SETUP, FOOD, TAX = "T-SETUP-510700", "T-FOOD-510781", "T-TAX-510700"


def _book(content):
    return load_workbook(BytesIO(content))


def _save(wb) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _col(ws, header):
    return [c.value for c in ws[1]].index(header) + 1


def _row_of(ws, code, start=2):
    for n in range(start, ws.max_row + 1):
        if ws.cell(n, 1).value == code or ws.cell(n, 2).value == code:
            return n
    raise AssertionError(code)


def _snapshot():
    return (
        sorted(ServiceItem.objects.values_list("implementation_code", "name", "is_active")),
        ServiceItemVersion.objects.count(),
        Material.objects.count(),
        sorted(ItemTerm.objects.values_list("item_id", "term", "kind", "source")),
    )


def _refused(content, user=None) -> excel.CatalogImportError:
    before = _snapshot()
    with pytest.raises(excel.CatalogImportError) as exc:
        excel.import_workbook(content, user=user)
    assert _snapshot() == before
    return exc.value


@pytest.fixture
def wb(items):
    return _book(excel.export_workbook())


def test_both_required_sheets_missing_are_named_without_a_row_number(items):
    book = Workbook()
    book.active.title = "随便"
    err = _refused(_save(book))
    assert set(err.row_errors) == {("事项", 0), ("材料", 0)}
    message = " ".join(err.messages)
    assert "缺少工作表“事项”" in message and "缺少工作表“材料”" in message
    assert "第0行" not in message


def test_a_file_that_is_not_excel_is_one_file_error(items):
    for content in (b"", b"PK\x03\x04 broken zip", "事项,材料".encode()):
        with pytest.raises(ValidationError) as exc:
            excel.import_workbook(content)
        assert "无法读取Excel文件" in exc.value.message_dict["file"][0]


def test_missing_columns_of_both_sheets_are_reported_together(wb):
    wb["事项"].delete_cols(_col(wb["事项"], "办件类型"))
    wb["材料"].delete_cols(_col(wb["材料"], "份数"))
    err = _refused(_save(wb))
    assert "缺少列“办件类型”" in " ".join(err.row_errors[("事项", 1)])
    assert "缺少列“份数”" in " ".join(err.row_errors[("材料", 1)])


def test_the_optional_head_approval_column_may_be_missing_but_not_others(wb):
    wb["事项"].delete_cols(_col(wb["事项"], "需负责人审批"))
    result = excel.import_workbook(_save(wb))
    assert result.unchanged == 4 and result.created == 0


def test_blank_rows_are_skipped_and_a_new_row_creates_an_item(wb):
    ws = wb["事项"]
    src = _row_of(ws, TAX)
    ws.append([None] * ws.max_column)  # a blank row in the middle
    ws.append(["   "] * 3)
    values = [c.value for c in ws[src]]
    values[_col(ws, "实施编码") - 1] = "T-NEW-510700"
    values[_col(ws, "事项名称") - 1] = "新设事项"
    ws.append(values)
    ms = wb["材料"]
    ms.append(["T-NEW-510700", 1, "申请表", "必要", "", "原件", 1, ""])
    result = excel.import_workbook(_save(wb))
    assert (result.created, result.unchanged) == (1, 4)
    assert "T-NEW-510700" in result.codes
    item = ServiceItem.objects.get(implementation_code="T-NEW-510700")
    assert list(item.current_version.materials.values_list("name", flat=True)) == ["申请表"]


def test_errors_of_several_rows_are_all_reported_in_sheet_and_row_order(wb):
    ws = wb["事项"]
    food, tax = _row_of(ws, FOOD), _row_of(ws, TAX)
    ws.cell(food, _col(ws, "法定时限")).value = "二十"
    ws.cell(tax, _col(ws, "服务对象")).value = "外星人"
    ms = wb["材料"]
    ms.append(["NOPE", 1, "x", "必要", "", "原件", 1, ""])
    err = _refused(_save(wb))
    assert set(err.row_errors) == {("事项", food), ("事项", tax), ("材料", ms.max_row)}
    lines = err.messages
    assert lines == sorted(
        lines, key=lambda m: (m.split("表")[0], int(m.split("第")[1].split("行")[0]))
    )


def test_a_department_of_another_division_is_refused(wb):
    ws = wb["事项"]
    row = _row_of(ws, FOOD)
    ws.cell(
        row, _col(ws, "实施区划代码")
    ).value = "510700"  # 江油市市场监督管理局 is not the city's
    err = _refused(_save(wb))
    assert "没有名为" in " ".join(err.row_errors[("事项", row)])


def test_a_blank_required_cell_is_named(wb):
    ws = wb["事项"]
    row = _row_of(ws, FOOD)
    ws.cell(row, _col(ws, "事项名称")).value = "  "
    err = _refused(_save(wb))
    assert "事项名称" in " ".join(err.row_errors[("事项", row)])


def test_a_blank_implementation_code_is_refused(wb):
    ws = wb["事项"]
    row = _row_of(ws, FOOD)
    ws.cell(row, _col(ws, "实施编码")).value = None
    err = _refused(_save(wb))
    assert "实施编码" in " ".join(err.row_errors[("事项", row)])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Y", True), ("1", True), ("TRUE", True), ("n", False), ("0", False), ("", False)],
)
def test_yes_and_no_are_read_in_many_spellings(wb, cell, expected):
    ws = wb["事项"]
    ws.cell(_row_of(ws, TAX), _col(ws, "是否进驻大厅")).value = cell
    excel.import_workbook(_save(wb))
    item = ServiceItem.objects.get(implementation_code=TAX)
    assert item.current_version.in_hall is expected


def test_a_fractional_time_limit_is_refused_and_a_whole_float_accepted(wb):
    ws = wb["事项"]
    row = _row_of(ws, FOOD)
    ws.cell(row, _col(ws, "法定时限")).value = 20.5
    err = _refused(_save(wb))
    assert "法定时限" in " ".join(err.row_errors[("事项", row)])
    ws.cell(row, _col(ws, "法定时限")).value = 21.0
    result = excel.import_workbook(_save(wb))
    assert result.new_versions == 1
    assert ServiceItem.objects.get(implementation_code=FOOD).current_version.legal_limit_days == 21


def test_material_rows_order_must_be_a_unique_whole_number(wb):
    ms = wb["材料"]
    ms.append([FOOD, "一", "x", "必要", "", "原件", 1, ""])
    ms.append([FOOD, 1, "y", "必要", "", "原件", 1, ""])  # 1 is taken by the exported row
    ms.append([FOOD, 7, "", "必要", "", "原件", 1, ""])  # no name
    ms.append([FOOD, 8, "z", "必要", "", "手写", 1, ""])  # unknown form
    n = ms.max_row
    err = _refused(_save(wb))
    assert "“序号”应为整数" in " ".join(err.row_errors[("材料", n - 3)])
    assert "重复" in " ".join(err.row_errors[("材料", n - 2)])
    assert "材料名称" in " ".join(err.row_errors[("材料", n - 1)])
    assert "形式" in " ".join(err.row_errors[("材料", n)])


def test_materials_of_a_failed_item_are_not_reported_twice(wb):
    ws, ms = wb["事项"], wb["材料"]
    row = _row_of(ws, FOOD)
    ws.cell(row, _col(ws, "事项类型")).value = "行政审批"
    ms.append([FOOD, 9, "", "胡说", "", "原件", 1, ""])  # bad, but its item already failed
    err = _refused(_save(wb))
    assert list(err.row_errors) == [("事项", row)]


def test_materials_are_written_in_their_order_not_the_row_order(wb):
    ms = wb["材料"]
    rows = [r for r in range(2, ms.max_row + 1) if ms.cell(r, 1).value == TAX]
    for r in rows:
        ms.delete_rows(r)
    ms.append([TAX, 3, "第三", "必要", "", "原件", 1, ""])
    ms.append([TAX, 1, "第一", "必要", "", "原件", 1, ""])
    ms.append([TAX, 2, "第二", "容缺", "缺了也行", "复印件", 2, ""])
    result = excel.import_workbook(_save(wb))
    assert result.new_versions == 1
    version = ServiceItem.objects.get(implementation_code=TAX).current_version
    names = list(version.materials.order_by("order").values_list("name", "requirement", "copies"))
    assert names == [("第一", "required", 1), ("第二", "conditional", 2), ("第三", "required", 1)]


def test_an_item_without_material_rows_gets_a_version_without_materials(wb):
    ms = wb["材料"]
    for r in reversed(range(2, ms.max_row + 1)):
        if ms.cell(r, 1).value == TAX:
            ms.delete_rows(r)
    result = excel.import_workbook(_save(wb))
    assert result.new_versions == 1
    assert not ServiceItem.objects.get(implementation_code=TAX).current_version.materials.exists()


# --------------------------------------------------------------------------- search words


def _terms(wb, code, synonyms="", colloquial=""):
    ws = wb["事项"]
    row = _row_of(ws, code)
    ws.cell(row, _col(ws, "同义词")).value = synonyms
    ws.cell(row, _col(ws, "俗称")).value = colloquial
    return row


def test_term_cells_accept_every_separator_and_full_width_ones(wb):
    _terms(wb, FOOD, "餐饮许可，饭店执照;小吃店", "开饭店\n卖熟食、开小吃店")
    result = excel.import_workbook(_save(wb))
    assert result.terms_changed == 1
    item = ServiceItem.objects.get(implementation_code=FOOD)
    assert sorted(item.terms.values_list("term", "kind")) == sorted(
        [
            ("餐饮许可", "synonym"),
            ("饭店执照", "synonym"),
            ("小吃店", "synonym"),
            ("开饭店", "colloquial"),
            ("卖熟食", "colloquial"),
            ("开小吃店", "colloquial"),
        ]
    )


@pytest.mark.parametrize(
    ("synonyms", "colloquial", "text"),
    [
        ("餐饮许可、、饭店执照", "", "有空的词语"),
        ("餐" * 51, "", "超过50个字"),
        ("开饭店", "开饭店", "重复（已在“同义词”中）"),
        ("小吃、小吃", "", "重复"),
    ],
)
def test_bad_term_cells_are_row_errors(wb, synonyms, colloquial, text):
    row = _terms(wb, FOOD, synonyms, colloquial)
    err = _refused(_save(wb))
    assert text in " ".join(err.row_errors[("事项", row)])


def test_empty_term_cells_remove_the_words(wb, items):
    from yingshang.catalog import services

    services.add_term(item=items["food"], term="开饭店", kind="colloquial")
    wb = _book(excel.export_workbook())
    _terms(wb, FOOD, "", "")
    result = excel.import_workbook(_save(wb))
    assert result.terms_changed == 1
    assert not items["food"].terms.exists()


def _sources(wb, rows, header=("实施编码", "词语", "来源")):
    if excel.TERMS_SHEET in wb.sheetnames:
        del wb[excel.TERMS_SHEET]
    ts = wb.create_sheet(excel.TERMS_SHEET)
    ts.append(list(header))
    for row in rows:
        ts.append(list(row))
    return ts


def test_term_sources_are_recorded_and_cut_to_300_characters(wb):
    _terms(wb, FOOD, "", "开饭店、卖熟食")
    _sources(wb, [(FOOD, "开饭店", "12345工单" + "x" * 400), (FOOD, "卖熟食", "窗口咨询")])
    excel.import_workbook(_save(wb))
    sources = dict(
        ItemTerm.objects.filter(item__implementation_code=FOOD).values_list("term", "source")
    )
    assert len(sources["开饭店"]) == 300 and sources["开饭店"].startswith("12345工单")
    assert sources["卖熟食"] == "窗口咨询"


def test_term_source_refusals(wb):
    _terms(wb, FOOD, "", "开饭店")
    ts = _sources(
        wb,
        [
            ("NOPE", "开饭店", "a"),
            (FOOD, "", "b"),
            (FOOD, "不在列表里", "c"),
            (FOOD, "开饭店", "d"),
            (FOOD, "开饭店", "e"),
        ],
    )
    err = _refused(_save(wb))
    got = {
        row: " ".join(msgs) for (sheet, row), msgs in err.row_errors.items() if sheet == ts.title
    }
    assert "不在“事项”表中" in got[2]
    assert "不能为空" in got[3]
    assert "不在该事项" in got[4]
    assert 5 not in got and "与第5行重复" in got[6]


def test_a_term_source_sheet_without_its_columns(wb):
    _sources(wb, [(FOOD, "开饭店")], header=("实施编码", "词语"))
    err = _refused(_save(wb))
    assert "缺少列“来源”" in " ".join(err.row_errors[(excel.TERMS_SHEET, 1)])


def test_term_sources_need_the_term_columns(wb):
    ws = wb["事项"]
    ws.delete_cols(_col(ws, "俗称"))
    ws.delete_cols(_col(ws, "同义词"))
    _sources(wb, [(FOOD, "开饭店", "a")])
    err = _refused(_save(wb))
    assert "没有“同义词”“俗称”列" in " ".join(err.row_errors[(excel.TERMS_SHEET, 2)])


# --------------------------------------------------------------------------- who may import


def test_staff_without_the_maintain_permission_may_not_import(wb, staff):
    user = next(
        u for u in staff.values() if not u.is_superuser and not u.has_perm(MAINTAIN_CATALOG)
    )
    with pytest.raises(PermissionDenied):
        excel.import_workbook(_save(wb), user=user)


def test_a_maintainer_of_jiangyou_may_change_only_jiangyous_items(wb, staff):
    user = catalog_maintainer("jy-catalog", division_code="510781")
    ws = wb["事项"]
    food = _row_of(ws, FOOD)
    ws.cell(food, _col(ws, "承诺时限")).value = 4
    err = _refused(_save(wb), user=user)
    # the city's items in the file are out of scope; Jiangyou's row is not reported
    assert ("事项", food) not in err.row_errors
    assert {row for _s, row in err.row_errors} == {
        _row_of(ws, SETUP),
        _row_of(ws, "T-SEAL-510700"),
        _row_of(ws, TAX),
    }
    for code in (SETUP, "T-SEAL-510700", TAX):
        ws.delete_rows(_row_of(ws, code))
    ms = wb["材料"]
    for r in reversed(range(2, ms.max_row + 1)):
        if ms.cell(r, 1).value != FOOD:
            ms.delete_rows(r)
    result = excel.import_workbook(_save(wb), user=user)
    assert result.new_versions == 1 and result.codes == [FOOD]
