"""A crawler walks the pages as every demo role would: it logs in as each staff role and starts
at the workbench, or as an applicant (the demo person ``shimin``, the demo enterprise account
``qiye``) or anonymously and starts at the portal, and follows every internal link on every page
it reaches (bounded: a few pages per URL shape, but every shape), and fails on

* a server error (5xx) on any page reached,
* a link the page shows that ends in an error (403, 404, or — for a signed-in user — a redirect
  to the login page; an anonymous visitor's link to a page behind the login is the way in),
* a raw identifier in the visible text: a snake_case code (``not_started``, ``on_time``,
  ``request_supplement``), a monitoring key (``sb.procedures``), a timestamp as Python prints
  it (``2026-11-26 15:59:59+00:00``) or Python's ``None``.

There are no exemptions: a page that shows a code is fixed (its words come from
``platform/labels.py``), a link the user may not follow is not rendered."""

import datetime
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

# One demo staff member per role (tests/conftest.py loads the core demo).
ROLES = ("clerk", "handler", "dept_head", "supervisor", "leader", "admin")
# the public side: nobody signed in, and the demo's applicant accounts (accounts/demo_data.py)
PUBLIC = ("anonymous", "shimin", "qiye")

MAX_PAGES = 400  # per role: a guard only — the crawl must end with its queue empty
PER_SHAPE = 2  # pages per URL shape (/staff/cases/<number>/ …) — enough to see each template
PUBLIC_PER_SHAPE = 5  # an applicant has few pages: each of his cases (every state) is seen
SKIP_PREFIXES = (
    "/admin/",
    "/api/",
    "/logout/",
    "/accounts/logout/",
    "/accounts/oidc/",  # the sign-in by the (demo) identity provider leaves the site
    "/accounts/demo-idp/",
    "/static/",
    "/media/",
    "/i18n/",
)
# files: the link must answer 200, their content is not parsed
BINARY = re.compile(r"\.(pdf|xlsx|csv|json|atom|png|svg|zip|xes)$|[?&]format=(xlsx|pdf|csv)")

RAW_CODE = re.compile(
    r"(?<![\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w/-])|(?<![\w.])sb\.[a-z_]+"
    # a timestamp as Python prints it (UTC offset, seconds, microseconds) and Python's None
    r"|\d{2}:\d{2}:\d{2}(?:\.\d+)?[+-]\d{2}:\d{2}|\bNone\b"
)


