"""The platform's small plumbing, through what the apps call: the look-up counters
(``ratelimit.Limit``: per client and per target, failures only, the block audited), the wait
text in Chinese and English, which browser a request comes from, the query-parameter helpers,
the site identity per language, and what ``visible_to`` lets each demo account see of the
catalogue."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from rest_framework import serializers

from yingshang.platform import ratelimit
from yingshang.platform.clients import in_wechat, wechat_on_android
from yingshang.platform.context import site, site_identity
from yingshang.platform.models import AuditEntry
from yingshang.platform.query import ID_MAX, YEAR_MAX, YEAR_MIN, IdFilter, YearField, page_year

rf = RequestFactory()


def _request(ip="10.0.0.1", **meta):
    return rf.get("/track/", REMOTE_ADDR=ip, **meta)


# ------------------------------------------------------------------------------ ratelimit


@pytest.mark.django_db
def test_the_client_counter_blocks_after_the_limit_and_audits_the_block(settings):
    settings.LOOKUP_RATE = "3/10m"
    limit = ratelimit.Limit(_request(), "cases.track", target="abc")
    for _ in range(2):
        limit.fail()
        limit.check()  # still under the limit: nothing raised
    assert not AuditEntry.objects.filter(action="ratelimit.blocked").exists()
    limit.fail()
    with pytest.raises(ratelimit.RateLimited) as err:
        limit.check()
    assert 1 <= err.value.retry_after <= 600
    assert err.value.group == "cases.track"
    entry = AuditEntry.objects.get(action="ratelimit.blocked")
    assert entry.object_id == "cases.track"
    # the target is recorded as counted: stripped and upper-cased, without its key prefix
    assert entry.changes["target"] == "ABC"
    assert entry.changes["keys"] == ["client", "target"]
    assert entry.changes["retry_after"] == err.value.retry_after


@pytest.mark.django_db
def test_the_target_counter_blocks_every_address(settings):
    """A botnet guessing one number from many addresses meets the target counter."""
    settings.LOOKUP_RATE = "2/10m"
    for n in range(2):
        ratelimit.Limit(_request(f"10.0.1.{n}"), "cases.track", target=" sw2026 ").fail()
    fresh_address = ratelimit.Limit(_request("10.0.9.9"), "cases.track", target="SW2026")
    assert fresh_address.retry_after() >= 1
    # another target from that address is still allowed, and so is another group
    assert ratelimit.Limit(_request("10.0.9.9"), "cases.track", target="other").retry_after() == 0
    assert (
        ratelimit.Limit(_request("10.0.9.9"), "appeals.track", target="SW2026").retry_after() == 0
    )


@pytest.mark.django_db
def test_successes_are_not_counted_and_a_named_client_replaces_the_address(settings):
    settings.LOOKUP_RATE = "1/10m"
    limit = ratelimit.Limit(_request(), "channels.query", client="openid:o1")
    limit.attempt(True)
    assert limit.retry_after() == 0
    limit.attempt(False)
    assert limit.retry_after() >= 1
    # the same address with another openid has its own counter; no target, one key
    other = ratelimit.Limit(_request(), "channels.query", client="openid:o2")
    assert other.keys == [("client", "openid:o2")]
    assert other.retry_after() == 0


@pytest.mark.django_db
def test_a_long_target_is_counted_on_its_first_64_characters(settings):
    settings.LOOKUP_RATE = "1/10m"
    ratelimit.Limit(_request("10.0.0.1"), "g", target="x" * 64 + "tail-a").fail()
    same = ratelimit.Limit(_request("10.0.0.2"), "g", target="X" * 64 + "tail-b")
    assert same.keys[1] == ("target", "target:" + "X" * 64)
    assert same.retry_after() >= 1


@pytest.mark.django_db
def test_a_request_without_an_address_is_one_client(settings):
    settings.LOOKUP_RATE = "1/10m"
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    limit = ratelimit.Limit(request, "g")
    assert limit.keys == [("client", "ip:-")]
    limit.fail()
    assert ratelimit.Limit(rf.get("/", REMOTE_ADDR=""), "g").retry_after() >= 1


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (0, "1 秒", "1 s"),  # never "0 seconds": the wait is at least one
        (-5, "1 秒", "1 s"),
        (59, "59 秒", "59 s"),
        (60, "1 分钟", "1 min"),
        (61, "1 分 1 秒", "1 min 1 s"),
        (600, "10 分钟", "10 min"),
        (3599, "59 分 59 秒", "59 min 59 s"),
    ],
)
def test_wait_text_in_both_languages(seconds, zh, en):
    with translation.override("zh-hans"):
        assert ratelimit.wait_text(seconds) == zh
        assert ratelimit.message(seconds) == f"尝试次数过多，请在 {zh}后再试。"
    with translation.override("en"):
        assert ratelimit.wait_text(seconds) == en
        assert ratelimit.message(seconds) == f"Too many attempts; please try again in {en}."


@pytest.mark.parametrize(("given", "expected"), [(0, 1), (-3, 1), (2.9, 2), ("7", 7)])
def test_retry_after_is_a_whole_positive_number_of_seconds(given, expected):
    assert ratelimit.RateLimited(given, "g").retry_after == expected


@pytest.mark.django_db
def test_the_login_backend_never_authenticates_and_skips_requestless_calls(settings):
    settings.LOOKUP_RATE = "1/10m"
    backend = ratelimit.LoginRateLimitBackend()
    assert backend.authenticate(None, username="anyone", password="x") is None
    # a failure reported without a request (a management command's login) counts nothing
    ratelimit.count_failed_login(None, {"username": "anyone"}, request=None)
    assert backend.authenticate(_request("10.3.0.1"), username="anyone") is None


@pytest.mark.django_db
def test_failed_logins_count_per_username_case_insensitively(settings):
    settings.LOOKUP_RATE = "2/10m"
    for ip in ("10.2.0.1", "10.2.0.2"):
        ratelimit.count_failed_login(None, {"username": " ChengBan "}, request=_request(ip))
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.LoginRateLimitBackend().authenticate(_request("10.2.0.3"), username="chengban")
    # another username from a fresh address passes
    assert (
        ratelimit.LoginRateLimitBackend().authenticate(_request("10.2.0.4"), username="x") is None
    )


# -------------------------------------------------------------------------------- clients

ANDROID_WECHAT = (
    "Mozilla/5.0 (Linux; Android 14; V2307A) AppleWebKit/537.36 Chrome/116.0 Mobile "
    "XWEB/1160065 MMWEBSDK/20240301 MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64"
)
IOS_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 "
    "MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN"
)
ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/124.0 Mobile"


@pytest.mark.parametrize(
    ("agent", "wechat", "android"),
    [
        (ANDROID_WECHAT, True, True),
        (IOS_WECHAT, True, False),
        (ANDROID_CHROME, False, False),
        ("", False, False),
    ],
)
def test_which_browser_a_request_comes_from(agent, wechat, android):
    request = rf.get("/", HTTP_USER_AGENT=agent)
    assert in_wechat(request) is wechat
    assert wechat_on_android(request) is android


def test_a_request_without_a_user_agent_is_no_wechat():
    request = rf.get("/")
    request.META.pop("HTTP_USER_AGENT", None)
    assert not in_wechat(request) and not wechat_on_android(request)


# ---------------------------------------------------------------------------------- query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026", 2026),
        (str(YEAR_MIN), YEAR_MIN),
        (str(YEAR_MAX), YEAR_MAX),
        (str(YEAR_MIN - 1), 2020),
        (str(YEAR_MAX + 1), 2020),
        ("20x6", 2020),
        ("", 2020),
        (None, 2020),
        ("2026.0", 2020),
    ],
)
def test_a_page_year_out_of_range_or_not_a_number_is_the_default(text, expected):
    assert page_year(text, 2020) == expected


class _YearQuery(serializers.Serializer):
    year = YearField()


@pytest.mark.parametrize(
    ("value", "ok"),
    [(YEAR_MIN, True), (YEAR_MAX, True), (YEAR_MIN - 1, False), (YEAR_MAX + 1, False)],
)
def test_year_field_bounds(value, ok):
    serializer = _YearQuery(data={"year": value})
    assert serializer.is_valid() is ok
    if not ok:
        assert list(serializer.errors) == ["year"]


def test_year_field_documents_its_range():
    assert str(YearField().help_text) == f"年份，{YEAR_MIN}–{YEAR_MAX}"


@pytest.mark.parametrize(
    ("value", "ok"), [("1", True), (str(ID_MAX), True), ("0", False), (str(ID_MAX + 1), False)]
)
def test_id_filter_accepts_only_what_a_bigint_column_holds(value, ok):
    field = IdFilter(field_name="id").field
    assert field.min_value == 1 and field.max_value == ID_MAX
    from django import forms

    if ok:
        assert field.clean(value) == int(value)
    else:
        with pytest.raises(forms.ValidationError):
            field.clean(value)


# -------------------------------------------------------------------------------- context


def test_site_identity_per_language(settings):
    settings.YINGSHANG_SITE_NAME = "某市网上办事大厅"
    settings.YINGSHANG_SITE_NAME_EN = "Some City Online Hall"
    settings.YINGSHANG_SITE_ICP = "蜀ICP备00000000号"
    settings.YINGSHANG_SITE_ICP_EN = ""  # empty: the default value is used
    zh = site_identity("zh-hans")
    en = site_identity("en")
    assert zh["name"] == "某市网上办事大厅" and en["name"] == "Some City Online Hall"
    assert zh["icp"] == en["icp"] == "蜀ICP备00000000号"
    assert set(zh) == {
        "name",
        "organiser",
        "operator",
        "address",
        "phone",
        "hours",
        "email",
        "icp",
        "police_filing",
    }


def test_the_context_processor_follows_the_active_language(settings):
    settings.YINGSHANG_SITE_NAME_EN = "Hall EN"
    with translation.override("en"):
        assert site(rf.get("/"))["site"]["name"] == "Hall EN"
    with translation.override("zh-hans"):
        assert site(rf.get("/"))["site"]["name"] == settings.YINGSHANG_SITE_NAME


@pytest.mark.django_db
def test_the_footer_shows_the_site_identity_in_english(client, settings):
    settings.YINGSHANG_SITE_OPERATOR_EN = "The Operating Bureau of Test"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The Operating Bureau of Test" in page
    assert settings.YINGSHANG_SITE_OPERATOR not in page


# -------------------------------------------------------------------------------- scoping

VISIBLE_ITEMS = {
    "admin": {"registration", "seal", "invoice", "immediate", "local", "jiangyou"},
    "jianduyuan": {"registration", "seal", "invoice", "immediate", "local", "jiangyou"},
    "shilingdao": {"registration", "seal", "invoice", "immediate", "local", "jiangyou"},
    "chuangkou": {"registration", "seal", "invoice", "immediate", "local", "jiangyou"},
    # department-bound roles: their own department only
    "chengban": {"registration"},
    "kezhang": {"registration"},
    "fucheng_chengban": {"local"},
    # a county clerk: the county's subtree
    "jiangyou_chuangkou": {"jiangyou"},
    "fucheng_jiandu": {"local"},
}


@pytest.mark.parametrize("username", sorted(VISIBLE_ITEMS))
def test_visible_to_by_role_and_division(staff, catalog, username):
    from yingshang.catalog.models import ServiceItem

    keys = {"registration", "seal", "invoice", "immediate", "local", "jiangyou"}
    by_pk = {catalog[k].pk: k for k in keys}
    seen = set(
        ServiceItem.objects.visible_to(staff[username])
        .filter(pk__in=by_pk)
        .values_list("pk", flat=True)
    )
    assert {by_pk[pk] for pk in seen} == VISIBLE_ITEMS[username]
