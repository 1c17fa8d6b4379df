"""The catalogue (step 200) and registry (step 210) demo as loaded by the small demo: the items
the templates promise (city + county counterparts), codes built as documented, materials parsed
from the template syntax, bundles made of the named items, valid registry numbers with their
e-licences; the pure helpers on their own; reruns and changed data."""

import datetime
from decimal import Decimal

import pytest
from stdnum.cn import ric, uscc

from tests.demo.conftest import run_steps
from yingshang.catalog.models import Bundle, ServiceItem, ServiceItemVersion
from yingshang.core.models import Department
from yingshang.demo import catalog as demo_catalog
from yingshang.demo import registry as demo_registry
from yingshang.demo.data import catalog_items as data
from yingshang.demo.data import mianyang

pytestmark = pytest.mark.django_db

COUNTIES = [code for code, *_r in mianyang.COUNTIES]


def test_every_template_is_offered_by_the_city_and_county_counterparts(small_demo):
    city_items = ServiceItem.objects.filter(division__code=mianyang.CITY[0])
    assert city_items.count() == len(data.ITEMS)
    for no, template in enumerate(data.ITEMS, start=1):
        fk, name, county = template[0], template[1], template[15]
        offered = ServiceItem.objects.filter(name=name, department__function_key=fk)
        divisions = set(offered.values_list("division__code", flat=True))
        expected = {mianyang.CITY[0]}
        if county:
            expected |= {
                c
                for c in COUNTIES
                if Department.objects.filter(division__code=c, function_key=fk).exists()
            }
        assert divisions == expected, name
        # one basic code per template, shared by the city and the counties
        assert set(offered.values_list("basic_code", flat=True)) == {
            demo_catalog.basic_code(no, template[2], fk)
        }
    total = ServiceItem.objects.count()
    assert small_demo.counts["service items"]["created"] == total
    # docs/catalog.md: 72 templates, 39 of them also in each of the 9 counties
    assert (len(data.ITEMS), sum(1 for t in data.ITEMS if t[15])) == (72, 39)
    assert total == 72 + 39 * 9


def test_implementation_codes_are_basic_code_area_and_department_uscc(small_demo):
    for item in ServiceItem.objects.select_related("department__division"):
        code = item.implementation_code
        dept_uscc = demo_catalog.department_uscc(item.department)
        assert code == (
            item.basic_code + item.department.division.code.ljust(12, "0") + dept_uscc + "000"
        )
        assert uscc.is_valid(dept_uscc)
        assert len(item.basic_code) == 12
        assert item.division_id == item.department.division_id


def test_department_uscc_prefers_the_real_one(mianyang):
    dept = Department.objects.filter(division__code="510700", function_key="market").get()
    stand_in = demo_catalog.department_uscc(dept)
    assert stand_in.startswith("11510700MB") and uscc.is_valid(stand_in)
    # deterministic, and distinct per department
    assert demo_catalog.department_uscc(dept) == stand_in
    other = Department.objects.filter(division__code="510781", function_key="market").get()
    assert demo_catalog.department_uscc(other) != stand_in
    dept.uscc = "11510700008123456X"
    assert demo_catalog.department_uscc(dept) == "11510700008123456X"


@pytest.mark.parametrize(
    "no,category,fk,expected",
    [
        (1, "L", "market", "01{:03d}0010000"),
        (12, "S", "tax", "08{:03d}0120000"),
        (71, "F", "power", "06{:03d}0710000"),
    ],
)
def test_basic_code_layout(no, category, fk, expected):
    assert demo_catalog.basic_code(no, category, fk) == expected.format(
        demo_catalog.FUNCTION_NO[fk]
    )


