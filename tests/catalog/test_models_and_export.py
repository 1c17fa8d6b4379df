"""The catalogue's model rules and the exported template: compression rate bounds
(Hypothesis), each model's clean(), the README sheet describing every column, and exported
cells in the words a person reads (labels, 是/否, codes)."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from yingshang.catalog import excel
from yingshang.catalog.models import ItemTerm, ServiceItem, ServiceItemVersion
from yingshang.core.models import Department, Division


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500))
def test_compression_rate_is_between_zero_and_one_when_defined(legal, committed):
    version = ServiceItemVersion(legal_limit_days=legal, committed_limit_days=committed)
    rate = version.compression_rate
    if legal == 0:
        assert rate is None
    else:
        assert rate == 1 - committed / legal
        if committed <= legal:
            assert 0 <= rate <= 1


@pytest.mark.parametrize(
    ("kind", "legal", "committed", "ok"),
    [
        ("committed", 20, 5, True),
        ("committed", 5, 20, False),
        ("immediate", 1, 0, True),
        ("immediate", 1, 1, False),
        ("committed", 5, 5, True),
    ],
)
def test_version_clean(kind, legal, committed, ok):
    version = ServiceItemVersion(kind=kind, legal_limit_days=legal, committed_limit_days=committed)
    if ok:
        version.clean()
    else:
        with pytest.raises(ValidationError) as exc:
            version.clean()
        assert "committed_limit_days" in exc.value.message_dict


def test_item_clean_refuses_a_department_of_another_division():
    city, county = Division(pk=1, code="510700"), Division(pk=2, code="510781")
    dept = Department(pk=3, division=county, division_id=2)
    item = ServiceItem(department=dept, division=city)
    with pytest.raises(ValidationError) as exc:
        item.clean()
    assert "department" in exc.value.message_dict
    ServiceItem(department=dept, division=county).clean()


def test_term_clean_collapses_blanks_and_refuses_empty_words():
    term = ItemTerm(term="  开  小卖部 ")
    term.clean()
    assert term.term == "开 小卖部"
    with pytest.raises(ValidationError):
        ItemTerm(term="   ").clean()


@pytest.mark.django_db
def test_a_written_version_cannot_be_saved_again(items):
    version = items["food"].current_version
    version.guide = "changed"
    with pytest.raises(PermissionError):
        version.save()
    assert str(version) == "食品经营许可 v1"


@pytest.mark.django_db
def test_the_readme_sheet_describes_every_column(items):
    wb = load_workbook(BytesIO(excel.export_workbook()))
    assert wb.sheetnames[:2] == [excel.ITEMS_SHEET, excel.MATERIALS_SHEET]
    readme = wb[excel.README_SHEET]
    described = {(row[0], row[1]) for row in readme.iter_rows(min_row=2, values_only=True)}
    for header, *_rest in excel.ITEM_COLUMNS:
        assert (excel.ITEMS_SHEET, header) in described, header
    for header, *_rest in excel.MATERIAL_COLUMNS:
        assert (excel.MATERIALS_SHEET, header) in described, header


@pytest.mark.django_db
def test_exported_cells_are_in_the_words_people_read(items):
    wb = load_workbook(BytesIO(excel.export_workbook()))
    ws = wb[excel.ITEMS_SHEET]
    header = [c.value for c in ws[1]]
    rows = {
        r[header.index("实施编码")]: dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=2, values_only=True)
    }
    food = rows["T-FOOD-510781"]
    assert food["事项类型"] == "行政许可" and food["办件类型"] == "承诺件"
    assert food["实施区划代码"] == "510781" and food["实施部门"].startswith("江油市")
    assert food["是否进驻大厅"] in ("是", "否") and food["办理结果证照"] == "spjy"
    tax = rows["T-TAX-510700"]
    assert tax["收费金额"] == 10 and tax["办理结果证照"] in ("", None)
    assert len(rows) == 4


@pytest.mark.django_db
def test_export_of_a_subset(items):
    wb = load_workbook(
        BytesIO(
            excel.export_workbook(ServiceItem.objects.filter(implementation_code="T-TAX-510700"))
        )
    )
    ms = wb[excel.MATERIALS_SHEET]
    codes = {r[0] for r in ms.iter_rows(min_row=2, values_only=True)}
    assert codes == {"T-TAX-510700"}
