from tests.core.factories import MAINTAIN_CATALOG, grant
from yingshang.catalog.models import ServiceItem


def test_public_list_and_filters(client, items):
    data = client.get("/api/catalog/items/").json()
    assert data["count"] == 4
    codes = lambda **p: sorted(  # noqa: E731
        r["implementation_code"] for r in client.get("/api/catalog/items/", p).json()["results"]
    )
    assert codes(division="510781") == ["T-FOOD-510781"]
    assert codes(department=items["seal"].department_id) == ["T-SEAL-510700"]
    assert codes(category="public_service") == ["T-TAX-510700"]
    assert codes(theme="person") == ["T-TAX-510700"]
    assert codes(q="设立") == ["T-SETUP-510700"]
    assert client.get("/api/catalog/items/", {"category": "bogus"}).status_code == 400


def test_detail_has_current_version_and_materials(client, items):
    data = client.get("/api/catalog/items/T-FOOD-510781/").json()
    version = data["current_version"]
    assert version["version"] == 1 and version["committed_limit_days"] == 5
    assert [m["name"] for m in version["materials"]] == ["食品经营许可申请书", "营业执照"]
    assert version["materials"][1]["licence_type"] == "yyzz"
    assert version["result_licence_type"] == "spjy"
    assert client.get("/api/catalog/items/NOPE/").status_code == 404


def test_bundles_endpoint(client, bundle):
    data = client.get("/api/catalog/bundles/").json()
    assert data["results"][0]["key"] == "qiye-kaiban"
    detail = client.get("/api/catalog/bundles/qiye-kaiban/").json()
    assert [i["name"] for i in detail["items"]] == ["企业设立登记", "公章刻制备案"]
    assert detail["committed_limit_days"] == 1


def test_schema_lists_catalog_and_registry(client, db):
    schema = client.get("/api/schema/").content.decode()
    for path in [
        "/api/catalog/items/",
        "/api/catalog/items/{implementation_code}/",
        "/api/catalog/bundles/",
        "/api/registry/enterprises/",
        "/api/registry/licences/",
    ]:
        assert path in schema, path


NEW = {
    "implementation_code": "API-1",
    "basic_code": "0100",
    "name": "接口新增事项",
    "category": "licensing",
    "kind": "committed",
    "legal_limit_days": 10,
    "committed_limit_days": 4,
    "materials": [{"name": "申请书"}, {"name": "营业执照", "licence_type": "yyzz"}],
}


def test_writes_need_staff_in_scope(client, items, staff, login):
    market = items["setup"].department_id
    assert client.post("/api/catalog/items/", {**NEW, "department": market}).status_code in (
        401,
        403,
    )
    jiangyou = login(staff["jiangyou_chengban"])
    response = jiangyou.post(
        "/api/catalog/items/", {**NEW, "department": market}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not ServiceItem.objects.filter(implementation_code="API-1").exists()
    response = jiangyou.patch(
        "/api/catalog/items/T-SETUP-510700/",
        {"committed_limit_days": 2},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_staff_create_validate_patch_deactivate(items, staff, login):
    client = login(staff["chengban"])  # city market handler
    market = items["setup"].department_id
    # an ordinary handler does not manage the catalog: 403, nothing written
    refused = client.post(
        "/api/catalog/items/", {**NEW, "department": market}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert not ServiceItem.objects.filter(implementation_code="API-1").exists()
    grant(staff["chengban"], MAINTAIN_CATALOG)  # a catalog maintainer
    bad = client.post(
        "/api/catalog/items/",
        {**NEW, "department": market, "committed_limit_days": 11},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "不能超过法定办结时限" in bad.json()["committed_limit_days"][0]
    ok = client.post(
        "/api/catalog/items/", {**NEW, "department": market}, content_type="application/json"
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["current_version"]["materials"][1]["licence_type"] == "yyzz"
    patched = client.patch(
        "/api/catalog/items/API-1/", {"committed_limit_days": 2}, content_type="application/json"
    )
    assert patched.status_code == 200
    assert patched.json()["current_version"]["version"] == 2
    item = ServiceItem.objects.get(implementation_code="API-1")
    assert item.versions.get(version=1).committed_limit_days == 4
    police = items["seal"]
    assert (
        client.patch(
            f"/api/catalog/items/{police.implementation_code}/",
            {"name": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    gone = client.post("/api/catalog/items/API-1/deactivate/")
    assert gone.status_code == 200 and gone.json()["is_active"] is False
    assert client.get("/api/catalog/items/API-1/").status_code == 404


def test_head_approval_flag_through_the_api(items, staff, login):
    """``requires_head_approval`` (#13): read on every item, set by a catalog maintainer as an
    item field (no new version: cases under way keep their terms)."""
    client = login(staff["chengban"])
    grant(staff["chengban"], MAINTAIN_CATALOG)
    code = items["setup"].implementation_code
    assert client.get(f"/api/catalog/items/{code}/").json()["requires_head_approval"] is False
    r = client.patch(
        f"/api/catalog/items/{code}/",
        {"requires_head_approval": True},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["requires_head_approval"] is True
    assert r.json()["current_version"]["version"] == 1
    assert ServiceItem.objects.get(implementation_code=code).requires_head_approval
    r = client.patch(
        f"/api/catalog/items/{code}/",
        {"requires_head_approval": "maybe"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "requires_head_approval" in r.json()
