"""The catalogue admin's permissions decided role by role without pages: 检索词 for catalogue
maintainers within their scope only, materials read-only, the zero-result list viewable and
clearable by maintainers but never edited; and the bundle's one set of materials."""

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from tests.catalog.factories import catalog_maintainer
from tests.core.factories import HandlerFactory
from yingshang.catalog import selectors, services
from yingshang.catalog.models import ItemTerm, Material, ZeroResultQuery

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.fixture
def people(items):
    return {
        "city": catalog_maintainer("adm-city", division_code="510700"),
        "jiangyou": catalog_maintainer("adm-jy", division_code="510781"),
        "handler": HandlerFactory(department=items["setup"].department),
    }


def test_term_admin_permissions_role_by_role(items, people):
    admin = site._registry[ItemTerm]
    food_term, _status = services.add_term(item=items["food"], term="开饭店", kind="colloquial")
    setup_term, _status = services.add_term(item=items["setup"], term="开公司", kind="colloquial")
    city, jy, handler = (_request(people[k]) for k in ("city", "jiangyou", "handler"))
    assert admin.has_module_permission(city) and admin.has_view_permission(city)
    assert admin.has_change_permission(city, food_term)  # Jiangyou is within the city
    assert admin.has_change_permission(jy, food_term)
    assert not admin.has_change_permission(jy, setup_term)
    assert not admin.has_delete_permission(jy, setup_term)
    assert admin.has_add_permission(jy)  # the item is chosen on the form, checked on save
    assert not admin.has_change_permission(handler, setup_term)  # no maintainer permission
    inactive = catalog_maintainer("adm-off", division_code="510700", is_active=False)
    assert not admin.has_change_permission(_request(inactive), setup_term)


def test_term_admin_lists_only_terms_in_scope(items, people):
    admin = site._registry[ItemTerm]
    services.add_term(item=items["food"], term="开饭店", kind="colloquial")
    services.add_term(item=items["setup"], term="开公司", kind="colloquial")
    listed = sorted(admin.get_queryset(_request(people["jiangyou"])).values_list("term", flat=True))
    assert listed == ["开饭店"]
    everyone = sorted(admin.get_queryset(_request(people["city"])).values_list("term", flat=True))
    assert everyone == ["开公司", "开饭店"]


def test_term_admin_refuses_to_save_out_of_scope(items, people):
    admin = site._registry[ItemTerm]
    term = ItemTerm(item=items["setup"], term="开公司", kind="colloquial")
    with pytest.raises(PermissionDenied):
        admin.save_model(_request(people["jiangyou"]), term, None, False)
    assert not ItemTerm.objects.filter(term="开公司").exists()
    term = ItemTerm(item=items["food"], term="  开  饭店 ", kind="colloquial")
    admin.save_model(_request(people["jiangyou"]), term, None, False)
    assert ItemTerm.objects.get(item=items["food"]).term == "开 饭店"  # cleaned


def test_materials_are_read_only_for_everyone(items, people, staff):
    admin = site._registry[Material]
    material = Material.objects.first()
    for user in (people["city"], staff["admin"]):
        request = _request(user)
        assert not admin.has_add_permission(request)
        assert not admin.has_change_permission(request, material)
        assert not admin.has_delete_permission(request, material)


def test_zero_results_are_viewed_and_cleared_by_maintainers_only(items, people):
    admin = site._registry[ZeroResultQuery]
    maintainer, handler = _request(people["city"]), _request(people["handler"])
    assert admin.has_module_permission(maintainer) and admin.has_view_permission(maintainer)
    assert admin.has_delete_permission(maintainer)
    assert not admin.has_add_permission(maintainer) and not admin.has_change_permission(maintainer)
    assert not admin.has_delete_permission(handler)
    assert not admin.has_view_permission(_request(AnonymousUser()))


def test_bundle_materials_are_shared_by_licence_type_or_name(bundle, items, licences):
    rows = selectors.bundle_materials(bundle)
    by_name = {r["material"].name: r["items"] for r in rows}
    # 营业执照 is asked by 公章刻制备案 only, 身份证 once; 设立登记's own materials are there
    assert by_name["公司登记申请书"] == ["企业设立登记"]
    assert by_name["营业执照"] == ["公章刻制备案"]
    assert len(rows) == len({(r["material"].licence_type_id, r["material"].name) for r in rows})
    # once 设立登记 is declared to produce the 营业执照, the applicant is not asked for it
    services.save_bundle_outputs(
        bundle=bundle, outputs=[{"item": items["setup"], "licence_type": licences["yyzz"]}]
    )
    names = [r["material"].name for r in selectors.bundle_materials(bundle)]
    assert "营业执照" not in names and "公司登记申请书" in names
