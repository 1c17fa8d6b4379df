"""The site's frame (docs/portal.md): one navigation for the whole public side, the menu button,
the footer from settings, the privacy and accessibility statements, the home page's popular
items and an applicant's to-dos, the date style."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from tests.cases.factories import CaseFactory, CompletedCaseFactory

PUBLIC_NAV = ["首页", "办事服务", "办件查询", "企业诉求", "政企面对面", "改革任务公开", "好差评"]


def _nav(html: str) -> str:
    start = html.index('<nav id="site-nav"')
    return html[start : html.index("</nav>", start)]


@pytest.fixture
def applicant(db):
    from yingshang.core.models import User

    return User.objects.create_user("shimin_portal", password="x" * 12, full_name="市民甲")


@pytest.mark.parametrize(
    "url", ["/", "/services/", "/track/", "/appeals/", "/evaluations/stats/", "/privacy/"]
)
def test_public_pages_share_one_navigation_and_the_footer(client, mianyang, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    nav = _nav(html)
    for label in PUBLIC_NAV:
        assert f">{label}<" in nav, (url, label)
    assert "登录" in nav  # anonymous: the login link
    # the menu button drives the nav by id, for assistive technology
    assert 'data-nav-toggle aria-expanded="false" aria-controls="site-nav"' in html
    assert 'class="site-footer"' in html
    assert reverse("privacy") in html and reverse("accessibility") in html
    assert "vendor/weui/weui.min.css" in html and "yingshang/tokens.css" in html


def test_logged_in_applicant_keeps_the_public_navigation_plus_own_pages(client, applicant):
    client.force_login(applicant)
    nav = _nav(client.get("/").content.decode())
    for label in [*PUBLIC_NAV, "我的办件", "我的企业", "消息"]:
        assert f">{label}" in nav, label
    assert "登录<" not in nav and "工作台" not in nav


def test_staff_pages_get_the_staff_navigation_and_public_pages_the_public_one(client, staff):
    client.force_login(staff["chuangkou"])
    staff_nav = _nav(client.get("/staff/").content.decode())
    assert "工作台" in staff_nav and "好差评" not in staff_nav
    public_nav = _nav(client.get("/").content.decode())
    assert "好差评" in public_nav and "工作台" in public_nav


def test_current_page_is_marked_in_the_navigation(client, mianyang):
    nav = _nav(client.get("/services/").content.decode())
    assert f'href="{reverse("catalog:service-search")}" aria-current="page"' in nav
    assert nav.count('aria-current="page"') == 1


def test_footer_comes_from_settings(client, mianyang, settings):
    html = client.get("/").content.decode()
    assert "绵阳市政务服务监督管理局" in html and "0816-12345" in html  # Mianyang defaults
    settings.YINGSHANG_SITE_OPERATOR = "德阳市政务服务管理局"
    settings.YINGSHANG_SITE_PHONE = "0838-12345"
    settings.YINGSHANG_SITE_ICP = "蜀ICP备00000000号"
    html = client.get("/").content.decode()
    footer = html[html.index('class="site-footer"') :]
    assert "德阳市政务服务管理局" in footer and 'href="tel:0838-12345"' in footer
    assert "蜀ICP备00000000号" in footer and "绵阳市政务服务监督管理局" not in footer


@pytest.mark.parametrize(
    ("url", "zh", "en"),
    [
        ("/privacy/", "隐私政策", "Privacy notice"),
        ("/accessibility/", "无障碍声明", "Accessibility"),
    ],
)
def test_statements_in_chinese_and_english(client, mianyang, url, zh, en):
    chinese = client.get(url).content.decode()
    assert f"<h1>{zh}</h1>" in chinese and "0816-12345" in chinese
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<h1>{en}" in english and zh not in english
    assert "个人信息" not in english and "本网站" not in english


def test_footer_in_english(client, mianyang):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    footer = html[html.index('class="site-footer"') :]
    assert "Organiser:" in footer and "Accessibility statement" in footer
    assert "主办单位" not in footer and "隐私政策" not in footer


def _section(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</section>", start)]


def test_home_popular_items_are_the_most_applied_for(client, items):
    CaseFactory.create_batch(2, item=items["seal"])
    CaseFactory(item=items["food"])
    popular = _section(client.get("/").content.decode(), 'id="popular"')
    seal, food = items["seal"], items["food"]
    assert popular.index(seal.name) < popular.index(food.name)
    assert reverse("catalog:service-detail", args=[seal.implementation_code]) in popular
    assert seal.department.name in popular


def test_home_tiles_follow_a_catalogue_change_at_once(client, items, bundle):
    """The tiles are memoised per process (selectors.home_facts); saving an item, a bundle or
    a department drops them, so this process shows the change on the next request."""
    from yingshang.catalog import selectors

    html = client.get("/").content.decode()
    assert bundle.name in _section(html, 'id="bundles"')
    first = selectors.home_facts()
    assert selectors.home_facts() is first  # memoised: the same object, no query

    bundle.name = "改名后的一件事"
    bundle.save()
    assert "改名后的一件事" in _section(client.get("/").content.decode(), 'id="bundles"')

    item = items["seal"]
    item.department.name = "改名后的部门"
    item.department.save()
    CaseFactory(item=item)
    from django.core.cache import cache

    from yingshang.catalog import search

    cache.delete(search.POPULAR_CACHE_KEY)
    assert "改名后的部门" in _section(client.get("/").content.decode(), 'id="popular"')

    item.is_active = False
    item.save()
    assert item.name not in _section(client.get("/").content.decode(), 'id="popular"')


def test_home_tiles_expire_in_other_processes(client, bundle, monkeypatch):
    """Another process's change reaches this one when the memo expires (FACTS_TTL)."""
    from yingshang.catalog import selectors
    from yingshang.catalog.models import Bundle
    from yingshang.platform import memo

    client.get("/")
    Bundle.objects.filter(pk=bundle.pk).update(name="别处改名")  # no signal, as elsewhere
    assert "别处改名" not in client.get("/").content.decode()
    clock = memo.time.monotonic() + selectors.FACTS_TTL + 1
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock)
    assert "别处改名" in _section(client.get("/").content.decode(), 'id="bundles"')


