"""Public case tracking cannot be guessed: number + 查询码 (never the last digits of an ID or
phone), at most 20 failed look-ups per 10 minutes per address and per case number, then 429 with
Retry-After (a page in words); the code is nowhere in the database; the notice's QR carries it."""

import pytest
from django.db import connection
from django.urls import reverse

from yingshang.cases.models import Case
from yingshang.platform.models import AuditEntry

from .conftest import USCC

pytestmark = pytest.mark.django_db

URL = "/track/"


def _bad(client, number, addr="203.0.113.5", code="ABCDE-12345"):
    return client.get(URL, {"number": number, "code": code}, REMOTE_ADDR=addr)


def test_21st_failed_lookup_is_429_with_retry_after(client, submitted):
    for _ in range(20):
        r = _bad(client, submitted.number)
        assert r.status_code == 200 and "未找到办件" in r.content.decode()
    r = _bad(client, submitted.number)
    assert r.status_code == 429
    wait = int(r["Retry-After"])
    assert 1 <= wait <= 600
    body = r.content.decode()
    assert "尝试次数过多" in body and "后再试" in body
    # the right code is refused too while blocked (or guessing would go on)
    r = client.get(
        URL, {"number": submitted.number, "code": submitted.lookup_code}, REMOTE_ADDR="203.0.113.5"
    )
    assert r.status_code == 429 and "已申报" not in r.content.decode()
    entry = AuditEntry.objects.filter(action="ratelimit.blocked").latest("id")
    assert entry.object_id == "cases.track" and entry.ip == "203.0.113.5"
    assert entry.changes["target"] == submitted.number


def test_the_429_page_in_english(client, submitted):
    for _ in range(20):
        _bad(client, submitted.number)
    r = client.get(
        URL,
        {"number": submitted.number, "code": "x"},
        REMOTE_ADDR="203.0.113.5",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 429 and "Retry-After" in r
    # the English wording comes with the catalogue the lead regenerates (docs/i18n.md)
    assert 'lang="en"' in r.content.decode()


def test_limit_per_target_across_addresses(client, submitted):
    """Twenty addresses guessing one case number once each block that number for everyone…"""
    for i in range(20):
        assert _bad(client, submitted.number, addr=f"198.51.100.{i + 1}").status_code == 200
    assert _bad(client, submitted.number, addr="198.51.100.99").status_code == 429
    # …but not the other cases for a fresh address
    assert _bad(client, "SL-2099-000001", addr="198.51.100.99").status_code == 200


def test_limit_per_address_across_targets(client, submitted):
    """One address guessing twenty numbers is blocked on any number, even the right one."""
    for i in range(20):
        assert _bad(client, f"SL-2099-{i:06d}").status_code == 200
    r = client.get(
        URL, {"number": submitted.number, "code": submitted.lookup_code}, REMOTE_ADDR="203.0.113.5"
    )
    assert r.status_code == 429
    # another address still opens it with the code
    r = client.get(
        URL, {"number": submitted.number, "code": submitted.lookup_code}, REMOTE_ADDR="192.0.2.1"
    )
    assert r.status_code == 200 and "已申报" in r.content.decode()


def test_successful_lookups_are_not_counted(client, submitted):
    for _ in range(30):
        r = client.get(URL, {"number": submitted.number, "code": submitted.lookup_code})
        assert r.status_code == 200 and "已申报" in r.content.decode()


def test_last_four_digits_never_open(client, submitted):
    for digits in (USCC[-4:], submitted.applicant_phone[-4:]):
        r = client.get(URL, {"number": submitted.number, "code": digits})
        assert "已申报" not in r.content.decode()


def test_owner_logged_in_sees_own_case_and_its_code(client, submitted, portal_users):
    client.force_login(portal_users["qiye"])
    r = client.get(reverse("cases:my-case", args=[submitted.number]))
    assert r.status_code == 200 and submitted.lookup_code in r.content.decode()
    client.force_login(portal_users["shimin"])
    assert client.get(reverse("cases:my-case", args=[submitted.number])).status_code == 404


def test_old_rows_without_a_code_open_by_no_code(client, submitted):
    Case.objects.filter(pk=submitted.pk).update(lookup_seed="")
    case = Case.objects.get(pk=submitted.pk)
    assert case.lookup_code == ""
    for code in ("", "0000000000", submitted.lookup_code):
        r = client.get(URL, {"number": case.number, "code": code})
        assert "已申报" not in r.content.decode()


def test_the_code_is_stored_nowhere(client, submitted):
    """Neither the code nor its typed forms are in any table (cases, events, audit, sessions,
    notifications, …): only the seed it is derived from with the server's key."""
    code = submitted.lookup_code
    # exercise the pages that show and check it
    client.get(URL, {"number": submitted.number, "code": code})
    forms = {code, code.replace("-", ""), code.replace("-", "").lower()}
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cur.fetchall():
                text = " ".join(str(v) for v in row)
                assert not any(f in text for f in forms), table
    assert Case.objects.get(pk=submitted.pk).lookup_seed  # the seed is there


def test_notice_qr_carries_a_signed_status_link(client, submitted, staff):
    from django.test import RequestFactory

    from yingshang.cases import views

    request = RequestFactory().get("/")
    url = views.tracking_url(request, submitted)
    path = url.split("testserver", 1)[1]
    assert path.startswith(f"/track/{submitted.number}/")
    # the link carries neither the 查询码 nor the seed: only a timestamp and a signature
    assert submitted.lookup_code not in url and submitted.lookup_seed not in url
    # the URL opens the case's status directly
    r = client.get(path)
    assert r.status_code == 200 and "已申报" in r.content.decode()


def test_query_code_goes_out_by_sms_after_commit(
    catalog, enterprise_applicant, portal_users, monkeypatch, django_capture_on_commit_callbacks
):
    from yingshang.cases.services import material_slots, submit_case
    from yingshang.notifications import public as notifications

    from .conftest import upload

    sent = []
    monkeypatch.setattr(notifications, "sms_configured", lambda: True)
    monkeypatch.setattr(notifications, "send_sms", lambda **kw: sent.append(kw))
    item = catalog["registration"]
    slots = material_slots([item.current_version])
    with django_capture_on_commit_callbacks(execute=True):
        case = submit_case(
            item=item,
            applicant=enterprise_applicant,
            user=portal_users["qiye"],
            files={s.key: upload(f"{s.key}.pdf") for s in slots},
        )
    [message] = [m for m in sent if m["template"] == "query_code"]
    assert message["values"] == {"ref": case.number, "code": case.lookup_code}
    assert message["phone"] == case.applicant_phone
