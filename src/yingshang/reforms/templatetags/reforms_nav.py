"""``{% load reforms_nav %}``: what the programme's sub-navigation may offer the person (a link
is shown only to those who may open it)."""

from django import template

from yingshang.reforms import policies

register = template.Library()


@register.filter
def can_import_tasks(user) -> bool:
    return policies.is_bureau(user)
