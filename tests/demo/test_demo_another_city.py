"""The demo configured for another city: demo/data/mianyang.py is the only place that names the
city, so another city's table (here 德阳市 with two counties, one management area, four staff)
makes the organisation, staff, groups and catalogue steps build that city instead — the tree,
the county departments, the halls and service centres, the accounts, the capability groups and
the service items with the new area codes — a rerun changes nothing, and a malformed table is
refused with nothing half-written. The Mianyang rows of the test database stay as they are."""

import pytest
from django.core.exceptions import ValidationError

from yingshang.catalog.models import Bundle, ServiceItem
from yingshang.core.models import Department, DepartmentKind, Division, DivisionLevel, User
from yingshang.demo import catalog as demo_catalog
from yingshang.demo import core as demo_core
from yingshang.demo.data import catalog_items
from yingshang.demo.data import mianyang as config
from yingshang.demo.framework import Tally
from yingshang.platform.models import AuditEntry

pytestmark = pytest.mark.django_db

DEYANG = {
    "CITY": ("510600", "德阳市", "Deyang"),
    "COUNTIES": [
        (
            "510603",
            "旌阳区",
            "Jingyang",
            [("001", "城北街道", ["珠江社区", "东山村"]), ("100", "孝泉镇", ["孝泉社区"])],
        ),
        ("510681", "广汉市", "Guanghan", [("001", "雒城街道", ["房湖社区", "金雁村"])]),
    ],  # fmt: skip
    "MANAGEMENT_AREAS": [("510600-GXQ", "德阳高新技术产业开发区", "Deyang Hi-tech Zone")],
    "DEMO_STAFF": [
        ("dy_admin", "德阳管理员", "admin", "510600", None),
        ("dy_chuangkou", "德阳窗口", "clerk", "510600", "hall"),
        ("dy_chengban", "旌阳承办", "handler", "510603", "market"),
        ("dy_jiandu", "德阳监督", "supervisor", "510600", "gov_service"),
    ],
    "DEMO_GROUPS": [
        ("事项目录维护员", "catalog.maintain_catalog", ["dy_jiandu"]),
        ("登记主体维护员", "registry.maintain_registry", ["dy_chengban"]),
    ],
}
COUNTY_LEVEL = [row for row in config.CITY_DEPARTMENTS if row[2]]


@pytest.fixture
def deyang(mianyang, monkeypatch):
    """The configuration module says 德阳市; the organisation and staff steps have run once."""
    for name, value in DEYANG.items():
        monkeypatch.setattr(config, name, value)
    tally = Tally()
    demo_core.load_core({}, tally, None)
    demo_core.load_staff({}, tally, None)
    return tally


def _expected_divisions():
    towns = [t for *_c, ts in DEYANG["COUNTIES"] for t in ts]
    villages = sum(len(v) for _s, _n, v in towns)
    return 1 + len(DEYANG["MANAGEMENT_AREAS"]) + len(DEYANG["COUNTIES"]) + len(towns) + villages


def test_the_tree_is_the_other_citys_table(deyang):
    city = Division.objects.get(code="510600")
    assert (city.name, city.name_en, city.level) == ("德阳市", "Deyang", DivisionLevel.CITY)
    assert city.parent.code == config.PROVINCE[0]
    assert deyang.counts["divisions"]["created"] == _expected_divisions()
    assert deyang.counts["divisions"]["unchanged"] == 1  # the province was there already
    assert Division.objects.filter(path__startswith=city.path).count() == _expected_divisions()
    area = Division.objects.get(code="510600-GXQ")
    assert area.is_management_area and area.parent_id == city.pk
    for code, name, name_en, towns in DEYANG["COUNTIES"]:
        county = Division.objects.get(code=code)
        assert (county.name, county.name_en, county.parent_id) == (name, name_en, city.pk)
        for i, (suffix, town, villages) in enumerate(towns):
            township = Division.objects.get(code=f"{code}{suffix}000", parent=county)
            assert township.name == town
            got = list(township.children.order_by("code").values_list("code", "name"))
            first = [(f"{code}{suffix}{1 + i:03d}", villages[0])]
            rest = [(f"{code}{suffix}{200 + i:03d}", v) for v in villages[1:]]
            assert got == first + rest
    # the Mianyang tree is still there, untouched
    assert Division.objects.get(code="510700").children.count() == 13


