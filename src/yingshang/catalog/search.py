"""Search that understands everyday words: jieba segmentation over item names, the catalogue's
synonyms and colloquial terms (``ItemTerm``), guide text, materials, departments and life
events; pinyin initials (yyzz → 营业执照); AND across space-separated words; "did you mean"
and popular items when nothing matches; zero-result queries logged for the catalogue team.

The index (``SearchToken``: item, token, field, weight) is rebuilt for an item whenever the
item, its terms or its department change (signals at the bottom of this module) and for all
items by ``yingshang catalog_search rebuild``. Ranking happens here in Python from the index
rows, so SQLite and PostgreSQL return the same items in the same order.

Scoring of one query word (a run without spaces) against one item: the word is segmented; an
item matches the word when the tokens it has cover at least half of the word's characters
(single-character tokens count only when the word has no longer one); its score is the sum
over matched tokens of (field weight × token length), plus a bonus when the whole word equals
a term or the name, or is contained in the name. Words separated by spaces must all match.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import ItemTerm, Material, SearchToken, ServiceItem, ZeroResultQuery

log = logging.getLogger(__name__)

MAX_QUERY = 100
MAX_WORDS = 6
MAX_GUIDE = 2000  # characters of the guide indexed
# Field weights: the name and the catalogue's own terms count most.
WEIGHTS = {
    "code": 50.0,
    "name": 10.0,
    "term": 9.0,
    "pinyin": 8.0,
    "event": 4.0,
    "dept": 3.0,
    "material": 2.0,
    "guide": 1.0,
}
CHAR_FACTOR = 0.3  # a single character of a name or term: a weak hint
EXACT_BONUS = 200.0  # the whole word is the item's name or one of its terms
CONTAINED_BONUS = 60.0  # the whole word appears in the name or a term
POPULAR_CACHE_KEY = "catalog.search.popular"
VOCAB_CACHE_KEY = "catalog.search.vocabulary"
POPULAR_CACHE_SECONDS = 600

# Words of a question that say nothing about the item ("我想办个营业执照怎么办").
STOPWORDS = frozenset(
    """的 了 吗 呢 吧 啊 么 我 你 他 她 我们 想 要 想要 需要 需 怎么 怎样 如何 怎么办 怎么样
    哪里 哪儿 在哪 去哪 什么 啥 多少 多久 能 能否 可以 是 有 个 一个 和 与 及 或 在 去 到 给
    请问 请 问 办 办理 手续 流程 材料 需要什么 一下 帮 我要 要办""".split()
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, collapsed spaces, at most 100 characters."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:MAX_QUERY].strip()


def segment(text: str) -> list[str]:
    """The search tokens of ``text``: jieba's search-mode words (overlapping: 食品经营许可 →
    食品, 经营, 许可 …), without punctuation, in order, each once."""
    out: list[str] = []
    seen = set()
    for raw in _jieba().cut_for_search(normalize(text)):
        token = _PUNCT.sub("", raw)
        if token and token not in seen and len(token) <= 64:
            seen.add(token)
            out.append(token)
    return out


def pinyin_keys(text: str) -> set[str]:
    """Pinyin initials and full pinyin of ``text`` and of its words (营业执照 → yyzz,
    yingyezhizhao); empty for text without Chinese characters."""
    from pypinyin import Style, lazy_pinyin

    keys = set()
    text = normalize(text)
    words = [text.replace(" ", "")] + [w for w in segment(text) if len(w) >= 2]
    for word in words:
        if not _CJK.search(word):
            continue
        syllables = [s for s in lazy_pinyin(word, errors="ignore") if s.isalnum()]
        initials = [s for s in lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore")]
        initials = [s for s in initials if s.isalnum()]
        if len(initials) >= 2:
            keys.add("".join(initials)[:64])
        if syllables:
            keys.add("".join(syllables)[:64])
    return keys


# ---------------------------------------------------------------------------------- index


def _item_fields(item: ServiceItem) -> list[tuple[str, str]]:
    """(field, text) pairs of an item that the index covers."""
    fields = [("name", item.name)]
    for term in item.terms.all():
        fields.append(("term", term.term))
    if item.life_events:
        fields.append(("event", item.life_events))
    if item.department_id:
        fields.append(("dept", item.department.name))
    version = item.current_version
    if version is not None:
        for m in Material.objects.filter(version=version).values_list("name", flat=True):
            fields.append(("material", m))
        if version.guide:
            fields.append(("guide", version.guide[:MAX_GUIDE]))
    return fields


def item_tokens(item: ServiceItem) -> dict[tuple[str, str], float]:
    """{(token, field): weight} of one item."""
    rows: dict[tuple[str, str], float] = {}

    def add(token, fld, weight):
        token = token[:64]
        if token and weight > rows.get((token, fld), 0):
            rows[(token, fld)] = weight

    for fld, text in _item_fields(item):
        weight = WEIGHTS[fld]
        for token in segment(text):
            add(token, fld, weight)
        if fld in ("name", "term"):
            for ch in set(_CJK.findall(text)):
                add(ch, fld, weight * CHAR_FACTOR)
            for key in pinyin_keys(text):
                add(key, "pinyin", WEIGHTS["pinyin"] * (1.0 if fld == "name" else 0.9))
    for code in (item.implementation_code, item.basic_code):
        if code:
            add(_PUNCT.sub("", normalize(code)), "code", WEIGHTS["code"])
    return rows


_paused = threading.local()


@contextmanager
def indexing_deferred():
    """Within the block, saves do not reindex at once: the items touched are indexed once
    when the block ends (bulk imports, the demo, benchmarks)."""
    outer = getattr(_paused, "pending", None)
    if outer is not None:  # nested: the outermost block indexes
        yield
        return
    _paused.pending = set()
    try:
        yield
    finally:
        pending, _paused.pending = _paused.pending, None
        for pk in sorted(pending):
            index_item(pk)


def _request_index(pk: int) -> None:
    pending = getattr(_paused, "pending", None)
    if pending is not None:
        pending.add(pk)
    else:
        index_item(pk)


def index_item(item: ServiceItem | int) -> int:
    """Rebuild the index rows of one item; returns how many rows it has."""
    pk = item.pk if isinstance(item, ServiceItem) else item
    cache.delete(VOCAB_CACHE_KEY)
    item = (
        ServiceItem.objects.select_related("department", "current_version")
        .prefetch_related("terms")
        .filter(pk=pk)
        .first()
    )
    with transaction.atomic():
        SearchToken.objects.filter(item_id=pk).delete()
        if item is None:
            return 0
        rows = [
            SearchToken(item_id=pk, token=token, field=fld, weight=weight)
            for (token, fld), weight in item_tokens(item).items()
        ]
        SearchToken.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def rebuild(items=None) -> tuple[int, int]:
    """Rebuild the whole index (or that of ``items``); returns (items, rows)."""
    qs = ServiceItem.objects.all() if items is None else items
    n_items = n_rows = 0
    with transaction.atomic():
        if items is None:
            SearchToken.objects.all().delete()
        for pk in qs.values_list("pk", flat=True).order_by("pk"):
            n_rows += index_item(pk)
            n_items += 1
    return n_items, n_rows


# ---------------------------------------------------------------------------------- query


@dataclass
class Word:
    text: str  # the word as typed (normalised)
    tokens: list[str]
    ascii: bool = False
    stop: frozenset = frozenset()  # positions of characters in stop words (我想…怎么办)


@dataclass
class SearchResult:
    query: str
    items: list = field(default_factory=list)  # ranked ServiceItem objects
    scores: dict = field(default_factory=dict)  # item pk → score
    suggestion: str = ""  # "did you mean"
    popular: list = field(default_factory=list)  # when nothing matched

    def __bool__(self):
        return bool(self.items)


def parse(query: str) -> list[Word]:
    words = []
    for text in normalize(query).split(" ")[:MAX_WORDS]:
        text = _PUNCT.sub("", text)
        if not text:
            continue
        if _ASCII_WORD.match(text):
            words.append(Word(text, [text], ascii=True))
            continue
        segmented = segment(text)
        tokens = [t for t in segmented if t not in STOPWORDS]
        stop = set()
        if not tokens:  # only stop words or a single character: match the characters
            tokens = segmented or list(text)
        else:
            for t in segmented:
                if t in STOPWORDS:
                    stop.update(_positions(text, t))
            for t in tokens:  # a character of a kept word is never a stop character
                stop.difference_update(_positions(text, t))
        words.append(Word(text, tokens, stop=frozenset(stop)))
    return words


def _positions(text: str, token: str) -> set[int]:
    out = set()
    start = text.find(token)
    while start >= 0:
        out.update(range(start, start + len(token)))
        start = text.find(token, start + 1)
    return out


def _coverage(word: Word, matched: set[str]) -> float:
    """The share of the word's characters (stop words left out) that matched tokens cover."""
    if word.ascii:
        return 1.0 if matched else 0.0
    covered = set()
    for token in matched:
        covered |= _positions(word.text, token)
    counted = len(word.text) - len(word.stop)
    return len(covered - word.stop) / max(counted, 1)


