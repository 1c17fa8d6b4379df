"""Volume demo: ``yingshang demo --cases N`` generates a year of plausible cases.

Columns are drawn with numpy (deterministic with ``--seed``) in batches; due dates come from
``workdays.add_working_days_bulk``. On PostgreSQL the rows go in with COPY (psycopg) and the
events and visits are derived from the case rows by INSERT … SELECT inside the database; on
SQLite with ``bulk_create`` and the same INSERT … SELECT. For large N the secondary indexes of
the case tables are dropped during the load and rebuilt after it.

Idempotent: a batch is keyed by (N, seed); a rerun with the same values finds its DemoBatch
marker and changes nothing. Demo case numbers have their own shape
(division + date + "9" + batch + 6-digit sequence, 23 characters) so they never collide with
live numbers (19 characters).
"""

import datetime
import time

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from yingshang.core import workdays
from yingshang.core.demo import demo_step

from .models import Case, DemoBatch

BATCH = 200_000

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


def add_arguments(parser):
    parser.add_argument(
        "--cases",
        type=int,
        default=20_000,
        help="volume demo: number of generated cases (default 20000; up to 10,000,000)",
    )


def _applicant_pool(rng, n=20_000):
    """Synthetic applicants (names and check-digit-valid codes), half enterprises."""
    from stdnum.cn import ric, uscc

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
    birth = (np.datetime64("1950-01-01") + rng.integers(0, 20000, n)).astype(str).tolist()
    area = rng.integers(1, 99, n).tolist()
    tail = rng.integers(0, 999, n).tolist()
    phone = rng.integers(0, 10**8, n).tolist()
    prefix = rng.integers(30, 99, n).tolist()
    names, codes, kinds, phones = [], [], [], []
    for i in range(n):
        if i % 2 == 0:
            names.append("绵阳" + "".join(w[i]) + fk[i] + "有限公司")
            body = "915107" + "".join(letters[i])
            codes.append(body + uscc.calc_check_digit(body))
            kinds.append("enterprise")
        else:
            names.append(sn[i] + "".join(gv[i][: glen[i]]))
            body = f"5107{area[i]:02d}{birth[i].replace('-', '')}{tail[i]:03d}"
            codes.append(body + ric.calc_check_digit(body))
            kinds.append("person")
        phones.append(f"1{prefix[i]}{phone[i]:08d}")
    return names, codes, kinds, phones


def _items():
    from yingshang.catalog.models import ServiceItem

    rows = list(
        ServiceItem.objects.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version", "department", "division")
        .order_by("id")
    )
    return rows


