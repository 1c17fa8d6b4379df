"""``{% load options %}``: ``{% options choices selected %}`` writes the ``<option>`` elements of
``choices`` (pairs of value and label), marking the one whose value equals ``selected``.

Built in Python with ``html.escape`` (quotes included): the search filters list about two
hundred choices on every request, where a template loop — or ``format_html`` per choice — costs
several times as much (docs/performance.md)."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def options(choices, selected=""):
    selected = "" if selected is None else str(selected)
    parts = []
    for value, label in choices:
        value = str(value)
        mark = " selected" if value == selected else ""
        parts.append(f'<option value="{escape(value)}"{mark}>{escape(str(label))}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - every value and label escaped above
