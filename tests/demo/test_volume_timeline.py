"""The volume generator's timeline (demo/cases.py ``_lifecycle``) at a small size, on a context
built in the test (the real working-day calendar, no catalogue): every case's events walk the
edges of ``EVENT_KINDS`` and end in its status, times never run backwards nor past now, the
clock's fields agree with each other, the shares of the outcomes have the documented shape, and
a seed always gives the same timeline. Also the inputs of a batch: submission days and hours,
bundle splits, registry applicants and visits."""

import datetime
from collections import defaultdict
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from yingshang.cases import sla
from yingshang.demo import cases as demo
from yingshang.workdays.calendar import is_working_day

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2025, 11, 20)
LIMITS = np.array([0, 1, 3, 5, 10, 20])


def _ctx(**over):
    all_days, work_days, count_days = demo.volume_calendar(TODAY)
    now = datetime.datetime.combine(TODAY, datetime.time(12), SH)
    values = {
        "now": int(now.timestamp()),
        "all_days": all_days,
        "work_days": work_days,
        "count_days": count_days,
        "warn_days": {int(lim): sla.warning_days(int(lim), 1) for lim in LIMITS},
        "registry": (0, 0),
        "bundles": [],
        "bundle_p": np.zeros(0),
    }
    values.update(over)
    return SimpleNamespace(**values)


def _plan(seed=7, m=1500, approval_share=0.2, **kw):
    ctx = _ctx()
    rng = np.random.default_rng(seed)
    day = ctx.work_days[rng.integers(0, len(ctx.work_days), m)]
    t0 = demo._to_utc(day, rng.integers(9 * 3600, 17 * 3600, m))
    limit = LIMITS[rng.integers(0, len(LIMITS), m)]
    approval = rng.random(m) < approval_share
    params = {"p_reject": 0.08, "p_withdraw": 0.04, "p_supp": 0.1, **kw}
    cols, slots, extra = demo._lifecycle(rng, ctx, day, t0, limit, approval=approval, **params)
    return ctx, cols, slots, extra, approval


