"""The volume loader's row specs against the models they write: every column of a case, event
and visit spec is a real column of its table, every column without a default is there, ids
start where the table ends, and the SQLite rows of a generated batch carry the batch's values
(numbers, statuses, titles from the catalogue, applicants from the pool)."""

import datetime

import numpy as np
import pytest
from django.db import connection

from yingshang.cases.models import Case, CaseEvent, CaseVisit
from yingshang.demo import cases as demo

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 11, 20)


def _columns(model):
    return {f.column: f for f in model._meta.concrete_fields}


@pytest.fixture
def batch(catalog):
    cols = next(demo.generate(30, 6, today=TODAY))
    pool = demo._applicant_pool(np.random.default_rng(7))
    with connection.cursor() as cur:
        ids = demo._next_ids(cur, False)
    lookups = demo._lookups(demo._items(), pool, 6)
    return cols, ids, lookups


def _required(model):
    return {
        c
        for c, f in _columns(model).items()
        if not f.null
        and not f.has_default()
        and not f.primary_key
        and not getattr(f, "auto_now", False)
    }


def test_case_rows_fill_every_required_column(batch):
    cols, ids, lookups = batch
    names, rows = demo._py_rows(demo._case_spec(cols, ids, lookups))
    columns = _columns(Case)
    assert set(names) <= set(columns), set(names) - set(columns)
    assert _required(Case) <= set(names), _required(Case) - set(names)
    assert len(rows) == 30
    by = [dict(zip(names, r, strict=True)) for r in rows]
    assert [r["id"] for r in by] == [ids["case"] + i for i in range(30)]
    assert [r["number"] for r in by] == demo.case_numbers(cols)
    assert {r["status"] for r in by} <= set(demo.STATUSES)
    titles = set(lookups["title"])
    assert all(r["title"] in titles for r in by)
    assert all(r["applicant_code"] in lookups["pool"]["code"] for r in by)


def test_event_and_visit_rows_fit_their_tables(batch):
    cols, ids, _lookups = batch
    ev = {k: v.astype(np.int64) for k, v in cols["events"].items()}
    names, rows = demo._py_rows(demo._event_spec(ev, ids["event"], ids))
    assert set(names) <= set(_columns(CaseEvent))
    assert _required(CaseEvent) <= set(names)
    assert len(rows) == len(ev["case"]) >= 30  # at least every submission
    actions = {dict(zip(names, r, strict=True))["action"] for r in rows}
    assert "submit" in actions and actions <= {k[0] for k in demo.EVENT_KINDS}
    vis = cols["visit_log"]
    names, rows = demo._py_rows(demo._visit_spec(vis, ids["visit"], ids))
    assert set(names) <= set(_columns(CaseVisit))
    assert _required(CaseVisit) <= set(names)
    kinds = {dict(zip(names, r, strict=True))["kind"] for r in rows}
    assert kinds <= set(demo.VISIT_KINDS)


def test_ids_start_after_the_rows_already_there(catalog):
    from yingshang.demo.framework import Tally

    demo.load_volume({"cases": 12, "seed": 1, "quiet": True}, Tally(), None)
    with connection.cursor() as cur:
        ids = demo._next_ids(cur, False)
    assert ids["case"] == Case.objects.order_by("-id").first().id + 1
    top = CaseEvent.objects.order_by("-id").first()
    assert ids["event"] == (top.id if top else 0) + 1
