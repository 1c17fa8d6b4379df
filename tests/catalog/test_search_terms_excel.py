"""Search words in the Excel template: columns 同义词 / 俗称 on the 事项 sheet and the optional
sheet 检索词来源; bad input refuses the whole file with the row and column named."""

import pytest

from tests.catalog.workbooks import col_of as _col
from tests.catalog.workbooks import open_book as _book
from tests.catalog.workbooks import row_of as _row_of
from tests.catalog.workbooks import save_book as _save
from yingshang.catalog import excel, public, services
from yingshang.catalog.models import ItemTerm, ServiceItem


def _terms():
    return sorted(
        ItemTerm.objects.values_list("item__implementation_code", "term", "kind", "source")
    )


@pytest.fixture
def with_terms(items):
    services.add_term(item=items["food"], term="卖熟食", kind="colloquial", source="12345 工单")
    services.add_term(item=items["food"], term="餐饮许可证", kind="synonym")
    return items


def test_export_writes_terms_and_sources(with_terms):
    wb = _book(excel.export_workbook())
    ws = wb["事项"]
    row = _row_of(ws, "T-FOOD-510781")
    assert ws.cell(row, _col(ws, "同义词")).value == "餐饮许可证"
    assert ws.cell(row, _col(ws, "俗称")).value == "卖熟食"
    sources = list(wb["检索词来源"].iter_rows(min_row=2, values_only=True))
    assert sources == [("T-FOOD-510781", "卖熟食", "12345 工单")]
    readme = " ".join(str(c) for r in wb["说明"].iter_rows(values_only=True) for c in r if c)
    assert "同义词" in readme and "俗称" in readme and "检索词来源" in readme


def test_reimport_of_export_keeps_terms(with_terms):
    before = _terms()
    result = excel.import_workbook(excel.export_workbook())
    assert result.terms_changed == 0 and result.unchanged == 4
    assert _terms() == before


def test_import_adds_replaces_and_removes_terms_and_reindexes(with_terms):
    wb = _book(excel.export_workbook())
    ws = wb["事项"]
    food = _row_of(ws, "T-FOOD-510781")
    ws.cell(food, _col(ws, "俗称")).value = "卖熟食、开饭店;开小餐馆"  # 、 ; ，all separate
    ws.cell(food, _col(ws, "同义词")).value = None  # 餐饮许可证 removed
    seal = _row_of(ws, "T-SEAL-510700")
    ws.cell(seal, _col(ws, "俗称")).value = "刻章"
    wb["检索词来源"].append(["T-SEAL-510700", "刻章", "窗口咨询记录 2026-11"])
    result = excel.import_workbook(_save(wb))
    assert result.terms_changed == 2
    assert _terms() == [
        ("T-FOOD-510781", "卖熟食", "colloquial", "12345 工单"),  # unchanged word keeps its source
        ("T-FOOD-510781", "开小餐馆", "colloquial", ""),
        ("T-FOOD-510781", "开饭店", "colloquial", ""),
        ("T-SEAL-510700", "刻章", "colloquial", "窗口咨询记录 2026-11"),
    ]
    assert [i.name for i in public.search_items("刻章")] == ["公章刻制备案"]
    assert "食品经营许可" not in [i.name for i in public.search_items("餐饮许可证")]


def test_workbook_without_term_columns_leaves_terms_alone(with_terms):
    wb = _book(excel.export_workbook())
    ws = wb["事项"]
    ws.delete_cols(_col(ws, "同义词"), 2)
    del wb["检索词来源"]
    before = _terms()
    excel.import_workbook(_save(wb))
    assert _terms() == before


BAD = [
    # (sheet, code, column, value, extra source row, expected text)
    ("事项", "T-FOOD-510781", "俗称", "卖熟食、、开饭店", None, "有空的词语"),
    ("事项", "T-FOOD-510781", "俗称", "卖熟食、卖熟食", None, "重复"),
    ("事项", "T-FOOD-510781", "同义词", "卖熟食", None, "重复"),  # also in 俗称
    ("事项", "T-FOOD-510781", "俗称", "熟" * 51, None, "超过50个字"),
    ("检索词来源", None, None, None, ["T-NOPE-1", "卖熟食", "x"], "不在“事项”表中"),
    ("检索词来源", None, None, None, ["T-FOOD-510781", "", "x"], "不能为空"),
    ("检索词来源", None, None, None, ["T-FOOD-510781", "没有这个词", "x"], "不在该事项"),
]


@pytest.mark.parametrize("sheet, code, column, value, source_row, text", BAD)
def test_bad_terms_refuse_the_whole_file(with_terms, sheet, code, column, value, source_row, text):
    wb = _book(excel.export_workbook())
    ws = wb["事项"]
    # valid changes elsewhere in the same file must not be written either
    ws.cell(_row_of(ws, "T-SEAL-510700"), _col(ws, "俗称")).value = "刻章"
    ws.cell(_row_of(ws, "T-SETUP-510700"), _col(ws, "承诺时限")).value = 2
    if code:
        row = _row_of(ws, code)
        ws.cell(row, _col(ws, column)).value = value
    else:
        wb["检索词来源"].append(source_row)
        row = wb["检索词来源"].max_row
    before_terms = _terms()
    before_items = list(ServiceItem.objects.order_by("pk").values())
    with pytest.raises(excel.CatalogImportError) as exc:
        excel.import_workbook(_save(wb))
    assert list(exc.value.row_errors) == [(sheet, row)]
    message = " ".join(exc.value.messages)
    assert f"第{row}行" in message and text in message
    if column:
        assert column in message  # the column is named
    assert _terms() == before_terms
    assert list(ServiceItem.objects.order_by("pk").values()) == before_items


def test_duplicate_source_rows_are_refused(with_terms):
    wb = _book(excel.export_workbook())
    wb["检索词来源"].append(["T-FOOD-510781", "卖熟食", "again"])
    with pytest.raises(excel.CatalogImportError) as exc:
        excel.import_workbook(_save(wb))
    assert "重复" in " ".join(exc.value.messages)
