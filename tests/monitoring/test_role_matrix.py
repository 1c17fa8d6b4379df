"""The monitoring policy role by role — generate the monthly report, export the process log,
download reports (city staff and above), import benchmarks — then the same people through the
pages: what the policy allows works, what it refuses is 403 (or 404 for a file) and writes
nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.core.factories import (
    AdminFactory,
    ClerkFactory,
    DeptHeadFactory,
    HandlerFactory,
    LeaderFactory,
    SupervisorFactory,
    UserFactory,
    department,
)
from yingshang.monitoring import reports
from yingshang.monitoring.models import BenchmarkValue
from yingshang.monitoring.policies import policy

ACTIONS = ("generate_report", "export_process_log", "download_report", "load_benchmarks")

# who → (generate_report, export_process_log, download_report, load_benchmarks)
PEOPLE = {
    "window clerk": (lambda: ClerkFactory(), (0, 0, 1, 0)),
    "handler": (lambda: HandlerFactory(), (0, 0, 1, 0)),
    "dept head": (lambda: DeptHeadFactory(), (0, 0, 1, 0)),
    "city leader": (lambda: LeaderFactory(), (0, 0, 1, 0)),
    "city supervisor": (lambda: SupervisorFactory(), (1, 1, 1, 1)),
    "administrator": (lambda: AdminFactory(), (1, 1, 1, 1)),
    "county supervisor": (
        lambda: SupervisorFactory(department=department("510781", "gov_service")),
        (0, 1, 0, 1),  # the monthly report is the city's: neither written nor read
    ),
    "county handler": (
        lambda: HandlerFactory(department=department("510703", "market")),
        (0, 0, 0, 0),
    ),
    "superuser": (lambda: UserFactory(is_superuser=True), (1, 1, 1, 1)),
    "portal user": (lambda: UserFactory(), (0, 0, 0, 0)),
}


@pytest.mark.parametrize("who", PEOPLE)
def test_policy_role_by_role(mianyang, who):
    make, expected = PEOPLE[who]
    user = make()
    got = {a: int(policy.can(user, a)) for a in ACTIONS}
    assert got == dict(zip(ACTIONS, expected, strict=True))


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_may_do_nothing(action):
    assert not policy.can(AnonymousUser(), action)


STAFF_PAGES = [
    "/staff/monitoring/",
    "/staff/monitoring/screen/",
    "/staff/monitoring/supervision/",
    "/staff/monitoring/process/",
    "/staff/monitoring/reports/",
    "/staff/monitoring/benchmarks/",
]


@pytest.mark.parametrize("who", [w for w in PEOPLE if w not in ("portal user",)])
def test_every_staff_role_opens_every_page(mianyang, client, who):
    client.force_login(PEOPLE[who][0]())
    for url in STAFF_PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", PEOPLE)
def test_report_generation_through_the_page(mianyang, client, who):
    make, expected = PEOPLE[who]
    if who == "portal user":
        return  # refused at the door (test_pages.test_pages_refuse_portal_users)
    client.force_login(make())
    r = client.post("/staff/monitoring/reports/", {"month": "2026-10"})
    allowed = expected[ACTIONS.index("generate_report")]
    assert r.status_code == (302 if allowed else 403)
    directory = reports.reports_dir()
    written = sorted(p.name for p in directory.glob("*")) if directory.exists() else []
    assert ("yingshang-monitoring-2026-10.xlsx" in written) is bool(allowed)
    assert bool(written) is bool(allowed)


@pytest.mark.parametrize("who", [w for w in PEOPLE if w != "portal user"])
def test_report_download_role_by_role(mianyang, client, who):
    make, expected = PEOPLE[who]
    directory = reports.reports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "yingshang-monitoring-2026-10.xlsx").write_bytes(b"PK-report")
    client.force_login(make())
    r = client.get("/staff/monitoring/reports/yingshang-monitoring-2026-10.xlsx")
    allowed = expected[ACTIONS.index("download_report")]
    assert r.status_code == (200 if allowed else 404)
    if allowed:
        assert b"".join(r.streaming_content) == b"PK-report"
    page = client.get("/staff/monitoring/reports/")
    assert bool(page.context["allowed"]) is bool(allowed)
    listed = [p.name for p in page.context["files"]]
    assert listed == (["yingshang-monitoring-2026-10.xlsx"] if allowed else [])


@pytest.mark.parametrize("who", [w for w in PEOPLE if w != "portal user"])
def test_process_log_export_role_by_role(mianyang, client, who):
    make, expected = PEOPLE[who]
    client.force_login(make())
    allowed = expected[ACTIONS.index("export_process_log")]
    r = client.get("/staff/monitoring/process/log.xes", {"from": "2026-10-01", "to": "2026-10-31"})
    assert r.status_code == (200 if allowed else 403)
    if allowed:
        assert r["Content-Disposition"].endswith('filename="cases-20261001-20261031.xes"')
        assert b"<log" in b"".join(r.streaming_content)
    page = client.get("/staff/monitoring/process/")
    assert page.context["can_export"] is bool(allowed)


@pytest.mark.parametrize("who", [w for w in PEOPLE if w != "portal user"])
def test_benchmark_import_role_by_role(mianyang, client, who):
    make, expected = PEOPLE[who]
    client.force_login(make())
    allowed = expected[ACTIONS.index("load_benchmarks")]
    upload = SimpleUploadedFile("b.csv", b"Solo,ge.score,90\n", content_type="text/csv")
    r = client.post("/staff/monitoring/benchmarks/upload/", {"file": upload, "period": "2021"})
    assert r.status_code == (302 if allowed else 403)
    assert BenchmarkValue.objects.filter(period="2021").count() == (1 if allowed else 0)
