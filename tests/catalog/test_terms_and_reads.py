"""Catalogue terms and reads: every version-term rule with its field-level message (zh/en),
materials' rules, search filters, bundles' shared materials and limits, life events, who may
manage items of which department."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from tests.catalog.factories import (
    BundleFactory,
    ItemWithVersionFactory,
    MaterialFactory,
    ServiceItemVersionFactory,
)
from tests.core.factories import (
    MAINTAIN_CATALOG,
    AdminFactory,
    ClerkFactory,
    DeptHeadFactory,
    HandlerFactory,
    LeaderFactory,
    SupervisorFactory,
    UserFactory,
    department,
)
from tests.helpers import has_cjk
from tests.registry.factories import BusinessLicenceTypeFactory
from yingshang.catalog import selectors, services
from yingshang.catalog.models import ServiceItem

pytestmark = pytest.mark.django_db


def create(**over):
    values = {
        "implementation_code": "T-NEW-510700",
        "basic_code": "010060099000",
        "name": "测试许可",
        "category": "licensing",
        "department": department("510700", "market"),
        "kind": "committed",
        "legal_limit_days": 20,
        "committed_limit_days": 5,
        "materials": [{"name": "申请书"}],
    }
    values.update(over)
    return services.create_item(**values)


@pytest.mark.parametrize(
    "over,field,text",
    [
        ({"kind": "slow"}, "kind", "办件类型应为“即办件”或“承诺件”。"),
        ({"legal_limit_days": ""}, "legal_limit_days", "不能为空。"),
        ({"committed_limit_days": 25}, "committed_limit_days", "不能超过法定办结时限"),
        ({"kind": "immediate", "committed_limit_days": 1}, "committed_limit_days", "即办件"),
        ({"committed_limit_days": 0}, "committed_limit_days", "至少为1个工作日"),
        ({"online_depth": 9}, "online_depth", "未知的网上办理深度“9”"),
        ({"service_scope": "galaxy"}, "service_scope", "未知的通办范围“galaxy”"),
        ({"in_hall": "yes"}, "in_hall", "应为“是”或“否”。"),
        ({"fee_amount": "-1"}, "fee_amount", "收费金额应为不小于0的数字。"),
        ({"fee_amount": "abc"}, "fee_amount", "收费金额应为不小于0的数字。"),
        ({"fee_amount": "10"}, "fee_text", "请填写收费标准"),
        ({"category": "magic"}, "category", "未知的事项类型“magic”"),
        ({"theme": "robots"}, "theme", "未知的服务对象“robots”"),
        ({"name": ""}, "name", "事项名称不能为空。"),
        ({"materials": [{"name": ""}]}, "materials", ""),
        ({"materials": [{"name": "x", "requirement": "maybe"}]}, "materials", ""),
        ({"materials": [{"name": "x", "copies": 0}]}, "materials", ""),
    ],
)
def test_every_term_rule_names_its_field(mianyang, over, field, text):
    with pytest.raises(ValidationError) as exc:
        create(**over)
    errors = exc.value.message_dict
    assert any(k == field or k.startswith(field) for k in errors), errors
    if text:
        assert text in " ".join(errors[field])
    assert not ServiceItem.objects.filter(implementation_code="T-NEW-510700").exists()


def test_term_errors_in_english(mianyang):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            create(committed_limit_days=25, service_scope="galaxy")
    errors = exc.value.message_dict
    assert not has_cjk(errors["committed_limit_days"][0])
    assert "galaxy" in errors["service_scope"][0] and not has_cjk(errors["service_scope"][0])


def test_fee_is_normalised_and_immediate_items_allowed(mianyang):
    item = create(fee_amount="12.346", fee_text="每件12.35元")
    assert str(item.current_version.fee_amount) == "12.35"
    immediate = create(
        implementation_code="T-NOW-510700",
        kind="immediate",
        legal_limit_days=1,
        committed_limit_days=0,
    )
    assert immediate.current_version.kind == "immediate"


def test_search_filters(mianyang):
    a = ItemWithVersionFactory(
        name="食品经营许可", theme="enterprise", life_events="开餐馆、经营许可"
    )
    b = ItemWithVersionFactory(
        name="居民身份证换领", theme="person", department=department("510700", "police")
    )
    c = ItemWithVersionFactory(name="残疾人证办理", theme="both", category="public_service")
    ItemWithVersionFactory(name="已停用事项", is_active=False)
    ServiceItem.objects.create(  # no current version: not public
        basic_code="x",
        implementation_code="y",
        name="无版本",
        category="licensing",
        department=a.department,
        division=a.division,
    )
    public = set(selectors.public_items())
    assert {a, b, c} <= public and not any(i.name in ("已停用事项", "无版本") for i in public)
    assert set(selectors.search_items(theme="person")) >= {b, c}
    assert a not in selectors.search_items(theme="person")
    assert list(selectors.search_items(theme="both")) == [c]
    assert list(selectors.search_items(q=a.implementation_code)) == [a]
    assert list(selectors.search_items(life_event="开餐馆")) == [a]
    assert list(selectors.search_items(department=b.department_id)) == [b]
    assert list(selectors.search_items(department="x")) == []
    assert list(selectors.search_items(category="public_service")) == [c]
    assert ("经营许可", 1) in selectors.life_events()


def test_item_by_code_is_404_for_inactive(mianyang):
    item = ItemWithVersionFactory()
    assert selectors.item_by_code(item.implementation_code) == item
    services.deactivate_item(item)
    with pytest.raises(Http404):
        selectors.item_by_code(item.implementation_code)


def test_bundle_shares_materials_and_takes_the_slowest_limit(mianyang):
    yyzz = BusinessLicenceTypeFactory()
    a = ItemWithVersionFactory(current__committed_limit_days=3, current__legal_limit_days=10)
    b = ItemWithVersionFactory(
        current__committed_limit_days=7, current__legal_limit_days=15, current__visits_required=1
    )
    MaterialFactory(version=a.current_version, name="营业执照", licence_type=yyzz, order=3)
    MaterialFactory(version=b.current_version, name="营业执照(副本)", licence_type=yyzz, order=3)
    bundle = BundleFactory(items=[a, b])
    limits = selectors.bundle_limits(bundle)
    assert limits == {"committed": 7, "legal_sum": 25, "visits": 1}
    materials = selectors.bundle_materials(bundle)
    names = [m["material"].name for m in materials]
    # 申请书 and 场所使用证明 (both items) once each, the business licence once
    assert names == ["申请书", "场所使用证明", "营业执照"]
    assert materials[2]["items"] == [a.name, b.name]
    assert selectors.bundle_by_key(bundle.key) == bundle
    with pytest.raises(Http404):
        selectors.bundle_by_key("no-such-bundle")


def test_save_bundle_reports_and_validates(mianyang):
    a, b = ItemWithVersionFactory.create_batch(2)
    city = a.division
    bundle, how = services.save_bundle(key="kb", name="开办", division=city, items=[a, b])
    assert how == "created"
    assert (
        services.save_bundle(key="kb", name="开办", division=city, items=[a, b])[1] == "unchanged"
    )
    assert services.save_bundle(key="kb", name="开办", division=city, items=[b, a])[1] == "updated"
    with pytest.raises(ValidationError) as exc:
        services.save_bundle(key="", name=" ", division=city, items=[a, a], theme="x")
    assert set(exc.value.message_dict) == {"key", "name", "items", "theme"}


M = [MAINTAIN_CATALOG]


@pytest.mark.parametrize(
    "make,dept,allowed",
    [
        (lambda: HandlerFactory(maintains=M), ("510700", "market"), True),
        (lambda: HandlerFactory(maintains=M), ("510700", "police"), False),  # another department
        (lambda: DeptHeadFactory(maintains=M), ("510700", "market"), True),
        (lambda: SupervisorFactory(maintains=M), ("510781", "market"), True),  # city subtree
        (
            lambda: ClerkFactory(department=department("510781", "hall"), maintains=M),
            ("510700", "market"),
            False,
        ),
        (lambda: LeaderFactory(maintains=M), ("510700", "market"), False),  # read-only
        (lambda: UserFactory(), ("510700", "market"), False),
        # without the catalog maintainer permission nobody but a superuser manages items
        (lambda: HandlerFactory(), ("510700", "market"), False),
        (lambda: DeptHeadFactory(), ("510700", "market"), False),
        (lambda: SupervisorFactory(), ("510781", "market"), False),
        (lambda: ClerkFactory(), ("510700", "market"), False),
        (lambda: AdminFactory(), ("510700", "market"), False),
    ],
)
def test_who_may_manage_items(mianyang, make, dept, allowed):
    assert selectors.can_manage(make(), department(*dept)) is allowed


def test_staff_items_are_scoped(mianyang):
    city_item = ItemWithVersionFactory(name="市级事项")
    jy_item = ItemWithVersionFactory(name="江油事项", department=department("510781", "market"))
    jy_handler = HandlerFactory(department=department("510781", "market"))
    assert list(selectors.staff_items(jy_handler)) == [jy_item]
    sup = SupervisorFactory()
    assert {city_item, jy_item} <= set(selectors.staff_items(sup))
    services.deactivate_item(jy_item)
    assert jy_item not in selectors.staff_items(sup, include_inactive=False)
    assert list(selectors.staff_items(sup, q="江油")) == [jy_item]


def test_version_factory_numbers_versions(mianyang):
    item = ItemWithVersionFactory()
    v2 = ServiceItemVersionFactory(item=item)
    assert v2.version == 2