def test_departments_follow_the_department_table_at_each_level(deyang):
    city = Division.objects.get(code="510600")
    at_city = dict(Department.objects.filter(division=city).values_list("function_key", "name"))
    assert at_city == {key: name for key, name, *_r in config.CITY_DEPARTMENTS} | {
        "hall": "市政务服务中心"
    }
    for code, name, name_en, towns in DEYANG["COUNTIES"]:
        rows = Department.objects.filter(division__code=code)
        by_key = {d.function_key: d for d in rows}
        assert set(by_key) == {row[0] for row in COUNTY_LEVEL} | {"hall"}
        for key, _city_name, suffix, kind, dept_en in COUNTY_LEVEL:
            assert (by_key[key].name, by_key[key].kind) == (name + suffix, kind)
            assert by_key[key].name_en == f"{name_en} {dept_en}"
        assert by_key["hall"].name == name + config.HALL_NAME
        assert by_key["hall"].kind == DepartmentKind.HALL
        for suffix, town, villages in towns:
            centre = Department.objects.get(division__code=f"{code}{suffix}000")
            assert (centre.name, centre.kind) == (town + "便民服务中心", "service_centre")
            points = Department.objects.filter(division__parent__code=f"{code}{suffix}000")
            assert sorted(points.values_list("name", flat=True)) == sorted(
                v + "便民服务站" for v in villages
            )
    expected = (
        len(config.CITY_DEPARTMENTS) + 1
        + len(DEYANG["COUNTIES"]) * (len(COUNTY_LEVEL) + 1)
        + sum(1 + len(v) for *_c, ts in DEYANG["COUNTIES"] for _s, _n, v in ts)
    )  # fmt: skip
    assert deyang.counts["departments"]["created"] == expected


def test_staff_and_groups_are_the_other_citys(deyang):
    for username, full_name, role, code, key in DEYANG["DEMO_STAFF"]:
        user = User.objects.select_related("division", "department").get(username=username)
        assert (user.full_name, user.role, user.division.code) == (full_name, role, code)
        assert user.check_password(config.DEMO_PASSWORD)
        assert (user.department.function_key if user.department else None) == key
    assert deyang.counts["staff"]["created"] == len(DEYANG["DEMO_STAFF"])
    # the groups hold exactly the configured members: the Mianyang maintainers left them
    for group, permission, members in DEYANG["DEMO_GROUPS"]:
        holders = User.objects.filter(groups__name=group).values_list("username", flat=True)
        assert set(holders) == set(members)
        assert User.objects.get(username=members[0]).has_perm(permission)
    assert not User.objects.get(username="kezhang").has_perm("registry.maintain_registry")
    logins = {row[0]: row for row in demo_core.demo_logins()}
    assert logins["dy_chengban"][3] == "旌阳区市场监督管理局"
    assert logins["dy_admin"][3] == "德阳市"
    assert "jiangyou_chengban" not in logins  # the table lists the other city's accounts only


def test_a_rerun_of_the_other_city_changes_nothing(deyang):
    before = AuditEntry.objects.count()
    again = Tally()
    demo_core.load_core({}, again, None)
    demo_core.load_staff({}, again, None)
    assert {kind: c["created"] + c["updated"] for kind, c in again.counts.items()} == {
        "divisions": 0, "departments": 0, "staff": 0, "groups": 0,
    }  # fmt: skip
    assert again.counts["divisions"]["unchanged"] == _expected_divisions() + 1
    assert AuditEntry.objects.count() == before


def test_a_renamed_township_in_the_table_is_renamed_in_place(deyang, monkeypatch):
    counties = [list(c) for c in DEYANG["COUNTIES"]]
    counties[1][3] = [("001", "雒城街道办事处", ["房湖社区", "金雁村"])]
    monkeypatch.setattr(config, "COUNTIES", [tuple(c) for c in counties])
    township = Division.objects.get(code="510681001000")
    tally = Tally()
    demo_core.load_core({}, tally, None)
    assert tally.counts["divisions"]["updated"] == 1
    township.refresh_from_db()
    assert township.name == "雒城街道办事处"  # the same row, by its code


@pytest.mark.parametrize(
    "county,field",
    [
        (("51068", "广汉市", "Guanghan", []), "code"),  # five digits
        (("510681", "广汉市", "Guanghan", [("01", "雒城街道", [])]), "code"),  # 11-digit township
    ],
)
def test_a_malformed_table_is_refused_and_nothing_is_half_written(
    mianyang, monkeypatch, county, field
):
    for name, value in DEYANG.items():
        monkeypatch.setattr(config, name, value)
    monkeypatch.setattr(config, "COUNTIES", [DEYANG["COUNTIES"][0], county])
    divisions, departments = Division.objects.count(), Department.objects.count()
    with pytest.raises(ValidationError) as exc:
        demo_core.load_core({}, Tally(), None)
    assert field in exc.value.message_dict
    # the step is one transaction: the city and the first county are not left behind
    assert (Division.objects.count(), Department.objects.count()) == (divisions, departments)
    assert not Division.objects.filter(code="510600").exists()


