"""The account's answers called directly (channels/handlers.py): QR scenes, the 诉求 link with
its text cut and encoded, the search term's length, the routing of text commands and events,
and what the rate limit answers."""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from yingshang.channels import handlers
from yingshang.channels.models import Follower


def _msg(type_, **kw):
    return SimpleNamespace(type=type_, source=kw.pop("source", "o-answers"), **kw)


@pytest.mark.parametrize(
    "scene, number",
    [("case:SQ2026000001", "SQ2026000001"), ("case:  SQ1  ", "SQ1")],
)
def test_a_case_scene_links_its_tracking_page(scene, number):
    answer = handlers.answer_scene(scene)
    assert number in answer
    link = answer.splitlines()[-1]
    assert parse_qs(urlsplit(link).query) == {"number": [number]}


@pytest.mark.parametrize("scene", ["case:", "case:   ", "promo:1", ""])
def test_other_scenes_have_no_answer(scene):
    assert handlers.answer_scene(scene) is None


def test_the_appeal_link_carries_the_text_cut_to_500_characters():
    text = "停车难" * 300
    link = handlers.answer_appeal(f"  {text}  ").splitlines()[-1]
    assert parse_qs(urlsplit(link).query) == {"text": [text[:500]]}
    bare = handlers.answer_appeal("   ").splitlines()[-1]
    assert urlsplit(bare).query == ""


@pytest.mark.django_db
def test_text_commands_are_routed(catalog):
    assert handlers.answer_text("  我的办件 ") == handlers.bind_explanation()
    assert "text=" in handlers.answer_text("诉求 路灯坏了")
    assert handlers.answer_text("诉求").startswith(handlers.answer_appeal("").splitlines()[0])
    nothing = handlers.answer_text("查无此事项" + "x" * 100)
    assert ("查无此事项" + "x" * 45) in nothing and "x" * 46 not in nothing  # cut to 50
    assert handlers.help_text() in nothing
    assert handlers.answer_text(None).endswith(handlers.help_text())


@pytest.mark.django_db
def test_events_routing():
    assert handlers.handle(_msg("event", event="unsubscribe")) == ""
    assert Follower.objects.get(openid="o-answers").subscribed is False
    answer = handlers.handle(_msg("event", event="subscribe", scene_id="case:SQ9"))
    assert answer.startswith(handlers.welcome()) and "SQ9" in answer
    follower = Follower.objects.get(openid="o-answers")
    assert follower.subscribed and follower.scene == "case:SQ9"
    assert handlers.handle(_msg("event", event="scan", scene_id="")) == handlers.help_text()
    assert handlers.handle(_msg("event", event="scan", scene_id="case:SQ8")).count("SQ8") >= 1
    assert handlers.handle(_msg("event", event="location")) == ""
    assert handlers.handle(_msg("event", event="click", key="NOPE")) == handlers.help_text()
    assert handlers.handle(_msg("event", event="click", key="MY_CASES")) == (
        handlers.bind_explanation()
    )
    assert handlers.handle(_msg("image")) == handlers.help_text()


@pytest.mark.django_db
def test_clicks_and_texts_share_the_rate_limit(settings):
    settings.WECHAT_COMMANDS_PER_MINUTE = 2
    source = "o-busy"
    assert handlers.handle(_msg("event", event="click", key="HELP", source=source)) == (
        handlers.help_text()
    )
    assert handlers.handle(_msg("text", content="我的办件", source=source)) == (
        handlers.bind_explanation()
    )
    assert handlers.handle(_msg("text", content="我的办件", source=source)) == (
        handlers.rate_limited()
    )
    assert handlers.handle(_msg("event", event="click", key="HELP", source=source)) == (
        handlers.rate_limited()
    )
    # events that are not commands are never limited
    assert handlers.handle(_msg("event", event="unsubscribe", source=source)) == ""
