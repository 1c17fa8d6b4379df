"""The catalogue's validation rules one by one (no database for the pure ones), the term
rules, bundles and their outputs, the maintain policy role by role, and the portal reads'
filters."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.catalog.factories import catalog_maintainer
from tests.core.factories import MAINTAIN_CATALOG
from yingshang.catalog import policies, public, selectors, services
from yingshang.catalog.models import BundleOutput
from yingshang.core.models import Department, Division


def _version(**over):
    values = {
        "kind": "committed",
        "legal_limit_days": 20,
        "committed_limit_days": 5,
        "visits_required": 1,
        "online_depth": 5,
        "service_scope": "city",
        "in_hall": True,
        "fee_text": "不收费",
        "fee_amount": 0,
    }
    values.update(over)
    return values


@pytest.mark.parametrize(
    ("over", "field", "text"),
    [
        ({"kind": "someday"}, "kind", "即办件"),
        ({"legal_limit_days": None}, "legal_limit_days", "不能为空"),
        ({"visits_required": ""}, "visits_required", "不能为空"),
        ({"legal_limit_days": "twenty"}, "legal_limit_days", "整数"),
        ({"legal_limit_days": 2.5}, "legal_limit_days", "整数"),
        ({"legal_limit_days": True}, "legal_limit_days", "整数"),  # a bool is no number of days
        ({"visits_required": -1}, "visits_required", "不能小于0"),
        ({"committed_limit_days": 21}, "committed_limit_days", "不能超过法定办结时限"),
        ({"kind": "immediate", "committed_limit_days": 1}, "committed_limit_days", "应为0"),
        ({"committed_limit_days": 0}, "committed_limit_days", "至少为1个工作日"),
        ({"online_depth": "telepathy"}, "online_depth", "telepathy"),
        ({"service_scope": "mars"}, "service_scope", "mars"),
        ({"in_hall": "是"}, "in_hall", "是"),
        ({"fee_amount": -1}, "fee_amount", "不小于0"),
        ({"fee_amount": "NaN"}, "fee_amount", "不小于0"),
        ({"fee_amount": "十元"}, "fee_amount", "不小于0"),
        ({"fee_amount": 10}, "fee_text", "收费标准"),
        ({"fee_amount": 10, "fee_text": ""}, "fee_text", "收费标准"),
    ],
)
def test_each_version_rule_names_its_field(over, field, text):
    errors = services.validate_version_values(_version(**over))
    assert field in errors and text in str(errors[field]), errors
    assert len(errors) == 1, errors


def test_a_valid_version_is_normalised_in_place():
    values = _version(
        legal_limit_days=" 20 ", committed_limit_days=5.0, fee_amount="10.005", fee_text="每件10元"
    )
    assert services.validate_version_values(values) == {}
    assert values["legal_limit_days"] == 20 and values["committed_limit_days"] == 5
    assert values["fee_amount"] == Decimal("10.00") or values["fee_amount"] == Decimal("10.01")
    immediate = _version(kind="immediate", committed_limit_days=0, legal_limit_days=0)
    assert services.validate_version_values(immediate) == {}


@given(
    legal=st.integers(min_value=0, max_value=400),
    committed=st.integers(min_value=0, max_value=400),
    kind=st.sampled_from(["immediate", "committed"]),
)
@settings(max_examples=200, deadline=None)
def test_time_limits_law(legal, committed, kind):
    errors = services.validate_version_values(
        _version(kind=kind, legal_limit_days=legal, committed_limit_days=committed)
    )
    ok = committed <= legal and (committed == 0 if kind == "immediate" else committed >= 1)
    assert ("committed_limit_days" not in errors) == ok


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
@settings(max_examples=80, deadline=None)
def test_any_non_negative_fee_with_a_text_is_accepted_to_the_cent(fee):
    values = _version(fee_amount=str(fee), fee_text="按标准收取")
    assert services.validate_version_values(values) == {}
    assert values["fee_amount"] == fee.quantize(Decimal("0.01"))


def test_item_values_rules():
    city = Division(pk=1, code="510700", name="绵阳市")
    county = Division(pk=2, code="510781", name="江油市")
    dept = Department(pk=5, name="江油市市场监督管理局", division=county)
    errors = services.validate_item_values(
        {
            "implementation_code": "",
            "basic_code": "",
            "name": "",
            "category": "magic",
            "theme": "aliens",
            "department": "市场局",
            "division": "510700",
        }
    )
    assert set(errors) == {
        "implementation_code",
        "basic_code",
        "name",
        "category",
        "theme",
        "department",
        "division",
    }
    assert "实施编码不能为空" in str(errors["implementation_code"])
    mismatch = services.validate_item_values({"department": dept, "division": city})
    assert "不属于实施区划" in str(mismatch["department"])
    assert services.validate_item_values({"department": dept, "division": county}) == {}
    assert services.validate_item_values({}) == {}  # a partial update checks only what it has


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"name": ""}, "name"),
        ({"requirement": "maybe"}, "requirement"),
        ({"form": "fax"}, "form"),
        ({"copies": 0}, "copies"),
        ({"copies": "two"}, "copies"),
    ],
)
def test_material_rules(over, field):
    values = {"name": "申请书", "requirement": "required", "form": "original", "copies": 1}
    values.update(over)
    assert set(services.validate_material_values(values)) == {field}


def test_material_copies_are_made_whole_numbers():
    values = {"name": "申请书", "requirement": "required", "form": "original", "copies": "3"}
    assert services.validate_material_values(values) == {}
    assert values["copies"] == 3


def test_unknown_material_fields_are_named_with_their_position():
    with pytest.raises(ValidationError) as exc:
        services._normalise_materials([{"name": "a"}, {"name": "b", "colour": "red"}, {"name": ""}])
    errors = exc.value.message_dict
    assert "colour" in errors["materials[1]"][0]
    assert "materials[2].name" in errors and "materials[0].name" not in errors


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("  营业  执照 ", "营业 执照"), ("ＹＹＺＺ", "YYZZ"), ("开\t小卖部", "开 小卖部")],
)
def test_clean_term(typed, stored):
    assert services.clean_term(typed) == stored


def test_term_rules():
    assert set(services.validate_term("", "synonym")) == {"term"}
    assert "50" in services.validate_term("词" * 51, "synonym")["term"]
    assert services.validate_term("词" * 50, "synonym") == {}
    assert set(services.validate_term("词", "slang")) == {"kind"}


# --------------------------------------------------------------------------- database


@pytest.mark.django_db
def test_add_term_created_unchanged_updated(items):
    food = items["food"]
    term, status = services.add_term(item=food, term=" 开饭店 ", kind="colloquial")
    assert (term.term, status) == ("开饭店", "created")
    assert services.add_term(item=food, term="开饭店", kind="colloquial")[1] == "unchanged"
    term, status = services.add_term(item=food, term="开饭店", kind="colloquial", source="12345")
    assert (status, term.source) == ("updated", "12345")
    # no source given keeps the one recorded
    term, status = services.add_term(item=food, term="开饭店", kind="synonym")
    assert (status, term.kind, term.source) == ("updated", "synonym", "12345")
    with pytest.raises(ValidationError):
        services.add_term(item=food, term="", kind="synonym")


@pytest.mark.django_db
def test_set_terms_replaces_and_refuses_duplicates(items):
    food = items["food"]
    assert services.set_terms(item=food, terms=[{"term": "a1", "kind": "synonym"}])
    assert not services.set_terms(item=food, terms=[{"term": "a1", "kind": "synonym"}])
    with pytest.raises(ValidationError) as exc:
        services.set_terms(
            item=food,
            terms=[{"term": "b", "kind": "synonym"}, {"term": "b ", "kind": "colloquial"}],
        )
    assert "重复" in exc.value.messages[0]
    assert list(food.terms.values_list("term", flat=True)) == ["a1"]  # unchanged
    assert services.set_terms(item=food, terms=[])
    assert not food.terms.exists()


@pytest.mark.django_db
def test_bundle_rules_together(items, mianyang):
    city = Division.objects.get(code="510700")
    with pytest.raises(ValidationError) as exc:
        services.save_bundle(key="", name=" ", division=city, items=[items["setup"]], theme="x")
    assert set(exc.value.message_dict) == {"key", "name", "items", "theme"}
    with pytest.raises(ValidationError) as exc:
        services.save_bundle(
            key="k", name="n", division=city, items=[items["setup"], items["setup"]]
        )
    assert "重复" in exc.value.message_dict["items"][0]
    services.deactivate_item(items["seal"])
    items["seal"].refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.save_bundle(
            key="k", name="n", division=city, items=[items["setup"], items["seal"]]
        )
    assert "公章刻制备案" in exc.value.message_dict["items"][0]


@pytest.mark.django_db
def test_bundle_saved_again_reports_what_changed(bundle, items):
    division = bundle.division
    pair = [items["setup"], items["seal"]]
    assert (
        services.save_bundle(
            key=bundle.key, name="企业开办", division=division, items=pair, description="一次申请"
        )[1]
        == "unchanged"
    )
    reordered = services.save_bundle(
        key=bundle.key, name="企业开办", division=division, items=pair[::-1], description="一次申请"
    )
    assert reordered[1] == "updated"
    assert [bi.item_id for bi in bundle.bundle_items.order_by("order")] == [
        p.pk for p in pair[::-1]
    ]


@pytest.mark.django_db
def test_bundle_outputs_rules(bundle, items, licences):
    setup, seal, food = items["setup"], items["seal"], items["food"]
    with pytest.raises(ValidationError) as exc:
        services.save_bundle_outputs(
            bundle=bundle,
            outputs=[
                {"item": food, "licence_type": licences["spjy"]},
                {"item": seal, "licence_type": licences["yyzz"]},
            ],
        )
    messages = " ".join(exc.value.message_dict["outputs"])
    assert "不在本一件事中" in messages and "办理结果不是" in messages
    ok = [{"item": setup, "licence_type": licences["yyzz"], "founds_holder": True}]
    assert services.save_bundle_outputs(bundle=bundle, outputs=ok) == "created"
    assert services.save_bundle_outputs(bundle=bundle, outputs=ok) == "unchanged"
    assert public.founds_holder(bundle) is True
    assert services.save_bundle_outputs(bundle=bundle, outputs=[]) == "updated"
    assert not BundleOutput.objects.filter(bundle=bundle).exists()
    assert public.founds_holder(bundle) is False
    with pytest.raises(ValidationError) as exc:
        services.save_bundle_outputs(bundle=bundle, outputs=ok + ok)
    assert "同一证照" in " ".join(exc.value.message_dict["outputs"])


@pytest.mark.django_db
def test_activate_and_deactivate_refusals(items, mianyang):
    food = items["food"]
    services.deactivate_item(food)
    with pytest.raises(ValidationError) as exc:
        services.deactivate_item(food)
    assert "已停用" in exc.value.message_dict["is_active"][0]
    services.activate_item(food)
    food.refresh_from_db()
    assert food.is_active and public.active_item("T-FOOD-510781") == food
    assert public.active_item("") is None


@pytest.mark.django_db
def test_maintain_policy_role_by_role(items, staff):
    setup, food = items["setup"], items["food"]  # city market; Jiangyou market
    for user in staff.values():
        if user.is_superuser:
            assert policies.can(user, "maintain", food)
            continue
        plain = policies.can(user, "maintain", setup)
        assert not plain or user.has_perm(MAINTAIN_CATALOG), user.username
    from yingshang.core.models import User

    city_clerk = User.objects.create_user(
        username="cat-city", password="x" * 12, role="clerk", division=setup.division
    )
    assert not policies.can(city_clerk, "maintain", setup)  # no permission yet
    city_clerk = catalog_maintainer("cat-city-2", division_code="510700")
    assert policies.can(city_clerk, "maintain", setup)
    assert policies.can(city_clerk, "maintain", food)  # Jiangyou is within the city
    jy = catalog_maintainer("cat-jy", division_code="510781")
    assert policies.can(jy, "maintain", food) and not policies.can(jy, "maintain", setup)
    assert selectors.can_manage(jy, food.department)
    assert not selectors.can_manage(jy, setup.department)
    applicant = catalog_maintainer("cat-applicant", role="")
    assert not policies.can(applicant, "maintain", food)  # no role, no division


@pytest.mark.django_db
def test_department_roles_manage_only_their_own_department(items, staff):
    from yingshang.core.models import DEPARTMENT_ROLES

    food = items["food"]
    role = sorted(DEPARTMENT_ROLES)[0]
    other_dept = (
        Department.objects.filter(division=food.division).exclude(pk=food.department_id).first()
    )
    own = catalog_maintainer(
        "cat-dept", role=role, division=food.division, department=food.department
    )
    other = catalog_maintainer(
        "cat-dept2", role=role, division=food.division, department=other_dept
    )
    assert policies.can(own, "maintain", food)
    assert not policies.can(other, "maintain", food)


@pytest.mark.django_db
def test_portal_filters(items):
    def codes(**kw):
        return sorted(selectors.search_items(**kw).values_list("implementation_code", flat=True))

    assert codes(department="not-a-number") == []
    assert codes(department=items["food"].department_id) == ["T-FOOD-510781"]
    assert codes(division_code="510781") == ["T-FOOD-510781"]
    assert codes(theme="person") == ["T-TAX-510700"]
    assert "T-TAX-510700" not in codes(theme="enterprise")
    assert codes(theme="both") == []
    assert codes(category="filing") == ["T-SEAL-510700"]
    assert codes(life_event="纳税") == ["T-TAX-510700"]
    assert codes(q="t-food-510781") == ["T-FOOD-510781"]  # a code, case-insensitive
    assert codes(q="010060050000") == ["T-FOOD-510781"]  # the basic code
    assert codes(q="江油市市场") == ["T-FOOD-510781"]  # the department
    assert codes(q="食品", theme="person") == []  # filters combine


@pytest.mark.django_db
def test_bundle_limits_and_life_events(bundle, items):
    limits = selectors.bundle_limits(bundle)
    assert limits == {"committed": 1, "legal_sum": 16, "visits": 0}
    events = dict(selectors.life_events())
    assert events["开办企业"] == 2 and events["纳税缴费"] == 1
    assert events.get("开办餐馆") == 1 and events.get("经营许可") == 1  # split on 、
    assert selectors.life_events(limit=1)[0] == ("开办企业", 2)
    divisions = [d.code for d in selectors.portal_divisions()]
    assert divisions == ["510700", "510781"]
