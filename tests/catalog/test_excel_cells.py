"""The Excel template cell by cell, on real files written and read back: what each column
accepts (labels, values, aliases, 是/否 spellings, numbers typed as text or floats, licence codes
or names), what it refuses (with the column named, the whole file refused), and values that look
like formulas surviving a round trip."""

import pytest
from django.core.exceptions import ValidationError

from tests.catalog.workbooks import open_book as _book
from tests.catalog.workbooks import save_book as _save
from tests.catalog.workbooks import set_cell as _set
from yingshang.catalog import excel
from yingshang.catalog.models import ServiceItem, ServiceItemVersion


@pytest.fixture
def exported(items):
    return excel.export_workbook()


@pytest.mark.parametrize(
    "header,value,field,expected",
    [
        ("是否进驻大厅", "否", "in_hall", False),
        ("是否进驻大厅", "N", "in_hall", False),
        ("是否进驻大厅", "true", "in_hall", True),
        ("是否进驻大厅", 1, "in_hall", True),
        ("承诺时限", "3", "committed_limit_days", 3),
        ("承诺时限", 3.0, "committed_limit_days", 3),
        ("网上办理深度", "网上受理", "online_depth", 4),
        ("通办范围", "全市通办", "service_scope", "city"),
        ("通办范围", "city", "service_scope", "city"),  # the stored value is accepted too
        ("办件类型", "承诺件", "kind", "committed"),
    ],
)
def test_accepted_version_cells(exported, header, value, field, expected):
    content = _set(exported, excel.ITEMS_SHEET, "T-SETUP-510700", header, value)
    excel.import_workbook(content)
    item = ServiceItem.objects.get(implementation_code="T-SETUP-510700")
    assert getattr(item.current_version, field) == expected


def test_fee_amount_and_text_read_back(exported):
    content = _set(exported, excel.ITEMS_SHEET, "T-SETUP-510700", "收费金额", "12.5")
    content = _set(content, excel.ITEMS_SHEET, "T-SETUP-510700", "收费标准", "工本费12.5元")
    result = excel.import_workbook(content)
    assert result.new_versions == 1
    version = ServiceItem.objects.get(implementation_code="T-SETUP-510700").current_version
    assert str(version.fee_amount) == "12.50" and version.fee_text == "工本费12.5元"


@pytest.mark.parametrize("alias,expected", [("容缺", "conditional"), ("必须", "required")])
def test_requirement_aliases(exported, alias, expected):
    wb = _book(exported)
    ms = wb[excel.MATERIALS_SHEET]
    headers = [c.value for c in ms[1]]
    code_col, req_col = headers.index("实施编码") + 1, headers.index("必要性") + 1
    cond_col = headers.index("适用情形") + 1
    row = next(r for r in range(2, ms.max_row + 1) if ms.cell(r, code_col).value == "T-SEAL-510700")
    ms.cell(row, req_col, alias)
    if expected == "conditional":
        ms.cell(row, cond_col, "已领取电子营业执照的")
    excel.import_workbook(_save(wb))
    first = (
        ServiceItem.objects.get(implementation_code="T-SEAL-510700")
        .current_version.materials.order_by("order")
        .first()
    )
    assert first.requirement == expected


def test_a_licence_may_be_named_by_its_name(exported, licences):
    content = _set(exported, excel.ITEMS_SHEET, "T-TAX-510700", "办理结果证照", "营业执照")
    excel.import_workbook(content)
    version = ServiceItem.objects.get(implementation_code="T-TAX-510700").current_version
    assert version.result_licence_type == licences["yyzz"]


@pytest.mark.parametrize(
    "header,value,text",
    [
        ("是否进驻大厅", "也许", "是否进驻大厅"),
        ("收费金额", "十元", "收费金额"),
        ("办理结果证照", "nope", "未知的证照类型"),
        ("实施区划代码", "999999", "未知的区划代码"),
        ("服务对象", "外星人", "服务对象"),
        ("承诺时限", "三天", "整数"),
    ],
)
def test_refused_cells_name_the_column_and_write_nothing(exported, header, value, text):
    before = ServiceItemVersion.objects.count()
    content = _set(exported, excel.ITEMS_SHEET, "T-FOOD-510781", header, value)
    with pytest.raises(ValidationError) as exc:
        excel.import_workbook(content)
    assert any(text in m for m in exc.value.messages), exc.value.messages
    assert ServiceItemVersion.objects.count() == before


def test_formula_like_text_survives_the_round_trip(items):
    from yingshang.catalog import services

    services.update_item(items["setup"], guide='=HYPERLINK("http://x")\n@SUM(A1)')
    content = excel.export_workbook()
    ws = _book(content)[excel.ITEMS_SHEET]
    headers = [c.value for c in ws[1]]
    cells = [c.value for c in ws[2]]
    guide = cells[headers.index("办事指南")]
    assert not str(guide).startswith("=")  # neutralised in the file
    result = excel.import_workbook(content)
    assert result.new_versions == 0 and result.updated == 0  # read back unchanged
    version = ServiceItem.objects.get(implementation_code="T-SETUP-510700").current_version
    assert version.guide == '=HYPERLINK("http://x")\n@SUM(A1)'


def test_export_of_chosen_items_only(items):
    content = excel.export_workbook(ServiceItem.objects.filter(pk=items["food"].pk))
    wb = _book(content)
    codes = [r[1] for r in wb[excel.ITEMS_SHEET].iter_rows(min_row=2, values_only=True)]
    assert codes == ["T-FOOD-510781"]
    material_codes = {
        r[0] for r in wb[excel.MATERIALS_SHEET].iter_rows(min_row=2, values_only=True)
    }
    assert material_codes == {"T-FOOD-510781"}
    readme = [r for r in wb[excel.README_SHEET].iter_rows(values_only=True) if any(r)]
    named = {str(c) for row in readme for c in row if c}
    assert all(h in named for h, *_r in excel.ITEM_COLUMNS)  # every column explained


def test_export_writes_labels_not_stored_values(items):
    ws = _book(excel.export_workbook())[excel.ITEMS_SHEET]
    headers = [c.value for c in ws[1]]
    assert headers == [h for h, *_r in excel.ITEM_COLUMNS] + [h for h, *_r in excel.TERM_COLUMNS]
    rows = {r[headers.index("实施编码")]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    setup = rows["T-SETUP-510700"]
    assert setup[headers.index("事项类型")] == "行政许可"
    assert setup[headers.index("办件类型")] == "承诺件"
    assert setup[headers.index("实施区划代码")] == "510700"
    assert setup[headers.index("实施部门")] == items["setup"].department.name
    assert setup[headers.index("办理结果证照")] == "yyzz"
    assert rows["T-TAX-510700"][headers.index("收费金额")] == 10.0
