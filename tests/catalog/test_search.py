"""Search people can use (catalog/search.py): segmentation and AND matching, synonyms and
colloquial terms, pinyin initials, "did you mean", popular items, zero-result logging, the
index following the catalogue, the public API, the suggest endpoint and its rate limit."""

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.catalog.factories import ItemTermFactory, ItemWithVersionFactory
from tests.core.factories import department
from yingshang.catalog import public, search, services
from yingshang.catalog.models import SearchToken, ZeroResultQuery


def names(items):
    return [i.name for i in items]


@pytest.fixture
def catalogue(items):
    """The four test items plus 个体工商户设立登记 and words people use for them."""
    shop = ItemWithVersionFactory(name="个体工商户设立登记", life_events="开办企业")
    services.add_term(item=shop, term="开小卖部", kind="colloquial", source="12345")
    services.add_term(item=shop, term="营业执照", kind="synonym", source="窗口咨询")
    services.add_term(item=items["setup"], term="营业执照", kind="synonym")
    services.add_term(item=items["food"], term="卖熟食", kind="colloquial", source="12345")
    services.add_term(item=items["food"], term="开饭店", kind="colloquial")
    return {**items, "shop": shop}


def test_segmented_words_match_across_the_name(catalogue):
    # not a substring of any name: 食品 … 许可 are two words of 食品经营许可
    assert names(public.search_items("食品许可"))[0] == "食品经营许可"
    assert "食品经营许可" in names(public.search_items("经营许可 食品"))


def test_words_separated_by_a_space_must_all_match(catalogue):
    assert names(public.search_items("食品 许可")) == ["食品经营许可"]
    # 许可 alone also finds other items; 食品 narrows them; an unknown second word empties it
    assert public.search_items("许可 公章") == []
    assert public.search_items("食品 火箭发射") == []


def test_colloquial_terms_find_their_item(catalogue):
    assert names(public.search_items("开小卖部")) == ["个体工商户设立登记"]
    assert names(public.search_items("卖熟食"))[0] == "食品经营许可"
    assert names(public.search_items("我想开个小卖部怎么办"))[0] == "个体工商户设立登记"
    assert names(public.search_items("开饭店"))[0] == "食品经营许可"


def test_a_synonym_shared_by_two_items_finds_both(catalogue):
    found = names(public.search_items("营业执照"))
    assert {"企业设立登记", "个体工商户设立登记"} <= set(found[:3])


def test_materials_departments_and_guide_are_searched(catalogue):
    # 公司章程 is a material of 企业设立登记 only
    assert names(public.search_items("公司章程")) == ["企业设立登记"]
    # the department 江油市市场监督管理局 implements 食品经营许可 only among these
    assert "食品经营许可" in names(public.search_items("江油市市场监督管理局"))
    # guide text
    assert "食品经营许可" in names(public.search_items("江油市政务服务中心"))


def test_name_match_ranks_above_material_match(catalogue):
    # 营业执照 is a material of 公章刻制备案 and 食品经营许可 (weak) and a synonym of two items
    found = names(public.search_items("营业执照", limit=10))
    assert found.index("企业设立登记") < found.index("公章刻制备案")


def test_pinyin_initials(catalogue):
    assert "企业设立登记" in names(public.search_items("yyzz"))  # 营业执照
    assert names(public.search_items("spjyxk"))[0] == "食品经营许可"  # initials of the name
    assert names(public.search_items("gzkzba")) == ["公章刻制备案"]
    assert "食品经营许可" in names(public.search_items("shipin"))  # full pinyin of a word


def test_codes_still_find_their_item(catalogue):
    assert names(public.search_items("T-FOOD-510781")) == ["食品经营许可"]


def test_did_you_mean_on_zero_results(catalogue):
    result = public.search("yyzx")  # a typo of yyzz
    assert result.items == []
    assert result.suggestion == "yyzz"
    result = public.search("开小买部")  # 小买 is no word: nothing matches
    assert result.items == [] and result.suggestion == "开小卖部"
    assert public.search("食品 许可").suggestion == ""  # found: no suggestion
    assert search.did_you_mean("完全不相关的句子") == ""


def test_zero_results_offer_popular_items_and_are_logged_when_asked(catalogue):
    result = public.search("火箭发射许可证", record=True)
    assert result.items == [] and len(result.popular) == 5
    public.search("  火箭发射许可证 ", record=True)
    row = ZeroResultQuery.objects.get(query="火箭发射许可证")
    assert row.count == 2
    public.search("另一个没有的词")  # not recorded (record=False): type-ahead, staff look-ups
    assert not ZeroResultQuery.objects.filter(query="另一个没有的词").exists()


def test_popular_items_come_first_by_cases_then_name(catalogue):
    popular = public.popular_items(limit=3)
    assert len(popular) == 3
    # without cases: by name (deterministic)
    assert names(popular) == sorted(names(popular))