@pytest.fixture(scope="module")
def plan(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return _plan()


def _logs(slots, m):
    rows = np.arange(m, dtype=np.int64)
    case, at, kind = demo._events(slots, rows)
    order = np.lexsort((np.arange(len(at)), at, case))  # by case, time, then slot order
    logs = defaultdict(list)
    for c, t, k in zip(case[order].tolist(), at[order].tolist(), kind[order].tolist(), strict=True):
        logs[c].append((t, demo.EVENT_KINDS[k]))
    return logs


def test_every_log_walks_the_edges_and_ends_in_the_status(plan):
    ctx, cols, slots, _extra, approval = plan
    m = len(cols["status"])
    logs = _logs(slots, m)
    assert len(logs) == m  # every case has at least its submission
    for row in range(m):
        status = ""
        last = 0
        for at, (action, before, after, _role, _actor) in logs[row]:
            assert before == status, (row, action, status)
            assert last <= at <= ctx.now
            status, last = after, at
        assert status == demo.STATUSES[cols["status"][row]]
        actions = [e[1][0] for e in logs[row]]
        if "complete" in actions or "approve" in actions:
            # an item that needs the head's 审批 is never completed directly, and vice versa
            assert ("approve" in actions) == bool(approval[row])


def test_times_and_clock_fields_agree(plan):
    ctx, cols, _slots, _extra, _approval = plan
    sub, acc, done, deliv = (
        cols["submitted"],
        cols["accepted"],
        cols["completed"],
        cols["delivered"],
    )
    assert (acc[acc > 0] >= sub[acc > 0]).all()
    assert ((done == 0) | (done >= np.maximum(sub, acc))).all()
    assert ((deliv == 0) | (deliv > done)).all()
    assert (np.maximum.reduce([sub, acc, done, deliv]) <= ctx.now).all()
    # a due date and a warning iff accepted; the due date is the end of a working day
    assert ((cols["due"] > 0) == (acc > 0)).all()
    assert ((cols["warn"] > 0) == (acc > 0)).all()
    for due in cols["due"][cols["due"] > 0][:200].tolist():
        local = datetime.datetime.fromtimestamp(due, SH)
        assert local.time() == datetime.time(23, 59, 59)
        assert is_working_day(local.date())
    accepted = acc > 0
    assert (cols["warn"][accepted] <= cols["due"][accepted]).all()
    assert (cols["paused_days"][~accepted] == 0).all()


def test_finished_cases_have_a_result_and_days_used(plan):
    _ctx_, cols, _slots, _extra, _approval = plan
    finished = np.isin(cols["status"], [demo.ST["completed"], demo.ST["delivered"]])
    assert finished.any()
    assert (cols["outcome"][finished] > 0).all() and (cols["outcome"][~finished] == 0).all()
    assert (cols["used"][finished] >= 0).all() and (cols["used"][~finished] == -1).all()
    saved = np.maximum(cols["limit_days"] - cols["used"], 0)
    assert (cols["saved"][finished] == saved[finished]).all()
    late = cols["completed"] > cols["due"]
    assert (cols["final"][finished] == np.where(late, 2, 1)[finished]).all()
    assert (cols["final"][~finished] == 0).all()
    # a denial keeps the reason; a rejection (不予受理) its own
    denied = cols["outcome"] == 2
    assert (cols["reason"][denied] == 2).all()
    assert (cols["reason"][cols["status"] == demo.ST["rejected"]] == 1).all()


def test_paused_cases_know_where_they_resume(plan):
    _ctx_, cols, _slots, _extra, _approval = plan
    status = cols["status"]
    sup, sus = status == demo.ST["supplement_requested"], status == demo.ST["suspended"]
    assert (cols["resume"][sup] == 1).all() and (cols["resume"][sus] == 2).all()
    assert (cols["resume"][~(sup | sus)] == 0).all()
    assert (cols["paused_since"][sup | sus] > 0).all()
    assert (cols["paused_since"][~(sup | sus)] == 0).all()
    assert (cols["suspend"][sus] > 0).all()
    # the step: 审查 while in process, 决定 while waiting for 审批
    assert (cols["step"][status == demo.ST["in_process"]] == 1).all()
    assert (cols["step"][status == demo.ST["pending_approval"]] == 2).all()
    pending = status == demo.ST["pending_approval"]
    assert (cols["proposed"][pending] > 0).all() and (cols["proposed"][~pending] == 0).all()


def test_the_shares_have_the_documented_shape(plan):
    _ctx_, cols, _slots, _extra, _approval = plan
    m = len(cols["status"])
    share = {s: float((cols["status"] == demo.ST[s]).mean()) for s in demo.STATUSES}
    assert 0.05 < share["rejected"] < 0.11  # p_reject 0.08
    assert 0.02 < share["withdrawn"] < 0.06  # p_withdraw 0.04
    finished = np.isin(cols["status"], [demo.ST["completed"], demo.ST["delivered"]])
    assert finished.mean() > 0.7  # a year of cases: most are done
    overdue = float((cols["final"][finished] == 2).mean())
    assert 0.02 < overdue < 0.09  # ~5 % late
    approved = float((cols["outcome"][finished] == 1).mean())
    assert 0.93 < approved < 0.99  # 96 % approved
    assert m == 1500


def test_no_suspension_without_a_time_limit(plan):
    _ctx_, cols, slots, _extra, _approval = plan
    suspended = dict((k, mask) for k, mask, _t in slots)[demo.EK["suspend"]]
    assert suspended.any()
    assert (cols["limit_days"][suspended] > 0).all()


def test_the_timeline_is_deterministic_for_a_seed():
    a, b, c = _plan(seed=3, m=300), _plan(seed=3, m=300), _plan(seed=4, m=300)
    for key in ("status", "submitted", "accepted", "completed", "due", "used"):
        assert (a[1][key] == b[1][key]).all()
    assert any((a[1][k] != c[1][k]).any() for k in ("status", "accepted", "completed"))


def test_fast_items_use_fewer_days():
    _ctx_, slow, *_ = _plan(seed=5, m=800)
    _ctx_, fast, *_ = _plan(seed=5, m=800, fast=True)
    done_slow, done_fast = slow["used"] >= 0, fast["used"] >= 0
    assert fast["used"][done_fast].mean() < slow["used"][done_slow].mean()


def test_no_approval_and_no_supplement_give_none_of_those_events():
    ctx, cols, slots, _extra, _approval = _plan(seed=9, m=400, approval_share=0, p_supp=0)
    by_kind = {k: mask for k, mask, _t in slots}
    for name in ("submit_approval", "approve", "supplement", "resubmit"):
        assert not by_kind[demo.EK[name]].any(), name
    assert not (cols["status"] == demo.ST["pending_approval"]).any()


def test_visits_follow_the_channel_and_the_timeline(plan):
    _ctx_, cols, _slots, extra, _approval = plan
    m = len(cols["status"])
    rng = np.random.default_rng(11)
    channel = rng.integers(0, 4, m)
    cols = {**cols, "visits_req": rng.integers(0, 3, m)}
    (case, at, kind), count = demo._visits(rng, cols, extra, channel, np.arange(m))
    assert np.bincount(case, minlength=m).tolist() == count.tolist()
    assert (np.diff(case) >= 0).all()  # sorted by case, then time
    same = np.diff(case) == 0
    assert (np.diff(at)[same] >= 0).all()
    # a submission visit is a window application's, at its submission
    sub = kind == 0
    assert (channel[case[sub]] == 1).all()
    assert (at[sub] == cols["submitted"][case[sub]]).all()
    assert sub.sum() == (channel == 1).sum()
    # a supplement is brought only after a resubmission, at the window
    supp = kind == 1
    assert extra["sup_back"][case[supp]].all() and (channel[case[supp]] == 1).all()
    # a pickup only for a decided case, never in the future
    pick = kind == 3
    assert (cols["outcome"][case[pick]] > 0).all()
    assert (at[pick] <= extra["now"]).all()
    check = kind == 2
    assert (cols["accepted"][case[check]] > 0).all()


def test_visits_without_submission_and_supplement_kinds(plan):
    _ctx_, cols, _slots, extra, _approval = plan
    m = len(cols["status"])
    cols = {**cols, "visits_req": np.ones(m, dtype=np.int64)}
    rng = np.random.default_rng(2)
    (_case, _at, kind), _count = demo._visits(
        rng, cols, extra, np.ones(m), np.arange(m), submission=False, supplement=False
    )
    assert not np.isin(kind, [0, 1]).any()


def test_submission_days_and_hours():
    ctx = _ctx()
    rng = np.random.default_rng(1)
    channel, day = demo._submission_days(rng, ctx, 4000)
    assert (np.diff(day) >= 0).all()  # written in day order
    share = np.bincount(channel, minlength=4) / 4000
    assert abs(share[0] - 0.55) < 0.03 and abs(share[1] - 0.35) < 0.03
    counter_days = ctx.all_days[day[channel != 0]]
    work = set(ctx.work_days.tolist())
    assert all(d in work for d in counter_days.tolist())
    online_days = set(ctx.all_days[day[channel == 0]].tolist())
    assert online_days - work  # online applications come on rest days too
    t = demo._submission_times(rng, ctx, ctx.all_days[day], channel == 0)
    seconds = (t + 8 * 3600) % 86400
    counter = seconds[channel != 0]
    assert counter.min() >= 8.5 * 3600 and counter.max() < 17.5 * 3600
    assert seconds[channel == 0].min() < 8.5 * 3600  # online at night too


def test_bundle_split_fits_the_batch():
    bundles = [
        (1, "开办", 1, 510700, True, [0, 1, 2, 3, 4], "qiye-kaiban"),
        (2, "餐馆", 1, 510700, True, [5, 6, 7], "kaiban-canguan"),
    ]
    ctx = _ctx(bundles=bundles, bundle_p=np.array([0.5, 0.5]))
    rng = np.random.default_rng(0)
    picks, sizes = demo._split(rng, ctx, 1000)
    assert len(picks) == 10  # 1 % of the rows are bundle parents
    assert sizes.tolist() == [len(bundles[k][5]) for k in picks.tolist()]
    picks, sizes = demo._split(rng, ctx, 40)
    assert len(picks) == 0  # 0.4 parents round to none
    picks, sizes = demo._split(rng, _ctx(), 1000)
    assert len(picks) == 0 and len(sizes) == 0
    huge = [(3, "大", 1, 510700, True, list(range(150)), "huge")]
    huge_ctx = _ctx(bundles=huge, bundle_p=np.array([1.0]))
    picks, sizes = demo._split(rng, huge_ctx, 160)
    assert len(picks) == 1 and 1 + sizes.sum() <= 160  # the second of 2 parents does not fit
    picks, sizes = demo._split(rng, huge_ctx, 100)
    assert len(picks) == 0  # nor does the only one in 100 rows


def test_registry_applicants_keep_the_kind():
    rng = np.random.default_rng(4)
    drawn = rng.integers(0, demo.POOL, 40_000)
    out = demo._applicants(rng, _ctx(registry=(30, 20)), drawn)
    changed = out != drawn
    assert 50 < changed.sum() < 400  # REGISTRY_SHARE of 40 000
    assert ((out % 2) == (drawn % 2)).all()  # an enterprise stays an enterprise
    assert (out[changed & (out % 2 == 0)] < 60).all()  # the first 30 enterprises
    assert (out[changed & (out % 2 == 1)] < 40).all()  # the first 20 persons
    none = demo._applicants(rng, _ctx(registry=(0, 0)), drawn)
    assert (none == drawn).all()


def test_window_applications_of_items_without_visits_mostly_move_online():
    rng = np.random.default_rng(8)
    channel = np.ones(5000, dtype=np.int64)
    visits = np.r_[np.zeros(2500, dtype=np.int64), np.ones(2500, dtype=np.int64)]
    out = demo._online_if_no_visit(rng, channel, visits)
    assert (out[2500:] == 1).all()
    assert 0.8 < (out[:2500] == 0).mean() < 0.9
