"""The daily digest's text for any mix of categories, read and unread messages (Hypothesis: the
header with the unread count, one group per category in order, at most 20 titles, "……另有 N 条"),
what happens when everything was read meanwhile, the channels it goes through; one message per
event when the key is longer than the column or a concurrent twin won the race; and which links
a message may carry (a protocol-relative one is stored but never followed)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from yingshang.notifications import services
from yingshang.notifications.models import (
    Delivery,
    Notification,
    NotificationQuerySet,
)

pytestmark = pytest.mark.django_db

LABELS = {"case": "办件进度", "appeals": "企业诉求", "evaluations": "好差评", "": "其他"}


def _pending(user, category: str, unread: int, read: int) -> list[str]:
    """``unread`` then ``read`` messages of ``category`` waiting for the digest; their titles."""
    now = timezone.now()
    titles = [f"{category or 'other'}-{i}" for i in range(unread)]
    rows = [
        Notification(recipient=user, title=t, category=category, digest_pending=True)
        for t in titles
    ] + [
        Notification(
            recipient=user, title=f"已读{i}", category=category, digest_pending=True, read_at=now
        )
        for i in range(read)
    ]
    Notification.objects.bulk_create(rows)
    return titles


def _expected_body(groups: list[tuple[str, list[str]]]) -> str:
    lines = []
    for category, titles in groups:
        lines.append(f"{LABELS[category]}（{len(titles)}）")
        lines.extend(f"· {t}" for t in titles[:20])
        if len(titles) > 20:
            lines.append(f"……另有 {len(titles) - 20} 条")
    return "\n".join(lines)


@settings(max_examples=30)
@given(
    mix=st.lists(
        st.tuples(
            st.sampled_from(sorted(LABELS)),
            st.integers(min_value=0, max_value=45),
            st.integers(min_value=0, max_value=3),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0],
    )
)
def test_the_digest_lists_each_categorys_unread_titles(user, mix):
    Notification.objects.filter(recipient=user).delete()
    groups = []
    for category, unread, read in mix:
        titles = _pending(user, category, unread, read)
        if titles:
            groups.append((category, titles))
    total = sum(len(t) for _c, t in groups)
    sent = services.send_digests()
    assert not Notification.objects.filter(recipient=user, digest_pending=True).exists()
    digests = Notification.objects.filter(recipient=user, category=services.DIGEST_CATEGORY)
    if not total:
        assert sent == 0 and not digests.exists()
        return
    assert sent == 1
    digest = digests.get()
    assert digest.title == f"每日消息汇总：{total} 条未读消息"
    assert digest.body == _expected_body(groups)
    assert digest.link == reverse("notifications:inbox")
    assert not digest.in_app and not digest.digest_pending


def test_the_digest_goes_only_through_the_persons_channels(user):
    services.set_preference(user=user, email=False, wechat=True, sms="never", digest=True)
    services.notify(user, "办件 A:已受理", category="case")
    assert services.send_digests() == 1
    digest = Notification.objects.get(category=services.DIGEST_CATEGORY)
    assert not digest.deliveries.exists()  # e-mail is off; no WeChat binding, no SMS
    services.set_preference(user=user, email=True, wechat=True, sms="never", digest=True)
    services.notify(user, "办件 B:已办结", category="case")
    assert services.send_digests() == 1
    latest = Notification.objects.filter(category=services.DIGEST_CATEGORY).first()
    assert [(d.channel, d.address) for d in latest.deliveries.all()] == [
        ("email", "wang.fang@example.com")
    ]


def test_the_digest_job_for_several_people_sends_one_each(user, other):
    for person in (user, other):
        services.set_preference(user=person, email=True, wechat=False, sms="never", digest=True)
        services.notify(person, "诉求已答复", category="appeals")
        services.notify(person, "办件已受理", category="case")
    assert services.send_digests() == 2
    for person in (user, other):
        digest = Notification.objects.get(recipient=person, category=services.DIGEST_CATEGORY)
        assert digest.title == "每日消息汇总：2 条未读消息"


def test_the_digest_title_follows_the_active_language(user):
    _pending(user, "case", 2, 0)
    with translation.override("en"):
        services.send_digests()
    assert Notification.objects.get(category="digest").title == "Daily digest: 2 unread messages"


# --------------------------------------------------------------------------- one per event


def test_a_key_longer_than_the_column_is_cut_and_still_names_one_event(user):
    stem = "case:" + "9" * 195  # 200 characters
    first = services.notify(user, "办件已受理", dedup_key=stem + ":accepted")
    again = services.notify(user, "办件已受理", dedup_key=stem + ":completed")
    assert again.pk == first.pk and first.dedup_key == stem
    assert Notification.objects.filter(recipient=user).count() == 1


def test_a_concurrent_twin_gets_the_first_message(user, monkeypatch):
    first = services.notify(user, "诉求已答复", dedup_key="appeal:SQ1:replied")
    # the twin's look-up ran before the first one committed: it saw nothing
    monkeypatch.setattr(NotificationQuerySet, "first", lambda self: None)
    twin = services.notify(user, "诉求已答复", dedup_key="appeal:SQ1:replied")
    assert twin.pk == first.pk
    assert Notification.objects.filter(recipient=user).count() == 1
    assert Delivery.objects.filter(notification__recipient=user).count() == 1


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    "link", ["", "/", "/staff/cases/17/", "http://zwfw.mianyang.gov.cn/", "https://example.com"]
)
def test_links_a_message_may_carry(user, link):
    assert services.notify(user, "标题", link=link, channels=["inapp"]).link == link


@pytest.mark.parametrize(
    "link", ["ftp://files.example.com/a", "mailto:a@example.com", "data:text/html,x", "cases/1/"]
)
@pytest.mark.parametrize(
    "language,message",
    [
        ("zh-hans", "链接必须是以“/”开头的站内地址或 http(s) 地址。"),
        ("en", 'The link must be a site path starting with "/" or an http(s) address.'),
    ],
)
def test_links_a_message_may_not_carry(user, link, language, message):
    with translation.override(language), pytest.raises(ValidationError) as exc:
        services.notify(user, "标题", link=link)
    assert exc.value.message_dict == {"link": [message]}
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_a_protocol_relative_link_is_never_followed_off_site(user, login):
    n = services.notify(user, "外链", link="//evil.example/phish", channels=["inapp"])
    r = login(user).post(reverse("notifications:mark_read", args=[n.pk]), {"open": "1"})
    assert r.url == reverse("notifications:inbox")
    n.refresh_from_db()
    assert n.read_at is not None and n.read_at <= timezone.now() + datetime.timedelta(seconds=1)


def test_a_fresh_worker_names_messages_without_a_category(tmp_path):
    """Regression: the digest job in a new worker process named the group of uncategorised
    messages "" (the label registry was discovered only for non-empty values)."""
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup()\n"
        "from yingshang.platform.labels import label\n"
        "print(label('notifications.category', ''))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "yingshang.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "其他"
