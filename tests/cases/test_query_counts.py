"""The hot pages of the load benchmark (bench/load/, docs/performance.md "Mixed load") keep a
bounded number of SQL statements, whatever the number of rows they show: an N+1 (a query per
row of a queue or per event of a case) or a lost ``select_related`` fails here. Not timing
tests — ``bench/load/cost.py`` measures the CPU."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingshang.cases import workflow
from yingshang.cases.services import material_slots, submit_case

from .conftest import upload

ROWS = 12  # more rows than any bound below: a query per row would show


@pytest.fixture
def cases(catalog, enterprise_applicant, portal_users):
    item = catalog["registration"]
    slots = material_slots([item.current_version])
    return [
        submit_case(
            item=item,
            applicant=enterprise_applicant,
            user=portal_users["qiye"],
            files={s.key: upload(f"{s.key}.pdf") for s in slots},
        )
        for _ in range(ROWS)
    ]


@pytest.fixture
def handler(staff, cases):
    """The handler of the cases' department (the queue's and case page's reader)."""
    return next(
        u
        for u in staff.values()
        if u.department_id == cases[0].department_id and workflow.can_work(cases[0], u)
    )


@pytest.fixture
def system(staff):
    client = APIClient()
    token = Token.objects.create(user=staff["chuangkou"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_staff_queue_statements_do_not_grow_with_its_rows(
    client, handler, cases, django_assert_max_num_queries
):
    client.force_login(handler)
    client.get(reverse("cases:queue"))
    # session, user, division, count, the page's rows (one query with their joins), unread
    with django_assert_max_num_queries(6):
        page = client.get(reverse("cases:queue")).content.decode()
    # each row links to its case page (built from one reverse in the view)
    assert all(f'<a href="{reverse("cases:detail", args=[c.number])}">' in page for c in cases)


def test_staff_case_page_statements_are_bounded(
    client, handler, cases, django_assert_max_num_queries
):
    case = cases[0]
    workflow.transition(case, "accept", handler, "window")  # an event more to show
    client.force_login(handler)
    url = reverse("cases:detail", args=[case.number])
    client.get(url)
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert case.number in page


def test_api_case_list_reads_the_user_with_the_token(system, cases, django_assert_max_num_queries):
    # token with its user, division and department; count; the page
    with django_assert_max_num_queries(3):
        r = system.get("/api/cases/")
    assert r.status_code == 200 and r.json()["count"] == ROWS
    assert {row["number"] for row in r.json()["results"]} == {c.number for c in cases}


def test_api_case_detail_statements_are_bounded(system, cases, django_assert_max_num_queries):
    number = cases[0].number
    # token (user, division, department), the case, children, events, materials
    with django_assert_max_num_queries(5):
        r = system.get(f"/api/cases/{number}/")
    assert r.status_code == 200 and r.json()["number"] == number
    assert len(r.json()["materials"]) == len(cases[0].materials.all())


@pytest.mark.parametrize("scope", ["department", "city"])
def test_a_queue_page_reads_its_index_in_order_without_sorting(handler, cases, staff, scope):
    """PostgreSQL: the queue's order (due, submitted, id) is the partial index's, so a page of
    50 reads 50 index entries — no sort of the whole queue (most open cases, not yet
    accepted, have no due date). Scans other than by index are switched off so the plan shows
    whether the index alone can give the order."""
    from django.db import connection

    from yingshang.cases import selectors

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL plan (CI runs this on PostgreSQL)")
    user = handler if scope == "department" else staff["admin"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    plan = selectors.queue_for(user)[:50].explain()
    index = "case_open_dept_queue" if scope == "department" else "case_open_queue"
    assert index in plan, plan
    assert "Sort" not in plan, plan
