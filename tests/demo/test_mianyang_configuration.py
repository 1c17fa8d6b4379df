"""The Mianyang demo configuration (demo/data/mianyang.py) against the facts it claims
(shared DOMAIN.md: GB/T 2260 codes; the statistics bureau's 12-digit scheme below county level;
the 2019 programme's departments), and what the core demo step builds from it: every county and
township becomes a division with the right parent and code, each county gets the departments
that have a county-level name, the demo staff sit where the table says with the role it says,
and the capability groups hold exactly their members."""

import re

import pytest

from tests.core.factories import COUNTIES
from yingshang.core.models import Department, Division, DivisionLevel, User
from yingshang.demo.data import mianyang as city

# DOMAIN.md, "Mianyang administrative divisions (GB/T 2260)": written out once for the tests
GBT_2260 = COUNTIES


def test_the_counties_are_exactly_mianyangs_gbt_2260_county_level_divisions():
    assert {code: name for code, name, _en, _towns in city.COUNTIES} == GBT_2260
    assert city.CITY[0] == "510700" and city.PROVINCE[0] == "510000"
    assert "510724" not in GBT_2260  # 安县 became 安州区 (510705) in 2016


def test_township_and_village_codes_follow_the_statistics_bureau_scheme():
    """township = county code + 3 digits + 000; village = township's 9 digits + 3 digits."""
    for code, _name, _en, towns in city.COUNTIES:
        suffixes = [suffix for suffix, _town, _villages in towns]
        assert len(set(suffixes)) == len(suffixes), code
        for suffix, town, villages in towns:
            assert re.fullmatch(r"\d{3}", suffix), (code, suffix)
            township = f"{code}{suffix}000"
            assert len(township) == 12
            # 街道 are numbered from 001, 镇/乡 from 100 (the bureau's convention)
            if town.endswith("街道"):
                assert suffix.startswith("0"), (code, town)
            else:
                assert town.endswith(("镇", "乡")) and int(suffix) >= 100, (code, town)
            assert villages and len(set(villages)) == len(villages)


def test_management_areas_are_not_gbt_2260_codes():
    for code, name, _en in city.MANAGEMENT_AREAS:
        assert code.startswith("510700-") and not code[7:].isdigit()
        assert name.endswith(("区", "开发区"))


def test_departments_have_unique_keys_names_and_known_kinds():
    keys = [row[0] for row in city.CITY_DEPARTMENTS]
    names = [row[1] for row in city.CITY_DEPARTMENTS]
    assert len(set(keys)) == len(keys) and len(set(names)) == len(names)
    assert {row[3] for row in city.CITY_DEPARTMENTS} <= {"government", "utility", "other"}
    # the supervision bureau of the programme, and the departments the demo staff sit in
    assert "gov_service" in keys and "market" in keys
    for _key, name, _county_suffix, kind, english in city.CITY_DEPARTMENTS:
        assert english and english[0].isupper()
        if kind == "government":  # the city's own bodies are named 市…
            assert name.startswith("市"), name


def test_demo_staff_and_groups_refer_to_what_exists():
    keys = {row[0] for row in city.CITY_DEPARTMENTS} | {"hall", None}
    divisions = {"510700"} | set(GBT_2260)
    usernames = [row[0] for row in city.DEMO_STAFF]
    assert len(set(usernames)) == len(usernames)
    for _username, _name, role, division, department in city.DEMO_STAFF:
        assert division in divisions and department in keys
        assert role in {"admin", "supervisor", "leader", "clerk", "handler", "dept_head"}
    for _group, permission, members in city.DEMO_GROUPS:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", permission)
        assert set(members) <= set(usernames)


@pytest.mark.django_db
def test_the_core_step_builds_the_tree_the_table_describes(mianyang):
    root = Division.objects.get(code="510700")
    built = 0
    for code, name, _en, towns in city.COUNTIES:
        county = Division.objects.get(code=code)
        assert county.name == name and county.parent_id == root.pk
        assert county.path.startswith(root.path)
        for suffix, town, villages in towns:
            township = Division.objects.get(code=f"{code}{suffix}000")
            assert township.name == town and township.parent_id == county.pk
            assert Division.objects.filter(parent=township).count() == len(villages)
            built += 1
    assert built == sum(len(towns) for *_rest, towns in city.COUNTIES)


@pytest.mark.django_db
def test_every_county_has_the_departments_with_a_county_level_name(mianyang):
    county_level = {row[0]: row[2] for row in city.CITY_DEPARTMENTS if row[2]}
    for code in GBT_2260:
        county = Division.objects.get(code=code)
        found = dict(Department.objects.filter(division=county).values_list("function_key", "name"))
        for key, suffix in county_level.items():
            assert key in found, (code, key)
            assert found[key].endswith(suffix), (code, found[key])
        # departments that exist only at city level are not invented in the counties
        city_only = {row[0] for row in city.CITY_DEPARTMENTS if row[2] is None}
        assert not city_only & set(found), (code, city_only & set(found))


@pytest.mark.django_db
def test_demo_staff_sit_where_the_table_says(mianyang, staff):
    for username, full_name, role, division, department in city.DEMO_STAFF:
        user = User.objects.select_related("division", "department").get(username=username)
        assert user.full_name == full_name and user.role == role
        assert user.division.code == division
        if department not in (None, "hall"):
            assert user.department.function_key == department
            assert user.department.division.code == division


@pytest.mark.django_db
def test_capability_groups_hold_exactly_their_members(mianyang, staff):
    for group, permission, members in city.DEMO_GROUPS:
        app_label, codename = permission.split(".")
        holders = {
            u.username
            for u in User.objects.filter(groups__name=group)
            if u.has_perm(f"{app_label}.{codename}")
        }
        assert holders == set(members), group
    # an ordinary clerk, handler or head holds neither capability
    for username in ("chuangkou", "chengban", "jiangyou_chengban"):
        user = User.objects.get(username=username)
        assert not user.has_perm("catalog.maintain_catalog")
        assert not user.has_perm("registry.maintain_registry")


def test_english_names_are_distinct_for_the_english_interface():
    counties = [en for _code, _name, en, _towns in city.COUNTIES]
    departments = [row[4] for row in city.CITY_DEPARTMENTS]
    areas = [en for _code, _name, en in city.MANAGEMENT_AREAS]
    for names in (counties, departments, areas):
        assert len(set(names)) == len(names)
        assert all(n.isascii() and n.strip() == n for n in names)


@pytest.mark.django_db
def test_the_demo_password_passes_the_sites_own_password_rules():
    """The demo logins printed by `make run` must be accepted by the validators every user's
    password goes through (settings.AUTH_PASSWORD_VALIDATORS)."""
    from django.contrib.auth.password_validation import validate_password

    for username, full_name, *_rest in city.DEMO_STAFF:
        user = User(username=username, full_name=full_name)
        validate_password(city.DEMO_PASSWORD, user=user)


@pytest.mark.django_db
def test_management_areas_are_county_level_areas_under_the_city_marked_as_such(mianyang):
    root = Division.objects.get(code="510700")
    for code, name, name_en in city.MANAGEMENT_AREAS:
        area = Division.objects.get(code=code)
        assert (area.name, area.name_en, area.parent_id) == (name, name_en, root.pk)
        assert area.is_management_area and area.level == DivisionLevel.COUNTY
    # the GB/T 2260 counties are not management areas
    assert not Division.objects.filter(code__in=GBT_2260, is_management_area=True).exists()
