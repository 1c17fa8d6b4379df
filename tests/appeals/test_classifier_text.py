"""The dispatch classifier (appeals/classifier.py) and the text helpers (appeals/text.py):
naive Bayes fitting on hand-computable corpora, probabilities, ranking, (de)serialisation,
hold-out evaluation, the per-process model cache; jieba tokens and Jaccard similarity."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.appeals import classifier
from yingshang.appeals.classifier import NaiveBayes
from yingshang.appeals.text import STOPWORDS, jaccard, tokenize

POWER, WATER, TAX = 11, 22, 33
CORPUS = [
    (["用电", "报装", "变压器"], POWER),
    (["用电", "停电", "电表"], POWER),
    (["变压器", "增容", "用电"], POWER),
    (["供水", "水表", "停水"], WATER),
    (["供水", "水压", "管网"], WATER),
    (["发票", "税控", "申领"], TAX),
    (["发票", "税务", "登记"], TAX),
]


@pytest.fixture
def model():
    docs, labels = zip(*CORPUS, strict=True)
    return NaiveBayes.fit(list(docs), list(labels))


def test_fit_keeps_tokens_seen_in_two_documents(model):
    # MIN_COUNT = 2 documents: 用电, 变压器, 供水, 发票 — the rest is dropped
    assert set(model.vocab) == {"用电", "变压器", "供水", "发票"}
    assert sorted(model.vocab.values()) == list(range(4))
    assert list(model.labels) == [POWER, WATER, TAX]


def test_priors_are_the_label_shares(model):
    assert np.exp(model.log_prior) == pytest.approx([3 / 7, 2 / 7, 2 / 7])


def test_likelihoods_are_smoothed_and_normalised(model):
    lik = np.exp(model.log_lik.astype(np.float64))
    assert lik.sum(axis=1) == pytest.approx([1, 1, 1], rel=1e-5)
    assert (lik > 0).all()  # Lidstone smoothing: no zero probability
    # power: 用电 in 3 docs (3 + α), 变压器 2 (2 + α), 供水 / 发票 0 (α)
    a = classifier.ALPHA
    total = 3 + 2 + 4 * a
    row = lik[0]
    assert row[model.vocab["用电"]] == pytest.approx((3 + a) / total, rel=1e-5)
    assert row[model.vocab["发票"]] == pytest.approx(a / total, rel=1e-5)


def test_repeated_tokens_count_sublinearly():
    model = NaiveBayes.fit([["甲", "甲", "甲", "乙"], ["甲", "乙"]], [1, 1])
    a = classifier.ALPHA
    tf_jia = (1 + math.log(3)) + 1 + a
    tf_yi = 1 + 1 + a
    expected = tf_jia / (tf_jia + tf_yi)
    assert math.exp(model.log_lik[0][model.vocab["甲"]]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    "tokens,best",
    [
        (["用电", "变压器"], POWER),
        (["供水"], WATER),
        (["发票", "发票"], TAX),
    ],
)
def test_top_ranks_the_matching_department_first(model, tokens, best):
    ranked = model.top(tokens, 3)
    assert ranked[0][0] == best
    assert [p for _l, p in ranked] == sorted((p for _l, p in ranked), reverse=True)
    assert sum(p for _l, p in ranked) == pytest.approx(1.0, rel=1e-5)
    assert len(ranked) == 3 and len({label for label, _p in ranked}) == 3


def test_unknown_words_fall_back_to_the_priors(model):
    p = model.scores(["完全", "无关"])
    assert p == pytest.approx(np.exp(model.log_prior) / np.exp(model.log_prior).sum(), rel=1e-5)
    assert model.top([], 1) == [(POWER, pytest.approx(3 / 7, rel=1e-5))]


def test_k_limits_the_suggestions(model):
    assert len(model.top(["用电"], 1)) == 1
    assert len(model.top(["用电"], 10)) == 3  # never more than the departments known


@given(st.lists(st.sampled_from(["用电", "变压器", "供水", "发票", "其他"]), max_size=30))
def test_scores_are_a_probability_distribution(tokens):
    docs, labels = zip(*CORPUS, strict=True)
    model = NaiveBayes.fit(list(docs), list(labels))
    p = model.scores(tokens)
    assert p.shape == (3,)
    assert (p >= 0).all() and p.sum() == pytest.approx(1.0, rel=1e-5)


def test_dumps_and_loads_round_trip(model):
    blob = model.dumps()
    assert isinstance(blob, bytes) and blob[:2] == b"PK"  # .npz is a zip
    again = NaiveBayes.loads(memoryview(blob))
    assert again.vocab == model.vocab
    assert list(again.labels) == list(model.labels)
    np.testing.assert_array_equal(again.log_lik, model.log_lik)
    np.testing.assert_array_equal(again.log_prior, model.log_prior)
    for tokens in (["用电"], ["供水", "发票"], []):
        assert again.top(tokens) == model.top(tokens)


def test_loads_refuses_pickled_objects():
    import io

    buf = io.BytesIO()
    np.savez(buf, labels=np.array([object()], dtype=object), words=np.array(["x"]))
    with pytest.raises(ValueError):
        NaiveBayes.loads(buf.getvalue())


def test_evaluate_holds_out_a_share_and_scores_it():
    docs = [d for d, _l in CORPUS] * 10
    labels = [label for _d, label in CORPUS] * 10
    result = classifier.evaluate(docs, labels, test_share=0.2, seed=1)
    assert (result["n_train"], result["n_test"]) == (56, 14)
    assert result["top1"] == 1.0 and result["top3"] == 1.0  # the test docs were seen in training
    assert classifier.evaluate(docs, labels, seed=1) == result  # deterministic for a seed
    assert classifier.evaluate(docs[:3], labels[:3], test_share=0.01)["n_test"] == 1


def test_evaluate_scores_a_wrong_guess():
    # the held-out doc's department never appears in training: top-1 and top-3 miss it
    docs = [["用电", "变压器"]] * 4 + [["用电", "变压器"]]
    labels = [POWER] * 4 + [WATER]
    result = classifier.evaluate(docs, labels, test_share=0.2, seed=0)
    assert result["n_test"] == 1
    assert result["top1"] in (0.0, 1.0) and result["top3"] >= result["top1"]


@pytest.mark.django_db
def test_active_model_reads_the_newest_row_once(model, django_assert_num_queries):
    from yingshang.appeals.models import DispatchModel

    classifier._cache.clear()
    assert classifier.active_model() is None
    row = DispatchModel.objects.create(blob=model.dumps(), n_train=7, n_test=0)
    with django_assert_num_queries(2):  # the id, then the blob
        loaded = classifier.active_model()
    assert loaded.vocab == model.vocab
    with django_assert_num_queries(1):  # cached for this row
        assert classifier.active_model() is loaded
    other = NaiveBayes.fit([["供水", "水表"], ["供水", "水压"]], [WATER, WATER])
    newer = DispatchModel.objects.create(blob=other.dumps(), n_train=2, n_test=0)
    assert newer.pk > row.pk
    assert list(classifier.active_model().labels) == [WATER]
    assert list(classifier._cache) == [newer.pk]  # the old model is dropped
    classifier._cache.clear()


def test_tokenize_drops_punctuation_single_characters_and_stop_words():
    tokens = tokenize("我们公司的用电报装问题,请问能否尽快解决?谢谢!")
    assert {"尽快", "解决"} <= set(tokens)
    assert all(len(t) >= 2 for t in tokens)
    assert not set(tokens) & STOPWORDS
    assert not any(ch in "".join(tokens) for ch in ",?!")
    assert tokenize("") == [] and tokenize(None) == []
    assert tokenize("ABC 123 x") == ["ABC", "123"]


def test_tokens_for_joins_title_and_text():
    assert classifier.tokens_for("用电报装", "变压器增容") == tokenize("用电报装 变压器增容")


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ({"甲", "乙"}, {"甲", "乙"}, 1.0),
        ({"甲", "乙"}, {"丙"}, 0.0),
        ({"甲", "乙", "丙"}, {"乙", "丙", "丁"}, 0.5),
        (set(), {"甲"}, 0.0),
        (set(), set(), 0.0),
    ],
)
def test_jaccard(a, b, expected):
    assert jaccard(a, b) == expected
    assert jaccard(b, a) == expected


@given(st.sets(st.integers(0, 20)), st.sets(st.integers(0, 20)))
def test_jaccard_is_a_bounded_symmetric_similarity(a, b):
    j = jaccard(a, b)
    assert 0.0 <= j <= 1.0 and j == jaccard(b, a)
    if a and a == b:
        assert j == 1.0
