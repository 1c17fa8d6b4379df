"""Following a case on the portal (issue 12, item 5): the five human steps and what happens
next, the signed status link of the notices' QR code (good, expired, tampered, unknown number,
rate-limited), the notices of the case's state, supplement upload of every item of the 补正告知书
(free-text items too), the star rating right on the case page, and no raw codes on the pages."""

import datetime
import re
import time
from html.parser import HTMLParser

import pytest
from django.core import signing
from django.urls import reverse

from yingshang.cases import links, progress, workflow
from yingshang.cases.models import CaseMaterial, Status
from yingshang.evaluations.models import Evaluation

from .conftest import upload
from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def _link(case):
    return reverse("cases:track-link", args=[case.number, links.token_for(case)])


def _complete(case, handler):
    for action in ("accept", "start", "review"):
        case = workflow.transition(case, action, handler)
    return workflow.transition(case, "complete", handler, outcome="approved")


class _Text(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
CODES = {s.value for s in Status} | {"on_time", "not_started", "warning", "overdue", "paused"}


def _visible_text(response) -> str:
    p = _Text()
    p.feed(response.content.decode())
    return " ".join(p.parts)


def _no_codes(response, *, chinese=True):
    """No snake_case identifier in the visible text; on a Chinese page not even a one-word
    status code (``submitted``) — English pages use such words as words."""
    text = _visible_text(response)
    assert not SNAKE.findall(text), SNAKE.findall(text)
    words = set(re.findall(r"[a-z_]+", text))
    assert not chinese or not (words & CODES), words & CODES
    assert "submit ·" not in text


# --------------------------------------------------------------------------- progress


@pytest.mark.parametrize(
    ("status", "accepted", "states", "ended"),
    [
        ("submitted", False, ["done", "current", "todo", "todo", "todo"], False),
        ("prechecking", False, ["done", "current", "todo", "todo", "todo"], False),
        ("supplement_requested", False, ["done", "current", "todo", "todo", "todo"], False),
        ("supplement_requested", True, ["done", "done", "current", "todo", "todo"], False),
        ("accepted", True, ["done", "done", "current", "todo", "todo"], False),
        ("in_process", True, ["done", "done", "current", "todo", "todo"], False),
        ("suspended", True, ["done", "done", "current", "todo", "todo"], False),
        ("completed", True, ["done", "done", "done", "done", "current"], False),
        ("delivered", True, ["done"] * 5, False),
        ("rejected", False, ["done", "stopped", "todo", "todo", "todo"], True),
        ("withdrawn", False, ["done", "stopped", "todo", "todo", "todo"], True),
        ("withdrawn", True, ["done", "done", "stopped", "todo", "todo"], True),
    ],
)
def test_progress_steps_per_state(status, accepted, states, ended, mianyang):
    when = datetime.datetime(2026, 10, 13, 9, tzinfo=datetime.UTC) if accepted else None
    case = CaseFactory.build(status=status, accepted_at=when, due_at=when)
    p = progress.progress_of(case)
    assert [s.key for s in p.steps] == ["submitted", "accepted", "review", "completed", "delivered"]
    assert [s.state for s in p.steps] == states
    assert p.ended is ended
    assert p.attention is (status == "supplement_requested")
    assert p.next_text  # every state says what happens next
    # a date only on reached steps
    assert all(s.at is None for s in p.steps if s.state == "todo")
    # by when: only while the department works on it
    assert (p.due is not None) is (status in ("accepted", "in_process"))


def test_progress_notes_say_why_a_step_is_held(mianyang):
    case = CaseFactory.build(
        status="supplement_requested",
        missing_materials=[{"key": "", "name": "房屋租赁合同"}],
    )
    p = progress.progress_of(case)
    current = next(s for s in p.steps if s.state == "current")
    assert current.note == "待补正" and "房屋租赁合同" in p.next_text


def test_own_case_page_shows_steps_next_and_due_without_codes(
    client, submitted, staff, portal_users
):
    case = workflow.transition(submitted, "accept", staff["chengban"])
    client.force_login(portal_users["qiye"])
    r = client.get(reverse("cases:my-case", args=[case.number]))
    body = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="step-accepted" data-state="done"' in body
    assert 'aria-current="step" data-testid="step-review"' in body
    assert f"{case.due_at.astimezone(datetime.UTC):%Y}" in body and 'data-testid="due"' in body
    assert "受理 → 已受理" in _visible_text(r)  # the event in words
    _no_codes(r)
    r = client.get(reverse("cases:my-cases"))
    _no_codes(r)


def test_public_pages_contain_no_status_codes(client, submitted, staff):
    """Every state a case goes through, on the tracking page and the status link."""
    h = staff["chengban"]
    case = submitted
    steps = [
        ("precheck", {}),
        ("request_supplement", {"missing": ["房屋租赁合同"]}),
    ]
    for action, data in steps:
        case = workflow.transition(case, action, h, **data)
        for url in (
            reverse("cases:track") + f"?number={case.number}&code={case.lookup_code}",
            _link(case),
        ):
            r = client.get(url)
            assert r.status_code == 200 and case.get_status_display() in r.content.decode()
            _no_codes(r)
    case.status = Status.PRECHECKING
    case.save()
    case = _complete(case, h)
    r = client.get(_link(case))
    assert "已办结" in r.content.decode()
    _no_codes(r)


# --------------------------------------------------------------------------- status links


def test_status_link_opens_the_case_without_typing(client, submitted):
    r = client.get(_link(submitted))
    body = r.content.decode()
    assert r.status_code == 200 and "已申报" in body and 'data-testid="progress"' in body
    assert submitted.lookup_code not in body  # the public view never shows the code


LINK_ERROR = "该链接无效或已过期"


def _refused(r, case):
    body = r.content.decode()
    assert r.status_code == 200
    assert LINK_ERROR in body and 'name="number"' in body  # the normal look-up form
    assert "已申报" not in body and case.title not in body
    return body


def test_expired_link_is_refused(client, submitted, monkeypatch, settings):
    settings.CASE_STATUS_LINK_DAYS = 30
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 31 * 86400)
    old = _link(submitted)
    monkeypatch.setattr(signing.time, "time", lambda: real() - 29 * 86400)
    recent = _link(submitted)
    monkeypatch.undo()
    _refused(client.get(old), submitted)
    assert "已申报" in client.get(recent).content.decode()