def test_versions_materials_and_licences_follow_the_templates(small_demo):
    licences = {}
    for item in ServiceItem.objects.filter(division__code=mianyang.CITY[0]).select_related(
        "current_version__result_licence_type"
    ):
        template = next(
            t for t in data.ITEMS if t[1] == item.name and t[0] == item.department.function_key
        )
        v = item.current_version
        assert v.version == 1
        assert v.kind == ("immediate" if template[5] == "I" else "committed")
        assert (v.legal_limit_days, v.committed_limit_days) == (template[6], template[7])
        assert v.committed_limit_days <= v.legal_limit_days
        assert v.visits_required == template[8] and v.online_depth == template[9]
        fee_text, fee = template[11] or ("不收费", 0)
        assert v.fee_text == fee_text and v.fee_amount == Decimal(fee).quantize(Decimal("0.01"))
        result = template[14]
        assert (v.result_licence_type.code if v.result_licence_type else None) == result
        materials = list(v.materials.order_by("order", "pk"))
        assert [m.name for m in materials] == [
            spec.split("|")[0].split("@")[0] for spec in template[13]
        ]
        for m, spec in zip(materials, template[13], strict=True):
            assert (m.requirement == "conditional") == ("|" in spec)
            if "@" in spec.split("|")[0]:
                licences[m.licence_type.code] = True
                assert m.form == "electronic"
                assert m.licence_type.code == spec.split("|")[0].split("@")[1]
            else:
                assert m.licence_type_id is None
    assert "yyzz" in licences


def test_first_versions_are_backdated_to_the_programme(small_demo):
    firsts = ServiceItemVersion.objects.filter(version=1)
    assert firsts.count() == ServiceItem.objects.count()
    assert set(firsts.values_list("valid_from", flat=True)) == {demo_catalog.DEMO_CATALOG_SINCE}


def test_bundles_are_made_of_the_named_city_items_in_order(small_demo):
    assert Bundle.objects.count() == len(data.BUNDLES)
    for key, name, _description, theme, members in data.BUNDLES:
        bundle = Bundle.objects.get(key=key)
        assert bundle.name == name and bundle.theme == data.THEME[theme]
        assert bundle.division.code == mianyang.CITY[0] and bundle.is_active
        items = [
            (bi.item.department.function_key, bi.item.name, bi.item.division.code)
            for bi in bundle.bundle_items.order_by("order").select_related(
                "item__department", "item__division"
            )
        ]
        assert items == [(fk, n, mianyang.CITY[0]) for fk, n in members]


def test_guide_names_the_hall_and_the_visit_promise(mianyang):
    dept = Department.objects.get(division__code="510700", function_key="market")
    zero = demo_catalog.guide_text("企业设立登记", dept, 0, 4)
    one = demo_catalog.guide_text("企业设立登记", dept, 1, 3)
    two = demo_catalog.guide_text("企业设立登记", dept, 2, 1)
    assert "绵阳市政务服务中心" in zero and "零跑动" in zero
    assert "最多跑一次" in one and "零跑动" not in one
    assert "零跑动" not in two and "最多跑一次" not in two
    assert all("0816-12345" in g for g in (zero, one, two))


@pytest.mark.parametrize(
    "name,licence,form",
    [
        ("营业执照", "yyzz", "electronic"),
        ("房屋租赁合同", None, "copy"),
        ("验资报告", None, "copy"),
        ("近期免冠照片", None, "original"),
        ("申请书", None, "electronic"),
        ("租赁合同", "bdcqz", "electronic"),  # a licence from the registry wins
    ],
)
def test_material_form(name, licence, form):
    assert demo_catalog._form(name, licence) == form


def test_parse_materials_reads_conditions_and_licences():
    licences = {"yyzz": "LICENCE"}
    out = demo_catalog.parse_materials(
        ["申请书", "营业执照@yyzz", "委托书|委托他人办理的", "章程@yyzz|公司制企业"], licences
    )
    assert [(m["name"], m["requirement"], m["condition"], m["licence_type"]) for m in out] == [
        ("申请书", "required", "", None),
        ("营业执照", "required", "", "LICENCE"),
        ("委托书", "conditional", "委托他人办理的", None),
        ("章程", "conditional", "公司制企业", "LICENCE"),
    ]
    assert all(m["copies"] == 1 for m in out)
    with pytest.raises(KeyError):
        demo_catalog.parse_materials(["执照@nope"], licences)