def test_inactive_items_are_never_found(catalogue):
    services.deactivate_item(catalogue["food"])
    assert "食品经营许可" not in names(public.search_items("卖熟食"))


def test_index_follows_terms_and_names(catalogue):
    food = catalogue["food"]
    term, _ = services.add_term(item=food, term="熟食摊", kind="colloquial")
    assert names(public.search_items("熟食摊")) == ["食品经营许可"]
    term.delete()
    assert not SearchToken.objects.filter(item=food, token="熟食摊").exists()
    services.update_item(food, name="食品经营许可(含小餐饮)")
    assert "食品经营许可(含小餐饮)" in names(public.search_items("小餐饮"))


def test_department_rename_reindexes_its_items(catalogue):
    dept = department("510781", "market")
    dept.name = "江油市市场监管局新名称"
    dept.save()
    assert "食品经营许可" in names(public.search_items("新名称"))


def test_rebuild_command_restores_the_index(catalogue, capsys):
    SearchToken.objects.all().delete()
    assert public.search_items("开小卖部") == []
    call_command("catalog_search", "rebuild")
    assert "search index rebuilt" in capsys.readouterr().out
    assert names(public.search_items("开小卖部")) == ["个体工商户设立登记"]
    call_command("catalog_search", "query", "卖熟食")
    assert "食品经营许可" in capsys.readouterr().out


def test_ranking_is_deterministic_for_ties(mianyang):
    """Equal scores sort by name then pk: the same on SQLite and PostgreSQL (the suite runs on
    both, see docs/catalog.md)."""
    a = ItemWithVersionFactory(name="乙事项登记")
    b = ItemWithVersionFactory(name="甲事项登记")
    c = ItemWithVersionFactory(name="甲事项登记", department=department("510781", "market"))
    ranked = search.rank("事项登记")
    assert len({s for _pk, s in ranked}) == 1  # a true tie …
    expected = sorted([a, b, c], key=lambda i: (i.name, i.pk))  # … broken by name, then pk
    assert [pk for pk, _s in ranked] == [i.pk for i in expected]


def test_factory_terms_are_indexed(mianyang):
    term = ItemTermFactory(term="开杂货铺")
    assert names(public.search_items("开杂货铺")) == [term.item.name]


def test_term_validation(mianyang):
    item = ItemWithVersionFactory()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.add_term(item=item, term="   ")
    with pytest.raises(ValidationError):
        services.add_term(item=item, term="x" * 51)
    with pytest.raises(ValidationError):
        services.add_term(item=item, term="ok", kind="slang")
    with pytest.raises(ValidationError):
        services.set_terms(item=item, terms=[{"term": "a"}, {"term": "a "}])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.text(max_size=120))
def test_any_query_string_never_errors(catalogue, query):
    result = public.search(query)
    assert isinstance(result.items, list)
    assert len(result.items) <= 10
    search.suggest(query)


# ------------------------------------------------------------------- the API's q (ranked)


def _api_names(client, **params):
    r = client.get("/api/catalog/items/", params)
    assert r.status_code == 200, r.content
    return [row["name"] for row in r.json()["results"]]


def test_api_q_is_the_ranked_search(client, catalogue):
    # the same items in the same order as the portal's search
    for q in ("营业执照", "食品许可", "yyzz", "开饭店", "许可"):
        assert _api_names(client, q=q) == names(public.search_items(q, limit=None)), q
    # not substrings: a colloquial word and two words of one name
    assert _api_names(client, q="开饭店")[0] == "食品经营许可"
    assert _api_names(client, q="食品 许可") == ["食品经营许可"]
    assert _api_names(client, q="食品 火箭发射") == []
    # best first: a name match above a material match
    found = _api_names(client, q="营业执照")
    assert found.index("企业设立登记") < found.index("公章刻制备案")


def test_api_q_with_filters_keeps_the_rank(client, catalogue):
    everywhere = _api_names(client, q="营业执照")
    city = _api_names(client, q="营业执照", division="510700")
    assert city == [n for n in everywhere if n in city] and "食品经营许可" not in city
    assert _api_names(client, q="营业执照", division="510781") == ["食品经营许可"]


def test_api_q_never_counts_as_a_zero_result_and_is_limited(client, catalogue):
    assert _api_names(client, q="火箭发射") == []
    assert not ZeroResultQuery.objects.exists()
    assert client.get("/api/catalog/items/", {"q": "许" * 101}).status_code == 400


def test_api_schema_documents_q(client, db):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    params = schema["paths"]["/api/catalog/items/"]["get"]["parameters"]
    q = next(p for p in params if p["name"] == "q")
    assert "排序检索" in q["description"] and "最多 100 字" in q["description"]
