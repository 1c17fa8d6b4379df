"""The phone simulator's messages are what WeChat would send: every kind parses with wechatpy
into the right type, event and key; any text (CDATA terminators, XML specials, emoji) comes
back unchanged through the defused parser (Hypothesis); the original ID falls back to the
simulator's; descriptions exist for every kind."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wechatpy import parse_message

from yingshang.channels import phone
from yingshang.channels.config import Config
from yingshang.channels.protocol import parse_xml

CONFIG = Config(app_id="wx1", token="t", original_id="gh_7f083739789a")
KINDS = ["text", "subscribe", "unsubscribe", "click", "scan"]
XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=200,
).filter(lambda t: all(ord(c) >= 0x20 or c in "\t\n" for c in t))


@given(XML_TEXT)
def test_any_text_survives_the_cdata_escaping(content):
    xml = phone.message_xml(CONFIG, openid="o-sim", kind="text", content=content)
    root = parse_xml(xml)
    assert root.findtext("Content") == content
    assert root.findtext("FromUserName") == "o-sim"


@pytest.mark.parametrize("content", ["]]>", "a]]>b]]>c", "<xml>&amp;</xml>", "营业执照 😀"])
def test_awkward_texts_reach_the_handler_intact(content):
    message = parse_message(phone.message_xml(CONFIG, openid="o-sim", kind="text", content=content))
    assert (message.type, message.content, message.source) == ("text", content, "o-sim")
    assert message.target == "gh_7f083739789a"


def test_events_parse_to_their_wechatpy_types():
    click = parse_message(phone.message_xml(CONFIG, openid="o", kind="click", content="HELP"))
    assert (click.type, click.event, click.key) == ("event", "click", "HELP")
    scan = parse_message(phone.message_xml(CONFIG, openid="o", kind="scan", content="case:SQ1"))
    assert (scan.event, scan.scene_id) == ("scan", "case:SQ1")
    new = parse_message(phone.message_xml(CONFIG, openid="o", kind="subscribe", content="case:SQ2"))
    assert new.event == "subscribe_scan" and new.scene_id == "case:SQ2"
    plain = parse_message(phone.message_xml(CONFIG, openid="o", kind="subscribe"))
    assert plain.event == "subscribe"
    assert "<EventKey>" not in phone.message_xml(CONFIG, openid="o", kind="subscribe")
    gone = parse_message(phone.message_xml(CONFIG, openid="o", kind="unsubscribe"))
    assert gone.event == "unsubscribe"


def test_an_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        phone.message_xml(CONFIG, openid="o", kind="location")


def test_without_an_original_id_the_simulator_names_itself():
    xml = phone.message_xml(Config(app_id="wx1"), openid="o", kind="text", content="x")
    assert parse_xml(xml).findtext("ToUserName") == "gh_simulator"


def test_each_kind_is_described():
    descriptions = {kind: phone.describe(kind) for kind in KINDS}
    assert all(descriptions.values()) and len(set(descriptions.values())) == len(KINDS)


def test_sha1_sorted_is_order_free():
    assert phone._sha1_sorted("b", "a", "c") == phone._sha1_sorted("c", "b", "a")
    assert len(phone._sha1_sorted("x")) == 40


@pytest.mark.parametrize(
    "url", ["http://example.com/_fake/messages", "http://10.0.0.1/x", "file:///etc/passwd"]
)
def test_only_local_fakes_are_read(url):
    assert phone._local_json(url) is None


def test_sms_for_needs_an_endpoint_and_a_phone(settings):
    settings.SMS_ENDPOINT = ""
    assert phone.sms_for("13908160001") is None
    settings.SMS_ENDPOINT = "127.0.0.1:9"
    assert phone.sms_for("") is None
    assert phone.sms_for("13908160001") is None  # nothing answers on the discard port


def test_the_prune_job_is_registered_every_ten_minutes():
    import datetime

    from yingshang.platform import jobs

    jobs.autodiscover()
    job = jobs.registry.get("channels.prune_nonces")
    assert job is not None and job.task.module_path.endswith("jobs.prune_nonces")
    assert "10" in str(job.schedule) or getattr(job.schedule, "every", None) == datetime.timedelta(
        minutes=10
    )
