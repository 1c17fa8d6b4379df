"""The portal's search page loads only the items of the page it shows (bench/load/cost.py,
docs/performance.md "Mixed load"): its SQL statements stay the same however many items match,
and the page still shows the best-ranked ones. Not a timing test."""

from django.urls import reverse

from yingshang.catalog import services

from .conftest import dept

MATCHES = 45  # more than two pages of 20


def _make_items():
    for n in range(MATCHES):
        services.create_item(
            implementation_code=f"T-DJ-{n:03d}",
            basic_code=f"0100600{n:05d}",
            name=f"测试登记事项{n:03d}",
            category="licensing",
            department=dept("510700", "market"),
            theme="enterprise",
            kind="committed",
            legal_limit_days=15,
            committed_limit_days=1,
            visits_required=0,
            online_depth=5,
            service_scope="city",
            materials=[{"name": "申请书"}],
        )


def test_search_page_statements_do_not_grow_with_the_matches(
    client, items, django_assert_max_num_queries
):
    _make_items()
    url = reverse("catalog:service-search")
    client.get(url, {"q": "登记"})
    # tokens, live items, terms, the page's items, life events, divisions, departments
    with django_assert_max_num_queries(7):
        response = client.get(url, {"q": "登记"})
    page = response.context["page"]
    assert page.paginator.count == MATCHES + 1  # and 企业设立登记 of the fixture
    assert len(page.object_list) == 20 and page.paginator.num_pages == 3
    assert all(item.current_version is not None for item in page.object_list)
    last = client.get(url, {"q": "登记", "page": 3}).context["page"]
    shown = [i.pk for i in page.object_list] + [i.pk for i in last.object_list]
    assert len(last.object_list) == MATCHES + 1 - 40 and len(set(shown)) == len(shown)


def test_home_counts_both_themes_in_one_statement_and_memoises_the_tiles(
    client, items, django_assert_max_num_queries, django_assert_num_queries
):
    from yingshang.catalog import selectors
    from yingshang.catalog.models import Theme
    from yingshang.platform import memo

    url = reverse("catalog:portal-home")
    memo.clear()
    # the tiles, once per process: popular items (cache, items), the two counts in one
    # statement, bundles with their item counts, life events
    with django_assert_max_num_queries(6):
        response = client.get(url)
    person = selectors.search_items(theme=Theme.PERSON).count()
    enterprise = selectors.search_items(theme=Theme.ENTERPRISE).count()
    facts = response.context["facts"]
    assert (facts["person_count"], facts["enterprise_count"]) == (person, enterprise)
    assert person >= 1 and enterprise >= 3
    # then an anonymous home page asks the database nothing
    with django_assert_num_queries(0):
        client.get(url)
