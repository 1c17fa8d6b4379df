"""Catalogue validation through the API in Chinese and English (400 with field errors, nothing
written), the write rules of the API (codes, departments out of scope, unchanged patches),
``item_differs`` field by field (what the demo and the Excel import rely on to write nothing),
the public look-ups other apps call, and the management command's refusals."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.catalog.factories import BundleFactory, ItemWithVersionFactory
from yingshang.catalog import public, services
from yingshang.catalog.models import ServiceItem, ServiceItemVersion

NEW = {
    "implementation_code": "API-9",
    "basic_code": "0100",
    "name": "接口新增事项",
    "category": "licensing",
    "kind": "committed",
    "legal_limit_days": 10,
    "committed_limit_days": 4,
    "materials": [{"name": "申请书"}],
}


@pytest.fixture
def handler(items, staff, login):
    return login(staff["chengban"])  # city market handler


@pytest.mark.parametrize(
    "over,field,zh,en",
    [
        ({"committed_limit_days": 11}, "committed_limit_days", "不能超过法定办结时限", "statutory"),
        ({"kind": "immediate"}, "committed_limit_days", "即办件", "immediate"),
        ({"committed_limit_days": 0}, "committed_limit_days", "至少为1个工作日", "at least"),
        ({"category": "nonsense"}, "category", "nonsense", "nonsense"),
        ({"legal_limit_days": -1}, "legal_limit_days", "", ""),
        ({"online_depth": 9}, "online_depth", "", ""),
        ({"service_scope": "galaxy"}, "service_scope", "", ""),
        ({"name": ""}, "name", "", ""),
        ({"materials": [{"name": ""}]}, "materials", "", ""),
        ({"materials": [{"name": "执照", "licence_type": "nope"}]}, "materials", "", ""),
    ],
)
def test_bad_item_input_is_a_field_error_in_both_languages(handler, items, over, field, zh, en):
    market = items["setup"].department_id
    body = {**NEW, "department": market, **over}
    response = handler.post("/api/catalog/items/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert zh in str(errors[field])
    english = handler.post(
        "/api/catalog/items/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 400 and field in english.json()
    assert en.lower() in str(english.json()[field]).lower()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in str(english.json()[field]) if zh), (
        english.json()[field]
    )
    assert not ServiceItem.objects.filter(implementation_code="API-9").exists()


def test_the_implementation_code_cannot_be_changed(handler, items):
    response = handler.patch(
        "/api/catalog/items/T-SETUP-510700/",
        {"implementation_code": "OTHER"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "实施编码不能修改" in str(response.json()["implementation_code"])
    # the same code is no change
    same = handler.patch(
        "/api/catalog/items/T-SETUP-510700/",
        {"implementation_code": "T-SETUP-510700", "name": "企业设立登记(含分支机构)"},
        content_type="application/json",
    )
    assert same.status_code == 200 and same.json()["name"] == "企业设立登记(含分支机构)"


def test_moving_an_item_to_a_department_out_of_scope_is_refused(handler, items):
    police_county = items["food"].department_id  # Jiangyou market: not the handler's
    response = handler.patch(
        "/api/catalog/items/T-SETUP-510700/",
        {"department": police_county},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    items["setup"].refresh_from_db()
    assert items["setup"].department.division.code == "510700"


def test_unchanged_patch_publishes_no_version(handler, items):
    before = ServiceItemVersion.objects.count()
    response = handler.patch(
        "/api/catalog/items/T-SETUP-510700/",
        {"committed_limit_days": 1, "legal_limit_days": 15},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["current_version"]["version"] == 1
    assert ServiceItemVersion.objects.count() == before


# --------------------------------------------------------------------------- item_differs


def _loaded(item):
    return (
        ServiceItem.objects.select_related("current_version")
        .prefetch_related("current_version__materials")
        .get(pk=item.pk)
    )


def test_item_differs_is_false_for_the_current_values(items):
    item = _loaded(items["setup"])
    values = {
        "name": "企业设立登记",
        "category": "licensing",
        "theme": "enterprise",
        "department": item.department,
        "division": item.division,
        **services.version_values_of(item.current_version),
        "materials": services.material_values_of(item.current_version),
    }
    assert not services.item_differs(item, values)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "企业设立登记(变更)"},
        {"life_events": "注销企业"},
        {"committed_limit_days": 2},
        {"visits_required": 1},
        {"fee_amount": "0.01"},
        {"fee_amount": "not a number"},
        {"guide": "新的办事指南"},
        {"materials": [{"name": "公司登记申请书"}]},
        {"materials": []},
    ],
)
def test_item_differs_sees_each_change(items, change):
    assert services.item_differs(_loaded(items["setup"]), change)


def test_item_differs_with_materials_none_ignores_them(items):
    assert not services.item_differs(_loaded(items["setup"]), {"materials": None})


def test_fee_amount_compares_as_money(items):
    item = _loaded(items["tax"])
    assert not services.item_differs(item, {"fee_amount": "10"})
    assert not services.item_differs(item, {"fee_amount": Decimal("10.000")})
    assert services.item_differs(item, {"fee_amount": "10.01"})


def test_an_item_without_a_version_always_differs(mianyang):
    from tests.catalog.factories import ServiceItemFactory

    item = ServiceItemFactory()
    assert item.current_version is None
    assert services.item_differs(item, {"name": item.name})


# --------------------------------------------------------------------------- public look-ups


def test_active_item_by_code(items):
    setup = public.active_item("T-SETUP-510700")
    assert setup == items["setup"]
    assert setup.current_version.committed_limit_days == 1
    assert public.active_item("") is None and public.active_item("NOPE") is None
    services.deactivate_item(items["setup"])
    assert public.active_item("T-SETUP-510700") is None
    assert items["setup"] not in public.active_items()
    assert set(public.active_items()) == {items["seal"], items["food"], items["tax"]}


def test_active_bundle_by_key(mianyang):
    a, b = ItemWithVersionFactory(), ItemWithVersionFactory()
    live = BundleFactory(key="live", items=[a, b])
    off = BundleFactory(key="off", items=[a, b], is_active=False)
    assert public.active_bundle("live") == live
    assert public.active_bundle("off") is None and public.active_bundle("") is None
    assert list(public.active_bundles()) == [live]
    assert off not in public.active_bundles()


# --------------------------------------------------------------------------- the command


def test_import_of_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("catalog", "import", str(tmp_path / "absent.xlsx"))


def test_a_refused_import_names_each_error_and_writes_nothing(items, tmp_path, capsys):
    from openpyxl import load_workbook

    from yingshang.catalog import excel

    path = tmp_path / "catalog.xlsx"
    path.write_bytes(excel.export_workbook())
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header, start=1) if "承诺" in str(h))
    sheet.cell(row=2, column=column, value=999)
    book.save(path)
    versions = ServiceItemVersion.objects.count()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("catalog", "import", str(path))
    err = capsys.readouterr().err
    assert err.strip()  # the refusal is explained line by line
    assert ServiceItemVersion.objects.count() == versions