def _to_utc(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Shanghai local day + seconds of day → UTC datetime64[s]."""
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]") - np.timedelta64(8, "h")


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
]
ST = {name: i for i, name in enumerate(STATUSES)}
STEPS = ["", "review"]
OUTCOMES = ["", "approved", "denied"]
SUSPENDS = ["", "hearing", "expert", "notice", "inspection"]
FINALS = ["", "on_time", "overdue"]
REASONS = ["", "申请人不具备申请资格。", "经审查,申请不符合法定条件。"]
TIMESTAMPS = ["submitted", "accepted", "completed", "delivered", "due", "warn", "paused_since"]


def generate(n: int, seed: int, *, today: datetime.date | None = None):
    """Yield batches of at most BATCH cases as numeric numpy columns (codes index the lists
    above; timestamps are epoch seconds, 0 = none). Deterministic for (n, seed, today)."""
    rng = np.random.default_rng(seed)
    items = _items()
    if not items:
        return
    from yingshang.core.models import Division

    counties = list(Division.objects.filter(level=3, is_management_area=False).order_by("code"))
    county_ids = np.array([d.pk for d in counties])
    county_codes = np.array([int(d.code) for d in counties])
    div_code = {d.pk: d.code for d in Division.objects.filter(level__lte=3)}

    weights = 1.0 / np.arange(1, len(items) + 1) ** 0.8
    weights = rng.permutation(weights)
    weights /= weights.sum()
    it_id = np.array([i.pk for i in items])
    it_version = np.array([i.current_version_id for i in items])
    it_dept = np.array([i.department_id for i in items])
    it_div = np.array([i.division_id for i in items])
    it_div_code = np.array([int(div_code.get(i.division_id, "510700")[:6]) for i in items])
    it_limit = np.array([i.current_version.committed_limit_days for i in items])
    it_visits = np.array([i.current_version.visits_required for i in items])
    it_local = np.array([i.current_version.service_scope == "local" for i in items])
    pool_size = 20_000

    today = today or timezone.localdate()
    start = np.datetime64(today - datetime.timedelta(days=365))
    all_days = start + np.arange(365)
    work = np.array([workdays.is_working_day(d.astype(object)) for d in all_days])
    work_days = all_days[work]
    now = np.datetime64(timezone.now().replace(tzinfo=None), "s")
    nat = np.datetime64("NaT", "s")

    done = 0
    batch_no = 0
    while done < n:
        m = min(BATCH, n - done)
        k = rng.choice(len(items), size=m, p=weights)
        channel = rng.choice(4, size=m, p=[0.55, 0.35, 0.07, 0.03])
        online = channel == 0
        # submission: counters on working days in office hours; online at any hour
        day = np.where(
            online,
            all_days[rng.integers(0, 365, m)],
            work_days[rng.integers(0, len(work_days), m)],
        )
        sec = np.where(
            online, rng.integers(0, 86400, m), rng.integers(int(8.5 * 3600), int(17.5 * 3600), m)
        )
        submitted = _to_utc(day, sec)
        # division: the item's, or for city-wide items sometimes a county hall (全域通办)
        elsewhere = (~it_local[k]) & (rng.random(m) < 0.3)
        pick = rng.integers(0, len(county_ids), m)
        division = np.where(elsewhere, county_ids[pick], it_div[k])
        dcode = np.where(elsewhere, county_codes[pick], it_div_code[k])
        limit = it_limit[k]
        applicant = rng.integers(0, pool_size, m)

        r = rng.random(m)
        rejected = r < 0.04
        withdrawn = (r >= 0.04) & (r < 0.055)
        r2 = rng.random(m)
        supplement = (~rejected) & (r2 < 0.10)
        suspended = (~rejected) & (~supplement) & (r2 < 0.13) & (limit > 0)
        paused = np.where(supplement, rng.integers(1, 6, m), 0) + np.where(
            suspended, rng.integers(5, 21, m), 0
        )
        accept_lag = np.where(limit == 0, 0, rng.integers(0, 2, m))
        accept_day = np.where(accept_lag == 0, day, workdays.add_working_days_bulk(day, accept_lag))
        accepted = _to_utc(accept_day, np.maximum(sec, 9 * 3600) + 600)
        full_due = _to_utc(
            workdays.add_working_days_bulk(accept_day, limit + paused), np.full(m, 86399)
        )
        # durations: most well inside the limit; ~5 % late
        late = rng.random(m) < 0.05
        frac = rng.beta(2.0, 3.0, m)
        used = np.where(
            late, limit + rng.integers(1, 6, m), np.floor(frac * np.maximum(limit, 0)).astype(int)
        )
        used = np.where(limit == 0, np.where(late, 1, 0), used)
        done_day = workdays.add_working_days_bulk(accept_day, used + paused)
        done_day = np.where(used + paused == 0, accept_day, done_day)
        completed = _to_utc(done_day, rng.integers(10 * 3600, 17 * 3600, m))
        completed = np.maximum(completed, accepted + np.timedelta64(300, "s"))
        reject_at = np.minimum(
            submitted + rng.integers(3600, 2 * 86400, m).astype("timedelta64[s]"), now
        )
        delivered = completed + rng.integers(3600, 3 * 86400, m).astype("timedelta64[s]")
        approved = rng.random(m) < 0.96

        status = np.full(m, ST["completed"], dtype=np.int16)
        finished = completed <= now
        status[finished & (delivered <= now) & (rng.random(m) < 0.8)] = ST["delivered"]
        open_ = ~finished
        in_pause = open_ & (paused > 0) & (now < full_due)
        status[open_] = ST["in_process"]
        status[open_ & (rng.random(m) < 0.3)] = ST["accepted"]
        status[in_pause & supplement & (rng.random(m) < 0.3)] = ST["supplement_requested"]
        status[in_pause & suspended & (rng.random(m) < 0.3)] = ST["suspended"]
        status[rejected] = ST["rejected"]
        status[withdrawn] = ST["withdrawn"]
        recent = (now - submitted) < np.timedelta64(86400, "s")
        status[recent & ~rejected & ~withdrawn & (rng.random(m) < 0.5)] = ST["submitted"]
        status[(accepted > now) & ~rejected & ~withdrawn] = ST["submitted"]

        is_rej = status == ST["rejected"]
        is_wd = status == ST["withdrawn"]
        is_done = (status == ST["completed"]) | (status == ST["delivered"])
        paused_now = (status == ST["supplement_requested"]) | (status == ST["suspended"])
        acc = ~is_rej & ~is_wd & (status != ST["submitted"])
        eff_paused = np.where(paused_now, 0, paused)
        due_day = workdays.add_working_days_bulk(accept_day, limit + eff_paused)
        warn_off = limit + eff_paused - np.maximum(1, np.ceil(0.2 * limit).astype(int))
        warn_day = workdays.add_working_days_bulk(accept_day, np.maximum(warn_off, 0))
        due = _to_utc(due_day, np.full(m, 86399))
        warn = np.where(warn_off < 0, accepted, _to_utc(warn_day, np.full(m, 86399)))

        visits = np.where(channel == 1, 1, 0)
        visits += (is_done & (rng.random(m) < 0.25)).astype(int)
        visits += (rng.random(m) < 0.04).astype(int)

        ymd = _yyyymmdd(day)
        key = dcode.astype(np.int64) * 100_000_000 + ymd
        order = np.argsort(key, kind="stable")
        sk = key[order]
        run_start = np.zeros(m, dtype=np.int64)
        boundaries = np.r_[0, np.flatnonzero(sk[1:] != sk[:-1]) + 1]
        run_start[boundaries] = boundaries
        run_start = np.maximum.accumulate(run_start)
        seq = np.empty(m, dtype=np.int64)
        seq[order] = np.arange(m) - run_start + 1

        outcome = np.where(is_done, np.where(approved, 1, 2), 0)
        yield {
            "dcode": dcode.astype(np.int64),
            "day": ymd,
            "seq": seq,
            "batch": np.full(m, (batch_no * 7 + seed) % 100),
            "item_id": it_id[k],
            "version_id": it_version[k],
            "applicant": applicant,
            "division_id": division,
            "department_id": it_dept[k],
            "channel": channel,
            "status": status,
            "step": (status == ST["in_process"]).astype(int),
            "outcome": outcome,
            "suspend": np.where(suspended & acc, rng.integers(1, 5, m), 0),
            "final": np.where(is_done, np.where(completed > due, 2, 1), 0),
            "reason": np.where(is_rej, 1, np.where(outcome == 2, 2, 0)),
            "submitted": _epoch(submitted),
            "accepted": _epoch(np.where(acc, accepted, nat)),
            "completed": _epoch(
                np.where(is_rej | is_wd, reject_at, np.where(is_done, completed, nat))
            ),
            "delivered": _epoch(np.where(status == ST["delivered"], delivered, nat)),
            "due": _epoch(np.where(acc, due, nat)),
            "warn": _epoch(np.where(acc, warn, nat)),
            "paused_since": _epoch(np.where(paused_now, accepted + np.timedelta64(7200, "s"), nat)),
            "limit_days": limit,
            "paused_days": np.where(acc, eff_paused, 0),
            "used": np.where(is_done, used, -1),
            "saved": np.where(is_done, np.maximum(limit - used, 0), -1),
            "visits": visits,
            "visits_req": it_visits[k],
        }
        done += m
        batch_no += 1


def _yyyymmdd(day: np.ndarray) -> np.ndarray:
    y = day.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (day - day.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + mo * 100 + d


def _epoch(ts: np.ndarray) -> np.ndarray:
    """datetime64[s] (NaT allowed) → int64 epoch seconds, 0 for NaT."""
    out = ts.astype("datetime64[s]").astype(np.int64)
    return np.where(np.isnat(ts), 0, out)


def case_numbers(cols: dict) -> list[str]:
    return [
        f"{d}{y}9{b:02d}{s:06d}"
        for d, y, b, s in zip(
            cols["dcode"].tolist(),
            cols["day"].tolist(),
            cols["batch"].tolist(),
            cols["seq"].tolist(),
            strict=True,
        )
    ]


STAGING = [
    ("dcode", "int8"),
    ("day", "int8"),
    ("seq", "int8"),
    ("batch", "int8"),
    ("item_id", "int8"),
    ("version_id", "int8"),
    ("applicant", "int8"),
    ("division_id", "int8"),
    ("department_id", "int8"),
    ("channel", "int8"),
    ("status", "int8"),
    ("step", "int8"),
    ("outcome", "int8"),
    ("suspend", "int8"),
    ("final", "int8"),
    ("reason", "int8"),
    ("submitted", "int8"),
    ("accepted", "int8"),
    ("completed", "int8"),
    ("delivered", "int8"),
    ("due", "int8"),
    ("warn", "int8"),
    ("paused_since", "int8"),
    ("limit_days", "int8"),
    ("paused_days", "int8"),
    ("used", "int8"),
    ("saved", "int8"),
    ("visits", "int8"),
    ("visits_req", "int8"),
]


def _binary_copy_payload(cols: dict) -> bytes:
    """PostgreSQL binary COPY of the numeric columns, built in one numpy pass."""
    fields = [("n", ">i2")]
    for name, _t in STAGING:
        fields += [(f"l_{name}", ">i4"), (name, ">i8")]
    m = len(cols["seq"])
    rec = np.empty(m, dtype=np.dtype(fields))
    rec["n"] = len(STAGING)
    for name, _t in STAGING:
        rec[f"l_{name}"] = 8
        rec[name] = cols[name]
    header = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
    return header + rec.tobytes() + (-1).to_bytes(2, "big", signed=True)


def _arr(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


INSERT_FROM_STAGING = """
INSERT INTO cases_case (
  number, item_id, version_id, title, applicant_kind, applicant_name, applicant_code,
  applicant_phone, division_id, department_id, channel, status, step, outcome, reason,
  suspend_reason, submitted_at, accepted_at, completed_at, delivered_at, limit_days, due_at,
  warn_at, paused_since, paused_days, final_sla_state, working_days_used, days_saved, visits,
  visits_required, multiple_trips, resume_status, missing_materials, form_data, updated_at,
  due_provisional, lock_version)
SELECT
  s.dcode::text || s.day::text || '9' || lpad(s.batch::text, 2, '0') || lpad(s.seq::text, 6, '0'),
  s.item_id, s.version_id, i.name, p.kind, p.name, p.code, p.phone, s.division_id,
  s.department_id, ({channels})[s.channel + 1], ({statuses})[s.status + 1],
  ({steps})[s.step + 1], ({outcomes})[s.outcome + 1], ({reasons})[s.reason + 1],
  ({suspends})[s.suspend + 1], to_timestamp(s.submitted), to_timestamp(NULLIF(s.accepted, 0)),
  to_timestamp(NULLIF(s.completed, 0)), to_timestamp(NULLIF(s.delivered, 0)), s.limit_days,
  to_timestamp(NULLIF(s.due, 0)), to_timestamp(NULLIF(s.warn, 0)),
  to_timestamp(NULLIF(s.paused_since, 0)), s.paused_days, ({finals})[s.final + 1],
  NULLIF(s.used, -1), NULLIF(s.saved, -1), s.visits, s.visits_req, s.visits > s.visits_req,
  '', '[]', '{{}}', now(), false, 0
FROM cases_demo_staging s
JOIN catalog_serviceitem i ON i.id = s.item_id
JOIN cases_demo_pool p ON p.idx = s.applicant
"""


def _pg_prepare(pool):
    names, codes, kinds, phones = pool
    with connection.cursor() as cur:
        cols = ", ".join(f"{n} {t}" for n, t in STAGING)
        cur.execute(f"CREATE TEMP TABLE cases_demo_staging ({cols}) ON COMMIT DROP")
        cur.execute(
            "CREATE TEMP TABLE cases_demo_pool (idx int PRIMARY KEY, kind text, name text, "
            "code text, phone text) ON COMMIT DROP"
        )
        with cur.cursor.copy("COPY cases_demo_pool FROM STDIN") as copy:
            for i, row in enumerate(zip(kinds, names, codes, phones, strict=True)):
                copy.write_row((i, *row))


def _pg_batch(cols: dict):
    sql = INSERT_FROM_STAGING.format(
        channels=_arr(CHANNELS),
        statuses=_arr(STATUSES),
        steps=_arr(STEPS),
        outcomes=_arr(OUTCOMES),
        reasons=_arr(REASONS),
        suspends=_arr(SUSPENDS),
        finals=_arr(FINALS),
    )
    with connection.cursor() as cur:
        cur.execute("TRUNCATE cases_demo_staging")
        with cur.cursor.copy("COPY cases_demo_staging FROM STDIN WITH (FORMAT binary)") as copy:
            copy.write(_binary_copy_payload(cols))
        cur.execute(sql)


def _bulk_batch(cols: dict, pool, titles: dict):
    names, codes, kinds, phones = pool
    numbers = case_numbers(cols)
    ts = {}
    for t in TIMESTAMPS:
        ts[t] = [
            None if v == 0 else datetime.datetime.fromtimestamp(v, datetime.UTC)
            for v in cols[t].tolist()
        ]
    lists = {k: v.tolist() for k, v in cols.items()}
    objs = []
    for i, number in enumerate(numbers):
        a = lists["applicant"][i]
        objs.append(
            Case(
                number=number,
                item_id=lists["item_id"][i],
                version_id=lists["version_id"][i],
                title=titles[lists["item_id"][i]],
                applicant_kind=kinds[a],
                applicant_name=names[a],
                applicant_code=codes[a],
                applicant_phone=phones[a],
                division_id=lists["division_id"][i],
                department_id=lists["department_id"][i],
                channel=CHANNELS[lists["channel"][i]],
                status=STATUSES[lists["status"][i]],
                step=STEPS[lists["step"][i]],
                outcome=OUTCOMES[lists["outcome"][i]],
                reason=REASONS[lists["reason"][i]],
                suspend_reason=SUSPENDS[lists["suspend"][i]],
                submitted_at=ts["submitted"][i],
                accepted_at=ts["accepted"][i],
                completed_at=ts["completed"][i],
                delivered_at=ts["delivered"][i],
                limit_days=lists["limit_days"][i],
                due_at=ts["due"][i],
                warn_at=ts["warn"][i],
                paused_since=ts["paused_since"][i],
                paused_days=lists["paused_days"][i],
                final_sla_state=FINALS[lists["final"][i]],
                working_days_used=None if lists["used"][i] < 0 else lists["used"][i],
                days_saved=None if lists["saved"][i] < 0 else lists["saved"][i],
                visits=lists["visits"][i],
                visits_required=lists["visits_req"][i],
                multiple_trips=lists["visits"][i] > lists["visits_req"][i],
            )
        )
    Case.objects.bulk_create(objs, batch_size=2000)


def _plus(col: str, hours_expr: str) -> str:
    if connection.vendor == "postgresql":
        return f"({col} + ({hours_expr}) * interval '1 hour')"
    return f"datetime({col}, '+' || ({hours_expr}) || ' hours')"


def _derive_events_and_visits(min_id: int):
    """Events and visits of the new cases, derived from their columns inside the database
    (PostgreSQL: one pass with a LATERAL list; SQLite: UNION ALL)."""
    sup = "suspend_reason = '' AND (paused_days > 0 OR status = 'supplement_requested')"
    susp = "suspend_reason <> ''"
    # (time, condition, action, from, to, role, note)
    events = [
        ("submitted_at", "TRUE", "submit", "", "submitted", "applicant", "''"),
        ("accepted_at", "accepted_at IS NOT NULL", "accept", "submitted", "accepted", "handler", "''"),
        (_plus("accepted_at", "2"), f"accepted_at IS NOT NULL AND {sup}", "request_supplement", "accepted", "supplement_requested", "handler", "''"),
        (_plus("accepted_at", "paused_days * 24 + 2"), "accepted_at IS NOT NULL AND suspend_reason = '' AND paused_days > 0", "resubmit", "supplement_requested", "accepted", "applicant", "''"),
        (_plus("accepted_at", "4"), f"accepted_at IS NOT NULL AND {susp}", "suspend", "in_process", "suspended", "handler", "''"),
        (_plus("accepted_at", "paused_days * 24 + 4"), f"accepted_at IS NOT NULL AND {susp} AND paused_days > 0", "resume", "suspended", "in_process", "handler", "''"),
        ("completed_at", "status = 'rejected'", "reject", "submitted", "rejected", "handler", "reason"),
        ("completed_at", "status IN ('completed', 'delivered')", "complete", "in_process", "completed", "handler", "reason"),
        ("delivered_at", "status = 'delivered'", "deliver", "completed", "delivered", "handler", "''"),
        ("completed_at", "status = 'withdrawn'", "withdraw", "submitted", "withdrawn", "applicant", "''"),
    ]  # fmt: skip
    visits = [
        ("submitted_at", "visits >= 1", "CASE WHEN channel = 'window' THEN 'submission' ELSE 'pickup' END"),
        ("COALESCE(delivered_at, completed_at, submitted_at)", "visits >= 2", "'pickup'"),
        ("COALESCE(accepted_at, submitted_at)", "visits >= 3", "'original_check'"),
    ]  # fmt: skip
    ev_cols = "case_id, at, action, from_status, to_status, actor_name, role, channel, note, data"
    vis_cols = "case_id, at, kind, department_id"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            values = ", ".join(
                f"(CASE WHEN {cond} THEN {at} END, '{a}', '{f}', '{t}', '{r}', {note})"
                for at, cond, a, f, t, r, note in events
            )
            cur.execute(
                f"INSERT INTO cases_caseevent ({ev_cols}) "
                f"SELECT c.id, e.at, e.action, e.f, e.t, 'demo', e.role, c.channel, e.note, '{{}}' "
                f"FROM cases_case c CROSS JOIN LATERAL (VALUES {values}) "
                f"AS e(at, action, f, t, role, note) WHERE c.id > {min_id} AND e.at IS NOT NULL"
            )
            vvalues = ", ".join(f"(CASE WHEN {cond} THEN {at} END, {k})" for at, cond, k in visits)
            cur.execute(
                f"INSERT INTO cases_casevisit ({vis_cols}) "
                f"SELECT c.id, v.at, v.kind, c.department_id FROM cases_case c "
                f"CROSS JOIN LATERAL (VALUES {vvalues}) AS v(at, kind) "
                f"WHERE c.id > {min_id} AND v.at IS NOT NULL"
            )
            return
        for at, cond, a, f, t, r, note in events:
            cond = cond.replace("TRUE", "1")
            cur.execute(
                f"INSERT INTO cases_caseevent ({ev_cols}) SELECT id, {at}, '{a}', '{f}', '{t}', "
                f"'demo', '{r}', channel, {note}, '{{}}' FROM cases_case "
                f"WHERE id > {min_id} AND {cond}"
            )
        for at, cond, k in visits:
            cur.execute(
                f"INSERT INTO cases_casevisit ({vis_cols}) SELECT id, {at}, {k}, department_id "
                f"FROM cases_case WHERE id > {min_id} AND {cond}"
            )


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "LEFT JOIN pg_constraint c ON c.conname = i.indexname "
            "WHERE i.tablename = %s AND c.conname IS NULL",
            [table],
        )
        return cur.fetchall()


@demo_step(300, "volume cases (--cases N)", add_arguments=add_arguments)
def load_volume(options, tally, out):
    n = int(options.get("cases") if options.get("cases") is not None else 20_000)
    seed = int(options.get("seed") or 2019)
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

    quiet = bool(options.get("quiet")) or out is None
    pg = connection.vendor == "postgresql"
    t0 = time.monotonic()
    with transaction.atomic():
        min_id = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
        dropped = []
        existing = Case.objects.count() if pg else 0
        if pg and n >= 500_000 and n >= 2 * existing:
            # a fresh large load: build the secondary indexes once at the end
            for table in ("cases_case", "cases_caseevent", "cases_casevisit"):
                for name, ddl in _secondary_indexes(table):
                    dropped.append(ddl)
                    with connection.cursor() as cur:
                        cur.execute(f'DROP INDEX "{name}"')
        pool = _applicant_pool(np.random.default_rng(seed + 1))
        titles = {i.pk: i.name for i in _items()}
        if pg:
            with connection.cursor() as cur:
                # check foreign keys per statement, so that indexes can be rebuilt in the
                # same transaction (deferred checks would leave pending trigger events)
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
                # the generated rows reference rows just read from the database: skip the
                # per-row foreign-key triggers when the role may (superuser); else keep them
                try:
                    with transaction.atomic():
                        cur.execute("SET LOCAL session_replication_role = replica")
                except Exception:  # noqa: BLE001 - not permitted: keep the checks
                    pass
            _pg_prepare(pool)
        bar = tqdm(total=n, unit="case", disable=quiet, desc="cases")
        for cols in generate(n, seed):
            if pg:
                _pg_batch(cols)
            else:
                _bulk_batch(cols, pool, titles)
            bar.update(len(cols["seq"]))
        bar.close()
        t1 = time.monotonic()
        if not quiet:
            out.write(f"  cases written in {t1 - t0:.1f} s; deriving events and visits …")
        _derive_events_and_visits(min_id)
        t2 = time.monotonic()
        if not quiet:
            out.write(f"  events and visits in {t2 - t1:.1f} s")
        if dropped:
            if not quiet:
                out.write(f"  rebuilding {len(dropped)} indexes …")
            with connection.cursor() as cur:
                for ddl in dropped:
                    cur.execute(ddl)
            if not quiet:
                out.write(f"  indexes in {time.monotonic() - t2:.1f} s")
        DemoBatch.objects.create(key=key, cases=n)
    if pg:
        with connection.cursor() as cur:
            cur.execute("ANALYZE cases_case; ANALYZE cases_caseevent; ANALYZE cases_casevisit")
    elapsed = time.monotonic() - t0
    tally.add("volume cases", "created", n)
    if out is not None and not options.get("quiet"):
        out.write(f"  {n:,} cases in {elapsed:.1f} s ({n / max(elapsed, 1e-9):,.0f} cases/s)")
