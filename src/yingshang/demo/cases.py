"""Volume demo: ``yingshang demo --cases N`` generates a year of plausible cases.

Every case is planned as a timeline (submit → accept or reject/withdraw → 补正 → start → 挂起 /
恢复 → complete → deliver) drawn with numpy (deterministic with ``--seed``); the case's status,
clock, events and visits are what of that timeline lies before now, so they always agree with
each other and with the workflow's ``TRANSITIONS``. About 1 % of the rows are "一件事" bundle
parents (item NULL, bundle set) with their sub-cases (parent set), the parent's status and times
derived from the sub-cases as ``workflow.roll_up`` does. Applicants come from a synthetic pool of
valid USCC / ID numbers that starts with the registry's enterprises and persons (those cases get
``enterprise`` / ``person`` set).

Writing: every row (cases, events, visits) is encoded by numpy into PostgreSQL's binary COPY
format and streamed by a writer thread while the next batch is generated (Python on one core,
the server ingesting on the other). A fresh large load (``n`` ≥ ``BULK_MIN`` and at least twice
the rows already there) drops the foreign keys, primary/unique keys and secondary indexes of the
four case tables, truncates them when they are empty (so COPY can FREEZE the rows), commits, and
then restores everything on two connections at a time (``cases_demo_pending`` keeps the DDL
until it has run, so an interrupted restore is finished by the next run): keys and indexes with
a large ``maintenance_work_mem``, foreign keys re-added ``NOT VALID`` and then validated, then
ANALYZE. SQLite (small N, tests, ``make run``) gets the same rows through ``executemany``.

Idempotent: a load is keyed by (N, seed); a rerun with the same values finds its DemoBatch
marker and changes nothing. Demo case numbers have their own shape (division + date + "9" +
load (2 digits) + 6-digit sequence per division and day, 23 characters) so they never collide
with live numbers (19 characters) or with another load's.
"""

import datetime
import os
import queue
import re
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from yingshang.cases.models import Case, DemoBatch
from yingshang.demo.framework import demo_step
from yingshang.workdays import calendar as workdays

BATCH = 200_000
POOL = 20_000
BULK_MIN = 300_000
BUNDLE_SHARE = 0.01  # share of rows that are bundle parents (each has ~5 sub-cases)
REGISTRY_SHARE = 0.005  # share of the applications made by the registry's enterprises/persons
PERSON_AREAS = [22, 23, 25, 26, 27, 81]  # 5107xx counties stdnum accepts from 1989 on
BUNDLE_WEIGHT = {"qiye-kaiban": 4.0, "kaiban-canguan": 1.5}  # others 1.0

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞鹏辉斌宇浩凯健俊帆")
FIRM_WORDS = list("科创恒信达兴华泰安锦盛鑫源宏远通利嘉禾瑞祥顺发博海涪江游仙绵州富乐越王")
FIRM_KIND = [
    "科技",
    "商贸",
    "建筑工程",
    "餐饮管理",
    "农业开发",
    "电子",
    "物流",
    "文化传媒",
    "医药",
    "机械制造",
]

CHANNELS = ["online", "window", "api", "wechat"]
STATUSES = [
    "submitted",
    "accepted",
    "supplement_requested",
    "in_process",
    "suspended",
    "completed",
    "delivered",
    "rejected",
    "withdrawn",
    "pending_approval",
]
ST = {name: i for i, name in enumerate(STATUSES)}
STEPS = ["", "review", "decision"]
OUTCOMES = ["", "approved", "denied"]
SUSPENDS = ["", "hearing", "expert", "notice", "inspection"]
FINALS = ["", "on_time", "overdue"]
RESUMES = ["", "accepted", "in_process"]
REASONS = ["", "申请人不具备申请资格。", "经审查，申请不符合法定条件。"]
VISIT_KINDS = ["submission", "supplement", "original_check", "pickup"]
# (action, from status, to status, role, actor)
EVENT_KINDS = [
    ("submit", "", "submitted", "applicant", "demo"),
    ("accept", "submitted", "accepted", "clerk", "demo"),
    ("reject", "submitted", "rejected", "clerk", "demo"),
    ("withdraw", "submitted", "withdrawn", "applicant", "demo"),
    ("request_supplement", "accepted", "supplement_requested", "handler", "demo"),
    ("resubmit", "supplement_requested", "accepted", "applicant", "demo"),
    ("start", "accepted", "in_process", "handler", "demo"),
    ("suspend", "in_process", "suspended", "handler", "demo"),
    ("resume", "suspended", "in_process", "handler", "demo"),
    ("complete", "accepted", "completed", "handler", "demo"),
    ("complete", "in_process", "completed", "handler", "demo"),
    ("deliver", "completed", "delivered", "handler", "demo"),
    ("roll_up", "submitted", "in_process", "system", "system"),
    ("roll_up", "in_process", "supplement_requested", "system", "system"),
    ("roll_up", "supplement_requested", "in_process", "system", "system"),
    ("roll_up", "in_process", "completed", "system", "system"),
    ("roll_up", "completed", "delivered", "system", "system"),
    ("roll_up", "in_process", "rejected", "system", "system"),
    # items that need the head's 审批 (catalog ``requires_head_approval``): 审核 → 审批
    ("submit_approval", "in_process", "pending_approval", "handler", "demo"),
    ("approve", "pending_approval", "completed", "dept_head", "demo"),
]
EK = {
    name: i
    for i, name in enumerate(
        [
            "submit",
            "accept",
            "reject",
            "withdraw",
            "supplement",
            "resubmit",
            "start",
            "suspend",
            "resume",
            "complete_a",
            "complete_p",
            "deliver",
            "r_process",
            "r_supplement",
            "r_back",
            "r_complete",
            "r_deliver",
            "r_reject",
            "submit_approval",
            "approve",
        ]
    )
}
TABLES = ("cases_case", "cases_caseevent", "cases_casevisit", "cases_casematerial")


def add_arguments(parser):
    parser.add_argument(
        "--cases",
        type=int,
        default=20_000,
        help="volume demo: number of generated cases (default 20000; up to 10,000,000)",
    )


# --------------------------------------------------------------------------- inputs


def _applicant_pool(rng, n=POOL) -> dict:
    """Applicants: even indices enterprises, odd persons; the registry's enterprises and persons
    come first (with their ids), the rest is synthetic with check-digit-valid codes."""
    from stdnum.cn import ric, uscc

    from yingshang.registry.models import Enterprise, Person

    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    words, kinds_, surnames, given = (
        np.array(FIRM_WORDS),
        np.array(FIRM_KIND),
        np.array(SURNAMES),
        np.array(GIVEN),
    )
    w = words[rng.integers(0, len(words), (n, 2))].tolist()
    fk = kinds_[rng.integers(0, len(kinds_), n)].tolist()
    letters = alphabet[rng.integers(0, len(alphabet), (n, 11))].tolist()
    sn = surnames[rng.integers(0, len(surnames), n)].tolist()
    gv = given[rng.integers(0, len(given), (n, 2))].tolist()
    glen = rng.integers(1, 3, n).tolist()
    # stdnum (as the app's checks) knows Mianyang's county codes from 1985/1989 on: applicants
    # are born 1989 … 2004 in one of the counties, so that every ID number passes ric.is_valid
    birth = (np.datetime64("1989-06-01") + rng.integers(0, 5600, n)).astype(str).tolist()
    area = np.array(PERSON_AREAS)[rng.integers(0, len(PERSON_AREAS), n)].tolist()
    tail = rng.integers(0, 999, n).tolist()
    phone = rng.integers(0, 10**8, n).tolist()
    prefix = rng.integers(30, 99, n).tolist()
    pool = {k: [] for k in ("name", "code", "kind", "phone", "enterprise", "person")}
    for i in range(n):
        if i % 2 == 0:
            pool["name"].append("绵阳" + "".join(w[i]) + fk[i] + "有限公司")
            # 91 + a Mianyang area code (6 digits) + a 9-character organisation code
            body = f"915107{area[i]:02d}" + "".join(letters[i][:9])
            pool["code"].append(body + uscc.calc_check_digit(body))
            pool["kind"].append("enterprise")
        else:
            pool["name"].append(sn[i] + "".join(gv[i][: glen[i]]))
            body = f"5107{area[i]:02d}{birth[i].replace('-', '')}{tail[i]:03d}"
            # ric.calc_check_digit takes the 18 characters and ignores the last one
            pool["code"].append(body + ric.calc_check_digit(body + "0"))
            pool["kind"].append("person")
        pool["phone"].append(f"1{prefix[i]}{phone[i]:08d}")
        pool["enterprise"].append(None)
        pool["person"].append(None)
    half = n // 4
    for i, (pk, code, name, tel) in enumerate(
        Enterprise.objects.order_by("id").values_list("id", "uscc", "name", "phone")[:half]
    ):
        j = 2 * i
        pool["name"][j], pool["code"][j], pool["phone"][j] = name, code, tel or pool["phone"][j]
        pool["enterprise"][j] = pk
    for i, (pk, code, name, tel) in enumerate(
        Person.objects.order_by("id").values_list("id", "id_number", "name", "phone")[:half]
    ):
        j = 2 * i + 1
        pool["name"][j], pool["code"][j], pool["phone"][j] = name, code, tel or pool["phone"][j]
        pool["person"][j] = pk
    return pool


