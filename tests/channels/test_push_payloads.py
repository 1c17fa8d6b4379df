"""What a push sends (channels/sender.py): which template mapping a category uses, the value
limits WeChat imposes per keyword type (a property over arbitrary text), and the payload's
shape for subscription and template messages."""

import datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.channels.models import PushKind, TemplateMapping
from yingshang.channels.sender import (
    DEFAULT_FIELDS,
    VALUE_LIMITS,
    _limit,
    _value,
    build_payload,
    templates_for,
)

NOTE = SimpleNamespace(
    title="办件已受理",
    body="您的办件已由市市场监督管理局受理,请留意后续短信和微信通知。",
    link="/cases/track/?number=1",
    created_at=datetime.datetime(2026, 3, 2, 2, 5, tzinfo=datetime.UTC),
)


@given(st.sampled_from([*VALUE_LIMITS, "other"]), st.integers(1, 12), st.text(max_size=300))
def test_values_are_cut_to_the_keyword_types_limit(prefix, n, value):
    keyword = f"{prefix}{n}"
    limit = VALUE_LIMITS.get(prefix, 200)
    out = _limit(keyword, value)
    assert len(out) <= limit
    if len(value) <= limit:
        assert out == value
    else:
        assert out == value[: limit - 1] + "…"


def test_values_are_read_from_the_notification():
    assert _value(NOTE, "title") == "办件已受理"
    assert _value(NOTE, "created_at") == "2026-03-02 10:05"  # Asia/Shanghai
    assert _value(NOTE, "missing") == "-"
    assert _value(SimpleNamespace(body=""), "body") == "-"  # WeChat refuses empty values


def test_subscription_payload_with_default_fields(settings):
    settings.SITE_URL = "https://ys.example.cn"
    payload = build_payload(PushKind.SUBSCRIBE, {"template_id": "T1"}, "o-1", NOTE)
    assert payload["touser"] == "o-1" and payload["template_id"] == "T1"
    assert set(payload["data"]) == set(DEFAULT_FIELDS[PushKind.SUBSCRIBE])
    assert payload["data"]["thing1"]["value"] == "办件已受理"
    assert len(payload["data"]["thing2"]["value"]) == VALUE_LIMITS["thing"]
    # with the marker that logs the person in through WeChat's authorisation (inbrowser.py)
    assert payload["page"] == "https://ys.example.cn/cases/track/?number=1&wx=1"
    assert "url" not in payload


def test_template_payload_uses_url_and_the_mapped_page_and_fields():
    mapping = {"template_id": "T2", "fields": {"first": "title"}, "page": "https://x.cn/p"}
    payload = build_payload(PushKind.TEMPLATE, mapping, "o-2", NOTE)
    assert payload["data"] == {"first": {"value": "办件已受理"}}
    assert payload["url"] == "https://x.cn/p" and "page" not in payload


def test_no_link_no_page():
    note = SimpleNamespace(**{**NOTE.__dict__, "link": ""})
    payload = build_payload(PushKind.TEMPLATE, {"template_id": "T"}, "o", note)
    assert "url" not in payload and "page" not in payload


@pytest.mark.django_db
def test_a_categorys_own_rows_win_over_the_default_rows(settings):
    settings.WECHAT_TEMPLATES = {}
    TemplateMapping.objects.create(category="", kind=PushKind.SUBSCRIBE, template_id="D-S")
    TemplateMapping.objects.create(category="", kind=PushKind.TEMPLATE, template_id="D-T")
    TemplateMapping.objects.create(
        category="cases", kind=PushKind.SUBSCRIBE, template_id="C-S", page="/p"
    )
    assert templates_for("cases") == {
        PushKind.SUBSCRIBE: {"template_id": "C-S", "fields": {}, "page": "/p"}
    }  # the default template row is not mixed in
    assert set(templates_for("reforms")) == {PushKind.SUBSCRIBE, PushKind.TEMPLATE}
    assert templates_for("reforms")[PushKind.TEMPLATE]["template_id"] == "D-T"


@pytest.mark.django_db
def test_settings_apply_when_the_admin_has_no_rows(settings):
    settings.WECHAT_TEMPLATES = {
        "cases": {"subscribe": {"template_id": "S-C"}},
        "": {"template": {"template_id": "S-D"}},
    }
    assert templates_for("cases") == {"subscribe": {"template_id": "S-C"}}
    assert templates_for("other") == {"template": {"template_id": "S-D"}}
    settings.WECHAT_TEMPLATES = None
    assert templates_for("cases") == {}
