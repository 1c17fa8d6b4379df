"""Dispatch suggestion (分办建议): jieba tokens + a multinomial naive Bayes text classifier.

Hand-rolled on numpy (already a dependency) instead of scikit-learn: the model is a vocabulary,
class priors and per-class token log-likelihoods — a linear classifier in log space — a few
hundred kilobytes serialised as .npz in a ``DispatchModel`` database row, so that every app
server reads the same model. See docs/appeals.md for the choice and the measured accuracy.
"""

import io
import random
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .text import tokenize

ALPHA = 0.1  # Lidstone smoothing
MIN_COUNT = 2  # tokens seen fewer times over the whole corpus are dropped


@dataclass
class NaiveBayes:
    labels: np.ndarray  # int64 department ids
    vocab: dict[str, int]
    log_prior: np.ndarray  # (n_labels,)
    log_lik: np.ndarray  # (n_labels, n_vocab)

    @classmethod
    def fit(cls, docs: list[list[str]], labels: list[int]) -> "NaiveBayes":
        counts = Counter(t for d in docs for t in set(d))
        words = sorted(t for t, c in counts.items() if c >= MIN_COUNT)
        vocab = {t: i for i, t in enumerate(words)}
        classes = np.array(sorted(set(labels)), dtype=np.int64)
        index = {int(c): i for i, c in enumerate(classes)}
        tf = np.zeros((len(classes), len(vocab)), dtype=np.float64)
        prior = np.zeros(len(classes))
        for doc, label in zip(docs, labels, strict=True):
            row = index[int(label)]
            prior[row] += 1
            for t, c in Counter(doc).items():
                j = vocab.get(t)
                if j is not None:
                    tf[row, j] += 1 + np.log(c)  # sublinear term frequency
        tf += ALPHA
        log_lik = np.log(tf) - np.log(tf.sum(axis=1, keepdims=True))
        log_prior = np.log(prior / prior.sum())
        return cls(classes, vocab, log_prior, log_lik.astype(np.float32))

    def scores(self, tokens: list[str]) -> np.ndarray:
        x = np.zeros(len(self.vocab), dtype=np.float32)
        for t, c in Counter(tokens).items():
            j = self.vocab.get(t)
            if j is not None:
                x[j] += 1 + np.log(c)
        # Naive Bayes posteriors are overconfident (every token counts as independent evidence):
        # the confidence shown is the softmax of the log-posterior divided by the evidence mass,
        # i.e. a per-token geometric mean. The ranking, and so the accuracy, is unchanged.
        logp = (self.log_prior + self.log_lik @ x) / max(1.0, float(x.sum()))
        p = np.exp(logp - logp.max())
        return p / p.sum()

    def top(self, tokens: list[str], k: int = 3) -> list[tuple[int, float]]:
        p = self.scores(tokens)
        order = np.argsort(-p)[:k]
        return [(int(self.labels[i]), float(p[i])) for i in order]

    def dumps(self) -> bytes:
        buf = io.BytesIO()
        words = np.array(sorted(self.vocab, key=self.vocab.get), dtype=np.str_)
        np.savez_compressed(
            buf,
            labels=self.labels,
            words=words,
            log_prior=self.log_prior,
            log_lik=self.log_lik,
        )
        return buf.getvalue()

    @classmethod
    def loads(cls, blob: bytes) -> "NaiveBayes":
        with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as z:
            words = [str(w) for w in z["words"]]
            return cls(
                z["labels"],
                {w: i for i, w in enumerate(words)},
                z["log_prior"],
                z["log_lik"],
            )


def evaluate(docs, labels, test_share=0.2, seed=2019) -> dict:
    """Hold out ``test_share`` of the examples (shuffled with ``seed``), train on the rest,
    return top-1 / top-3 accuracy on the held-out part."""
    idx = list(range(len(docs)))
    random.Random(seed).shuffle(idx)
    n_test = max(1, int(len(idx) * test_share))
    test, train = idx[:n_test], idx[n_test:]
    model = NaiveBayes.fit([docs[i] for i in train], [labels[i] for i in train])
    top1 = top3 = 0
    for i in test:
        ranked = [label for label, _p in model.top(docs[i], 3)]
        top1 += ranked[:1] == [labels[i]]
        top3 += labels[i] in ranked
    return {
        "n_train": len(train),
        "n_test": len(test),
        "top1": top1 / len(test),
        "top3": top3 / len(test),
    }


_cache: dict[int, NaiveBayes] = {}


def active_model():
    """The newest DispatchModel row, deserialised once per process and row id."""
    from .models import DispatchModel

    row = DispatchModel.objects.only("id").first()
    if row is None:
        return None
    if row.id not in _cache:
        blob = DispatchModel.objects.values_list("blob", flat=True).get(pk=row.id)
        _cache.clear()
        _cache[row.id] = NaiveBayes.loads(blob)
    return _cache[row.id]


def tokens_for(title: str, text: str) -> list[str]:
    return tokenize(f"{title} {text}")
