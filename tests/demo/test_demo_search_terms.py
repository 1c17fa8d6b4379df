"""The demo's search words (step 205, demo/data/search_terms.py): every word has a source and
names a demo item; the everyday examples of issue 12 find their items; a rerun changes
nothing."""

import pytest

from tests.demo.conftest import run_steps
from yingshang.catalog import public
from yingshang.catalog.models import ItemTerm, ServiceItem
from yingshang.demo.data import search_terms

pytestmark = pytest.mark.django_db


def test_every_demo_word_has_a_source_and_a_known_item():
    assert len(search_terms.TERMS) >= 40
    for _name, term, kind, source in search_terms.TERMS:
        assert source and kind in ("synonym", "colloquial"), term
    assert len({(t[0], t[1]) for t in search_terms.TERMS}) == len(search_terms.TERMS)


def test_step_loads_words_and_everyday_queries_find_their_items(small_demo):
    tally = run_steps({205})
    assert ItemTerm.objects.exclude(source="").count() == ItemTerm.objects.count() > 0
    shop = ServiceItem.objects.filter(name="个体工商户设立登记")
    assert ItemTerm.objects.filter(item__in=shop, term="开小卖部").count() == shop.count()
    expectations = {
        "开小卖部": "个体工商户设立登记",
        "卖熟食": "食品经营许可",
        "开饭店": "食品经营许可",
        "开餐馆": "食品经营许可",
        "二手房过户": "不动产转移登记（二手房）",
        "yyzz": None,  # 营业执照: one of the registration items
    }
    for query, name in expectations.items():
        found = [i.name for i in public.search_items(query)]
        assert found, query
        if name:
            assert found[0] == name, (query, found[:3])
    assert set([i.name for i in public.search_items("营业执照")][:2]) <= {
        "企业设立登记",
        "个体工商户设立登记",
    }
    social = {i.name for i in public.search_items("社保", limit=30)}
    assert {"企业社会保险登记", "职工参保登记"} <= social
    # rerun: nothing changes
    again = run_steps({205})
    assert again.counts["search terms"]["created"] == 0
    assert again.counts["search terms"]["unchanged"] == tally.counts["search terms"]["created"]
