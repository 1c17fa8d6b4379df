"""The window's intake (#13 item 5): the item is found by typing (a JSON type-ahead over the
catalogue, and the same search without script), the applicant is filled from the registry by
USCC / ID number within the clerk's scope, and no internal code is a text box."""

from django.urls import reverse

from .conftest import USCC


def test_item_search_json_and_page(client, catalog, staff):
    client.force_login(staff["jiangyou_chuangkou"])
    r = client.get(reverse("cases:intake-items"), {"q": "设立登记"})
    assert r.status_code == 200
    rows = r.json()["results"]
    # the catalogue's ranked search: the item named so first (others mention it in their
    # guide or materials and rank below)
    assert rows[0]["name"] == "企业设立登记"
    assert len({row["url"] for row in rows}) == len(rows)
    assert rows[0]["department"] == catalog["registration"].department.name
    assert rows[0]["url"].endswith("?item=" + catalog["registration"].implementation_code)
    assert "implementation_code" not in rows[0]
    assert client.get(reverse("cases:intake-items"), {"q": "没有这种事项"}).json() == {
        "results": []
    }
    assert client.get(reverse("cases:intake-items")).json() == {"results": []}
    assert client.get(reverse("cases:intake-items"), {"q": "x" * 101}).json() == {"results": []}
    # without script: the page lists the same matches as links
    page = client.get(reverse("cases:intake"), {"q": "设立登记"}).content.decode()
    assert rows[0]["url"].replace("&", "&amp;") in page or rows[0]["url"] in page
    assert '<select name="item"' not in page  # no 423-option select


def test_internal_codes_are_not_text_boxes(client, catalog, staff):
    client.force_login(staff["chuangkou"])
    item = catalog["registration"]
    page = client.get(reverse("cases:intake"), {"item": item.implementation_code}).content.decode()
    assert f'type="hidden" name="item" value="{item.implementation_code}"' in page
    assert 'type="text" name="item"' not in page and 'name="bundle" maxlength' not in page
    assert "企业设立登记" in page


def test_applicant_lookup_fills_from_the_registry_in_scope(
    client, enterprise_applicant, catalog, staff
):
    from yingshang.registry.models import Enterprise

    # registered in the city (510700)
    Enterprise.objects.filter(uscc=USCC).update(division=catalog["city"])
    client.force_login(staff["chuangkou"])
    r = client.get(reverse("cases:intake-applicant"), {"code": USCC.lower()})
    data = r.json()
    assert data["found"] and data["kind"] == "enterprise"
    assert data["name"] == "绵阳示例科技有限公司"
    assert data["phone_hint"] != "13812345678" and data["phone_hint"].endswith("5678")
    # a 江油 clerk's scope is 江油: he does not find a city enterprise (nor learns it exists)
    client.force_login(staff["jiangyou_chuangkou"])
    assert client.get(reverse("cases:intake-applicant"), {"code": USCC}).json() == {"found": False}
    r = client.get(reverse("cases:intake-applicant"), {"code": "123"})
    assert r.status_code == 400 and r.json()["found"] is False


def test_read_only_roles_cannot_use_the_intake_endpoints(client, catalog, staff):
    client.force_login(staff["shilingdao"])
    assert client.get(reverse("cases:intake-items"), {"q": "登记"}).status_code == 403
    assert client.get(reverse("cases:intake-applicant"), {"code": USCC}).status_code == 403
    client.logout()
    assert client.get(reverse("cases:intake-items"), {"q": "登记"}).status_code in (302, 403)


def test_only_case_workers_see_and_open_the_intake(client, catalog, staff):
    for name, allowed in [("chuangkou", True), ("chengban", True), ("jianduyuan", False)]:
        client.force_login(staff[name])
        queue = client.get(reverse("cases:queue")).content.decode()
        assert (reverse("cases:intake") in queue) is allowed, name
        assert (client.get(reverse("cases:intake")).status_code == 200) is allowed, name