def _candidates(word: Word) -> dict[int, dict[str, float]]:
    """{item pk: {token: best weight}} for the word's tokens (pinyin prefixes for ASCII)."""
    tokens = set(word.tokens)
    q = Q(token__in=tokens)
    if word.ascii and len(word.text) >= 2:
        # type-ahead: "yyz" finds "yyzz"; a code prefix finds the code
        q |= Q(token__startswith=word.text, field__in=("pinyin", "code"))
    out: dict[int, dict[str, float]] = {}
    for item_id, token, weight, fld in SearchToken.objects.filter(q).values_list(
        "item_id", "token", "weight", "field"
    ):
        key = token if token in tokens else word.text  # a prefix hit stands for the word
        if fld in ("pinyin", "code") and key != token:
            weight *= 0.8
        bucket = out.setdefault(item_id, {})
        if weight > bucket.get(key, 0):
            bucket[key] = weight
    return out


def _word_scores(word: Word) -> dict[int, float]:
    hits = _candidates(word)
    has_long = any(len(t) >= 2 for t in word.tokens)
    scores = {}
    for item_id, tokens in hits.items():
        matched = {t for t in tokens if len(t) >= 2 or not has_long or word.ascii}
        if not matched:
            continue
        if _coverage(word, matched) < 0.5:
            continue
        scores[item_id] = sum(tokens[t] * max(len(t), 1) for t in matched)
    return scores


