"""Punctuation between translated words in templates (a builtin: no ``{% load %}`` needed).

``{% translate "查询码" %}{% colon %}{{ code }}`` shows 查询码：ABC in Chinese and
"Query code: ABC" in English: GB/T 15834 full-width marks in Chinese text, the English marks
(with their space) in any other language. ``scripts/fullwidth --fix`` writes these tags where
a mark stands between a translated string and the rest of a template.
"""

from django import template
from django.utils.translation import get_language

register = template.Library()

# mark: (Chinese, other languages)
MARKS = {
    "colon": ("：", ": "),
    "comma": ("，", ", "),
    "semicolon": ("；", "; "),
    "lparen": ("（", " ("),
    "rparen": ("）", ")"),
}


def mark(name: str) -> str:
    chinese, other = MARKS[name]
    return chinese if (get_language() or "zh-hans").startswith("zh") else other


for _name in MARKS:
    register.simple_tag(name=_name)(lambda _n=_name: mark(_n))
