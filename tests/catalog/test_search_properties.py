"""Properties of the catalogue search (catalog/search.py): the pure parts (normalising,
segmenting, pinyin keys, query parsing, coverage, edit distance, number masking) checked with
Hypothesis, and the ranking's laws on the test catalogue — a synonym never removes a result,
another space-separated word only narrows, the order is total and repeatable, inactive items
never appear, zero results are logged with their digits masked."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from yingshang.catalog import search, services
from yingshang.catalog.models import SearchToken, ServiceItem, ZeroResultQuery

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
DB_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WORDS = [
    "营业执照",
    "食品",
    "许可",
    "登记",
    "公章",
    "设立",
    "个人",
    "完税",
    "开饭店",
    "yyzz",
    "spjy",
]


# --------------------------------------------------------------------------- pure functions


@given(st.text(max_size=300))
def test_normalize_is_idempotent_short_and_lower(text):
    once = search.normalize(text)
    assert search.normalize(once) == once
    assert len(once) <= search.MAX_QUERY
    assert once == once.strip() and "  " not in once
    assert once == once.lower() or once.lower() != once.lower().lower()  # lower already applied


def test_normalize_folds_full_width_and_drops_control_characters():
    assert search.normalize("ＹＹＺＺ　营业执照\t\x00 ") == "yyzz 营业执照"
    assert search.normalize(None) == ""
    assert search.normalize("a" * 150) == "a" * 100


@given(st.text(alphabet=st.one_of(HAN, st.sampled_from("，。 、abc123")), max_size=40))
@settings(max_examples=60, deadline=None)
def test_segment_tokens_are_unique_clean_substrings(text):
    tokens = search.segment(text)
    assert len(tokens) == len(set(tokens))
    flat = search.normalize(text)
    for token in tokens:
        assert token and len(token) <= 64
        assert not search._PUNCT.search(token)
        assert token in flat.replace(" ", "") or token in flat


def test_pinyin_keys_of_chinese_and_of_other_text():
    keys = search.pinyin_keys("营业执照")
    assert {"yyzz", "yingyezhizhao"} <= keys
    assert search.pinyin_keys("ABC 123") == set()
    assert search.pinyin_keys("") == set()
    # a single character gives its full pinyin but no one-letter initials
    assert search.pinyin_keys("税") == {"shui"}


@given(st.text(alphabet=HAN, min_size=2, max_size=12))
@settings(max_examples=40, deadline=None)
def test_pinyin_keys_are_short_ascii(text):
    for key in search.pinyin_keys(text):
        assert key.isascii() and key.isalnum() and 1 <= len(key) <= 64


def test_parse_splits_on_spaces_keeps_six_words_and_marks_ascii():
    words = search.parse("营业执照  YYZZ, 食品 a b c d e")
    assert [w.text for w in words] == ["营业执照", "yyzz", "食品", "a", "b", "c"]
    assert [w.ascii for w in words] == [False, True, False, True, True, True]
    assert search.parse("  ，。！ ") == []


def test_parse_drops_stop_words_but_keeps_them_when_nothing_else_is_left():
    (word,) = search.parse("我想办营业执照怎么办")
    assert "营业执照" in word.tokens or {"营业", "执照"} <= set(word.tokens)
    assert not set(word.tokens) & search.STOPWORDS
    assert word.stop  # the stop characters are not counted for coverage
    (only_stop,) = search.parse("怎么办")
    assert only_stop.tokens  # matched on its own characters
    (single,) = search.parse("税")
    assert single.tokens == ["税"]


def test_coverage_counts_characters_outside_stop_words():
    word = search.Word("营业执照", ["营业", "执照"])
    assert search._coverage(word, {"营业"}) == 0.5
    assert search._coverage(word, {"营业", "执照"}) == 1.0
    assert search._coverage(word, set()) == 0.0
    stopped = search.Word("我想营业", ["营业"], stop=frozenset({0, 1}))
    assert search._coverage(stopped, {"营业"}) == 1.0
    ascii_word = search.Word("yyzz", ["yyzz"], ascii=True)
    assert search._coverage(ascii_word, {"yyzz"}) == 1.0
    assert search._coverage(ascii_word, set()) == 0.0


def _levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


SHORT = st.text(alphabet="营业执照食品许可ab", max_size=8)


@given(SHORT, SHORT, st.integers(min_value=0, max_value=4))
@settings(max_examples=200, deadline=None)
def test_capped_edit_distance_agrees_with_levenshtein_up_to_the_cap(a, b, cap):
    exact = _levenshtein(a, b)
    capped = search._edit_distance(a, b, cap)
    if exact <= cap:
        assert capped == exact
    else:
        assert capped > cap


@given(SHORT, SHORT)
@settings(max_examples=100, deadline=None)
def test_edit_distance_is_symmetric_and_zero_only_for_equal_words(a, b):
    cap = 10
    assert search._edit_distance(a, b, cap) == search._edit_distance(b, a, cap)
    assert (search._edit_distance(a, b, cap) == 0) == (a == b)


@given(st.text(alphabet="0123456789x 查询办件号abc", max_size=60))
@settings(max_examples=150, deadline=None)
def test_masking_hides_every_run_of_six_or_more_digits(text):
    masked = search.mask_numbers(text)
    assert len(masked) == len(text)
    assert not search._NUMBERS.search(masked)
    # short numbers and letters other than the masked runs stay as typed
    for original, out in zip(text, masked, strict=True):
        assert out == original or out == "*"


def test_masking_examples():
    assert search.mask_numbers("身份证510703199505052110查询") == "身份证" + "*" * 18 + "查询"
    assert search.mask_numbers("办件12345") == "办件12345"  # five digits are no personal number
    assert search.mask_numbers("51070319950505211x") == "*" * 18


# --------------------------------------------------------------------------- the ranking


@pytest.fixture
def catalogue(items):
    services.add_term(item=items["food"], term="开饭店", kind="colloquial")
    services.add_term(item=items["setup"], term="营业执照", kind="synonym")
    return items


def _pks(query):
    return [pk for pk, _s in search.rank(query)]


@DB_SETTINGS
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
def test_another_word_only_narrows_the_results(catalogue, words):
    first = set(_pks(words[0]))
    combined = set(_pks(" ".join(words)))
    assert combined <= first
    for word in words:
        assert combined <= set(_pks(word))  # AND: in every single word's results


@DB_SETTINGS
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
def test_word_order_does_not_change_which_items_match(catalogue, words):
    assert set(_pks(" ".join(words))) == set(_pks(" ".join(reversed(words))))


@DB_SETTINGS
@given(st.sampled_from(WORDS), st.sampled_from(["公章", "完税证明", "刻章", "熟食", "执照"]))
def test_adding_a_synonym_never_removes_a_result(catalogue, query, synonym):
    before = set(_pks(query))
    term, _status = services.add_term(item=catalogue["tax"], term=synonym, kind="synonym")
    try:
        after = set(_pks(query))
        assert before <= after
        assert catalogue["tax"].pk in set(_pks(synonym))  # and the synonym finds its item
    finally:
        term.delete()


@DB_SETTINGS
@given(st.sampled_from(WORDS))
def test_ranking_is_sorted_repeatable_and_limited(catalogue, query):
    ranked = search.rank(query)
    scores = [s for _pk, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert search.rank(query) == ranked
    assert search.rank(query, limit=1) == ranked[:1]


def test_an_exact_name_ranks_first(catalogue):
    for key in ("setup", "seal", "food", "tax"):
        item = catalogue[key]
        assert _pks(item.name)[0] == item.pk


def test_inactive_items_and_items_outside_the_candidates_are_not_ranked(catalogue):
    food = catalogue["food"]
    assert food.pk in _pks("食品")
    limited = search.rank("许可", candidates=ServiceItem.objects.exclude(pk=food.pk))
    assert food.pk not in [pk for pk, _s in limited]
    services.deactivate_item(food)
    assert food.pk not in _pks("食品")
    assert SearchToken.objects.filter(item=food).exists()  # indexed, filtered at query time


def test_a_prefix_of_pinyin_initials_finds_the_item(catalogue):
    assert catalogue["food"].pk in _pks("spj")
    assert _pks("s") == [] or catalogue["food"].pk not in _pks("zzzz")


def test_index_follows_term_changes(catalogue):
    tax = catalogue["tax"]
    assert tax.pk not in _pks("开发票")
    term, _status = services.add_term(item=tax, term="开发票证明", kind="colloquial")
    assert tax.pk in _pks("开发票证明")
    term.delete()
    assert tax.pk not in _pks("开发票证明")


def test_indexing_deferred_indexes_once_at_the_end(catalogue, monkeypatch):
    calls = []
    real = search.index_item
    monkeypatch.setattr(search, "index_item", lambda pk: calls.append(pk) or real(pk))
    tax = catalogue["tax"]
    with search.indexing_deferred():
        with search.indexing_deferred():  # nested: only the outer block indexes
            services.add_term(item=tax, term="完税单", kind="synonym")
            services.add_term(item=tax, term="纳税证明", kind="synonym")
        assert calls == []
    assert calls == [tax.pk]
    assert tax.pk in _pks("纳税证明")


def test_rebuild_recreates_every_row(catalogue):
    before = sorted(SearchToken.objects.values_list("item_id", "token", "field", "weight"))
    SearchToken.objects.all().delete()
    n_items, n_rows = search.rebuild()
    assert n_items == ServiceItem.objects.count() and n_rows == len(before)
    assert sorted(SearchToken.objects.values_list("item_id", "token", "field", "weight")) == before
    assert search.index_item(999_999) == 0


def test_did_you_mean_corrects_one_character_and_keeps_known_words(catalogue):
    assert search.did_you_mean("营业执找") == "营业执照"
    assert search.did_you_mean("营业执照") == ""  # nothing to correct
    assert search.did_you_mean("量子计算机火箭") == ""  # nothing close
    assert search.did_you_mean("") == ""
    assert search.did_you_mean("yyzx") in ("yyzz", "")  # ascii only against ascii words


def test_zero_results_are_counted_with_digits_masked(catalogue):
    result = search.search("查办件 13908160001 火箭", record=True)
    assert not result and result.popular is not None
    search.search("查办件 13908160002 火箭", record=True)
    row = ZeroResultQuery.objects.get()
    assert row.query == "查办件 *********** 火箭" and row.count == 2
    search.search("火箭", record=False)
    assert ZeroResultQuery.objects.count() == 1
    search.search("   ", record=True)
    assert ZeroResultQuery.objects.count() == 1


def test_a_hit_is_not_logged_and_carries_scores(catalogue):
    result = search.search("食品经营许可", record=True)
    assert result and result.items[0].name == "食品经营许可"
    assert set(result.scores) == {i.pk for i in result.items}
    assert result.suggestion == "" and result.popular == []
    assert not ZeroResultQuery.objects.exists()


def test_suggest_names_department_and_division(catalogue):
    rows = search.suggest("食品")
    assert rows[0]["name"] == "食品经营许可"
    assert rows[0]["code"] == "T-FOOD-510781" and rows[0]["division"] == "江油市"
    assert search.suggest("") == []


def test_popular_items_are_cached_and_skip_inactive(catalogue):
    from django.core.cache import cache

    cache.delete(search.POPULAR_CACHE_KEY)
    first = search.popular_items(limit=2)
    assert len(first) == 2
    services.deactivate_item(first[0])
    assert first[0] not in search.popular_items(limit=4)  # cached ids, live filter
    cache.delete(search.POPULAR_CACHE_KEY)


@given(st.text(alphabet=HAN, min_size=1, max_size=6))
@settings(max_examples=30, deadline=None)
def test_parse_never_loses_a_chinese_word(text):
    assume(search._PUNCT.sub("", text))
    words = search.parse(text)
    assert len(words) == 1 and words[0].tokens
    assert all(t in words[0].text for t in words[0].tokens)