def test_the_catalogue_is_offered_by_the_other_citys_departments(deyang):
    tally = Tally()
    demo_catalog.load_catalog({}, tally, None)
    city = Division.objects.get(code="510600")
    county_keys = {row[0] for row in COUNTY_LEVEL}
    expected = sum(
        1 + (len(DEYANG["COUNTIES"]) if template[15] and template[0] in county_keys else 0)
        for template in catalog_items.ITEMS
    )
    items = ServiceItem.objects.filter(division__path__startswith=city.path)
    assert items.count() == expected == tally.counts["service items"]["created"]
    assert not ServiceItem.objects.exclude(division__path__startswith=city.path).exists()
    for item in items.select_related("department", "division")[:60]:
        assert item.department.division_id == item.division_id
        # the implementation code carries the other city's area code and the department's USCC
        assert item.implementation_code[12:24] == item.division.code.ljust(12, "0")
        assert demo_catalog.department_uscc(item.department) in item.implementation_code
    kaiban = Bundle.objects.get(key="qiye-kaiban")
    assert kaiban.division_id == city.pk
    assert {bi.item.division_id for bi in kaiban.bundle_items.select_related("item")} == {city.pk}
    again = Tally()
    demo_catalog.load_catalog({}, again, None)
    assert again.counts["service items"]["created"] == again.counts["service items"]["updated"] == 0


# ------------------------------------------------------------ appeals and reforms follow the city


def test_the_appeals_demo_lives_in_the_configured_city(deyang, settings):
    """YINGSHANG_CITY_CODE names the city the appeals demo works for: its staff sit in that
    city's bureaus, its enterprises are registered in that city's counties and every appeal is
    led by a department of that city — none by a department of the other city in the database
    (the county leads were looked up by county name across every city)."""
    from yingshang.appeals.models import Appeal
    from yingshang.demo import appeals as demo_appeals
    from yingshang.registry.models import Enterprise

    settings.YINGSHANG_CITY_CODE = "510600"
    tally = Tally()
    demo_appeals.load_appeals({"appeals": 60, "seed": 2019}, tally, None)
    city = Division.objects.get(code="510600")
    assert tally.counts["appeals"]["created"] == Appeal.objects.count() == 60
    outside = Appeal.objects.exclude(lead_department__division__path__startswith=city.path)
    assert not outside.exists(), set(outside.values_list("lead_department__name", flat=True))
    assert not Appeal.objects.exclude(division__path__startswith=city.path).exists()
    enterprises = Enterprise.objects.filter(uscc__startswith=demo_appeals.DEMO_USCC_PREFIX)
    assert enterprises.count() == 120
    assert set(enterprises.values_list("division__parent__code", flat=True)) == {"510600"}
    office = User.objects.select_related("department__division").get(username="qiyefuwu")
    power = User.objects.select_related("department__division").get(username="gongdian")
    assert (office.department.function_key, office.department.division_id) == (
        "gov_service",
        city.pk,
    )
    assert (power.department.function_key, power.department.division_id) == ("power", city.pk)


def _programme(code):
    import datetime

    from yingshang.demo import reforms as demo_reforms
    from yingshang.reforms.models import Programme

    return Programme.objects.create(
        title=demo_reforms.TITLE, issue_date=datetime.date(2025, 7, 10), year=2025,
        division=Division.objects.get(code=code),
    )  # fmt: skip


def test_the_reform_programme_is_published_by_the_configured_citys_bureau(deyang):
    from yingshang.demo import reforms as demo_reforms

    programme = _programme("510600")
    tally = Tally()
    demo_reforms.publish_demo(programme, tally)
    programme.refresh_from_db()
    assert programme.published_at is not None and programme.slug
    assert tally.counts["reform programmes published"]["created"] == 1
    assert demo_reforms._bureau(programme).username == "dy_jiandu"
    demo_reforms.publish_demo(programme, tally)  # published already: nothing more
    assert tally.counts["reform programmes published"]["created"] == 1


def test_without_a_bureau_account_the_programme_stays_unpublished(deyang, monkeypatch):
    """Another city's table without a supervision-bureau account: the programme is left
    unpublished — not published by (or refused for) Mianyang's supervisor, whom the database
    also holds but who may not publish outside his city."""
    from yingshang.demo import reforms as demo_reforms

    staff = [row for row in DEYANG["DEMO_STAFF"] if row[4] != "gov_service"]
    monkeypatch.setattr(config, "DEMO_STAFF", staff)
    programme = _programme("510600")
    tally = Tally()
    demo_reforms.publish_demo(programme, tally)
    programme.refresh_from_db()
    assert programme.published_at is None and tally.counts == {}
    assert User.objects.filter(username="jianduyuan").exists()