HIDDEN = ("script", "style", "template", "noscript")
VOID = {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr", "area", "base"}


class _Page(HTMLParser):
    """Links (a[href]) and the visible text (no script, style, attributes or tags). Text marked
    ``translate="no"`` (HTML: a name or stored value, not words to translate — an account name,
    a value in the audit log) is data, not a label, and is left out of the raw-code check."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0
        self._stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in VOID:
            return
        hides = tag in HIDDEN or attrs.get("translate") == "no"
        self._stack.append((tag, hides))
        self._hidden += hides

    def handle_endtag(self, tag):
        if tag in VOID or all(t != tag for t, _hides in self._stack):
            return
        while self._stack:
            open_tag, hides = self._stack.pop()
            self._hidden -= hides
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data.strip())


def _shape(path: str) -> str:
    """/staff/cases/2026120600001/ → /staff/cases/N/ (numbers and case numbers collapse)."""
    return re.sub(r"[A-Z0-9-]*\d[A-Z0-9-]*", "N", path)


def _internal(href: str, base: str) -> str | None:
    if href.startswith(("mailto:", "tel:", "javascript:", "#")):
        return None
    url = urldefrag(urljoin(base, href))[0]
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != "testserver":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path.startswith(SKIP_PREFIXES):
        return None
    return path


def _follow(target, source, seen, shapes, queue, per_shape=PER_SHAPE):
    """Queue ``target`` (a link or a redirect's target) unless seen or its shape is full."""
    if target is None or target in seen:
        return
    shape = _shape(urlsplit(target).path)
    if shapes.get(shape, 0) >= per_shape:
        return
    shapes[shape] = shapes.get(shape, 0) + 1
    seen.add(target)
    queue.append((target, source))


def crawl(client, starts=("/staff/",), *, anonymous=False, per_shape=PER_SHAPE):
    """Breadth-first from ``starts``. Returns the problems found (strings), the number of
    pages fetched and the URLs left in the queue (none: every shape was reached)."""
    problems: list[str] = []
    seen: set[str] = set(starts)
    shapes: dict[str, int] = {}
    queue = deque((start, "(start)") for start in starts)
    pages = 0
    while queue and pages < MAX_PAGES:
        url, source = queue.popleft()
        response = client.get(url)
        pages += 1
        status = response.status_code
        if status >= 500:
            problems.append(f"{status} server error: {url} (linked from {source})")
            continue
        if status in (301, 302):
            target = response.headers.get("Location", "")
            if "/login/" in target:
                if not anonymous:
                    problems.append(f"link to the login page: {url} (from {source})")
                continue
            _follow(_internal(target, url), url, seen, shapes, queue, per_shape)
            continue
        if status >= 400:
            problems.append(f"{status}: {url} (linked from {source})")
            continue
        if BINARY.search(url) or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Page()
        parser.feed(response.content.decode())
        raw = sorted(set(RAW_CODE.findall("\n".join(parser.text))))
        if raw:
            problems.append(f"raw identifiers {raw} on {url}")
        for href in parser.links:
            _follow(_internal(href, url), url, seen, shapes, queue, per_shape)
    return problems, pages, [url for url, _source in queue]


@pytest.fixture
def small_world(mianyang):
    """A little of everything the staff pages list: cases in several states with their
    history, an appeal escalated to the leaders, a bad rating under rectification, a lagging
    reform task, a monitoring value, and a few notifications."""
    from tests.appeals.factories import AppealFactory
    from tests.cases.factories import CaseEventFactory, CaseFactory, CompletedCaseFactory
    from tests.evaluations.factories import rectification
    from tests.monitoring.factories import IndicatorValueFactory
    from tests.reforms.factories import TaskFactory
    from yingshang.core.models import Division, User
    from yingshang.notifications.public import notify

    now = timezone.now()
    supplement = CaseFactory(status="supplement_requested", due_at=now + datetime.timedelta(3))
    CaseEventFactory(
        case=supplement,
        action="request_supplement",
        from_state="submitted",
        to_state="supplement_requested",
    )
    overdue = CaseFactory(
        status="in_process",
        accepted_at=now - datetime.timedelta(days=9),
        due_at=now - datetime.timedelta(days=1),
        warn_at=now - datetime.timedelta(days=3),
    )
    CaseEventFactory(case=overdue, action="accept", from_state="submitted", to_state="accepted")
    CaseFactory(status="submitted")
    CompletedCaseFactory()
    AppealFactory(status="escalated", escalated_at=now, due_at=now + datetime.timedelta(days=2))
    rectification()
    TaskFactory(state="lagging")
    # one value of the city this month: the dashboard links its drill-downs (by scope)
    city = Division.objects.get(code="510700")
    IndicatorValueFactory(
        indicator="gov.on_time_rate",
        period_start=timezone.localdate().replace(day=1),
        dimension="city",
        dimension_id=city.pk,
        division_path=city.path,
        value=92.0,
    )
    # an appeal closed this month, replied late, with the city's value: the appeals drill-down
    # lists it with its deadline and reply times
    from tests.appeals.factories import ClosedAppealFactory

    ClosedAppealFactory(
        submitted_at=now - datetime.timedelta(hours=3),
        signed_at=now - datetime.timedelta(hours=3),
        dispatched_at=now - datetime.timedelta(hours=3),
        due_at=now - datetime.timedelta(hours=2),
        replied_at=now - datetime.timedelta(hours=1),
        closed_at=now,
    )
    IndicatorValueFactory(
        indicator="appeals.on_time_rate",
        period_start=timezone.localdate().replace(day=1),
        dimension="city",
        dimension_id=city.pk,
        division_path=city.path,
        value=80.0,
    )
    # a rectification with its history (生成整改单, 核实属实)
    from yingshang.evaluations import services as evaluations

    rect = rectification()
    handler = User.objects.filter(department=rect.department, role="handler").first()
    if handler is not None:
        evaluations.rectification_step(rect, handler, "verify", "属实")
    # a published reform programme: its public page and open-data dictionary
    from yingshang.reforms import services as reforms

    task = TaskFactory(state="on_track")
    reforms.publish_programme(task.programme, user=User.objects.get(username="jianduyuan"))
    for user in User.objects.exclude(role=""):
        notify(user, "办件 T0001:已受理", category="case", channels=["inapp"])
        notify(user, "督办提醒", category="reforms.reminder", channels=["inapp"])


@pytest.mark.parametrize("role", ROLES)
def test_crawl_every_page_as_every_role(role, small_world, client, settings):
    from yingshang.core.models import User

    settings.DEBUG = False
    user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
    assert user is not None, f"the core demo has a {role}"
    client.force_login(user)
    client.raise_request_exception = False
    problems, pages, left = crawl(client)
    assert pages > 5, "the crawl reached the workbench's pages"
    assert left == [], f"MAX_PAGES reached before every page shape was seen: {left[:5]}"
    assert problems == [], "\n".join(problems)


def test_the_crawler_catches_raw_codes_and_broken_links():
    """The checks themselves: a snake_case code and a monitoring key are caught, ordinary
    words, e-mail addresses and paths are not."""
    found = RAW_CODE.findall("状态 not_started · on_time · sb.procedures · a.b_c@x.cn /a_b/ 正常")
    assert found == ["not_started", "on_time", "sb.procedures"]
    found = RAW_CODE.findall("期限 2026-11-26 15:59:59+00:00 · 答复 00:35:48.286679+00:00 · None")
    assert found == ["15:59:59+00:00", "00:35:48.286679+00:00", "None"]
    assert RAW_CODE.findall("2026-11-26 15:59 · 9:00—12:00 · Nonesuch") == []
    assert _shape("/staff/cases/T0001/") == _shape("/staff/cases/2026120600001/")
    assert _internal("https://example.com/x", "/staff/") is None
    assert _internal("/api/docs/", "/staff/") is None
    assert _internal("?page=2", "/staff/cases/") == "/staff/cases/?page=2"


@pytest.fixture
def applicants(small_world):
    """The demo's applicant accounts as the demo makes them (registry's portal users with the
    accounts app's verified phones, accounts/demo_data.py): ``shimin`` a person, ``qiye`` the
    verified representative of an enterprise — each with cases in several states, one of them
    waiting for the applicant's 补正, one completed, and a notification."""
    from tests.cases.factories import CaseEventFactory, CaseFactory, CompletedCaseFactory
    from tests.registry.factories import EnterpriseFactory, PersonFactory
    from yingshang.accounts import public as accounts
    from yingshang.core.models import User
    from yingshang.notifications.public import notify
    from yingshang.registry.public import link_enterprise_user

    users = {}
    for demo in accounts.demo_accounts():
        user = User.objects.create_user(
            demo["username"], password="x-unused-crawl-9", full_name=demo["label"], role=""
        )
        authorisation = None
        if demo["kind"] == "enterprise":
            enterprise = EnterpriseFactory()
            rep = link_enterprise_user(enterprise, user)
            authorisation = {
                "uscc": enterprise.uscc,
                "role": "legal",
                "authorised_by": enterprise.legal_representative,
                "representation_id": rep.pk,
            }
            kind, name, code = "enterprise", enterprise.name, enterprise.uscc
        else:
            person = PersonFactory(user=user, phone=demo["phone"])
            kind, name, code = "person", person.name, person.id_number
        accounts.ensure_account(
            user=user, kind=demo["kind"], phone=demo["phone"], authorisation=authorisation
        )
        own = {"user": user, "applicant_kind": kind, "applicant_name": name, "applicant_code": code}
        supplement = CaseFactory(status="supplement_requested", **own)
        CaseEventFactory(
            case=supplement,
            action="request_supplement",
            from_state="submitted",
            to_state="supplement_requested",
        )
        CaseFactory(status="submitted", **own)
        CaseFactory(status="rejected", reason="申请事项不属于本部门职权范围。", **own)
        CompletedCaseFactory(**own)
        notify(user, f"办件 {supplement.number}:请补正材料", category="case", channels=["inapp"])
        users[demo["username"]] = user
    return users


@pytest.mark.parametrize("who", PUBLIC)
def test_crawl_the_public_side(who, applicants, client, settings):
    """The portal as a visitor and as the demo's applicants: the same three rules."""
    settings.DEBUG = False
    client.raise_request_exception = False
    starts = ["/", "/track/"]
    if who != "anonymous":
        client.force_login(applicants[who])
        starts += ["/accounts/", "/my/cases/"]
    problems, pages, left = crawl(
        client, starts, anonymous=who == "anonymous", per_shape=PUBLIC_PER_SHAPE
    )
    assert pages > 5, "the crawl reached the portal's pages"
    assert left == [], f"MAX_PAGES reached before every page shape was seen: {left[:5]}"
    assert problems == [], "\n".join(problems)