def test_founding_bundles_produce_their_licences(small_demo):
    """企业开办 and 开办餐馆 found the company: 营业执照 (and in 企业开办 the 公章刻制备案证明) are
    their own outputs, not materials asked of the applicant."""
    from yingshang.catalog.public import bundle_outputs, founds_holder
    from yingshang.catalog.selectors import bundle_materials

    kaiban = Bundle.objects.get(key="qiye-kaiban")
    outputs = {o.licence_type.code: o for o in bundle_outputs(kaiban)}
    assert set(outputs) == {"yyzz", "gzba", "fply", "sbdj", "gjjdj", "jbck"}
    assert outputs["yyzz"].founds_holder and outputs["yyzz"].item.name == "企业设立登记"
    assert outputs["gzba"].item.name == "公章刻制备案" and not outputs["gzba"].founds_holder
    names = [e["material"].name for e in bundle_materials(kaiban)]
    assert "营业执照" not in names and "公章备案证明" not in names
    canguan = Bundle.objects.get(key="kaiban-canguan")
    assert founds_holder(kaiban) and founds_holder(canguan)
    assert "营业执照" not in [e["material"].name for e in bundle_materials(canguan)]
    assert not founds_holder(Bundle.objects.get(key="ershoufang-guohu"))


def test_catalog_rerun_is_unchanged_and_a_changed_item_is_put_back(small_demo):
    versions = ServiceItemVersion.objects.count()
    tally = run_steps({200})
    assert tally.counts["service items"]["created"] == 0
    assert tally.counts["service items"]["updated"] == 0
    assert tally.counts["bundles"] == {"created": 0, "updated": 0, "unchanged": len(data.BUNDLES)}
    assert tally.counts["bundle outputs"] == {
        "created": 0,
        "updated": 0,
        "unchanged": len(data.BUNDLES),
    }
    assert ServiceItemVersion.objects.count() == versions
    # an edited item: the next run restores the template's values
    item = ServiceItem.objects.get(division__code="510700", name="企业设立登记")
    ServiceItem.objects.filter(pk=item.pk).update(name="改过的名称")
    tally = run_steps({200})
    assert tally.counts["service items"]["updated"] == 1
    item.refresh_from_db()
    assert item.name == "企业设立登记"


def test_registry_numbers_are_valid_and_licences_issued(small_demo):
    from yingshang.registry.models import ELicence, Enterprise, Person

    for body, name, rep, _phone, div, _addr, est in demo_registry.ENTERPRISES:
        code = demo_registry.enterprise_uscc(div, body)
        e = Enterprise.objects.get(uscc=code)
        assert uscc.is_valid(code) and code[2:8] == div
        assert (e.name, e.legal_representative, e.division.code) == (name, rep, div)
        yyzz = ELicence.objects.get(licence_type__code="yyzz", number=code)
        assert yyzz.issued_on == datetime.date.fromisoformat(est)
        assert yyzz.data["名称"] == name
        assert yyzz.issuer.function_key == "market"
    for birth, seq, name, _phone, div in demo_registry.PERSONS:
        number = demo_registry.person_id(div, birth, seq)
        assert ric.is_valid(number) and number[6:14] == birth
        p = Person.objects.get(id_number=number)
        assert p.name == name
        codes = set(
            ELicence.objects.filter(number__endswith=number).values_list(
                "licence_type__code", flat=True
            )
        )
        assert codes == {"sfz", "hkb"}
    assert Person.objects.get(user__username="shimin").name == demo_registry.PERSONS[0][2]
    body, *_r, div, _addr, _est = demo_registry.ENTERPRISES[0]
    first = demo_registry.enterprise_uscc(div, body)
    assert first in set(
        Enterprise.objects.filter(
            representations__user__username="qiye", representations__status="verified"
        ).values_list("uscc", flat=True)
    )


def test_registry_rerun_changes_nothing(small_demo):
    from yingshang.registry.models import ELicence, Enterprise, Person

    before = (Enterprise.objects.count(), Person.objects.count(), ELicence.objects.count())
    tally = run_steps({210})
    assert (Enterprise.objects.count(), Person.objects.count(), ELicence.objects.count()) == before
    assert tally.counts["enterprises"]["created"] == 0
    assert tally.counts["persons"]["created"] == 0
    assert tally.counts["e-licences"]["created"] == 0
    assert tally.counts["portal users"]["created"] == 0


def test_portal_logins_list_the_demo_accounts(small_demo):
    rows = demo_registry.portal_logins()
    assert [r[0] for r in rows] == ["qiye", "shimin"]
    assert all(r[1] == mianyang.DEMO_PASSWORD for r in rows)


@pytest.mark.parametrize("division", ["510703", "510781", "510700"])
def test_registry_number_helpers(division):
    assert uscc.is_valid(demo_registry.enterprise_uscc(division, "MA6AB1C99"))
    assert ric.is_valid(demo_registry.person_id(division, "19991231", "001"))
