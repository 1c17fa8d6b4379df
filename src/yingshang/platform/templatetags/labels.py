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
