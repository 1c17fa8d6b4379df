"""The submission hot path's lean SQL (cases/rows.py) gives what the ORM gives; the staff search
term is read as a number, a code or text (cases/selectors.search_q); the capped paginator; and
the pure SLA state function against the order of now, warning and due instants."""

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import city, department
from yingshang.cases import rows, sla
from yingshang.cases.selectors import search_q
from yingshang.core.models import Department, User
from yingshang.platform.query import CappedPaginator

# ---------------------------------------------------------------------------- rows


@pytest.mark.django_db
def test_select_one_equals_the_orm_with_joined_foreign_keys(staff):
    user = staff["chengban"]
    lean = rows.select_one(User, "username", "chengban", join=("division", "department"))
    orm = User.objects.select_related("division", "department").get(username="chengban")
    assert lean == orm and lean.pk == user.pk
    for field in User._meta.concrete_fields:
        assert getattr(lean, field.attname) == getattr(orm, field.attname), field.name
    assert not lean._state.adding and lean._state.db == "default"
    # the joined rows come from the same query
    assert User.division.is_cached(lean) and lean.division == orm.division
    assert lean.department.name == orm.department.name


@pytest.mark.django_db
def test_a_null_foreign_key_is_cached_as_none(mianyang):
    User.objects.create(username="rows-nodept", division=city(), department=None)
    lean = rows.select_one(User, "username", "rows-nodept", join=("department",))
    assert User.department.is_cached(lean) and lean.department is None


@pytest.mark.django_db
def test_select_one_of_nothing_is_none(mianyang):
    assert rows.select_one(User, "username", "nobody-at-all") is None


@pytest.mark.django_db
def test_select_rows_with_a_where_clause_and_order(mianyang):
    division = city()
    found = rows.select_rows(
        Department, "t.division_id = %s", [division.pk], order_by="t.name DESC"
    )
    expected = list(Department.objects.filter(division=division).order_by("-name"))
    assert found == expected
    assert [d.name for d in found] == [d.name for d in expected]


@pytest.mark.django_db
def test_insert_sets_keys_and_writes_what_the_orm_reads_back(mianyang):
    division = city()
    objs = [
        Department(
            division=division, name=f"绵阳市行测试局{i}", short_name="测", function_key=f"rows{i}"
        )
        for i in range(3)
    ]
    rows.insert(objs)
    assert all(o.pk for o in objs) and len({o.pk for o in objs}) == 3
    assert all(not o._state.adding for o in objs)
    for o in objs:
        back = Department.objects.get(pk=o.pk)
        assert (back.name, back.division_id, back.function_key) == (
            o.name,
            division.pk,
            o.function_key,
        )
    rows.insert([])  # nothing to do


@pytest.mark.django_db
def test_insert_statement_shapes(mianyang):
    a = Department(division=city(), name="甲", function_key="rows-a")
    sql, params = rows.insert_statement(
        [a, Department(division=city(), name="乙", function_key="rows-b")]
    )
    assert sql.count("(%s") == 2
    width = len([f for f in Department._meta.concrete_fields if not f.primary_key])
    assert len(params) == 2 * width
    assert ("RETURNING" in sql) == connection.features.can_return_rows_from_bulk_insert
    quiet, _params = rows.insert_statement([a], returning=False)
    assert "RETURNING" not in quiet


@pytest.mark.django_db
def test_execute_runs_statements_in_order_and_skips_empty_ones(mianyang):
    table = connection.ops.quote_name(Department._meta.db_table)
    dept = department("510700", "market")
    rows.execute(
        [
            (f"UPDATE {table} SET short_name = %s WHERE id = %s", ["一", dept.pk]),
            None,
            (f"UPDATE {table} SET short_name = short_name || %s WHERE id = %s", ["二", dept.pk]),
        ]
    )
    assert Department.objects.get(pk=dept.pk).short_name == "一二"
    rows.execute([])
    # several statements in one execute: PostgreSQL with client-side binding only (PG_PREPARED=1
    # binds on the server, one statement per execute)
    server_side = connection.settings_dict.get("OPTIONS", {}).get("server_side_binding", False)
    assert rows.multi_statement() is (connection.vendor == "postgresql" and not server_side)


# ---------------------------------------------------------------------------- search terms

USCC = "91510703MA6ABCDE1X"


@pytest.mark.parametrize(
    "value, q",
    [
        ("", Q()),
        ("   ", Q()),
        ("2025060", Q(number__startswith="2025060")),
        ("5" * 15, Q(number__startswith="5" * 15) | Q(applicant_code__startswith="5" * 15)),
        ("5" * 18, Q(number__startswith="5" * 18) | Q(applicant_code="5" * 18)),
        (USCC.lower(), Q(applicant_code=USCC)),
        (USCC[:16], Q(applicant_code__startswith=USCC[:16])),
    ],
)
def test_numbers_and_codes_use_the_indexed_columns(value, q):
    assert search_q(value) == q


@pytest.mark.parametrize("length", [19, 23])
def test_a_whole_case_number_is_matched_exactly(length):
    children = search_q("1" * length).children
    assert ("number", "1" * length) in children
    assert not any(c[0] == "number__startswith" for c in children)


@pytest.mark.django_db
def test_text_searches_names_and_matching_items(catalog):
    from yingshang.catalog.models import ServiceItem

    item = ServiceItem.objects.first()
    q = search_q(item.name[:4])
    assert q.connector == Q.OR
    assert ("applicant_name__contains", item.name[:4]) in q.children
    assert any(
        isinstance(c, tuple) and c[0] == "item_id__in" and item.pk in c[1] for c in q.children
    )
    only_names = search_q("查无此事项的名称")
    assert only_names == Q(applicant_name__contains="查无此事项的名称")


@pytest.mark.django_db
def test_the_capped_paginator_counts_at_most_one_past_the_cap(mianyang):
    class Small(CappedPaginator):
        cap = 3

    pages = Small(Department.objects.order_by("pk"), 2)
    assert Department.objects.count() > 4
    assert pages.count == 4 and pages.capped
    few = Small(Department.objects.order_by("pk")[:2], 2)
    assert few.count == 2 and not few.capped


# ---------------------------------------------------------------------------- the SLA state

T0 = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
offsets = st.integers(-10_000, 10_000).map(lambda m: T0 + datetime.timedelta(minutes=m))


@given(offsets, offsets, offsets)
def test_state_follows_the_order_of_the_instants(now, warn, due):
    warn = min(warn, due)  # the warning never comes after the due instant
    got = sla.state(now, due, warn)
    if now > due:
        assert got == "overdue"
    elif now > warn:
        assert got == "warning"
    else:
        assert got == "on_time"


@given(offsets, offsets, offsets)
def test_a_finished_case_keeps_the_state_it_finished_in(now, due, finished):
    expected = "overdue" if finished > due else "on_time"
    assert sla.state(now, due, None, finished_at=finished) == expected
    assert sla.state(now, due, None, paused=True, finished_at=finished) == expected


@given(offsets, offsets)
def test_paused_and_not_started(now, due):
    assert sla.state(now, due, due, paused=True) == "paused"
    assert sla.state(now, None, None, paused=True) == "paused"
    assert sla.state(now, None, None) == "not_started"


@given(st.integers(0, 400), st.integers(0, 400))
def test_days_saved_is_never_negative(limit, used):
    assert sla.days_saved(limit, used) == max(0, limit - used)