def _items():
    from yingshang.catalog.models import ServiceItem

    return list(
        ServiceItem.objects.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version", "department", "division")
        .order_by("id")
    )


def _to_utc(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Shanghai local day + seconds of day → epoch seconds (int64, UTC)."""
    d = days.astype("datetime64[D]").astype(np.int64)
    return d * 86400 + np.asarray(seconds, dtype=np.int64) - 8 * 3600


@dataclass
class _Context:
    items: list
    it_id: np.ndarray
    it_version: np.ndarray
    it_dept: np.ndarray
    it_div: np.ndarray
    it_div_code: np.ndarray
    it_limit: np.ndarray
    it_visits: np.ndarray
    it_local: np.ndarray
    it_approval: np.ndarray
    weights: np.ndarray
    county_ids: np.ndarray
    county_codes: np.ndarray
    bundles: list  # (bundle id, name, division id, division code, enterprise?, [item idx], key)
    bundle_ids: np.ndarray
    registry: tuple  # (enterprises, persons) at the start of the applicant pool
    bundle_p: np.ndarray
    all_days: np.ndarray
    work_days: np.ndarray
    count_days: np.ndarray  # working days from a year ago to a year ahead (durations)
    now: int
    warn_days: dict


def _context(rng, today) -> _Context | None:
    from django.conf import settings

    from yingshang.cases import sla
    from yingshang.catalog.models import Bundle, BundleItem
    from yingshang.core.models import Division
    from yingshang.registry.models import Enterprise, Person

    items = _items()
    if not items:
        return None
    counties = list(Division.objects.filter(level=3, is_management_area=False).order_by("code"))
    div_code = {d.pk: d.code for d in Division.objects.filter(level__lte=3)}
    weights = 1.0 / np.arange(1, len(items) + 1) ** 0.8
    weights = rng.permutation(weights)
    weights /= weights.sum()
    index = {it.pk: k for k, it in enumerate(items)}
    members: dict = {}
    for b_id, it_id in BundleItem.objects.order_by("bundle_id", "order", "id").values_list(
        "bundle_id", "item_id"
    ):
        members.setdefault(b_id, []).append(index.get(it_id))
    bundles = []
    for b in Bundle.objects.filter(is_active=True).order_by("id"):
        ks = members.get(b.pk) or []
        if ks and None not in ks:
            code = int(div_code.get(b.division_id, "510700")[:6])
            bundles.append((b.pk, b.name, b.division_id, code, b.theme != "person", ks, b.key))
    bundle_p = np.array([BUNDLE_WEIGHT.get(b[6], 1.0) for b in bundles], dtype=float)
    if len(bundle_p):
        bundle_p /= bundle_p.sum()
    all_days, work_days, count_days = volume_calendar(today)
    limits = {i.current_version.committed_limit_days for i in items}
    min_days = getattr(settings, "SLA_WARNING_DAYS", None)
    return _Context(
        items=items,
        it_id=np.array([i.pk for i in items]),
        it_version=np.array([i.current_version_id for i in items]),
        it_dept=np.array([i.department_id for i in items]),
        it_div=np.array([i.division_id for i in items]),
        it_div_code=np.array([int(div_code.get(i.division_id, "510700")[:6]) for i in items]),
        it_limit=np.array([i.current_version.committed_limit_days for i in items]),
        it_visits=np.array([i.current_version.visits_required for i in items]),
        it_local=np.array([i.current_version.service_scope == "local" for i in items]),
        it_approval=np.array([i.requires_head_approval for i in items], dtype=bool),
        weights=weights,
        county_ids=np.array([d.pk for d in counties]),
        county_codes=np.array([int(d.code) for d in counties]),
        bundles=bundles,
        bundle_ids=np.array([b[0] for b in bundles] or [0], dtype=np.int64),
        registry=(
            min(Enterprise.objects.count(), POOL // 4),
            min(Person.objects.count(), POOL // 4),
        ),
        bundle_p=bundle_p,
        all_days=all_days,
        work_days=work_days,
        count_days=count_days,
        now=int(timezone.now().timestamp()),
        warn_days={lim: sla.warning_days(lim, min_days) for lim in limits},
    )


# --------------------------------------------------------------------------- the timeline


def volume_calendar(today: datetime.date):
    """The year before ``today`` (cases are submitted on its days and working days) and the
    working days a duration is counted on — from a year ago to a year ahead, since a case
    completes today or later (``all_days`` ends yesterday)."""
    start = np.datetime64(today - datetime.timedelta(days=365))
    span = start + np.arange(365 + 400)
    work = np.array([workdays.is_working_day(d.astype(object)) for d in span])
    all_days = span[:365]
    return all_days, all_days[work[:365]], span[work]


def _add_wd(days, n):
    return workdays.add_working_days_bulk(days, np.asarray(n, dtype=np.int64))


def _office(rng, days, m, lo=9.0, hi=17.0):
    return _to_utc(days, rng.integers(int(lo * 3600), int(hi * 3600), m))


def _lifecycle(
    rng, ctx: _Context, day, t0, limit, *, p_reject, p_withdraw, p_supp, fast=False, approval=None
):
    """Plan every case's timeline and cut it at now. Returns the case columns and the event
    slots [(event kind, mask, time)] (times are epoch seconds; 0 = none). ``approval``: the
    rows whose item needs the head's 审批 (审查 always; 审核 half an hour before 审批)."""
    m = len(day)
    approval = np.zeros(m, bool) if approval is None else np.asarray(approval, bool)
    now = ctx.now
    u = rng.random(m)
    rej = u < p_reject
    wd = (u >= p_reject) & (u < p_reject + p_withdraw)
    acc = ~(rej | wd)
    t_early = t0 + rng.integers(3600, 2 * 86400, m)
    lag = np.where(limit == 0, 0, rng.integers(0, 2, m))
    a_day = _add_wd(day, lag)
    t_a = np.maximum(t0 + rng.integers(300, 1800, m), _office(rng, a_day, m))
    # a late-evening submission is accepted after midnight: the clock runs from that day
    a_day = np.maximum(a_day, ((t_a + 8 * 3600) // 86400).astype("datetime64[D]"))
    u2 = rng.random(m)
    sup = acc & (u2 < p_supp)
    sus = acc & ~sup & (u2 < p_supp + 0.03) & (limit > 0)
    p_sup = np.where(sup, rng.integers(1, 6, m), 0)
    p_sus = np.where(sus, rng.integers(5, 21, m), 0)
    t_sr = t_a + rng.integers(3600, 6 * 3600, m)
    t_rs = np.maximum(t_sr + 3600, _office(rng, _add_wd(a_day, p_sup), m))
    start = acc & (sus | approval | ((limit >= 3) & (rng.random(m) < 0.3)))
    base = np.where(sup, t_rs, t_a)
    t_st = base + rng.integers(3600, 8 * 3600, m)
    t_su = t_st + rng.integers(3600, 86400, m)
    t_re = np.maximum(t_su + 3600, _office(rng, _add_wd(a_day, p_sus), m))
    last = np.where(sus, t_re, np.where(start, t_st, base))
    # durations: most well inside the limit, ~5 % late
    late = rng.random(m) < 0.05
    frac = rng.beta(2.0, 3.0, m)
    used = np.floor(frac * limit).astype(np.int64)
    if fast:
        used = np.minimum(used, rng.integers(0, 2, m))
    used = np.where(late, limit + rng.integers(1, 6, m), used)
    done_day = _add_wd(a_day, used + p_sup + p_sus)
    t_c = np.maximum(last + 1800, _office(rng, done_day, m, 10, 17))
    # working days taken as sla.working_days_used counts them, from the days the timestamps
    # fall on (a step late in the evening can push the completion past midnight)
    c_day = ((t_c + 8 * 3600) // 86400).astype("datetime64[D]")
    taken = np.searchsorted(ctx.count_days, c_day, "right") - np.searchsorted(
        ctx.count_days, a_day, "right"
    )
    used = np.maximum(taken - p_sup - p_sus, 0)
    approved = rng.random(m) < 0.96
    deliv = approved & (rng.random(m) < 0.75)
    t_d = t_c + rng.integers(3600, 3 * 86400, m)

    # cut at now
    a_now = acc & (t_a <= now)
    status = np.full(m, ST["submitted"], dtype=np.int64)
    status[a_now] = ST["accepted"]
    status[sup & (t_sr <= now)] = ST["supplement_requested"]
    status[sup & (t_rs <= now)] = ST["accepted"]
    status[start & (t_st <= now)] = ST["in_process"]
    status[sus & (t_su <= now)] = ST["suspended"]
    status[sus & (t_re <= now)] = ST["in_process"]
    t_sa = t_c - 900  # 审核 (after ``last`` + 900 s: t_c ≥ last + 1800)
    status[approval & acc & (t_sa <= now)] = ST["pending_approval"]
    done = acc & (t_c <= now)
    status[done] = ST["completed"]
    status[done & deliv & (t_d <= now)] = ST["delivered"]
    early = ~acc & (t_early <= now)
    status[rej & early] = ST["rejected"]
    status[wd & early] = ST["withdrawn"]

    paused = np.where(sup & (t_rs <= now), p_sup, 0) + np.where(sus & (t_re <= now), p_sus, 0)
    total = limit + paused
    due = np.where(a_now, _to_utc(_add_wd(a_day, total), np.full(m, 86399)), 0)
    wdays = np.vectorize(ctx.warn_days.get, otypes=[np.int64])(limit) if m else limit
    warn_off = total - wdays
    warn = np.where(
        warn_off < 0, t_a, _to_utc(_add_wd(a_day, np.maximum(warn_off, 0)), np.full(m, 86399))
    )
    outcome = np.where(done, np.where(approved, 1, 2), 0)
    proposed = np.where(status == ST["pending_approval"], np.where(approved, 1, 2), 0)
    in_sup = status == ST["supplement_requested"]
    in_sus = status == ST["suspended"]
    cols = {
        "status": status,
        "step": np.where(
            status == ST["in_process"], 1, np.where(status == ST["pending_approval"], 2, 0)
        ),
        "outcome": outcome,
        "proposed": proposed,
        "reason": np.where(status == ST["rejected"], 1, np.where(outcome == 2, 2, 0)),
        "suspend": np.where(sus & (t_su <= now), rng.integers(1, 5, m), 0),
        "resume": np.where(in_sup, 1, np.where(in_sus, 2, 0)),
        "final": np.where(done, np.where(t_c > due, 2, 1), 0),
        "submitted": t0,
        "accepted": np.where(a_now, t_a, 0),
        "completed": np.where(done, t_c, np.where(early, t_early, 0)),
        "delivered": np.where(status == ST["delivered"], t_d, 0),
        "due": due,
        "warn": np.where(a_now, warn, 0),
        "paused_since": np.where(in_sup, t_sr, np.where(in_sus, t_su, 0)),
        "limit_days": limit,
        "paused_days": np.where(a_now, paused, 0),
        "used": np.where(done, used, -1),
        "saved": np.where(done, np.maximum(limit - used, 0), -1),
    }
    slots = [
        (EK["submit"], np.ones(m, bool), t0),
        (EK["reject"], rej & early, t_early),
        (EK["withdraw"], wd & early, t_early),
        (EK["accept"], a_now, t_a),
        (EK["supplement"], sup & (t_sr <= now), t_sr),
        (EK["resubmit"], sup & (t_rs <= now), t_rs),
        (EK["start"], start & (t_st <= now), t_st),
        (EK["suspend"], sus & (t_su <= now), t_su),
        (EK["resume"], sus & (t_re <= now), t_re),
        (EK["complete_p"], done & start & ~approval, t_c),
        (EK["submit_approval"], approval & acc & (t_sa <= now), t_sa),
        (EK["approve"], done & approval, t_c),
        (EK["complete_a"], done & ~start, t_c),
        (EK["deliver"], status == ST["delivered"], t_d),
    ]
    extra = {
        "now": now,
        "t_sr": t_sr,
        "t_rs": t_rs,
        "sup_req": sup & (t_sr <= now),
        "sup_back": sup & (t_rs <= now),
    }
    return cols, slots, extra


def _events(slots, rows):
    """Event slots → (case row, time, kind) arrays, slot by slot (the load orders them by time;
    a stable sort keeps the slot order for equal times)."""
    case, at, kind = [], [], []
    for k, mask, t in slots:
        idx = np.flatnonzero(mask)
        case.append(rows[idx])
        at.append(t[idx])
        kind.append(np.full(len(idx), k, dtype=np.int64))
    return np.concatenate(case), np.concatenate(at), np.concatenate(kind)


def _visits(rng, cols, extra, channel, rows, *, submission=True, supplement=True):
    """On-site visits (kind, mask, time): the window submission, a supplement brought to the
    window, an original check, a pickup. Returns the visit arrays and the count per case."""
    m = len(rows)
    now = extra["now"]
    window = channel == 1
    out = []
    if submission:
        out.append((0, window, cols["submitted"]))
    if supplement:
        out.append((1, extra["sup_back"] & window & (rng.random(m) < 0.5), extra["t_rs"]))
    out.append((2, (cols["accepted"] > 0) & (rng.random(m) < 0.02), cols["accepted"] + 1200))
    # a pickup is the promised visit of an online application; otherwise an extra trip
    pick = np.where(cols["delivered"] > 0, cols["delivered"], cols["completed"] + 3600)
    req = cols["visits_req"]
    p_pick = np.where(req >= 1, np.where(window, 0.05, 0.6), 0.02)
    ok_pick = (cols["outcome"] > 0) & (pick <= now) & (rng.random(m) < p_pick)
    out.append((3, ok_pick, pick))
    case, at, kind = [], [], []
    count = np.zeros(m, dtype=np.int64)
    for k, mask, t in out:
        idx = np.flatnonzero(mask)
        case.append(rows[idx])
        at.append(t[idx])
        kind.append(np.full(len(idx), k, dtype=np.int64))
        count[idx] += 1
    case, at, kind = np.concatenate(case), np.concatenate(at), np.concatenate(kind)
    order = np.lexsort((at, case))
    return (case[order], at[order], kind[order]), count


# --------------------------------------------------------------------------- batches


class _Numbers:
    """Demo case numbers: division + date + "9" + load (2) + sequence per division and day."""

    def __init__(self, load_no: int):
        self.load = load_no % 100
        self.used: dict = {}

    def make(self, dcode: np.ndarray, day: np.ndarray) -> np.ndarray:
        ymd = _yyyymmdd(day)
        key = dcode.astype(np.int64) * 100_000_000 + ymd
        uniq, inv = np.unique(key, return_inverse=True)
        offset = np.array([self.used.get(k, 0) for k in uniq.tolist()], dtype=np.int64)
        order = np.argsort(inv, kind="stable")
        si = inv[order]
        run_start = np.zeros(len(key), dtype=np.int64)
        bounds = np.r_[0, np.flatnonzero(si[1:] != si[:-1]) + 1] if len(key) else []
        run_start[bounds] = bounds
        run_start = np.maximum.accumulate(run_start) if len(key) else run_start
        seq = np.empty(len(key), dtype=np.int64)
        seq[order] = np.arange(len(key)) - run_start + 1
        seq += offset[inv]
        for k, c in zip(uniq.tolist(), np.bincount(inv).tolist(), strict=True):
            self.used[k] = self.used.get(k, 0) + c
        high = key
        low = 900_000_000 + self.load * 1_000_000 + seq
        digits = np.concatenate([_digits(high, 14), _digits(low, 9)], axis=1)
        return np.ascontiguousarray(digits).view("S23").ravel()


def _digits(v: np.ndarray, width: int) -> np.ndarray:
    p = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((v[:, None] // p) % 10 + 48).astype(np.uint8)


def _yyyymmdd(day: np.ndarray) -> np.ndarray:
    y = day.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (day - day.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + mo * 100 + d


def _submission_days(rng, ctx, n):
    """Channel and submission day of every row of the load, in day order (so that the load is
    written in time order, as a live table grows): counters on working days, online any day."""
    channel = rng.choice(4, size=n, p=[0.55, 0.35, 0.07, 0.03]).astype(np.int8)
    online = channel == 0
    day = np.where(
        online,
        rng.integers(0, len(ctx.all_days), n),
        np.searchsorted(ctx.all_days, ctx.work_days)[rng.integers(0, len(ctx.work_days), n)],
    ).astype(np.int16)
    order = np.argsort(day, kind="stable")
    return channel[order], day[order]


def _submission_times(rng, ctx, day, online):
    """Office hours at counters; online at any hour."""
    m = len(day)
    sec = np.where(
        online, rng.integers(0, 86400, m), rng.integers(int(8.5 * 3600), int(17.5 * 3600), m)
    )
    return _to_utc(day, sec)


def _online_if_no_visit(rng, channel: np.ndarray, visits_required: np.ndarray) -> np.ndarray:
    """Items promising no visit (全程网办) are mostly applied for online: 85 % of their window
    applications become online ones (the rest are extra trips, 来回跑)."""
    move = (channel == 1) & (visits_required == 0) & (rng.random(len(channel)) < 0.85)
    return np.where(move, 0, channel)


def _applicants(rng, ctx, drawn: np.ndarray) -> np.ndarray:
    """Pool indices; REGISTRY_SHARE of them go to the registry's enterprises (even indices at
    the start of the pool) or persons (odd), keeping the drawn kind."""
    m = len(drawn)
    out = drawn.copy()
    for parity, count in ((0, ctx.registry[0]), (1, ctx.registry[1])):
        if count:
            hit = (drawn % 2 == parity) & (rng.random(m) < REGISTRY_SHARE)
            out[hit] = rng.integers(0, count, int(hit.sum())) * 2 + parity
    return out


def _split(rng, ctx, m):
    """Bundle applications of a batch of m rows: (bundle idx per parent, sub-case counts)."""
    if not ctx.bundles:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    b = int(round(m * BUNDLE_SHARE))
    picks = rng.choice(len(ctx.bundles), size=b, p=ctx.bundle_p)
    sizes = np.array([len(ctx.bundles[k][5]) for k in picks.tolist()], dtype=np.int64)
    while b and b + sizes.sum() > m:
        b -= 1
        picks, sizes = picks[:b], sizes[:b]
    return picks, sizes


def generate(n: int, seed: int, *, today: datetime.date | None = None, load_no: int = 0):
    """Yield batches of at most BATCH case rows as numpy columns, with their events and visits.

    Rows are numbered across the load (``row``: 0 … n-1; ``parent``: a row or -1); the writer
    turns rows into ids. Codes index the lists above; timestamps are epoch seconds, 0 = none.
    Deterministic for (n, seed, today, load_no)."""
    rng = np.random.default_rng(seed)
    today = today or timezone.localdate()
    ctx = _context(rng, today)
    if ctx is None:
        return
    numbers = _Numbers(load_no)
    channels, days = _submission_days(rng, ctx, n)
    done = 0
    while done < n:
        m = min(BATCH, n - done)
        # this batch's share of the (day-ordered) submissions, in random order
        mix = rng.permutation(m)
        slot = (channels[done : done + m][mix], ctx.all_days[days[done : done + m][mix]])
        yield _in_time_order(_batch(rng, ctx, numbers, done, m, slot), numbers, done)
        done += m


def _in_time_order(cols: dict, numbers: "_Numbers", first_row: int) -> dict:
    """Rows of a batch sorted by submission (a bundle parent before its sub-cases); row
    references (parent, events, visits) follow; then the case numbers."""
    m = len(cols["submitted"])
    rows = first_row + np.arange(m, dtype=np.int64)
    group = np.where(cols["parent"] >= 0, cols["parent"], rows)
    order = np.lexsort((rows, (cols["parent"] >= 0).astype(np.int8), group, cols["submitted"]))
    new = np.empty(m, dtype=np.int64)
    new[order] = rows
    out = {}
    for key, value in cols.items():
        if isinstance(value, np.ndarray) and len(value) == m and key != "row":
            out[key] = value[order]
    out["row"] = rows
    has = out["parent"] >= 0
    out["parent"] = np.where(has, new[np.where(has, out["parent"] - first_row, 0)], -1)
    out["events"] = {**cols["events"], "case": new[cols["events"]["case"] - first_row]}
    out["visit_log"] = {**cols["visit_log"], "case": new[cols["visit_log"]["case"] - first_row]}
    out["number"] = numbers.make(out["dcode"], out["day"])
    return out


def _batch(rng, ctx: _Context, numbers, first_row: int, m: int, slot) -> dict:
    picks, sizes = _split(rng, ctx, m)
    b, kids = len(picks), int(sizes.sum())
    s = m - b - kids
    rows = first_row + np.arange(m, dtype=np.int64)

    # -- single cases: rows [0, s)
    k = rng.choice(len(ctx.items), size=s, p=ctx.weights)
    channel, day = slot[0][:s].astype(np.int64), slot[1][:s]
    channel = _online_if_no_visit(rng, channel, ctx.it_visits[k])
    t0 = _submission_times(rng, ctx, day, channel == 0)
    elsewhere = (~ctx.it_local[k]) & (rng.random(s) < 0.3)
    pick = rng.integers(0, len(ctx.county_ids), s)
    single, slots, extra = _lifecycle(
        rng,
        ctx,
        day,
        t0,
        ctx.it_limit[k],
        p_reject=0.04,
        p_withdraw=0.015,
        p_supp=0.10,
        approval=ctx.it_approval[k],
    )
    single.update(
        item=k,
        bundle=np.full(s, -1),
        parent=np.full(s, -1),
        applicant=_applicants(rng, ctx, rng.integers(0, POOL, s)),
        division_id=np.where(elsewhere, ctx.county_ids[pick], ctx.it_div[k]),
        department_id=ctx.it_dept[k],
        channel=channel,
        visits_req=ctx.it_visits[k],
        dcode=np.where(elsewhere, ctx.county_codes[pick], ctx.it_div_code[k]),
        day=day,
    )
    ev = [_events(slots, rows[:s])]
    vis = []
    (vc, va, vk), single["visits"] = _visits(rng, single, extra, channel, rows[:s])
    vis.append((vc, va, vk, single["department_id"][vc - first_row]))
    parts = [single]

    # -- bundle parents: rows [s, s + b); their sub-cases: rows [s + b, m)
    if b:
        parent_rows, child_rows = rows[s : s + b], rows[s + b :]
        first = np.cumsum(sizes) - sizes
        bundle = np.repeat(picks, sizes)
        owner = np.repeat(np.arange(b), sizes)
        pos = np.arange(kids) - first[owner]
        kk = np.array(
            [ctx.bundles[x][5][p] for x, p in zip(bundle.tolist(), pos.tolist(), strict=True)],
            dtype=np.int64,
        )
        p_channel = slot[0][s : s + b].astype(np.int64)
        p_channel[p_channel == 2] = 0  # bundles are applied for on the portal or at a window
        p_req = np.maximum.reduceat(ctx.it_visits[kk], first)
        p_channel = _online_if_no_visit(rng, p_channel, p_req)
        p_day = slot[1][s : s + b]
        p_t0 = _submission_times(rng, ctx, p_day, p_channel == 0)
        ent = np.array([ctx.bundles[x][4] for x in picks.tolist()], dtype=bool)
        p_app = _applicants(rng, ctx, rng.integers(0, POOL // 2, b) * 2 + np.where(ent, 0, 1))
        p_div = np.array([ctx.bundles[x][2] for x in picks.tolist()])
        p_code = np.array([ctx.bundles[x][3] for x in picks.tolist()])
        child, c_slots, c_extra = _lifecycle(
            rng,
            ctx,
            p_day[owner],
            p_t0[owner],
            ctx.it_limit[kk],
            p_reject=0.01,
            p_withdraw=0.0,
            p_supp=0.08,
            fast=True,
            approval=ctx.it_approval[kk],
        )
        child.update(
            item=kk,
            bundle=ctx.bundle_ids[bundle],
            parent=parent_rows[owner],
            applicant=p_app[owner],
            division_id=p_div[owner],
            department_id=ctx.it_dept[kk],
            channel=p_channel[owner],
            visits_req=ctx.it_visits[kk],
            dcode=p_code[owner],
            day=p_day[owner],
        )
        # sub-cases: materials and the window submission go through the parent
        (vc, va, vk), child["visits"] = _visits(
            rng, child, c_extra, child["channel"], child_rows, submission=False, supplement=False
        )
        vis_child = (vc, va, vk, child["department_id"][vc - child_rows[0]])
        parent, p_slots = _parents(child, c_extra, b, sizes)
        parent.update(
            item=np.full(b, -1),
            bundle=ctx.bundle_ids[picks],
            parent=np.full(b, -1),
            applicant=p_app,
            division_id=p_div,
            department_id=ctx.it_dept[kk[first]],
            channel=p_channel,
            visits_req=p_req,
            dcode=p_code,
            day=p_day,
        )
        p_extra = {"now": ctx.now, "sup_back": np.zeros(b, bool), "t_rs": np.zeros(b, np.int64)}
        (vc, va, vk), parent["visits"] = _visits(
            rng, parent, p_extra, p_channel, parent_rows, supplement=False
        )
        vis.append((vc, va, vk, parent["department_id"][vc - parent_rows[0]]))
        vis.append(vis_child)
        ev.append(_events(p_slots, parent_rows))
        ev.append(_events(c_slots, child_rows))
        parts += [parent, child]

    cols = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    cols["row"] = rows
    # 来回跑: a completed case whose applicant came more often than promised, the first visit
    # never counting (cases.services.trips_exceeded)
    done = np.isin(cols["status"], [ST["completed"], ST["delivered"]])
    cols["multiple"] = done & (cols["visits"] > np.maximum(cols["visits_req"], 1))
    ec, ea, ek = (np.concatenate(x) for x in zip(*ev, strict=True))
    local = ec - first_row
    denied = np.isin(ek, [EK["complete_a"], EK["complete_p"], EK["approve"]]) & (
        cols["outcome"][local] == 2
    )
    cols["events"] = {
        "case": ec,
        "at": ea,
        "kind": ek,
        "channel": cols["channel"][local],
        "note": np.where(ek == EK["reject"], 1, np.where(denied, 2, 0)),
    }
    vc, va, vk, vd = (np.concatenate(x) for x in zip(*vis, strict=True))
    cols["visit_log"] = {"case": vc, "at": va, "kind": vk, "department": vd}
    return cols


def _parents(child: dict, c_extra: dict, b: int, sizes: np.ndarray):
    """Bundle parents' columns and roll-up events from their sub-cases (as workflow.roll_up
    and derive_parent_status do)."""
    first = np.cumsum(sizes) - sizes
    st = child["status"]
    big = np.iinfo(np.int64).max

    def any_(mask):
        return np.add.reduceat(mask.astype(np.int64), first) > 0

    def all_(mask):
        return np.add.reduceat(mask.astype(np.int64), first) == sizes

    def min_(v, mask):
        r = np.minimum.reduceat(np.where(mask, v, big), first)
        return np.where(r == big, 0, r)

    def max_(v, mask):
        return np.maximum.reduceat(np.where(mask, v, 0), first)

    finished = np.isin(st, [ST["completed"], ST["delivered"], ST["rejected"], ST["withdrawn"]])
    all_fin = all_(finished)
    rej_all = all_(np.isin(st, [ST["rejected"], ST["withdrawn"]]))
    deliv_all = all_(np.isin(st, [ST["delivered"], ST["rejected"], ST["withdrawn"]]))
    status = np.full(b, ST["submitted"], dtype=np.int64)
    active = (
        np.isin(st, [ST["accepted"], ST["in_process"], ST["pending_approval"], ST["suspended"]])
        | finished
    )
    status[any_(active)] = ST["in_process"]
    status[all_fin] = ST["completed"]
    status[all_fin & deliv_all] = ST["delivered"]
    status[all_fin & rej_all] = ST["rejected"]
    status[any_(st == ST["supplement_requested"])] = ST["supplement_requested"]

    p_t0 = np.minimum.reduceat(child["submitted"], first)
    acted = (child["accepted"] > 0) | (child["completed"] > 0)
    first_act = min_(np.where(child["accepted"] > 0, child["accepted"], child["completed"]), acted)
    went = first_act > 0
    first_act = np.where(went, np.maximum(first_act, p_t0 + 60), 0)
    sup_req = min_(c_extra["t_sr"], c_extra["sup_req"])
    had = went & (sup_req > 0)
    sup_req = np.maximum(sup_req, first_act + 60)
    back = had & all_(~c_extra["sup_req"] | c_extra["sup_back"])
    sup_back = np.maximum(max_(c_extra["t_rs"], c_extra["sup_back"]), sup_req + 60)
    end = went & all_fin
    t_end = np.maximum(max_(child["completed"], finished), np.where(back, sup_back, first_act) + 60)
    delivered = status == ST["delivered"]
    t_del = np.maximum(max_(child["delivered"], child["delivered"] > 0), t_end + 60)
    has_out = child["outcome"] > 0
    outcome = np.where(
        all_fin & any_(has_out), np.where(all_(~has_out | (child["outcome"] == 1)), 1, 2), 0
    )
    final = np.where(
        all_fin & any_(child["final"] > 0), np.where(any_(child["final"] == 2), 2, 1), 0
    )
    in_sup = status == ST["supplement_requested"]
    cols = {
        "status": status,
        "step": np.zeros(b, dtype=np.int64),
        "proposed": np.zeros(b, dtype=np.int64),
        "outcome": outcome,
        "reason": np.zeros(b, dtype=np.int64),
        "suspend": np.zeros(b, dtype=np.int64),
        "resume": np.zeros(b, dtype=np.int64),
        "final": final,
        "submitted": p_t0,
        "accepted": min_(child["accepted"], child["accepted"] > 0),
        "completed": np.where(end, t_end, 0),
        "delivered": np.where(delivered, t_del, 0),
        "due": max_(child["due"], child["due"] > 0),
        "warn": max_(child["warn"], child["warn"] > 0),
        "paused_since": np.where(in_sup, min_(child["paused_since"], child["paused_since"] > 0), 0),
        "limit_days": np.zeros(b, dtype=np.int64),
        "paused_days": np.zeros(b, dtype=np.int64),
        "used": np.full(b, -1, dtype=np.int64),
        "saved": np.full(b, -1, dtype=np.int64),
    }
    slots = [
        (EK["submit"], np.ones(b, bool), p_t0),
        (EK["r_process"], went, first_act),
        (EK["r_supplement"], had, sup_req),
        (EK["r_back"], had & back, sup_back),
        (EK["r_complete"], end & ~rej_all, t_end),
        (EK["r_reject"], end & rej_all, t_end),
        (EK["r_deliver"], delivered, t_del),
    ]
    return cols, slots


def case_numbers(cols: dict) -> list[str]:
    return [x.decode() for x in cols["number"].tolist()]


# --------------------------------------------------------------------------- row specs
# A column is (name, kind, data): "int" (numpy ints, ``null`` sentinel or None), "ts" (epoch
# seconds, 0 = NULL), "raw" (fixed-width bytes), "dict" ((codes, [python values])).


def _dict(codes, values):
    return ("dict", (np.asarray(codes, dtype=np.int64), list(values)))


def _case_spec(cols: dict, ids: dict, lookups: dict) -> list:
    first = ids["case"]
    item, bundle, applicant = cols["item"], cols["bundle"], cols["applicant"]
    nitems = len(lookups["item_id"])
    pool = lookups["pool"]
    const = np.zeros(len(item), dtype=np.int64)
    return [
        ("id", "int", (cols["row"] + first, None)),
        ("number", "raw", cols["number"]),
        ("division_id", "int", (cols["division_id"], None)),
        ("department_id", "int", (cols["department_id"], None)),
        ("submitted_at", "ts", cols["submitted"]),
        ("limit_days", "int", (cols["limit_days"], None)),
        ("paused_days", "int", (cols["paused_days"], None)),
        ("visits", "int", (cols["visits"], None)),
        ("visits_required", "int", (cols["visits_req"], None)),
        ("parent_id", "int", (np.where(cols["parent"] >= 0, cols["parent"] + first, -1), -1)),
        ("item_id", *_dict(np.where(item >= 0, item, nitems), [*lookups["item_id"], None])),
        ("version_id", *_dict(np.where(item >= 0, item, nitems), [*lookups["version_id"], None])),
        ("bundle_id", "int", (bundle, -1)),
        (
            "title",
            *_dict(
                np.where(item >= 0, item, nitems + np.searchsorted(lookups["bundle_id"], bundle)),
                lookups["title"],
            ),
        ),
        ("applicant_kind", *_dict(applicant, pool["kind"])),
        ("applicant_name", *_dict(applicant, pool["name"])),
        ("applicant_code", *_dict(applicant, pool["code"])),
        ("applicant_phone", *_dict(applicant, pool["phone"])),
        ("enterprise_id", *_dict(applicant, pool["enterprise"])),
        ("person_id", *_dict(applicant, pool["person"])),
        ("user_id", *_dict(const, [None])),
        ("intake_department_id", *_dict(const, [None])),
        ("channel", *_dict(cols["channel"], CHANNELS)),
        ("status", *_dict(cols["status"], STATUSES)),
        ("step", *_dict(cols["step"], STEPS)),
        ("outcome", *_dict(cols["outcome"], OUTCOMES)),
        ("proposed_outcome", *_dict(cols["proposed"], OUTCOMES)),
        ("reason", *_dict(cols["reason"], REASONS)),
        ("resume_status", *_dict(cols["resume"], RESUMES)),
        ("suspend_reason", *_dict(cols["suspend"], SUSPENDS)),
        ("final_sla_state", *_dict(cols["final"], FINALS)),
        ("missing_materials", *_dict(const, [_Json("[]")])),
        ("form_data", *_dict(const, [_Json("{}")])),
        ("updated_at", *_dict(const, [_Stamp(lookups["now"])])),
        ("due_provisional", *_dict(const, [False])),
        ("lock_version", *_dict(const, [0])),
        ("multiple_trips", *_dict(cols["multiple"].astype(np.int64), [False, True])),
        ("accepted_at", "ts", cols["accepted"]),
        ("completed_at", "ts", cols["completed"]),
        ("delivered_at", "ts", cols["delivered"]),
        ("due_at", "ts", cols["due"]),
        ("warn_at", "ts", cols["warn"]),
        ("paused_since", "ts", cols["paused_since"]),
        ("working_days_used", "int", (cols["used"], -1)),
        ("days_saved", "int", (cols["saved"], -1)),
    ]


def _event_spec(ev: dict, first_id: int, ids: dict) -> list:
    n = len(ev["case"])
    kind = ev["kind"]
    const = np.zeros(n, dtype=np.int64)
    return [
        ("id", "int", (first_id + np.arange(n, dtype=np.int64), None)),
        ("case_id", "int", (ev["case"] + ids["case"], None)),
        ("at", "ts", ev["at"]),
        ("action", *_dict(kind, [k[0] for k in EVENT_KINDS])),
        ("from_status", *_dict(kind, [k[1] for k in EVENT_KINDS])),
        ("to_status", *_dict(kind, [k[2] for k in EVENT_KINDS])),
        ("role", *_dict(kind, [k[3] for k in EVENT_KINDS])),
        ("actor_name", *_dict(kind, [k[4] for k in EVENT_KINDS])),
        ("actor_id", *_dict(const, [None])),
        ("channel", *_dict(ev["channel"], CHANNELS)),
        ("note", *_dict(ev["note"], REASONS)),
        ("data", *_dict(const, [_Json("{}")])),
    ]


def _visit_spec(vis: dict, first_id: int, ids: dict) -> list:
    n = len(vis["case"])
    return [
        ("id", "int", (first_id + np.arange(n, dtype=np.int64), None)),
        ("case_id", "int", (vis["case"] + ids["case"], None)),
        ("at", "ts", vis["at"]),
        ("department_id", "int", (vis["department"], None)),
        ("kind", *_dict(vis["kind"], VISIT_KINDS)),
        ("recorded_by_id", *_dict(np.zeros(n, dtype=np.int64), [None])),
    ]


class _Json(str):
    pass


class _Stamp(int):
    pass


# --------------------------------------------------------------------------- PostgreSQL binary COPY

_PG_EPOCH = 946_684_800  # 2000-01-01 in Unix seconds
_INT = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2"}
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"


def _pg_value(value, pgtype: str) -> bytes:
    """One value as a binary COPY field (length + data)."""
    if value is None:
        return b"\xff\xff\xff\xff"
    if isinstance(value, _Stamp):
        data = ((int(value) - _PG_EPOCH) * 1_000_000).to_bytes(8, "big", signed=True)
    elif pgtype == "boolean":
        data = b"\x01" if value else b"\x00"
    elif pgtype in _INT:
        data = int(value).to_bytes(np.dtype(_INT[pgtype]).itemsize, "big", signed=True)
    elif pgtype == "jsonb":
        data = b"\x01" + str(value).encode()
    else:
        data = str(value).encode()
    return len(data).to_bytes(4, "big") + data


_DICTS: dict = {}
_ARANGE = np.arange(0, dtype=np.int32)


def _pg_dictionary(values: list, pgtype: str):
    """Encoded entries of a dictionary column (cached: the pool's lists serve every batch)."""
    key = (pgtype, id(values), len(values)) if len(values) > 1000 else (pgtype, tuple(values))
    hit = _DICTS.get(key)
    if hit is None or hit[0] is not values and len(values) > 1000:
        enc = [_pg_value(v, pgtype) for v in values]
        sizes = np.array([len(e) for e in enc], dtype=np.int64)
        hit = (
            values,
            np.frombuffer(b"".join(enc), dtype=np.uint8),
            sizes,
            np.cumsum(sizes) - sizes,
        )
        if len(_DICTS) > 256:
            _DICTS.clear()
        _DICTS[key] = hit
    return hit[1:]


def _arange(n: int) -> np.ndarray:
    global _ARANGE
    if len(_ARANGE) < n:
        _ARANGE = np.arange(max(n, 2 * len(_ARANGE)), dtype=np.int32)
    return _ARANGE[:n]


def _pg_dtype(pgtype: str, kind: str):
    if kind == "ts":
        return np.dtype(">i8")
    return np.dtype(_INT[pgtype])


def _pg_encode(spec: list, types: dict) -> tuple[list[str], bytes]:
    """Rows of ``spec`` as binary COPY data (without header/trailer), built with numpy: every
    field is a byte segment of a pool (a per-batch block of the non-null fixed-width columns,
    per-row slots of the nullable ones, the encoded dictionary entries); one gather puts the
    segments of every row in order."""
    m = len(spec[0][2][0])
    fixed = [c for c in spec if c[1] == "raw" or (c[1] == "int" and c[2][1] is None)]
    rest = [c for c in spec if c not in fixed]
    fields = [("n", ">i2")]
    for i, (name, kind, data) in enumerate(fixed):
        dt = data.dtype if kind == "raw" else _pg_dtype(types[name], kind)
        fields += [(f"l{i}", ">i4"), (f"v{i}", dt)]
    rec = np.empty(m, dtype=np.dtype(fields))
    rec["n"] = len(spec)
    for i, (_name, kind, data) in enumerate(fixed):
        values = data if kind == "raw" else data[0]
        rec[f"l{i}"] = rec.dtype[f"v{i}"].itemsize
        rec[f"v{i}"] = values
    width = rec.dtype.itemsize
    pools = [rec.view(np.uint8)]
    starts = [np.arange(m, dtype=np.int64) * width]
    lens = [np.full(m, width, dtype=np.int64)]
    base = m * width
    for name, kind, data in rest:
        if kind == "dict":
            codes, values = data
            encoded, sizes, offs = _pg_dictionary(values, types[name])
            pools.append(encoded)
            starts.append(base + offs[codes])
            lens.append(sizes[codes])
            base += int(sizes.sum())
            continue
        if kind == "ts":
            values, null = data, data == 0
            raw = (data - _PG_EPOCH) * 1_000_000
        else:
            values, sentinel = data
            null = values == sentinel
            raw = values
        dt = _pg_dtype(types[name], kind)
        slot = np.empty(m, dtype=np.dtype([("l", ">i4"), ("v", dt)]))
        slot["l"] = np.where(null, -1, dt.itemsize)
        slot["v"] = np.where(null, 0, raw)
        size = slot.dtype.itemsize
        pools.append(slot.view(np.uint8))
        starts.append(base + np.arange(m, dtype=np.int64) * size)
        lens.append(np.where(null, 4, size))
        base += m * size
    pool = np.concatenate(pools)
    s = np.stack(starts, axis=1).ravel()
    n = np.stack(lens, axis=1).ravel()
    ends = np.cumsum(n)
    total = int(ends[-1]) if len(ends) else 0
    index = np.repeat((s - (ends - n)).astype(np.int32), n)
    index += _arange(total)
    columns = [c[0] for c in fixed] + [c[0] for c in rest]
    return columns, pool[index].tobytes()


def _pg_types(cur, table: str) -> dict:
    cur.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    types = {}
    for name, t in cur.fetchall():
        t = "timestamptz" if t.startswith("timestamp") else t
        types[name] = t if t in (*_INT, "boolean", "jsonb", "timestamptz") else "text"
    return types


def _slices(spec: list, step: int):
    m = len(spec[0][2][0]) if spec[0][1] != "raw" else len(spec[0][2])
    for lo in range(0, m, step):
        sl = slice(lo, lo + step)
        part = []
        for name, kind, data in spec:
            if kind == "dict":
                part.append((name, kind, (data[0][sl], data[1])))
            elif kind == "int":
                part.append((name, kind, (data[0][sl], data[1])))
            else:
                part.append((name, kind, data[sl]))
        yield part


class _CopyWriter(threading.Thread):
    """Runs COPY commands on the load's connection while the main thread generates the next
    batch (the connection is only used by this thread until ``close``)."""

    def __init__(self, raw_connection, freeze: bool):
        super().__init__(daemon=True)
        self.raw = raw_connection
        self.freeze = freeze
        self.q: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.busy = 0.0

    def put(self, table: str, columns: list, chunks: list):
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.q.put((table, columns, chunks), timeout=1)
                return
            except queue.Full:
                continue

    def run(self):
        try:
            with self.raw.cursor() as cur:
                while (job := self.q.get()) is not None:
                    table, columns, chunks = job
                    t = time.monotonic()
                    opts = "FORMAT binary, FREEZE" if self.freeze else "FORMAT binary"
                    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({opts})"
                    with cur.copy(sql) as copy:
                        copy.write(HEADER)
                        for chunk in chunks:
                            copy.write(chunk)
                        copy.write(TRAILER)
                    self.busy += time.monotonic() - t
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            self.error = exc
            while True:  # drain so that the producer never blocks
                try:
                    if self.q.get(timeout=5) is None:
                        break
                except queue.Empty:
                    break

    def close(self):
        self.q.put(None)
        self.join()
        if self.error is not None:
            raise self.error


# --------------------------------------------------------------------------- SQLite rows


def _py_rows(spec: list) -> tuple[list[str], list[tuple]]:
    out = []
    for _name, kind, data in spec:
        if kind == "raw":
            out.append([x.decode() for x in data.tolist()])
        elif kind == "ts":
            text = np.datetime_as_string(data.astype("datetime64[s]"), unit="s").tolist()
            out.append(
                [
                    None if v == 0 else t.replace("T", " ")
                    for v, t in zip(data.tolist(), text, strict=True)
                ]
            )
        elif kind == "int":
            values, sentinel = data
            out.append([None if v == sentinel else v for v in values.tolist()])
        else:
            codes, values = data
            vals = [_py_value(v) for v in values]
            out.append([vals[c] for c in codes.tolist()])
    return [c[0] for c in spec], list(zip(*out, strict=True))


def _py_value(v):
    if isinstance(v, _Stamp):
        return datetime.datetime.fromtimestamp(int(v), datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, bool):
        return int(v)
    return v


def _sqlite_insert(cur, table: str, spec: list):
    columns, rows = _py_rows(spec)
    if rows:
        marks = ", ".join(["%s"] * len(columns))
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


# --------------------------------------------------------------------------- bulk: drop / restore

PENDING = "cases_demo_pending"


def _drop_for_bulk(cur) -> list[tuple[int, str, str]]:
    """Drop the foreign keys, primary/unique keys and secondary indexes of the case tables;
    return the DDL that restores them as (phase, table, sql)."""
    cur.execute(
        "SELECT k.conname, k.conrelid::regclass::text, k.contype, pg_get_constraintdef(k.oid) "
        "FROM pg_constraint k WHERE k.contype IN ('f', 'p', 'u') AND "
        "(k.conrelid = ANY(%s::regclass[]) OR k.confrelid = ANY(%s::regclass[])) ORDER BY 1",
        [list(TABLES), list(TABLES)],
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT c.relname, t.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype <> 'f')"
        " ORDER BY 1",
        [list(TABLES)],
    )
    indexes = cur.fetchall()
    restore = []
    # phases: 1 index builds (SHARE locks: several at a time on one table), 2 keys attached to
    # their indexes, 3 foreign keys added NOT VALID, 4 validated, 5 ANALYZE
    for name, table, kind, ddl in constraints:
        key = re.fullmatch(r"(PRIMARY KEY|UNIQUE) (\([^()]*\))", ddl)
        if kind == "f":
            restore.append(
                (3, table, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl} NOT VALID')
            )
            restore.append((4, table, f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"'))
        elif key:
            restore.append((1, table, f'CREATE UNIQUE INDEX "{name}" ON {table} {key[2]}'))
            restore.append(
                (
                    2,
                    table,
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {key[1]} USING INDEX "{name}"',
                )
            )
        else:
            restore.append((2, table, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}'))
    restore += [(1, table, ddl) for _name, table, ddl in indexes]
    restore += [(5, t, f"ANALYZE {t}") for t in TABLES]
    for name, table, _kind, _ddl in sorted(constraints, key=lambda c: c[2] != "f"):
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
    for name, _table, _ddl in indexes:
        cur.execute(f'DROP INDEX IF EXISTS "{name}"')
    cur.execute(f"CREATE TABLE IF NOT EXISTS {PENDING} (id serial, phase int, tbl text, ddl text)")
    for phase, table, ddl in restore:
        cur.execute(
            f"INSERT INTO {PENDING} (phase, tbl, ddl) VALUES (%s, %s, %s)", [phase, table, ddl]
        )
    return restore


def _cpu(pid: int) -> float:
    """CPU seconds used so far by a (local) server process; 0 if it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _cost(table: str, ddl: str, rows: dict) -> float:
    """Rough relative cost of a restore statement (longest first on two connections)."""
    n = rows.get(table, 1)
    if "ANALYZE" in ddl or "NOT VALID" in ddl:
        return 0
    weight = 1.0
    if "gin" in ddl or "number" in ddl or "applicant" in ddl:
        weight = 3.0
    elif "VALIDATE" in ddl:
        weight = 0.5
    return n * weight


def restore_pending(out=None, workers: int = 2) -> float:
    """Run the DDL left in ``cases_demo_pending`` (``workers`` statements at a time on their own
    connections, each table's statements in phase order); returns the seconds taken. Safe to
    call when nothing is pending."""
    import psycopg
    from django.db import connections

    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [PENDING])
        if cur.fetchone()[0] is None:
            return 0.0
        cur.execute(f"SELECT id, phase, tbl, ddl FROM {PENDING} ORDER BY phase, id")
        tasks = cur.fetchall()
        rows = {}
        for t in TABLES:
            cur.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [t])
            rows[t] = max(float((cur.fetchone() or [0])[0]), 1.0)
    t0 = time.monotonic()
    spent = [0.0]
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conninfo = {
        k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")
    }
    lock = threading.Lock()
    errors: list = []
    todo = sorted(tasks, key=lambda t: (t[1] not in (2, 3), t[1] == 5, -_cost(t[2], t[3], rows)))
    unfinished = list(todo)  # queued or running

    def ready(task) -> bool:
        """Per-table order instead of global phases, so that no connection idles at a phase
        boundary: keys after their table's index builds, foreign keys after both tables' keys
        (and builds: the locks conflict), validation after the add, ANALYZE last."""
        _id, phase, table, ddl = task

        def pending(tbl, phases):
            return any(t[2] == tbl and t[1] in phases and t is not task for t in unfinished)

        if phase == 1:
            return True
        if phase == 2:
            return not pending(table, {1})
        if phase == 3:
            ref = re.search(r"REFERENCES (\w+)", ddl)
            other = ref[1] if ref else table
            return not pending(table, {1, 2}) and not pending(other, {1, 2})
        if phase == 4:
            name = re.search(r'CONSTRAINT "([^"]+)"', ddl)[1]
            return not any(t[1] == 3 and f'"{name}"' in t[3] for t in unfinished)
        return not pending(table, {1, 2, 3, 4})

    def work():
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '2GB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")
            pid = conn.info.backend_pid
            while True:
                with lock:
                    if not unfinished or errors:
                        return
                    task = next((t for t in todo if ready(t)), None)
                    if task is not None:
                        todo.remove(task)
                if task is None:
                    time.sleep(0.05)
                    continue
                task_id, _phase, _table, ddl = task
                t, c = time.monotonic(), _cpu(pid)
                try:
                    conn.execute(ddl)
                    conn.execute(f"DELETE FROM {PENDING} WHERE id = %s", [task_id])
                except Exception as exc:  # noqa: BLE001 - re-raised below
                    with lock:
                        errors.append(exc)
                    return
                cpu = _cpu(pid) - c
                with lock:
                    unfinished.remove(task)
                    spent[0] += cpu
                if out is not None and time.monotonic() - t >= 0.5:
                    out.write(f"    {time.monotonic() - t:6.1f} s ({cpu:5.1f} s CPU)  {ddl[:80]}")

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {PENDING}")
    if out is not None:
        out.write(f"  {len(tasks)} statements, {spent[0]:.1f} s of server CPU")
    return time.monotonic() - t0


# --------------------------------------------------------------------------- the step


def _next_ids(cur, pg: bool) -> dict:
    ids = {}
    for key, table in (
        ("case", "cases_case"),
        ("event", "cases_caseevent"),
        ("visit", "cases_casevisit"),
    ):
        if pg:
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cur.fetchone()[0]
            # ALTER SEQUENCE (a no-op change) blocks concurrent nextval() until this load
            # commits: the API takes case ids from the sequence before its INSERT waits on the
            # table lock, so without this a live submission could be handed an id of the load
            cur.execute(f"ALTER SEQUENCE {seq} INCREMENT BY 1")
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        top = cur.fetchone()[0]
        if pg:
            cur.execute(f"SELECT last_value FROM {seq}")
            top = max(top, cur.fetchone()[0])
        ids[key] = top + 1
    return ids


def _set_sequences(cur, ids: dict):
    for key, table in (
        ("case", "cases_case"),
        ("event", "cases_caseevent"),
        ("visit", "cases_casevisit"),
    ):
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [max(ids[key] - 1, 1)]
        )


def _lookups(ctx_items, pool, seed) -> dict:
    from yingshang.catalog.models import Bundle

    bundles = list(Bundle.objects.filter(is_active=True).order_by("id").values_list("id", "name"))
    return {
        "item_id": [i.pk for i in ctx_items],
        "version_id": [i.current_version_id for i in ctx_items],
        "title": [i.name for i in ctx_items] + [b[1] for b in bundles],
        "bundle_id": np.array([b[0] for b in bundles], dtype=np.int64),
        "pool": pool,
        "now": int(timezone.now().timestamp()),
    }


@demo_step(300, "volume cases (--cases N)", add_arguments=add_arguments)
def load_volume(options, tally, out):
    n = int(options.get("cases") if options.get("cases") is not None else 20_000)
    seed = int(options.get("seed") or 2019)
    quiet = bool(options.get("quiet")) or out is None
    pg = connection.vendor == "postgresql"
    log = (lambda msg: None) if quiet else out.write
    if pg:
        restore_pending(None if quiet else out)
    if n <= 0:
        return
    key = f"volume:n={n}:seed={seed}"
    if DemoBatch.objects.filter(key=key).exists():
        tally.add("volume cases", "unchanged", n)
        return
    if not _items():
        if out is not None:
            out.write("  no service items: volume cases skipped (load the catalog first)")
        return
    from tqdm import tqdm

    t0 = time.monotonic()
    load_no = DemoBatch.objects.count()
    pool = _applicant_pool(np.random.default_rng(seed + 1))
    stats = {"events": 0, "visits": 0}
    bulk = False
    with transaction.atomic():
        with connection.cursor() as cur:
            existing = Case.objects.count()
            if pg:
                cur.execute("SET LOCAL synchronous_commit = off")
                bulk = n >= BULK_MIN and n >= 2 * existing
                mode = "ACCESS EXCLUSIVE" if bulk else "EXCLUSIVE"
                cur.execute(f"LOCK TABLE {', '.join(TABLES)} IN {mode} MODE")
            ids = _next_ids(cur, pg)
            freeze = False
            if bulk:
                empty = existing == 0 and all(not _has_rows(cur, t) for t in TABLES)
                _drop_for_bulk(cur)
                if empty:
                    cur.execute(f"TRUNCATE {', '.join(TABLES)}")
                    freeze = True
                log(f"  dropped keys, foreign keys and indexes of {', '.join(TABLES)}")
            elif pg:
                # foreign keys stay and are checked per statement
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            types = {t: _pg_types(cur, t) for t in TABLES[:3]} if pg else {}
            lookups = _lookups(_items(), pool, seed)
            writer = None
            backend, cpu0, py0 = None, 0.0, time.process_time()
            if pg:
                connection.ensure_connection()
                backend = connection.connection.info.backend_pid
                cpu0 = _cpu(backend)
                writer = _CopyWriter(connection.connection, freeze)
                writer.start()
            bar = tqdm(total=n, unit="case", disable=quiet, desc="cases")
            try:

                def write(table, spec, step):
                    if pg:
                        chunks = []
                        for part in _slices(spec, step):
                            columns, payload = _pg_encode(part, types[table])
                            chunks.append(payload)
                        writer.put(table, columns, chunks)
                    else:
                        _sqlite_insert(cur, table, spec)

                held = []  # events, written after the cases in time order (as a live log)
                for cols in generate(n, seed, load_no=load_no):
                    vis = cols["visit_log"]
                    write("cases_case", _case_spec(cols, ids, lookups), 25_000)
                    write(
                        "cases_casevisit",
                        _visit_spec(vis, ids["visit"] + stats["visits"], ids),
                        100_000,
                    )
                    stats["visits"] += len(vis["case"])
                    ev = cols["events"]
                    held.append(
                        {
                            "case": ev["case"].astype(np.int32),
                            "at": ev["at"],
                            "kind": ev["kind"].astype(np.int8),
                            "channel": ev["channel"].astype(np.int8),
                            "note": ev["note"].astype(np.int8),
                        }
                    )
                    bar.update(len(cols["row"]))
                bar.close()
                events = {k: np.concatenate([h[k] for h in held]) for k in held[0]}
                del held
                order = np.argsort(events["at"], kind="stable")
                events = {k: v[order] for k, v in events.items()}
                del order
                stats["events"] = len(events["at"])
                step = 1_000_000
                for lo in range(0, stats["events"], step):
                    part = {k: v[lo : lo + step].astype(np.int64) for k, v in events.items()}
                    write("cases_caseevent", _event_spec(part, ids["event"] + lo, ids), 100_000)
            finally:
                if writer is not None:
                    writer.close()
            ids_end = {
                "case": ids["case"] + n,
                "event": ids["event"] + stats["events"],
                "visit": ids["visit"] + stats["visits"],
            }
            if pg:
                _set_sequences(cur, ids_end)
            DemoBatch.objects.create(key=key, cases=n)
            t1 = time.monotonic()
            server = _cpu(backend) - cpu0 if backend else 0.0
            log(
                f"  {n:,} cases, {stats['events']:,} events, {stats['visits']:,} visits written "
                f"in {t1 - t0:.1f} s (Python {time.process_time() - py0:.1f} s CPU, server "
                f"{server:.1f} s CPU)"
            )
    if bulk:
        log("  restoring keys, indexes and foreign keys (2 connections) …")
        took = restore_pending(None if quiet else out)
        log(f"  restored in {took:.1f} s")
    elif pg:
        with connection.cursor() as cur:
            for t in TABLES[:3]:
                cur.execute(f"ANALYZE {t}")
    elapsed = time.monotonic() - t0
    tally.add("volume cases", "created", n)
    log(f"  {n:,} cases in {elapsed:.1f} s ({n / max(elapsed, 1e-9):,.0f} cases/s)")


def _has_rows(cur, table: str) -> bool:
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return bool(cur.fetchone()[0])


@demo_step(390, "query code (查询码) of a demo case")
def issue_demo_code(options, tally, out):
    """Volume rows carry no 查询码 (they are never looked up publicly, and the bulk COPY stays
    as fast as it was): this step gives the first demo case one and prints it, so that public
    tracking can be tried. Idempotent: an existing seed is kept (the same code is printed)."""
    case = Case.objects.filter(parent__isnull=True).order_by("number").first()
    if case is None:
        return
    if not case.lookup_seed:
        from yingshang.platform import lookup_codes

        case.lookup_seed = lookup_codes.new_seed()
        Case.objects.filter(pk=case.pk).update(lookup_seed=case.lookup_seed)
        tally.add("query codes", "created")
    else:
        tally.add("query codes", "unchanged")
    if out is not None:
        out.write(
            f"  demo query code: case {case.number} → {case.lookup_code} "
            f"(/track/?number={case.number}&code={case.lookup_code})"
        )
