import pytest


@pytest.mark.parametrize(
    "url, text",
    [
        ("/admin/catalog/serviceitem/", "食品经营许可"),
        ("/admin/catalog/serviceitemversion/", "食品经营许可"),
        ("/admin/catalog/bundle/", "企业开办"),
        ("/admin/catalog/material/", "食品经营许可申请书"),
        ("/admin/registry/licencetype/", "营业执照"),
    ],
)
def test_admin_lists(bundle, staff, login, url, text):
    response = login(staff["admin"]).get(url)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_admin_item_change_page_is_scoped(items, staff, login):
    item = items["food"]
    admin = login(staff["admin"])
    assert admin.get(f"/admin/catalog/serviceitem/{item.pk}/change/").status_code == 200
    version = item.current_version
    page = admin.get(f"/admin/catalog/serviceitemversion/{version.pk}/change/")
    assert page.status_code == 200 and 'name="committed_limit_days"' not in page.content.decode()
