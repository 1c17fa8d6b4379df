"""``url_per_key`` (platform/urls.py): one ``reverse()`` for a whole list, each row's URL the
one ``reverse()`` gives for its key — the server (which unquotes the path) resolves it to the
same view with the same argument."""

from urllib.parse import unquote

import pytest
from django.urls import resolve, reverse

from yingshang.platform.urls import url_per_key


@pytest.mark.parametrize("code", ["T-FOOD-510781", "010060010000", "事项 一", "a&b=c", "x?y#z%"])
def test_item_links_resolve_to_the_item_with_the_same_code(code):
    url = url_per_key("catalog:service-detail")(code)
    assert "?" not in url and "#" not in url  # quoted: a key never starts a query or fragment
    match = resolve(unquote(url))
    assert match.view_name == "catalog:service-detail" and match.kwargs["code"] == code
    assert unquote(url) == unquote(reverse("catalog:service-detail", args=[code]))


@pytest.mark.parametrize("number", ["51070020251207900000001", "5107002026120700344"])
def test_case_links_are_reverses_own(number):
    assert url_per_key("cases:detail")(number) == reverse("cases:detail", args=[number])
