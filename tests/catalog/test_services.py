import pytest
from django.core.exceptions import ValidationError

from tests.catalog.conftest import dept
from yingshang.catalog import selectors, services
from yingshang.catalog.models import Material, ServiceItem, ServiceItemVersion


def _base(**over):
    values = dict(
        implementation_code="T-NEW",
        basic_code="0100",
        name="测试事项",
        category="licensing",
        department=dept("510700", "market"),
        kind="committed",
        legal_limit_days=10,
        committed_limit_days=5,
    )
    values.update(over)
    return values


def test_create_item_writes_v1_with_materials(items):
    item = items["setup"]
    assert item.current_version.version == 1
    assert item.division.code == "510700"
    names = list(item.current_version.materials.values_list("name", flat=True))
    assert names == ["公司登记申请书", "公司章程", "委托书"]
    assert item.current_version.compression_rate == pytest.approx(1 - 1 / 15)


@pytest.mark.parametrize(
    "over, field, text",
    [
        ({"committed_limit_days": 11}, "committed_limit_days", "不能超过法定办结时限"),
        ({"kind": "immediate", "committed_limit_days": 2}, "committed_limit_days", "即办件"),
        ({"category": "nonsense"}, "category", "未知的事项类型"),
        ({"department": None}, "department", "实施部门"),
        ({"online_depth": 9}, "online_depth", "网上办理深度"),
        ({"legal_limit_days": "abc"}, "legal_limit_days", "整数"),
        ({"fee_amount": -1}, "fee_amount", "收费金额"),
        ({"fee_amount": 5}, "fee_text", "收费标准"),
        ({"name": "  "}, "name", "不能为空"),
    ],
)
def test_create_item_refuses_bad_input_field_level(mianyang, over, field, text):
    with pytest.raises(ValidationError) as exc:
        services.create_item(**_base(**over))
    assert field in exc.value.message_dict
    assert text in " ".join(exc.value.message_dict[field])
    assert not ServiceItem.objects.exists()


def test_department_must_be_within_division(mianyang):
    from yingshang.core.models import Division

    with pytest.raises(ValidationError) as exc:
        services.create_item(**_base(division=Division.objects.get(code="510781")))
    assert "不属于实施区划" in exc.value.message_dict["department"][0]
    assert not ServiceItem.objects.exists()


def test_duplicate_code_and_bad_material_refused(items):
    with pytest.raises(ValidationError) as exc:
        services.create_item(**_base(implementation_code="T-SETUP-510700"))
    assert "已存在" in exc.value.message_dict["implementation_code"][0]
    with pytest.raises(ValidationError) as exc:
        services.create_item(**_base(materials=[{"name": "x", "copies": 0}]))
    assert "materials[0].copies" in exc.value.message_dict
    assert ServiceItem.objects.count() == 4


def test_publish_new_version_leaves_old_version_untouched(items):
    item = items["food"]
    old = item.current_version
    before = {f.name: getattr(old, f.attname) for f in ServiceItemVersion._meta.concrete_fields}
    old_materials = list(Material.objects.filter(version=old).values())
    new = services.publish_new_version(item, committed_limit_days=3, visits_required=0)
    item.refresh_from_db()
    assert item.current_version == new and new.version == 2
    assert new.committed_limit_days == 3 and new.visits_required == 0
    assert [m.name for m in new.materials.all()] == ["食品经营许可申请书", "营业执照"]
    old.refresh_from_db()
    assert {f.name: getattr(old, f.attname) for f in ServiceItemVersion._meta.concrete_fields} == (
        before
    )
    assert list(Material.objects.filter(version=old).values()) == old_materials


def test_publish_without_change_writes_nothing(items):
    item = items["food"]
    current = item.current_version
    assert services.publish_new_version(item, committed_limit_days=5) == current
    assert item.versions.count() == 1


def test_publish_validates(items):
    with pytest.raises(ValidationError) as exc:
        services.publish_new_version(items["food"], committed_limit_days=30)
    assert "committed_limit_days" in exc.value.message_dict
    assert items["food"].versions.count() == 1


def test_version_rows_are_immutable(items):
    version = items["setup"].current_version
    version.committed_limit_days = 10
    with pytest.raises(PermissionError):
        version.save()
    version.refresh_from_db()
    assert version.committed_limit_days == 1


def test_update_item_changes_names_in_place_and_terms_as_version(items):
    outcome = services.update_item(items["setup"], name="公司设立登记")
    assert outcome.item_changed and outcome.new_version is None
    outcome = services.update_item(items["setup"], materials=[{"name": "申请书"}])
    assert outcome.new_version.version == 2
    assert [m.name for m in outcome.new_version.materials.all()] == ["申请书"]
    with pytest.raises(ValidationError):
        services.update_item(items["setup"], implementation_code="X")


def test_deactivate_hides_from_portal(items):
    services.deactivate_item(items["tax"])
    assert items["tax"] not in selectors.search_items()
    with pytest.raises(ValidationError):
        services.deactivate_item(items["tax"])
    services.activate_item(items["tax"])
    assert items["tax"] in selectors.search_items()


def test_bundle_needs_two_active_items(items):
    from yingshang.core.models import Division

    city = Division.objects.get(code="510700")
    with pytest.raises(ValidationError) as exc:
        services.save_bundle(key="x", name="x", division=city, items=[items["setup"]])
    assert "items" in exc.value.message_dict
    bundle, status = services.save_bundle(
        key="x", name="开办", division=city, items=[items["setup"], items["seal"]]
    )
    assert status == "created"
    assert services.save_bundle(
        key="x", name="开办", division=city, items=[items["setup"], items["seal"]]
    )[1] == ("unchanged")
    assert list(bundle.bundle_items.values_list("item__name", flat=True)) == [
        "企业设立登记",
        "公章刻制备案",
    ]