def test_tampered_or_foreign_link_is_refused_like_an_unknown_number(
    client, submitted, catalog, enterprise_applicant, portal_users
):
    from yingshang.cases.services import material_slots, submit_case

    token = links.token_for(submitted)
    stamp, sig = token.split(".")
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    other = submit_case(
        item=catalog["registration"],
        applicant=enterprise_applicant,
        user=portal_users["qiye"],
        files={
            s.key: upload(f"{s.key}.pdf")
            for s in material_slots([catalog["registration"].current_version])
        },
    )
    bodies = [
        _refused(client.get(f"/track/{submitted.number}/{stamp}.{flipped}/"), submitted),
        _refused(client.get(f"/track/{submitted.number}/{links.token_for(other)}/"), submitted),
        _refused(client.get(f"/track/{submitted.number}/garbage/"), submitted),
        # an unknown number answers exactly like a known one with a bad token
        _refused(client.get(f"/track/99999999999999999/{token}/"), submitted),
    ]
    # the form's values, the script nonce and the login link's ?next= (the page's own address)
    # differ by request; the rest of the page must be the same
    strip = [re.sub(r'(value|nonce)="[^"]*"|\?next=[^"]*', "", b) for b in bodies]
    assert strip[0] == strip[3]
    # a new seed voids the old links
    submitted.lookup_seed = "f" * 32
    submitted.save(update_fields=["lookup_seed"])
    _refused(client.get(f"/track/{submitted.number}/{token}/"), submitted)


def test_bad_links_are_rate_limited_like_the_lookup(client, submitted):
    for _ in range(20):
        r = client.get(f"/track/{submitted.number}/0.bad/", REMOTE_ADDR="203.0.113.9")
        assert r.status_code == 200
    r = client.get(_link(submitted), REMOTE_ADDR="203.0.113.9")
    assert r.status_code == 429  # the good link too while blocked


def test_case_without_seed_has_no_link(submitted):
    submitted.lookup_seed = ""
    assert links.token_for(submitted) == ""
    assert not links.token_matches(submitted, "x.y")


# --------------------------------------------------------------------------- notices