def _bonus(word: Word, name: str, terms: list[str]) -> float:
    """The exact or contained bonus of one word for an item (``name`` normalised, no spaces)."""
    text = word.text
    if text == name or text in terms:
        return EXACT_BONUS
    if len(text) >= 2 and (text in name or any(text in t for t in terms)):
        return CONTAINED_BONUS
    return 0.0


def rank(query: str, *, candidates=None, limit: int | None = None) -> list[tuple[int, float]]:
    """[(item pk, score)] of active items (with a current version) matching every word of the
    query, best first; ties by name then pk, so the order is the same on every database.
    ``candidates``: a queryset of items to rank within (the portal's filters)."""
    words = parse(query)
    if not words:
        return []
    totals: dict[int, float] | None = None
    per_word = []
    for word in words:
        scores = _word_scores(word)
        per_word.append((word, scores))
        if totals is None:
            totals = dict(scores)
        else:
            totals = {pk: s + scores[pk] for pk, s in totals.items() if pk in scores}
        if not totals:
            return []
    base = candidates if candidates is not None else ServiceItem.objects.all()
    live = base.filter(pk__in=list(totals), is_active=True, current_version__isnull=False)
    info = {pk: (name, pk) for pk, name in live.values_list("pk", "name")}
    terms: dict[int, list[str]] = {}
    for item_id, term in ItemTerm.objects.filter(item_id__in=list(info)).values_list(
        "item_id", "term"
    ):
        terms.setdefault(item_id, []).append(normalize(term).replace(" ", ""))
    names = {pk: normalize(name).replace(" ", "") for pk, (name, _pk) in info.items()}
    ranked = []
    for pk in info:
        score = totals[pk]
        for word, _scores in per_word:
            score += _bonus(word, names[pk], terms.get(pk, []))
        ranked.append((pk, round(score, 6)))
    ranked.sort(key=lambda t: (-t[1], info[t[0]][0], t[0]))
    return ranked[:limit] if limit else ranked


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, stopping early once every entry of a row exceeds ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > cap:
            return cap + 1
        prev = cur
    return prev[-1]


def vocabulary() -> list[str]:
    """Known words: item names, terms and their multi-character name/term/pinyin tokens
    (cached until the index changes)."""
    cached = cache.get(VOCAB_CACHE_KEY)
    if cached is not None:
        return cached
    words = set(
        SearchToken.objects.filter(field__in=("name", "term", "pinyin"))
        .values_list("token", flat=True)
        .distinct()
    )
    words.update(
        normalize(n)
        for n in ServiceItem.objects.filter(is_active=True).values_list("name", flat=True)
    )
    words.update(normalize(t) for t in ItemTerm.objects.values_list("term", flat=True))
    vocab = sorted(w for w in words if len(w) >= 2)
    cache.set(VOCAB_CACHE_KEY, vocab, 3600)
    return vocab


