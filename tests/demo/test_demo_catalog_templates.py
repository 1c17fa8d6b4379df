"""The demo catalogue's templates (demo/data/catalog_items.py) as the loader turns them into
item values, checked without writing them: codes unique and well-formed, limits within the
legal limit, an immediate item has no committed days, visits and online depth in range,
materials' licence references known, conditional materials with their condition, the guide
saying what the visit promise says, fees as money, every head-approval name a real item, the
bundles made of known items."""

from decimal import Decimal

import pytest
from stdnum.cn import uscc

from yingshang.core.models import Department, Division
from yingshang.demo import catalog as demo_catalog
from yingshang.demo.data import catalog_items as data
from yingshang.demo.data import mianyang

pytestmark = pytest.mark.django_db

LICENCES = {code: f"licence:{code}" for code, _name, _kind in data.LICENCE_TYPES}


@pytest.fixture
def city_values(mianyang):
    """item_values of every template for its city department (licences as stand-ins)."""
    city = Division.objects.get(code=mianyang_code())
    departments = {d.function_key: d for d in Department.objects.filter(division=city)}
    out = []
    for no, template in enumerate(data.ITEMS, start=1):
        department = departments.get(template[0])
        assert department is not None, template[1]
        out.append((template, demo_catalog.item_values(no, template, department, LICENCES)))
    return out


def mianyang_code():
    return mianyang.CITY[0]


def test_codes_are_unique_and_well_formed(city_values):
    basics = [v["basic_code"] for _t, v in city_values]
    codes = [v["implementation_code"] for _t, v in city_values]
    assert len(set(basics)) == len(basics)
    assert len(set(codes)) == len(codes)
    for _t, v in city_values:
        basic, code = v["basic_code"], v["implementation_code"]
        assert len(basic) == 12 and basic.isdigit()
        assert code.startswith(basic)
        assert code[12:24] == mianyang_code().ljust(12, "0")
        assert uscc.is_valid(code[24:42]) and code.endswith("000")


def test_limits_visits_and_depth_are_in_range(city_values):
    for template, v in city_values:
        assert 0 <= v["committed_limit_days"] <= max(v["legal_limit_days"], 0), template[1]
        if v["kind"] == "immediate":
            assert v["committed_limit_days"] == 0, template[1]
        assert v["visits_required"] in (0, 1, 2), template[1]
        assert 0 <= v["online_depth"] <= 5
        assert v["service_scope"]
        assert v["theme"] in {"person", "enterprise", "both"}


def test_fees_are_money(city_values):
    for _t, v in city_values:
        assert isinstance(v["fee_amount"], Decimal)
        assert v["fee_amount"] == v["fee_amount"].quantize(Decimal("0.01"))
        assert v["fee_amount"] >= 0
        if v["fee_amount"] == 0:
            assert v["fee_text"]


def test_materials_refer_to_known_licences_and_keep_their_conditions(city_values):
    for template, v in city_values:
        assert v["materials"], template[1]
        names = [m["name"] for m in v["materials"]]
        assert len(set(names)) == len(names), template[1]
        for m in v["materials"]:
            assert "|" not in m["name"] and "@" not in m["name"]
            assert (m["requirement"] == "conditional") == bool(m["condition"])
            if m["licence_type"] is not None:
                assert m["licence_type"] in LICENCES.values()
                assert m["form"] == "electronic"
        if template[14]:
            assert v["result_licence_type"] == LICENCES[template[14]]


def test_the_guide_says_what_the_visit_promise_says(city_values):
    for _t, v in city_values:
        guide = v["guide"]
        assert "0816-12345" in guide
        assert ("零跑动" in guide) == (v["visits_required"] == 0)
        assert ("最多跑一次" in guide) == (v["visits_required"] == 1)


def test_head_approval_names_are_items_and_flag_them(city_values):
    names = {t[1] for t in data.ITEMS}
    assert data.HEAD_APPROVAL <= names
    flagged = {v["name"] for _t, v in city_values if v["requires_head_approval"]}
    assert flagged == data.HEAD_APPROVAL


@pytest.mark.parametrize(
    "name,licence,form",
    [
        ("营业执照", "yyzz", "electronic"),
        ("房屋租赁合同", None, "copy"),
        ("无犯罪证明", None, "copy"),
        ("一寸免冠照片", None, "original"),
        ("申请表", None, "electronic"),
    ],
)
def test_material_forms(name, licence, form):
    assert demo_catalog._form(name, licence) == form


def test_parse_materials_splits_conditions_and_licences():
    got = demo_catalog.parse_materials(
        ["申请书", "营业执照@yyzz", "委托书|委托他人办理的"], {"yyzz": "L"}
    )
    assert [(m["name"], m["requirement"], m["condition"], m["licence_type"]) for m in got] == [
        ("申请书", "required", "", None),
        ("营业执照", "required", "", "L"),
        ("委托书", "conditional", "委托他人办理的", None),
    ]
    with pytest.raises(KeyError):
        demo_catalog.parse_materials(["营业执照@nosuch"], {})


def test_bundles_are_made_of_template_items():
    items = {(t[0], t[1]) for t in data.ITEMS}
    keys = [b[0] for b in data.BUNDLES]
    assert len(set(keys)) == len(keys)
    for key, name, description, theme, members in data.BUNDLES:
        assert name and description and theme in data.THEME, key
        assert len(members) >= 2, key
        assert len(set(members)) == len(members), key
        for member in members:
            assert member in items, (key, member)
