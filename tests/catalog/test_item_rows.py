"""``{% item_rows items %}`` (catalog/templatetags/catalog_rows.py): the portal's item list,
written in Python — each item's link, category, department, time limit, visits, online depth
and scope, escaped, in the active language."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

TEMPLATE = Template("{% load catalog_rows %}<ul>{% item_rows items %}</ul>")


def render(items):
    return TEMPLATE.render(Context({"items": items}))


def _rows(html):
    return [part for part in html.split("<li>")[1:]]


def test_each_item_gets_one_row_with_what_the_portal_shows(items):
    chosen = [items["setup"], items["tax"]]
    rows = _rows(render(chosen))
    assert len(rows) == 2
    setup, tax = rows
    assert f'href="{reverse("catalog:service-detail", args=["T-SETUP-510700"])}"' in setup
    assert ">企业设立登记</a>" in setup and "行政许可" in setup
    assert items["setup"].department.name in setup
    assert "承诺 1 个工作日" in setup and "跑动 0 次" in setup
    version = items["setup"].current_version
    assert version.get_online_depth_display() in setup
    assert version.get_service_scope_display() in setup
    assert "即办件" in tax and "承诺" not in tax


def test_in_english(items):
    with translation.override("en"):
        row = _rows(render([items["setup"]]))[0]
    assert "Committed: 1 working day(s)" in row and "Visits: 0" in row
    assert "承诺" not in row and "跑动" not in row


def test_names_are_escaped(items):
    item = items["seal"]
    item.name = '<script>alert("x")</script>&'
    row = _rows(render([item]))[0]
    assert "<script>" not in row
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in row


def test_nothing_to_show_is_nothing():
    assert render([]) == "<ul></ul>"