def test_notices_only_for_the_cases_state(client, submitted, staff, portal_users):
    client.force_login(portal_users["qiye"])
    n = submitted.number
    url = lambda kind: reverse("cases:my-case-notice", args=[n, kind])  # noqa: E731
    assert client.get(url("acceptance")).status_code == 404  # not accepted yet
    case = workflow.transition(submitted, "request_supplement", staff["chengban"], missing=["X"])
    page = client.get(reverse("cases:my-case", args=[n])).content.decode()
    assert 'data-testid="notice-supplement"' in page and "notice-acceptance" not in page
    r = client.get(url("supplement"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert client.get(url("rejection")).status_code == 404
    # the link shows the same notices, also to a visitor without an account
    client.logout()
    r = client.get(reverse("cases:track-notice", args=[n, links.token_for(case), "supplement"]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert client.get(f"/track/{n}/bad.token/notice/supplement.pdf").status_code == 404
    # another applicant gets nothing
    client.force_login(portal_users["shimin"])
    assert client.get(url("supplement")).status_code == 404


def test_bundle_notices_are_its_sub_cases(
    client, catalog, enterprise_applicant, portal_users, staff
):
    """A bundle has no notice of its own: its departments accept and ask for 补正 on the
    sub-cases. The applicant's bundle page and its status link offer those (``?part=``); they
    were not offered at all."""
    from .test_bundle_api import _bundle_case, _handler_for

    parent, _slots = _bundle_case(catalog, enterprise_applicant, portal_users["qiye"])
    child = parent.children.order_by("id").first()
    workflow.transition(child, "accept", _handler_for(child, staff))
    client.force_login(portal_users["qiye"])
    page = client.get(reverse("cases:my-case", args=[parent.number])).content.decode()
    assert f'data-testid="notice-acceptance-{child.number}"' in page
    assert f"{child.title}受理通知书(PDF)" in page
    others = [c.number for c in parent.children.exclude(pk=child.pk)]
    assert others and not any(f"notice-acceptance-{n}" in page for n in others)  # not accepted
    url = reverse("cases:my-case-notice", args=[parent.number, "acceptance"])
    r = client.get(url, {"part": child.number})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert client.get(url).status_code == 404  # the parent itself has none
    assert client.get(url, {"part": others[0]}).status_code == 404  # that part not accepted
    assert client.get(url, {"part": "510700000"}).status_code == 404  # not a part of it
    # the status link (the notice's QR code) offers the same to a visitor
    client.logout()
    token = links.token_for(parent)
    page = client.get(reverse("cases:track-link", args=[parent.number, token])).content.decode()
    assert f'data-testid="notice-acceptance-{child.number}"' in page
    r = client.get(
        reverse("cases:track-notice", args=[parent.number, token, "acceptance"]),
        {"part": child.number},
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


# --------------------------------------------------------------------------- supplement


def test_supplement_of_a_free_text_item_uploaded_online(client, submitted, staff, portal_users):
    h = staff["chengban"]
    workflow.transition(submitted, "accept", h)
    case = workflow.transition(submitted, "request_supplement", h, missing=["房屋租赁合同(盖章)"])
    client.force_login(portal_users["qiye"])
    page = client.get(reverse("cases:my-case", args=[case.number])).content.decode()
    assert 'name="material_extra0"' in page and "房屋租赁合同(盖章)" in page
    # the phone's chooser offers the camera beside files: no ``capture`` (camera only)
    [field] = re.findall(r'<input type="file" name="material_extra0"[^>]*>', page)
    assert "image/*" in field and ".pdf" in field and "capture" not in field
    action = reverse("cases:my-case-action", args=[case.number])
    # without the file: refused, the message beside the field
    client.post(action, {"action": "resubmit"})
    case.refresh_from_db()
    assert case.status == Status.SUPPLEMENT
    page = client.get(reverse("cases:my-case", args=[case.number])).content.decode()
    assert 'data-field="material_extra0"' in page and "缺少补正材料" in page
    # a file that is not what it claims: refused by content (platform/uploads.py)
    client.post(
        action, {"action": "resubmit", "material_extra0": upload("x.pdf", b"MZ\x90\x00junk")}
    )
    case.refresh_from_db()
    assert case.status == Status.SUPPLEMENT
    # the right file (a real image: a photo is opened to be scaled down, a broken one refused)
    client.post(
        action,
        {"action": "resubmit", "material_extra0": upload("lease.png", _image("PNG"), "image/png")},
    )
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.missing_materials == []
    m = CaseMaterial.objects.get(case=case, round__gt=0)
    assert m.name == "房屋租赁合同(盖章)" and m.original_name == "lease.png" and m.material is None


def _image(fmt, size=(40, 30)) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(buf, fmt)
    return buf.getvalue()


def test_supplement_photo_from_a_phone_is_scaled_down(client, submitted, staff, portal_users):
    """The 补正 answer takes a phone's photo as the guided form does: a 4000 × 3000 JPEG is
    stored at 2400 px on its long side (it was kept at full size)."""
    from PIL import Image

    h = staff["chengban"]
    workflow.transition(submitted, "accept", h)
    case = workflow.transition(submitted, "request_supplement", h, missing=["现场照片"])
    client.force_login(portal_users["qiye"])
    photo = upload("IMG_0001.jpg", _image("JPEG", (4000, 3000)), "image/jpeg")
    client.post(
        reverse("cases:my-case-action", args=[case.number]),
        {"action": "resubmit", "material_extra0": photo},
    )
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    m = CaseMaterial.objects.get(case=case, round__gt=0)
    assert m.content_type == "image/jpeg" and m.original_name == "IMG_0001.jpg"
    with m.stored_name.open("rb") as f, Image.open(f) as img:
        assert img.size == (2400, 1800)
    # a broken photo is refused beside its field, as in the guided form
    case = workflow.transition(case, "request_supplement", h, missing=["现场照片"])
    client.post(
        reverse("cases:my-case-action", args=[case.number]),
        {"action": "resubmit", "material_extra0": upload("b.jpg", b"\xff\xd8\xff" + b"0" * 64)},
    )
    case.refresh_from_db()
    assert case.status == Status.SUPPLEMENT
    page = client.get(reverse("cases:my-case", args=[case.number])).content.decode()
    assert 'data-field="material_extra0"' in page and "无法读取" in page


def test_supplement_mixes_catalogue_and_free_text_items(client, submitted, staff, portal_users):
    from yingshang.cases.services import material_slots

    slot = material_slots([submitted.version])[0]
    case = workflow.transition(
        submitted,
        "request_supplement",
        staff["chengban"],
        missing=[{"key": slot.key, "name": slot.name}, {"key": "", "name": "补充说明"}],
    )
    client.force_login(portal_users["qiye"])
    action = reverse("cases:my-case-action", args=[case.number])
    client.post(action, {"action": "resubmit", f"material_{slot.key}": upload()})
    case.refresh_from_db()
    assert case.status == Status.SUPPLEMENT  # the free-text item is missing
    client.post(
        action,
        {"action": "resubmit", f"material_{slot.key}": upload(), "material_extra1": upload()},
    )
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    names = set(CaseMaterial.objects.filter(case=case, round=1).values_list("name", flat=True))
    assert names == {slot.name, "补充说明"}


# --------------------------------------------------------------------------- rating


def test_star_rating_on_the_case_page(client, submitted, staff, portal_users):
    case = _complete(submitted, staff["chengban"])
    client.force_login(portal_users["qiye"])
    page_url = reverse("cases:my-case", args=[case.number])
    page = client.get(page_url).content.decode()
    assert page.count('type="radio" name="level"') == 5 and 'data-testid="star-5"' in page
    form = re.search(r'<form method="post" action="([^"]+)" id="rate-form"', page)
    r = client.post(form.group(1), {"level": "4", "comment": "很快", "next": page_url})
    assert r.status_code == 302 and r["Location"] == page_url
    ev = Evaluation.objects.get(object_id=str(case.pk))
    assert ev.level == 4 and ev.comment == "很快" and ev.evaluator == portal_users["qiye"]
    page = client.get(page_url).content.decode()
    assert 'data-testid="rated"' in page and "满意" in page and "rate-form" not in page


def test_rating_errors_and_no_rating_before_completion(client, submitted, staff, portal_users):
    client.force_login(portal_users["qiye"])
    page_url = reverse("cases:my-case", args=[submitted.number])
    assert "rate-form" not in client.get(page_url).content.decode()
    case = _complete(submitted, staff["chengban"])
    rate = reverse("evaluations:rate", args=["cases.case", case.pk])
    r = client.post(rate, {"level": "9", "next": "https://evil.example/"})
    assert r.status_code == 200 and "评价等级必须是" in r.content.decode()
    r = client.post(rate, {"level": "5", "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == rate  # a foreign next is ignored


def test_a_visitor_with_the_link_can_rate(client, submitted, staff):
    case = _complete(submitted, staff["chengban"])
    link = _link(case)
    rate = reverse("evaluations:rate", args=["cases.case", case.pk])
    assert client.post(rate, {"level": "5"}).status_code == 404  # not proved yet
    page = client.get(link).content.decode()
    assert 'id="rate-form"' in page
    r = client.post(rate, {"level": "2", "comment": "等太久", "next": link})
    assert r.status_code == 302 and r["Location"] == link
    ev = Evaluation.objects.get(object_id=str(case.pk))
    assert ev.level == 2 and ev.evaluator is None


def test_my_cases_list_shows_each_cases_step_and_what_to_do(client, submitted, staff, portal_users):
    client.force_login(portal_users["qiye"])
    body = client.get(reverse("cases:my-cases")).content.decode()
    assert f'data-testid="my-case-{submitted.number}"' in body
    assert "<strong>已受理</strong>" in body and "去补正" not in body  # waiting for acceptance
    workflow.transition(submitted, "request_supplement", staff["chengban"], missing=["X 证明"])
    r = client.get(reverse("cases:my-cases"))
    body = r.content.decode()
    assert "去补正" in body and "待补正" in body and "X 证明" in body
    _no_codes(r)


def test_status_page_and_link_error_in_english(client, submitted):
    r = client.get(_link(submitted), HTTP_ACCEPT_LANGUAGE="en")
    text = _visible_text(r)
    assert "Progress" in text and "Next step" in text and "Submitted" in text
    _no_codes(r, chinese=False)
    r = client.get(f"/track/{submitted.number}/0.bad/", HTTP_ACCEPT_LANGUAGE="en")
    assert "This link is not valid or has expired" in r.content.decode()