def test_home_to_dos_of_an_applicant(client, applicant, mianyang):
    now = timezone.now()
    supplement = CaseFactory(user=applicant, status="supplement_requested", title="补正中的事项")
    ready = CompletedCaseFactory(user=applicant, title="待领取的事项", completed_at=now)
    rated = CompletedCaseFactory(
        user=applicant, status="delivered", title="已评价的事项", completed_at=now
    )
    old = CompletedCaseFactory(
        user=applicant,
        status="delivered",
        title="很久以前的事项",
        completed_at=now - datetime.timedelta(days=200),
    )
    CaseFactory(status="supplement_requested", title="别人的事项")  # not theirs
    from yingshang.evaluations.services import submit_evaluation

    submit_evaluation(rated, applicant, 5)

    client.force_login(applicant)
    html = client.get("/").content.decode()
    todos = html[
        html.index('id="my-todos"') : html.index("</section>", html.index('id="my-todos"'))
    ]
    assert "需要补正" in todos and supplement.title in todos
    assert reverse("cases:my-case", args=[supplement.number]) in todos
    assert "可以领取" in todos and ready.title in todos
    rate_link = reverse("evaluations:rate", args=["cases.case", ready.pk])
    assert rate_link in todos  # finished, not yet rated
    assert reverse("evaluations:rate", args=["cases.case", rated.pk]) not in todos
    assert old.title not in todos and "别人的事项" not in todos
    # the link opens the rating page of that case for its applicant
    assert client.get(rate_link).status_code == 200


def test_home_to_dos_absent_for_anonymous_and_staff_and_empty_state(client, applicant, staff):
    assert 'id="my-todos"' not in client.get("/").content.decode()
    client.force_login(staff["chengban"])
    assert 'id="my-todos"' not in client.get("/").content.decode()
    client.force_login(applicant)
    html = client.get("/").content.decode()
    assert 'id="my-todos"' in html and "暂无待办" in html


def test_one_date_style_in_both_languages():
    day = datetime.date(2026, 12, 6)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert date_format(day) == "2026-12-06"
            assert date_format(day, "SHORT_DATE_FORMAT") == "2026-12-06"
            at = datetime.datetime(2026, 12, 6, 14, 30)
            assert date_format(at, "DATETIME_FORMAT") == "2026-12-06 14:30"


def test_footer_identity_in_english_from_the_en_settings(client, mianyang, settings):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    footer = html[html.index('class="site-footer"') :]
    assert "Mianyang Government Service Supervision Bureau" in footer
    assert "绵阳市网上办事大厅" not in html  # the site's name in English too
    settings.YINGSHANG_SITE_OPERATOR_EN = ""  # no English variant: the default value
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "绵阳市政务服务监督管理局" in html[html.index('class="site-footer"') :]
