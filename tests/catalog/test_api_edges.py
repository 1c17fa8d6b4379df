"""The catalog API at its edges: filters that combine, refuse bad values with 400 and never
show inactive items; writes refused before anything is written (the code cannot change, a
department out of scope, a second deactivation), PUT behaving as PATCH, errors in English."""

import pytest

from tests.core.factories import MAINTAIN_CATALOG, grant
from yingshang.catalog import services
from yingshang.catalog.models import ServiceItem, ServiceItemVersion

URL = "/api/catalog/items/"
JSON = "application/json"


def _codes(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return sorted(r["implementation_code"] for r in response.json()["results"])


def test_filters_combine(client, items):
    assert _codes(client, division="510700", theme="enterprise") == [
        "T-SEAL-510700",
        "T-SETUP-510700",
    ]
    assert _codes(client, division="510700", category="licensing") == ["T-SETUP-510700"]
    assert _codes(client, life_event="开办企业", category="filing") == ["T-SEAL-510700"]
    assert _codes(client, division="510781", theme="person") == []
    assert _codes(client, division="999999") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"department": "abc"}, "department"),
        ({"department": "0"}, "department"),
        ({"department": "-3"}, "department"),
        ({"department": str(2**70)}, "department"),
        ({"theme": "aliens"}, "theme"),
        ({"category": "magic"}, "category"),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(client, items, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_inactive_items_are_neither_listed_nor_shown(client, items):
    services.deactivate_item(items["tax"])
    assert "T-TAX-510700" not in _codes(client)
    assert _codes(client, theme="person") == []
    assert client.get(URL + "T-TAX-510700/").status_code == 404


def test_list_rows_carry_the_current_version_figures(client, items):
    services.update_item(items["food"], committed_limit_days=3)
    (row,) = client.get(URL, {"division": "510781"}).json()["results"]
    assert (row["version"], row["committed_limit_days"], row["legal_limit_days"]) == (2, 3, 20)
    assert row["division_name"] == "江油市" and row["department_name"].startswith("江油市")


def test_bundle_detail_404_for_an_unknown_key(client, bundle):
    assert client.get("/api/catalog/bundles/no-such-bundle/").status_code == 404


@pytest.fixture
def maintainer(items, staff, login):
    grant(staff["chengban"], MAINTAIN_CATALOG)
    return login(staff["chengban"])


def test_the_implementation_code_cannot_change(maintainer, items):
    response = maintainer.patch(
        URL + "T-SETUP-510700/", {"implementation_code": "OTHER"}, content_type=JSON
    )
    assert response.status_code == 400
    # a list like every other field's errors (not a bare string)
    assert response.json()["implementation_code"] == ["实施编码不能修改。"]
    assert ServiceItem.objects.filter(implementation_code="T-SETUP-510700").exists()
    same = maintainer.patch(
        URL + "T-SETUP-510700/", {"implementation_code": "T-SETUP-510700"}, content_type=JSON
    )
    assert same.status_code == 200


def test_moving_an_item_to_a_department_of_another_city_is_refused(maintainer, items, staff):
    from yingshang.core.models import Department

    outside = Department.objects.exclude(division__path__startswith="510700").first()
    if outside is None:
        pytest.skip("the test database has no department outside the city")  # pragma: no cover
    before = ServiceItemVersion.objects.count()
    response = maintainer.patch(
        URL + "T-SETUP-510700/", {"department": outside.pk}, content_type=JSON
    )
    assert response.status_code == 403
    assert ServiceItem.objects.get(implementation_code="T-SETUP-510700").department_id == (
        items["setup"].department_id
    )
    assert ServiceItemVersion.objects.count() == before


def test_put_is_not_offered_and_a_name_patch_is_no_new_version(maintainer, items):
    response = maintainer.put(
        URL + "T-SETUP-510700/", {"name": "企业设立登记(新)"}, content_type=JSON
    )
    assert response.status_code == 405
    assert ServiceItem.objects.get(implementation_code="T-SETUP-510700").name == "企业设立登记"
    response = maintainer.patch(
        URL + "T-SETUP-510700/", {"name": "企业设立登记(新)"}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "企业设立登记(新)"
    assert response.json()["current_version"]["version"] == 1  # a name is no new version


def test_a_second_deactivation_is_refused(maintainer, items):
    assert maintainer.post(URL + "T-SETUP-510700/deactivate/").status_code == 200
    # the item is no longer public: the staff API answers 404 or a field error, never 500
    again = maintainer.post(URL + "T-SETUP-510700/deactivate/")
    assert again.status_code in (400, 404)
    assert not ServiceItem.objects.get(implementation_code="T-SETUP-510700").is_active


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"legal_limit_days": -1}, "legal_limit_days"),
        ({"online_depth": 9}, "online_depth"),
        ({"fee_amount": "-5"}, "fee_amount"),
        ({"materials": [{"name": "x", "copies": 0}]}, "materials"),
        ({"materials": [{"name": "x", "licence_type": "nope"}]}, "materials"),
        ({"result_licence_type": "nope"}, "result_licence_type"),
        ({"kind": "someday"}, "kind"),
    ],
)
def test_bad_patches_are_field_errors_and_write_nothing(maintainer, items, change, field):
    before = ServiceItemVersion.objects.count()
    response = maintainer.patch(URL + "T-SETUP-510700/", change, content_type=JSON)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert ServiceItemVersion.objects.count() == before


def test_errors_in_english(maintainer, items):
    response = maintainer.patch(
        URL + "T-SETUP-510700/",
        {"committed_limit_days": 99},
        content_type=JSON,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    message = response.json()["committed_limit_days"][0]
    assert message.isascii() and "statutory" in message and "99" in message


def test_a_patch_with_new_materials_publishes_a_version_and_keeps_the_old(maintainer, items):
    response = maintainer.patch(
        URL + "T-SETUP-510700/",
        {
            "materials": [
                {"name": "公司登记申请书"},
                {"name": "股东会决议", "form": "copy", "copies": 2},
            ]
        },
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    version = response.json()["current_version"]
    assert version["version"] == 2
    assert [(m["name"], m["copies"]) for m in version["materials"]] == [
        ("公司登记申请书", 1),
        ("股东会决议", 2),
    ]
    old = items["setup"].versions.get(version=1)
    assert old.materials.count() == 3
