"""The portal search page with everyday words, the suggest endpoint (JSON type-ahead) and its
rate limit, the typeahead script on the page, and the admin of search words."""

import pytest
from django.urls import reverse

from tests.core.factories import MAINTAIN_CATALOG
from tests.core.factories import HandlerFactory as StaffFactory
from yingshang.catalog import services
from yingshang.catalog.models import ItemTerm, ZeroResultQuery


@pytest.fixture
def words(items):
    services.add_term(item=items["food"], term="卖熟食", kind="colloquial", source="12345")
    services.add_term(item=items["setup"], term="营业执照", kind="synonym", source="窗口")
    return items


def _names(response):
    return [i.name for i in response.context["page"].object_list]


def test_portal_search_understands_everyday_words(client, words):
    url = reverse("catalog:service-search")
    assert _names(client.get(url, {"q": "卖熟食"})) == ["食品经营许可"]
    assert _names(client.get(url, {"q": "食品 许可"})) == ["食品经营许可"]
    assert _names(client.get(url, {"q": "yyzz"}))[0] == "企业设立登记"
    # the other filters still narrow a keyword search
    assert _names(client.get(url, {"q": "营业执照", "division": "510781"})) == ["食品经营许可"]
    page = client.get(url, {"q": "卖熟食"}).content.decode()
    assert "typeahead.js" in page and 'data-suggest-url="/services/suggest/"' in page


def test_portal_zero_results_suggest_log_and_show_popular(client, words):
    url = reverse("catalog:service-search")
    response = client.get(url, {"q": "yyzx"})  # a typo of yyzz (营业执照)
    assert _names(response) == [] and "您是不是要找" in response.content.decode()
    assert 'href="?q=yyzz"' in response.content.decode()
    response = client.get(url, {"q": "火箭发射"})
    html = response.content.decode()
    assert _names(response) == [] and "大家常办的事项" in html
    assert "没有找到与“火箭发射”相关的事项" in html
    client.get(url, {"q": "火箭发射"})
    assert ZeroResultQuery.objects.get(query="火箭发射").count == 2


def test_portal_search_in_english(client, words):
    url = reverse("catalog:service-search")
    html = client.get(url, {"q": "火箭发射"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing found for" in html and "Popular services" in html


def test_suggest_endpoint(client, words):
    url = reverse("catalog:service-suggest")
    data = client.get(url, {"q": "卖熟食"}).json()
    assert data["query"] == "卖熟食"
    assert data["items"][0]["name"] == "食品经营许可"
    assert data["items"][0]["url"] == reverse("catalog:service-detail", args=["T-FOOD-510781"])
    assert set(data["items"][0]) == {"name", "code", "department", "division", "url"}
    assert client.get(url, {"q": "yyz"}).json()["items"][0]["name"] == "企业设立登记"  # prefix
    assert client.get(url, {"q": ""}).json() == {"query": "", "items": []}
    assert client.get(url, {"q": "<script>食品"}).json()["query"] == "<script>食品"
    assert client.get(url, {"q": "火箭"}).json()["items"] == []
    assert not ZeroResultQuery.objects.exists()  # a type-ahead never logs


def test_suggest_is_rate_limited(client, words, settings):
    settings.SUGGEST_RATE = "3/m"
    url = reverse("catalog:service-suggest")
    for _ in range(3):
        assert client.get(url, {"q": "食品"}).status_code == 200
    response = client.get(url, {"q": "食品"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    # another address is not blocked
    assert client.get(url, {"q": "食品"}, REMOTE_ADDR="10.9.8.7").status_code == 200


def test_staff_terms_page_for_maintainers_only(client, words, login, mianyang):
    url = reverse("catalog:staff-terms")
    maintainer = StaffFactory(maintains=[MAINTAIN_CATALOG])
    clerk = StaffFactory()
    setup = words["setup"]  # the city market bureau's item
    food = words["food"]  # Jiangyou's: outside a city department member's scope
    page = login(clerk).get(url)
    assert page.status_code == 200 and "营业执照" in page.content.decode()
    assert 'name="term"' not in page.content.decode()  # reads, cannot add
    assert (
        login(clerk).post(url, {"code": setup.implementation_code, "term": "x"}).status_code == 403
    )
    # a maintainer adds a word to an item of his department, with its source
    editor = login(maintainer)
    response = editor.post(
        url,
        {
            "code": setup.implementation_code,
            "term": "开公司",
            "kind": "colloquial",
            "source": "12345",
        },
    )
    assert response.status_code == 302
    assert ItemTerm.objects.filter(item=setup, term="开公司", source="12345").exists()
    # bad input: field-level errors, nothing written
    for data, field in [
        ({"code": "NOPE", "term": "开公司2", "kind": "colloquial"}, "code"),
        ({"code": food.implementation_code, "term": "外地", "kind": "colloquial"}, "code"),
        ({"code": setup.implementation_code, "term": "   ", "kind": "colloquial"}, "term"),
        ({"code": setup.implementation_code, "term": "ok", "kind": "slang"}, "kind"),
    ]:
        response = editor.post(url, data)
        assert response.status_code == 400
        assert response.context["form"].errors.get(field), (data, response.context["form"].errors)
    assert ItemTerm.objects.count() == 3
    # remove
    term = ItemTerm.objects.get(term="开公司")
    assert editor.post(url, {"delete": term.pk}).status_code == 302
    assert not ItemTerm.objects.filter(pk=term.pk).exists()
    foreign = ItemTerm.objects.get(term="卖熟食")  # Jiangyou's item: not visible → 404
    assert editor.post(url, {"delete": foreign.pk}).status_code == 404
    assert editor.post(url, {"delete": "abc"}).status_code == 404


def test_zero_results_listed_for_the_catalogue_team_with_numbers_masked(client, words, login):
    client.get(reverse("catalog:service-search"), {"q": "火箭发射 13800138000"})
    row = ZeroResultQuery.objects.get()
    assert row.query == "火箭发射 ***********"
    page = login(StaffFactory()).get(reverse("catalog:staff-terms")).content.decode()
    assert "火箭发射 ***********" in page and "13800138000" not in page


def test_admin_lists_terms_and_zero_results_for_superusers(words, staff, login):
    admin = login(staff["admin"])
    assert "卖熟食" in admin.get(reverse("admin:catalog_itemterm_changelist")).content.decode()
    assert admin.get(reverse("admin:catalog_zeroresultquery_changelist")).status_code == 200
