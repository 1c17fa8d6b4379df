"""The catalogue's public entry points other apps use (catalog/public.py): look-ups of active
items and bundles by code and key, the bundle's outputs and whether it founds a new holder,
search with its suggestion, and the type-ahead endpoint's cut query."""

import pytest
from django.http import Http404

from yingshang.catalog import public, services
from yingshang.catalog.models import Bundle

pytestmark = pytest.mark.django_db


def test_active_item_and_items(items):
    assert public.active_item("T-FOOD-510781") == items["food"]
    assert public.active_item("NOPE") is None and public.active_item(None) is None
    services.deactivate_item(items["food"])
    assert public.active_item("T-FOOD-510781") is None
    assert items["food"] not in public.active_items()
    assert public.active_items().count() == 3


def test_active_bundle_by_key(bundle):
    assert public.active_bundle("qiye-kaiban") == bundle
    assert public.active_bundle("") is None and public.active_bundle("nope") is None
    Bundle.objects.filter(pk=bundle.pk).update(is_active=False)
    assert public.active_bundle("qiye-kaiban") is None
    assert not public.active_bundles().exists()
    with pytest.raises(Http404):
        public.bundle_by_key("qiye-kaiban")


def test_bundle_outputs_of_nothing_and_of_an_unsaved_bundle(bundle):
    assert public.bundle_outputs(None) == []
    assert public.bundle_outputs(Bundle(key="x")) == []
    assert public.bundle_outputs(bundle) == [] and public.founds_holder(bundle) is False


def test_item_by_code_404_for_inactive_or_unknown(items):
    assert public.item_by_code("T-SETUP-510700").current_version.version == 1
    with pytest.raises(Http404):
        public.item_by_code("NOPE")
    services.deactivate_item(items["setup"])
    with pytest.raises(Http404):
        public.item_by_code("T-SETUP-510700")


def test_search_entry_points_agree(items):
    result = public.search("食品经营许可")
    assert [i.pk for i in public.search_items("食品经营许可")] == [i.pk for i in result.items]
    assert result.items[0] == items["food"]
    empty = public.search("火箭发射")
    assert not empty.items and empty.popular  # popular items instead of nothing
    assert len(public.popular_items(limit=2)) == 2


def test_filter_items_is_the_portal_filter(items):
    codes = {i.implementation_code for i in public.filter_items(q="食品")}
    assert codes == {"T-FOOD-510781"}


def test_suggest_endpoint_cuts_long_queries_and_answers_json(client, items):
    response = client.get("/services/suggest/", {"q": "食品" + "x" * 2000})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"query": "", "items": []}  # over 1000 characters: refused
    cut = client.get("/services/suggest/", {"q": "食品" + "x" * 500}).json()
    assert cut["query"] == "食品" + "x" * 98  # up to 1000 characters: cut to 100
    good = client.get("/services/suggest/", {"q": "食品"}).json()
    assert good["query"] == "食品"
    first = good["items"][0]
    assert first["name"] == "食品经营许可" and first["url"] == "/services/T-FOOD-510781/"
    assert client.get("/services/suggest/", {"q": "  "}).json() == {"query": "", "items": []}
