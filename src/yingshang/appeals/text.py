"""Chinese text handling: jieba segmentation and token-set similarity (repeat detection)."""

import logging
import re
from functools import lru_cache

_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
STOPWORDS = set(
    "的 了 和 是 在 我 我们 公司 企业 你们 贵 请 问 能否 是否 一下 这个 那个 没有 还 也 就 都 "
    "有 对 与 及 或 等 被 把 给 让 向 从 到 为 以 之 其 该 此 已 已经 目前 现在 希望 请问 "
    "相关 问题 情况 进行 一直 因为 所以 但是 如果 什么 怎么 如何 多少 哪里 可以 需要".split()
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba tokens without punctuation, single characters and stop words."""
    return [
        t
        for t in _jieba().lcut(text or "")
        if len(t) >= 2 and _WORD.search(t) and t not in STOPWORDS
    ]


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
