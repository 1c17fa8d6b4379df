"""``{% load labels %}``: ``{{ value|label:"kind" }}`` shows a code in words (platform/labels.py)."""

from django import template

from yingshang.platform import labels

register = template.Library()


@register.filter(name="label")
def label_filter(value, kind):
    return labels.label(kind, value)


@register.simple_tag(name="label")
def label_tag(kind, value):
    return labels.label(kind, value)


@register.filter(name="actor")
def actor_filter(name):
    """Who acted in an event log: the system (``system`` or no one) in words, an account name
    as data (``translate="no"``: a name, not a word to translate)."""
    from django.utils.html import format_html
    from django.utils.translation import gettext

    if not name or name == "system":
        return gettext("系统")
    return format_html('<span translate="no">{}</span>', name)
