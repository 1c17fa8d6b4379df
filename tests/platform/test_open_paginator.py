"""The capped count and its open-ended pages (platform/query.py OpenEndedPaginator, the API's
CappedCountPagination on the cases and audit lists): every row is reached exactly once through
``next``, ``count`` is exact up to the cap and says so, a short first page costs no COUNT, and
bad page numbers are a 400 naming ``page`` in the caller's language."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from hypothesis import given
from hypothesis import strategies as st

from yingshang.platform.api import CappedCountPagination
from yingshang.platform.query import OpenEndedPaginator


class Rows:
    """Just enough of a queryset: slicing and count(); counts the slices read."""

    def __init__(self, rows, reads=None):
        self.rows, self.reads = list(rows), reads if reads is not None else []

    def __getitem__(self, key):
        self.reads.append(key)
        return Rows(self.rows[key], self.reads)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def count(self):
        return len(self.rows)


def paginator(n, per_page, cap):
    class Capped(OpenEndedPaginator):
        pass

    Capped.cap = cap
    return Capped(Rows(range(n)), per_page)


def walk(p):
    seen, number = [], 1
    while True:
        page = p.page(number)
        seen += list(page.object_list)
        if not page.has_next():
            return seen, number
        number = page.next_page_number()


@given(n=st.integers(0, 40), per_page=st.integers(1, 7), cap=st.integers(1, 15))
def test_following_next_reads_every_row_once_and_the_count_is_capped(n, per_page, cap):
    p = paginator(n, per_page, cap)
    seen, last = walk(p)
    assert seen == list(range(n))
    assert last == max(1, -(-n // per_page))
    assert p.count == min(n, cap + 1) or (n <= per_page and p.count == n)
    assert p.capped == (n > cap)
    with pytest.raises(EmptyPage):
        p.page(last + 1)


def test_a_short_first_page_is_the_whole_list_without_a_count():
    reads = []
    p = OpenEndedPaginator(Rows(range(3), reads), 5)
    page = p.page(1)
    assert list(page) == [0, 1, 2] and not page.has_next()
    assert p.count == 3 and not p.capped
    assert reads == [slice(0, 6)]  # one read of the page (+1 row), no count of [:cap + 1]


@pytest.mark.parametrize("bad", ["abc", "1.5", "", None])
def test_a_page_that_is_not_a_whole_number_is_refused(bad):
    with pytest.raises(PageNotAnInteger):
        paginator(10, 3, 5).page(bad)


@pytest.mark.parametrize("bad", [0, -1, 10**20, 2**63 // 3])
def test_a_page_below_one_or_past_any_table_is_refused(bad):
    with pytest.raises(EmptyPage):
        paginator(10, 3, 5).page(bad)


# ------------------------------------------------------------------------ the cases API


@pytest.fixture
def many_cases(db, mianyang, monkeypatch):
    from tests.cases.factories import CaseFactory

    monkeypatch.setattr(CappedCountPagination, "page_size", 3)
    monkeypatch.setattr(OpenEndedPaginator, "cap", 4)
    return [c.number for c in CaseFactory.create_batch(8)]


def test_the_api_list_pages_past_the_cap_and_says_the_count_is_not_exact(many_cases, login, staff):
    client = login(staff["admin"])
    body = client.get("/api/cases/").json()
    assert body["count"] == 4 and body["count_exact"] is False
    numbers, url = [], "/api/cases/"
    while url:
        body = client.get(url).json()
        numbers += [row["number"] for row in body["results"]]
        url = body["next"]
    assert sorted(numbers) == sorted(many_cases) and len(numbers) == 8
    assert client.get("/api/cases/", {"page": 3}).json()["previous"].endswith("page=2")


def test_a_small_api_list_has_an_exact_count(many_cases, login, staff):
    from yingshang.cases.models import Case

    Case.objects.filter(number__in=many_cases[:2]).update(status="accepted")
    body = login(staff["admin"]).get("/api/cases/", {"status": "accepted"}).json()
    assert (body["count"], body["count_exact"], body["next"]) == (2, True, None)
    assert {row["number"] for row in body["results"]} == set(many_cases[:2])


@pytest.mark.parametrize(
    ("page", "lang", "word"),
    [
        (4, "zh-hans", "无效"),
        (4, "en", "Invalid"),
        ("last", "en", "Invalid"),
        (0, "en", "Invalid"),
        (10**19, "en", "Invalid"),
    ],
)
def test_a_page_past_the_end_or_not_a_number_is_a_400_on_page(
    many_cases, login, staff, page, lang, word
):
    r = login(staff["admin"]).get("/api/cases/", {"page": page}, HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 400
    assert word in " ".join(r.json()["errors"]["page"])


def test_the_schema_documents_count_exact(client, db):
    schema = client.get("/api/schema/?format=json").json()
    page = schema["components"]["schemas"]["PaginatedCaseList"]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    assert "count_exact" in page["required"]
