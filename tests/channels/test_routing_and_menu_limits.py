"""The account's text routing as properties (Hypothesis: every 查询 with two words goes to the
case look-up with those words, every 诉求 to the appeal link with its text, anything else to
the search) and the custom menu's byte limits at their exact boundaries (top names 16 bytes,
sub names 60, click keys 128, view URLs 1024)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingshang.channels import handlers, menu
from yingshang.channels.models import MenuItem, MenuKind

WORD = st.text(alphabet=st.characters(blacklist_categories=("Z", "C")), min_size=1, max_size=12)


@pytest.fixture
def routed(monkeypatch):
    calls = []
    monkeypatch.setattr(
        handlers, "answer_query", lambda n, c, o="": calls.append(("query", n, c, o)) or "Q"
    )
    monkeypatch.setattr(handlers, "answer_appeal", lambda t: calls.append(("appeal", t)) or "A")
    monkeypatch.setattr(handlers, "answer_search", lambda q: calls.append(("search", q)) or "S")
    monkeypatch.setattr(handlers, "answer_my_cases", lambda o: calls.append(("mine", o)) or "M")
    return calls


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    number=WORD,
    code=WORD,
    seps=st.tuples(*[st.sampled_from([" ", "  ", "\t", "\u3000"])] * 2),
    pad=st.sampled_from(["", " ", "\n"]),
)
def test_every_query_with_two_words_is_a_case_lookup(routed, number, code, seps, pad):
    routed.clear()
    text = f"{pad}查询{seps[0]}{number}{seps[1]}{code}{pad}"
    assert handlers.answer_text(text, "o1") == "Q"
    assert routed == [("query", number, code, "o1")]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_every_appeal_command_carries_its_text(routed, text):
    routed.clear()
    handlers.answer_text("诉求" + text)
    kind, *args = routed[0]
    assert kind == "appeal"
    assert args[0] == ("诉求" + text).strip()[2:].lstrip()


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_other_texts_are_searched_as_typed(routed, text):
    stripped = text.strip()
    if stripped.startswith(("查询", "诉求")) or stripped == "我的办件":
        return
    routed.clear()
    assert handlers.answer_text(text, "o2") == "S"
    assert routed == [("search", stripped)]


def test_my_cases_needs_the_exact_words(routed):
    handlers.answer_text(" 我的办件\n", "o3")
    handlers.answer_text("我的办件吗", "o3")
    assert routed == [("mine", "o3"), ("search", "我的办件吗")]


def test_a_query_with_one_or_three_words_is_a_search(routed):
    handlers.answer_text("查询 SQ2026000001")
    handlers.answer_text("查询 SQ1 1234 extra")
    assert [c[0] for c in routed] == ["search", "search"]


# --------------------------------------------------------------------------- menu limits


def _only(name, **kwargs):
    MenuItem.objects.all().delete()
    return MenuItem.objects.create(name=name, position=0, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("A" * 16, True),
        ("A" * 17, False),
        ("好差评价", True),
        ("好差评价系", True),
        ("好差评价系统", False),
    ],
)
def test_top_name_byte_boundary(name, ok):
    _only(name, kind=MenuKind.CLICK, key="HELP")
    assert (name not in menu.validate()) is ok


@pytest.mark.django_db
@pytest.mark.parametrize(("chars", "ok"), [(20, True), (21, False)])
def test_sub_name_byte_boundary(chars, ok):
    group = _only("服务")
    name = "办" * chars
    MenuItem.objects.create(parent=group, name=name, position=0, kind=MenuKind.CLICK, key="HELP")
    errors = menu.validate()
    assert (errors == {}) is ok
    if not ok:
        assert "60 字节" in errors[f"服务 › {name}"]


@pytest.mark.django_db
def test_click_key_over_128_bytes_is_refused_before_the_unknown_key_check():
    # 43 characters of 3 bytes: within the column (128 characters, also on PostgreSQL), over
    # WeChat's 128 bytes
    _only("帮助", kind=MenuKind.CLICK, key="键" * 43)
    assert "128 字节" in menu.validate()["帮助"]


@pytest.mark.django_db
def test_view_url_byte_boundary():
    base = "https://example.gov.cn/"
    _only("指南", kind=MenuKind.VIEW, url=base + "a" * (1024 - len(base)))
    assert menu.validate() == {}
    # 1024 characters (the column's limit, enforced by PostgreSQL) but 1026 bytes
    _only("指南", kind=MenuKind.VIEW, url=base + "a" * (1023 - len(base)) + "中")
    assert "1024 字节" in menu.validate()["指南"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["ftp://example.gov.cn/", "example.gov.cn", "", "mailto:a@b.cn"])
def test_view_urls_must_be_local_or_http(url):
    _only("指南", kind=MenuKind.VIEW, url=url)
    assert "站内地址" in menu.validate()["指南"]


@pytest.mark.django_db
def test_a_group_with_only_inactive_children_needs_its_own_action():
    group = _only("服务")
    MenuItem.objects.create(
        parent=group, name="子", position=0, kind=MenuKind.CLICK, key="HELP", active=False
    )
    assert "类型" in menu.validate()["服务"]


@pytest.mark.django_db
def test_build_orders_by_position_and_keeps_click_and_view_shapes(settings):
    MenuItem.objects.all().delete()
    MenuItem.objects.create(name="二", position=2, kind=MenuKind.CLICK, key="HELP")
    MenuItem.objects.create(name="一", position=1, kind=MenuKind.VIEW, url="/portal/")
    payload = menu.build()
    assert [b["name"] for b in payload["button"]] == ["一", "二"]
    assert payload["button"][0]["type"] == "view" and payload["button"][0]["url"].endswith(
        "/portal/"
    )
    assert payload["button"][1] == {"type": "click", "name": "二", "key": "HELP"}


@pytest.mark.django_db
def test_load_default_replaces_only_when_asked():
    MenuItem.objects.all().delete()
    MenuItem.objects.create(name="旧", position=0, kind=MenuKind.CLICK, key="HELP")
    assert menu.load_default() == 0
    assert list(MenuItem.objects.values_list("name", flat=True)) == ["旧"]
    assert menu.load_default(replace=True) == 6
    assert not MenuItem.objects.filter(name="旧").exists()
