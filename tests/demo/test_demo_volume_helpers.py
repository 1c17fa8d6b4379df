"""The volume generator's vectorised helpers (demo/cases.py) against their plain-Python meaning:
Shanghai day + seconds to UTC epoch, yyyymmdd, digit strings, case numbers (per division and
day, continuing across batches, the load number inside), the applicant pool's numbers, the
window-to-online move for 全程网办 items."""

import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from yingshang.demo import cases as demo

SH = ZoneInfo("Asia/Shanghai")

days = st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31))


@given(days, st.integers(0, 86399))
def test_to_utc_is_the_shanghai_wall_clock(day, seconds):
    got = demo._to_utc(np.array([np.datetime64(day)]), np.array([seconds]))[0]
    wall = datetime.datetime.combine(day, datetime.time(), SH) + datetime.timedelta(seconds=seconds)
    assert got == int(wall.timestamp())


@given(st.lists(days, min_size=1, max_size=20))
def test_yyyymmdd(values):
    got = demo._yyyymmdd(np.array(values, dtype="datetime64[D]"))
    assert got.tolist() == [int(d.strftime("%Y%m%d")) for d in values]


@given(st.lists(st.integers(0, 10**9 - 1), min_size=1, max_size=20))
def test_digits_are_zero_padded_ascii(values):
    got = demo._digits(np.array(values, dtype=np.int64), 9)
    assert [bytes(row).decode() for row in got] == [f"{v:09d}" for v in values]


def test_numbers_count_per_division_and_day_across_batches():
    numbers = demo._Numbers(load_no=3)
    d1, d2 = np.datetime64("2026-03-02"), np.datetime64("2026-03-03")
    first = numbers.make(np.array([510703, 510703, 510781, 510703]), np.array([d1, d1, d1, d2]))
    decoded = [x.decode() for x in first.tolist()]
    assert decoded == [
        "51070320260302903000001",
        "51070320260302903000002",
        "51078120260302903000001",
        "51070320260303903000001",
    ]
    # a later batch continues each division's sequence of that day
    second = numbers.make(np.array([510703, 510781]), np.array([d1, d2]))
    assert [x.decode() for x in second.tolist()] == [
        "51070320260302903000003",
        "51078120260303903000001",
    ]


def test_numbers_never_look_like_live_numbers():
    nums = demo._Numbers(load_no=0).make(
        np.array([510700] * 5), np.array([np.datetime64("2026-01-05")] * 5)
    )
    for n in (x.decode() for x in nums.tolist()):
        assert len(n) == 23 and n[14] == "9" and n[15:17] == "00"
    # the load number wraps at 100 and stays two digits
    assert demo._Numbers(load_no=123).load == 23


def test_numbers_of_an_empty_batch():
    out = demo._Numbers(0).make(np.array([], dtype=np.int64), np.array([], dtype="datetime64[D]"))
    assert len(out) == 0


@pytest.mark.django_db
def test_the_applicant_pool_numbers_are_all_valid(mianyang):
    pool = demo._applicant_pool(np.random.default_rng(5), n=400)
    assert len(pool["code"]) == 400
    for i, (kind, code) in enumerate(zip(pool["kind"], pool["code"], strict=True)):
        assert kind == ("enterprise" if i % 2 == 0 else "person")
        assert (uscc if kind == "enterprise" else ric).is_valid(code), code
    assert len(set(pool["code"])) > 390  # practically distinct
    assert all(len(p) == 11 and p[0] == "1" for p in pool["phone"])
    assert all(name.endswith("有限公司") for name in pool["name"][::2])


@pytest.mark.django_db
def test_the_pool_starts_with_the_registry(mianyang, enterprise_applicant, person_applicant):
    from yingshang.registry.models import Enterprise, Person

    pool = demo._applicant_pool(np.random.default_rng(1), n=40)
    ent, per = Enterprise.objects.get(), Person.objects.get()
    assert (pool["code"][0], pool["enterprise"][0]) == (ent.uscc, ent.pk)
    assert (pool["code"][1], pool["person"][1]) == (per.id_number, per.pk)
    assert pool["enterprise"][2] is None and pool["person"][3] is None


def test_window_applications_for_no_visit_items_mostly_go_online():
    rng = np.random.default_rng(0)
    n = 20_000
    channel = np.ones(n, dtype=np.int64)  # all window
    visits = np.r_[np.zeros(n // 2, dtype=np.int64), np.ones(n // 2, dtype=np.int64)]
    out = demo._online_if_no_visit(rng, channel, visits)
    moved = (out[: n // 2] == 0).mean()
    assert 0.83 < moved < 0.87  # 85 % of the no-visit items' window draws
    assert (out[n // 2 :] == 1).all()  # items that need a visit keep the window
    other = demo._online_if_no_visit(rng, np.full(10, 2), np.zeros(10, dtype=np.int64))
    assert (other == 2).all()  # only window applications move


def test_event_kinds_are_the_workflow_edges():
    from yingshang.cases.workflow import TRANSITIONS

    assert demo.EVENT_KINDS[0][:3] == ("submit", "", "submitted")  # the creation, no edge
    for action, fr, to, _role, _actor in demo.EVENT_KINDS[1:]:
        if action == "roll_up":
            continue
        edge = TRANSITIONS[action]
        assert fr in edge.sources, (action, fr)
        if not callable(edge.target):
            assert edge.target == to, (action, to)
    assert len(demo.EK) == len(demo.EVENT_KINDS)
    assert set(demo.STATUSES) == set(demo.ST)