def did_you_mean(query: str) -> str:
    """The closest known words to each word of the query (edit distance at most a third of
    the word, at least 1), joined by spaces, or "" when nothing is close or nothing changes."""
    words = parse(query)
    if not words:
        return ""
    vocab = vocabulary()
    out = []
    changed = False
    for word in words:
        cap = max(1, len(word.text) // 3)
        best, best_d = word.text, cap + 1
        for known in vocab:
            if word.ascii != bool(_ASCII_WORD.match(known)):
                continue
            d = _edit_distance(word.text, known, cap)
            if d < best_d or (d == best_d and d <= cap and known < best):
                best, best_d = known, d
        if best_d <= cap and best != word.text:
            changed = True
            out.append(best)
        else:
            out.append(word.text)
    return " ".join(out) if changed else ""


def popular_items(*, limit: int = 8) -> list[ServiceItem]:
    """The active items applied for most (cases per item, all time), then by name; cached
    for ten minutes."""
    ids = cache.get(POPULAR_CACHE_KEY)
    if ids is None:
        rows = (
            ServiceItem.objects.filter(is_active=True, current_version__isnull=False)
            .annotate(n=Count("cases"))
            .order_by("-n", "name", "pk")
            .values_list("pk", flat=True)[:50]
        )
        ids = list(rows)
        cache.set(POPULAR_CACHE_KEY, ids, POPULAR_CACHE_SECONDS)
    ids = ids[:limit]
    items = ServiceItem.objects.filter(
        pk__in=ids, is_active=True, current_version__isnull=False
    ).select_related("department", "division", "current_version")
    by_pk = {i.pk: i for i in items}
    return [by_pk[pk] for pk in ids if pk in by_pk]


_NUMBERS = re.compile(r"\d[\dx]{5,}")  # ID card, phone and case numbers typed into the box


def mask_numbers(text: str) -> str:
    """Personal numbers (6 or more digits) in a logged query become asterisks."""
    return _NUMBERS.sub(lambda m: "*" * len(m.group()), text)


def log_zero_result(query: str) -> None:
    """Count a query that found nothing (normalised, numbers masked; at most 100 characters)."""
    text = mask_numbers(normalize(query))
    if not text:
        return
    now = timezone.now()
    row, created = ZeroResultQuery.objects.get_or_create(
        query=text, defaults={"count": 1, "last_seen": now}
    )
    if not created:
        ZeroResultQuery.objects.filter(pk=row.pk).update(count=row.count + 1, last_seen=now)


class RankedItems:
    """The ranked items of a search as a sequence that loads only what is read: a slice (a
    page of the portal's paginator) loads those items in one query; ``len()`` needs none.
    The portal's search loaded every match (up to a few hundred items with their department,
    division and version) to show twenty — the largest part of its CPU in the load benchmark's
    profile (bench/load/cost.py)."""

    def __init__(self, pks: list[int]):
        self.pks = pks

    def __len__(self) -> int:
        return len(self.pks)

    def __bool__(self) -> bool:
        return bool(self.pks)

    def _load(self, pks: list[int]) -> list[ServiceItem]:
        by_pk = ServiceItem.objects.select_related(
            "department", "division", "current_version"
        ).in_bulk(pks)
        return [by_pk[pk] for pk in pks if pk in by_pk]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._load(self.pks[index])
        return self._load([self.pks[index]])[0]

    def __iter__(self):
        return iter(self._load(self.pks))


def search(
    query: str,
    *,
    limit: int | None = 10,
    candidates=None,
    record: bool = False,
    lazy: bool = False,
) -> SearchResult:
    """Ranked items for ``query``; with nothing found, a "did you mean" and popular items
    (and, when ``record``, the query counted in ``ZeroResultQuery``). ``lazy``: ``items`` is a
    ``RankedItems`` that loads only the slice read (a page), not a list of every match."""
    result = SearchResult(query=normalize(query))
    ranked = rank(query, candidates=candidates, limit=limit)
    if ranked:
        items = RankedItems([pk for pk, _s in ranked])
        result.items = items if lazy else list(items)
        result.scores = dict(ranked)
        return result
    if result.query:
        result.suggestion = did_you_mean(query)
        result.popular = popular_items()
        if record:
            log_zero_result(query)
    return result


def suggest(query: str, *, limit: int = 8) -> list[dict]:
    """Type-ahead: the best items for what has been typed so far (never logged)."""
    out = []
    for pk, _score in rank(query, limit=limit):
        out.append(pk)
    items = ServiceItem.objects.select_related("department", "division").in_bulk(out)
    return [
        {
            "name": items[pk].name,
            "code": items[pk].implementation_code,
            "department": items[pk].department.name,
            "division": items[pk].division.name,
        }
        for pk in out
        if pk in items
    ]


# ---------------------------------------------------------------------------------- signals
# The index follows the catalogue: an item saved (created, changed, new version published,
# deactivated), a term added, changed or removed, a department renamed.


@receiver(post_save, sender=ServiceItem, dispatch_uid="catalog-search-item")
def _item_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _request_index(instance.pk)


@receiver(post_save, sender=ItemTerm, dispatch_uid="catalog-search-term-saved")
@receiver(post_delete, sender=ItemTerm, dispatch_uid="catalog-search-term-deleted")
def _term_changed(sender, instance, raw=False, origin=None, **kwargs):
    if isinstance(origin, ServiceItem):  # the item itself is being deleted
        return
    if not raw and ServiceItem.objects.filter(pk=instance.item_id).exists():
        _request_index(instance.item_id)


def _department_saved(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    for pk in ServiceItem.objects.filter(department=instance).values_list("pk", flat=True):
        _request_index(pk)


def connect_department_signal():
    from yingshang.core.models import Department

    post_save.connect(_department_saved, sender=Department, dispatch_uid="catalog-search-dept")
