"""``{% load catalog_rows %}``: ``{% item_rows items %}`` writes the portal's list of items (the
search results, the popular items of an empty search): name and link, category, department,
time limit, visits, online depth, scope.

Written in Python and escaped by ``format_html_join``: twenty rows through a template include
with a translation, a link and four choice labels each were half the search page's CPU
(docs/performance.md)."""

from django import template
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from yingshang.platform.urls import url_per_key

register = template.Library()

ROW = (
    '<li>\n  <a class="name" href="{}">{}</a>\n  <span class="pill">{}</span>\n'
    '  <div class="meta"><span>{}</span> <span>{}</span> <span>{}</span> <span>{}</span> '
    "<span>{}</span></div>\n</li>"
)


@register.simple_tag
def item_rows(items):
    detail = url_per_key("catalog:service-detail")
    immediate = _("即办件")
    rows = []
    for item in items:
        v = item.current_version
        limit = (
            immediate
            if v.kind == "immediate"
            else _("承诺 %(n)s 个工作日") % {"n": v.committed_limit_days}
        )
        rows.append(
            (
                detail(item.implementation_code),
                item.name,
                item.get_category_display(),
                item.department.name,
                limit,
                _("跑动 %(n)s 次") % {"n": v.visits_required},
                v.get_online_depth_display(),
                v.get_service_scope_display(),
            )
        )
    return format_html_join("\n", ROW, rows)
