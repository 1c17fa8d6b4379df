"""Appeals open without login only with number + 查询码 (never the phone's last digits);
confirming, closing and rating need the code (or the logged-in applicant); failed look-ups and
anonymous submissions are rate-limited (429 + Retry-After, problem JSON on the API)."""

import pytest
from django.test import Client

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, AppealEvent, Status
from yingshang.evaluations.models import Evaluation
from yingshang.platform.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/api/appeals/portal/"


@pytest.fixture
def replied(submit, office, depts, staff):
    """An anonymous portal appeal, answered by the department: waiting for the confirmation."""
    a = submit(contact_phone="13812345678")
    services.dispatch(a, office, depts["market"])
    services.reply(a, staff["chengban"], "已协调供电公司本周内施工接电。")
    return Appeal.objects.get(pk=a.pk)


def _state(appeal):
    a = Appeal.objects.get(pk=appeal.pk)
    return a.status, a.closed_at, AppealEvent.objects.filter(appeal=a).count()


def test_api_track_21st_failure_is_a_problem_429(client, replied):
    for i in range(20):
        r = client.post(
            f"{API}track/",
            {"number": replied.number, "code": f"WRONG{i:05d}"},
            content_type="application/json",
        )
        assert r.status_code == 404
    r = client.post(
        f"{API}track/",
        {"number": replied.number, "code": replied.lookup_code},
        content_type="application/json",
    )
    assert r.status_code == 429
    assert r["Content-Type"] == "application/problem+json"
    assert 1 <= int(r["Retry-After"]) <= 600
    body = r.json()
    assert body["status"] == 429 and body["title"] == "请求过于频繁" and "后再试" in body["detail"]
    assert AuditEntry.objects.filter(action="ratelimit.blocked", object_id="appeals.track").exists()


def test_page_track_limit_per_target_across_addresses(replied):
    for i in range(20):
        c = Client(REMOTE_ADDR=f"198.51.100.{i + 1}")
        r = c.post("/appeals/track/", {"number": replied.number, "code": "ABCDE-12345"})
        assert r.status_code == 200 and "未找到该诉求" in r.content.decode()
    c = Client(REMOTE_ADDR="198.51.100.200")
    r = c.post("/appeals/track/", {"number": replied.number, "code": replied.lookup_code})
    assert r.status_code == 429 and "Retry-After" in r
    assert "尝试次数过多" in r.content.decode()


def test_page_track_valid_code_opens_and_phone_digits_never(replied):
    c = Client()
    r = c.post("/appeals/track/", {"number": replied.number, "code": "5678"})
    assert r.status_code == 200 and "未找到该诉求" in r.content.decode()
    assert c.get(f"/appeals/{replied.number}/").status_code == 404
    r = c.post("/appeals/track/", {"number": replied.number, "code": replied.lookup_code})
    assert r.status_code == 302
    page = c.get(f"/appeals/{replied.number}/").content.decode()
    assert "已协调供电公司" in page and replied.lookup_code in page


def test_owner_logged_in_needs_no_code(client, submit, portal_user):
    a = submit(user=portal_user)
    client.force_login(portal_user)
    r = client.post("/appeals/track/", {"number": a.number, "code": "not-the-code"})
    assert r.status_code == 302
    assert client.get(f"/appeals/{a.number}/").status_code == 200
    r = client.post(f"{API}track/", {"number": a.number}, content_type="application/json")
    assert r.status_code == 200 and r.json()["number"] == a.number


def test_wrong_code_cannot_confirm_or_close(client, replied):
    before = _state(replied)
    for code in ("", "5678", "ABCDE-12345"):
        r = client.post(
            f"{API}confirm/",
            {"number": replied.number, "code": code, "resolved": True},
            content_type="application/json",
        )
        assert r.status_code == 404
    assert _state(replied) == before and before[0] == Status.REPLIED
    # the page's confirm needs the session that the code (or the account) opened
    r = Client().post(f"/appeals/{replied.number}/confirm/", {"resolved": "yes"})
    assert r.status_code == 404
    assert _state(replied) == before
    # the right code closes it
    r = client.post(
        f"{API}confirm/",
        {"number": replied.number, "code": replied.lookup_code, "resolved": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_wrong_code_cannot_rate(replied):
    services.confirm(replied, None, True, verified=True)
    stranger = Client()
    stranger.post("/appeals/track/", {"number": replied.number, "code": "5678"})
    r = stranger.post(f"/appeals/{replied.number}/rate/", {"level": "1"})
    assert r.status_code == 404
    assert not Evaluation.objects.exists()
    owner = Client()
    owner.post("/appeals/track/", {"number": replied.number, "code": replied.lookup_code})
    r = owner.post(f"/appeals/{replied.number}/rate/", {"level": "5"})
    assert r.status_code == 302
    assert Evaluation.objects.get().level == 5


def test_anonymous_submissions_are_limited_per_address(client, settings, appeal_data):
    settings.SUBMISSION_RATE = "2/10m"
    data = {k: v for k, v in appeal_data().items() if k != "channel"}
    for _ in range(2):
        r = client.post(API, data, content_type="application/json")
        assert r.status_code == 201
        assert len(r.json()["code"]) == 11  # XXXXX-XXXXX, returned once
    r = client.post(API, data, content_type="application/json")
    assert r.status_code == 429 and r["Retry-After"]
    r = client.post("/appeals/new/", data)
    assert r.status_code == 429 and "尝试次数过多" in r.content.decode()
    assert Appeal.objects.count() == 2
    # another address may still submit
    r = Client(REMOTE_ADDR="192.0.2.77").post(API, data, content_type="application/json")
    assert r.status_code == 201


def test_query_code_goes_out_by_sms_at_submission(submit, settings, monkeypatch):
    """With SMS configured, the receipt SMS (template query_code) carries the number and the
    code, derived at sending time (the code is still stored nowhere)."""
    from yingshang.notifications import public as notifications

    sent = []
    monkeypatch.setattr(notifications, "sms_configured", lambda: True)
    monkeypatch.setattr(notifications, "send_sms", lambda **kw: sent.append(kw))
    a = submit(contact_phone="13812345678")
    # tests run in a transaction: the on_commit callback is run explicitly
    services.send_query_code(a.pk)
    assert sent and sent[-1]["template"] == "query_code"
    assert sent[-1]["phone"] == "13812345678"
    assert sent[-1]["values"] == {"ref": a.number, "code": a.lookup_code}
