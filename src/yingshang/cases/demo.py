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
import io
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
    """Synthetic applicants (names and check-digit-valid codes)."""
    from stdnum.cn import ric, uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    names, codes, kinds, phones = [], [], [], []
    for i in range(n):
        if i % 2 == 0:
            name = (
                "绵阳"
                + "".join(rng.choice(FIRM_WORDS, 2))
                + FIRM_KIND[int(rng.integers(len(FIRM_KIND)))]
                + "有限公司"
            )
            body = "915107" + "".join(rng.choice(list(alphabet), 11))
            code = body + uscc.calc_check_digit(body)
            kind = "enterprise"
        else:
            name = str(rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN, int(rng.integers(1, 3))))
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 20000)))
            body = (
                f"5107{int(rng.integers(1, 99)):02d}{birth:%Y%m%d}{int(rng.integers(0, 999)):03d}"
            )
            code = body + ric.calc_check_digit(body)
            kind = "person"
        names.append(name)
        codes.append(code)
        kinds.append(kind)
        phones.append(f"1{int(rng.integers(30, 99))}{int(rng.integers(0, 10**8)):08d}")
    return np.array(names), np.array(codes), np.array(kinds), np.array(phones)


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


def generate(n: int, seed: int, *, today: datetime.date | None = None):
    """Yield column dicts (numpy arrays), one per batch of at most BATCH cases."""
    rng = np.random.default_rng(seed)
    items = _items()
    if not items:
        return
    from yingshang.core.models import Division

    counties = list(Division.objects.filter(level=3, is_management_area=False).order_by("code"))
    county_ids = np.array([d.pk for d in counties])
    county_codes = np.array([d.code for d in counties])
    div_code = {d.pk: d.code for d in Division.objects.filter(level__lte=3)}

    weights = 1.0 / np.arange(1, len(items) + 1) ** 0.8
    weights = rng.permutation(weights)
    weights /= weights.sum()
    it_id = np.array([i.pk for i in items])
    it_version = np.array([i.current_version_id for i in items])
    it_dept = np.array([i.department_id for i in items])
    it_div = np.array([i.division_id for i in items])
    it_div_code = np.array([div_code.get(i.division_id, "510700") for i in items])
    it_limit = np.array([i.current_version.committed_limit_days for i in items])
    it_visits = np.array([i.current_version.visits_required for i in items])
    it_local = np.array([i.current_version.service_scope == "local" for i in items])
    it_name = np.array([i.name for i in items])
    names, codes, kinds, phones = _applicant_pool(rng)

    today = today or timezone.localdate()
    start = np.datetime64(today - datetime.timedelta(days=365))
    all_days = start + np.arange(365)
    work = np.array([workdays.is_working_day(d.astype(object)) for d in all_days])
    work_days = all_days[work]
    now = np.datetime64(timezone.now().replace(tzinfo=None), "s")

    done = 0
    batch_no = 0
    while done < n:
        m = min(BATCH, n - done)
        k = rng.choice(len(items), size=m, p=weights)
        channel = rng.choice(
            np.array(["online", "window", "api", "wechat"]), size=m, p=[0.55, 0.35, 0.07, 0.03]
        )
        # submission: mostly working days in office hours; online any day
        day = np.where(
            channel == "online",
            all_days[rng.integers(0, 365, m)],
            work_days[rng.integers(0, len(work_days), m)],
        )
        sec = np.where(
            channel == "online",
            rng.integers(0, 86400, m),
            rng.integers(int(8.5 * 3600), int(17.5 * 3600), m),
        )
        submitted = _to_utc(day, sec)
        # division: the item's, or for city-wide items sometimes a county hall (全域通办)
        elsewhere = (~it_local[k]) & (rng.random(m) < 0.3)
        pick = rng.integers(0, len(county_ids), m)
        division = np.where(elsewhere, county_ids[pick], it_div[k])
        dcode = np.where(elsewhere, county_codes[pick], it_div_code[k])
        limit = it_limit[k]
        a = rng.integers(0, len(names), m)

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
        accept_day = workdays.add_working_days_bulk(day, accept_lag)
        accept_day = np.where(accept_lag == 0, day, accept_day)
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
        reject_at = submitted + rng.integers(3600, 2 * 86400, m).astype("timedelta64[s]")
        delivered = completed + rng.integers(3600, 3 * 86400, m).astype("timedelta64[s]")
        approved = rng.random(m) < 0.96

        status = np.full(m, "completed", dtype=object)
        finished = completed <= now
        status[finished & (delivered <= now) & (rng.random(m) < 0.8)] = "delivered"
        open_ = ~finished
        pause_start = accepted + np.timedelta64(7200, "s")
        in_pause = open_ & (paused > 0) & (np.datetime64(now) < full_due)
        status[open_] = "in_process"
        status[open_ & (rng.random(m) < 0.3)] = "accepted"
        status[in_pause & supplement & (rng.random(m) < 0.3)] = "supplement_requested"
        status[in_pause & suspended & (rng.random(m) < 0.3)] = "suspended"
        status[rejected] = "rejected"
        status[withdrawn] = "withdrawn"
        recent = (now - submitted) < np.timedelta64(86400, "s")
        status[recent & ~rejected & (rng.random(m) < 0.5)] = "submitted"

        status[(accepted > now) & ~rejected] = "submitted"
        is_rej = status == "rejected"
        is_sub = status == "submitted"
        has_acc = ~is_rej & ~is_sub
        is_fin = np.isin(status, ["completed", "delivered", "withdrawn"]) | is_rej
        is_done = np.isin(status, ["completed", "delivered"])
        paused_now = np.isin(status, ["supplement_requested", "suspended"])
        acc = has_acc & (status != "withdrawn")  # withdrawals happen before acceptance
        eff_paused = np.where(paused_now, 0, paused)
        due_day = workdays.add_working_days_bulk(accept_day, limit + eff_paused)
        warn_off = limit + eff_paused - np.maximum(1, np.ceil(0.2 * limit).astype(int))
        warn_day = workdays.add_working_days_bulk(accept_day, np.maximum(warn_off, 0))
        due = _to_utc(due_day, np.full(m, 86399))
        warn = np.where(warn_off < 0, accepted, _to_utc(warn_day, np.full(m, 86399)))

        visits = np.where(channel == "window", 1, 0)
        visits += (is_done & (rng.random(m) < 0.25)).astype(int)
        visits += (rng.random(m) < 0.04).astype(int)
        visits_req = it_visits[k]

        seq = np.zeros(m, dtype=np.int64)
        key = np.char.add(dcode.astype(str), day.astype(str))
        order = np.argsort(key, kind="stable")
        sk = key[order]
        boundaries = np.r_[0, np.flatnonzero(sk[1:] != sk[:-1]) + 1]
        run_start = np.zeros(m, dtype=np.int64)
        run_start[boundaries] = boundaries
        run_start = np.maximum.accumulate(run_start)
        seq[order] = np.arange(m) - run_start + 1
        datestr = np.char.replace(day.astype(str), "-", "")
        number = np.char.add(
            np.char.add(dcode.astype(str), datestr),
            np.char.add(f"9{(batch_no + seed) % 100:02d}", np.char.zfill(seq.astype(str), 6)),
        )
        outcome = np.where(is_done, np.where(approved, "approved", "denied"), "")
        final = np.where(is_done, np.where(completed > due, "overdue", "on_time"), "")

        yield {
            "number": number,
            "item_id": it_id[k],
            "version_id": it_version[k],
            "title": it_name[k],
            "applicant_kind": kinds[a],
            "applicant_name": names[a],
            "applicant_code": codes[a],
            "applicant_phone": phones[a],
            "division_id": division,
            "department_id": it_dept[k],
            "channel": channel,
            "status": status,
            "step": np.where(status == "in_process", "review", ""),
            "outcome": outcome,
            "reason": np.where(
                is_rej,
                "申请人不具备申请资格。",
                np.where(outcome == "denied", "经审查,申请不符合法定条件。", ""),
            ),
            "suspend_reason": np.where(
                suspended, rng.choice(["hearing", "expert", "notice", "inspection"], m), ""
            ),
            "submitted_at": submitted,
            "accepted_at": np.where(acc, accepted, np.datetime64("NaT")),
            "completed_at": np.where(
                is_rej | (status == "withdrawn"),
                np.minimum(reject_at, now),
                np.where(is_fin, completed, np.datetime64("NaT")),
            ),
            "delivered_at": np.where(status == "delivered", delivered, np.datetime64("NaT")),
            "limit_days": limit,
            "due_at": np.where(acc, due, np.datetime64("NaT")),
            "warn_at": np.where(acc, warn, np.datetime64("NaT")),
            "paused_since": np.where(paused_now, pause_start, np.datetime64("NaT")),
            "paused_days": np.where(acc, eff_paused, 0),
            "final_sla_state": final,
            "working_days_used": np.where(is_done, used, -1),
            "days_saved": np.where(is_done, np.maximum(limit - used, 0), -1),
            "visits": visits,
            "visits_required": visits_req,
            "multiple_trips": visits > visits_req,
        }
        done += m
        batch_no += 1


COLUMNS = [
    "number", "item_id", "version_id", "title", "applicant_kind", "applicant_name",
    "applicant_code", "applicant_phone", "division_id", "department_id", "channel", "status",
    "step", "outcome", "reason", "suspend_reason", "submitted_at", "accepted_at", "completed_at",
    "delivered_at", "limit_days", "due_at", "warn_at", "paused_since", "paused_days",
    "final_sla_state", "working_days_used", "days_saved", "visits", "visits_required",
    "multiple_trips",
]  # fmt: skip
CONSTANT = {
    "resume_status": "",
    "missing_materials": "[]",
    "form_data": "{}",
    "updated_at": None,
    "due_provisional": "f",
    "lock_version": "0",
}


def _text_column(name, values) -> list[str]:
    """COPY text representation of one column."""
    if values.dtype.kind == "M":
        s = values.astype("datetime64[s]").astype(str)
        return [r"\N" if v == "NaT" else v + "+00" for v in s.tolist()]
    if values.dtype == bool:
        return ["t" if v else "f" for v in values.tolist()]
    if name in ("working_days_used", "days_saved"):
        return [r"\N" if v < 0 else str(v) for v in values.tolist()]
    return [str(v) for v in values.tolist()]


def _copy_batch(cols: dict, now_text: str):
    names = COLUMNS + list(CONSTANT)
    columns = [_text_column(c, cols[c]) for c in COLUMNS]
    m = len(columns[0])
    const = [now_text if v is None else v for v in CONSTANT.values()]
    columns += [[v] * m for v in const]
    buf = io.StringIO()
    buf.writelines("\t".join(row) + "\n" for row in zip(*columns, strict=True))
    with connection.cursor() as cur:
        raw = cur.cursor
        with raw.copy(f"COPY cases_case ({', '.join(names)}) FROM STDIN") as copy:
            copy.write(buf.getvalue())


def _bulk_batch(cols: dict):
    m = len(cols["number"])
    objs = []
    conv = {}
    for c in COLUMNS:
        v = cols[c]
        if v.dtype.kind == "M":
            conv[c] = [
                None if x is None else x.replace(tzinfo=datetime.UTC)
                for x in v.astype("datetime64[us]").astype(object).tolist()
            ]
        elif c in ("working_days_used", "days_saved"):
            conv[c] = [None if x < 0 else int(x) for x in v.tolist()]
        else:
            conv[c] = v.tolist()
    for i in range(m):
        objs.append(Case(**{c: conv[c][i] for c in COLUMNS}))
    Case.objects.bulk_create(objs, batch_size=2000)


def _plus(col: str, hours_expr: str) -> str:
    if connection.vendor == "postgresql":
        return f"({col} + ({hours_expr}) * interval '1 hour')"
    return f"datetime({col}, '+' || ({hours_expr}) || ' hours')"


def _derive_events_and_visits(min_id: int):
    """Events and visits of the new cases, derived from their columns inside the database."""
    now = "'" + timezone.now().strftime("%Y-%m-%d %H:%M:%S") + "'"
    ev_cols = "case_id, at, action, from_status, to_status, actor_name, role, channel, note, data"
    where = f"id > {min_id}"
    sup_end = _plus("accepted_at", "paused_days * 24 + 2")
    parts = [
        f"SELECT id, submitted_at, 'submit', '', 'submitted', 'demo', 'applicant', channel, '', '{{}}' FROM cases_case WHERE {where}",
        f"SELECT id, accepted_at, 'accept', 'submitted', 'accepted', 'demo', 'handler', channel, '', '{{}}' FROM cases_case WHERE {where} AND accepted_at IS NOT NULL",
        f"SELECT id, {_plus('accepted_at', '2')}, 'request_supplement', 'accepted', 'supplement_requested', 'demo', 'handler', channel, '', '{{}}' FROM cases_case WHERE {where} AND accepted_at IS NOT NULL AND suspend_reason = '' AND (paused_days > 0 OR status = 'supplement_requested')",
        f"SELECT id, {sup_end}, 'resubmit', 'supplement_requested', 'accepted', 'demo', 'applicant', channel, '', '{{}}' FROM cases_case WHERE {where} AND accepted_at IS NOT NULL AND suspend_reason = '' AND paused_days > 0",
        f"SELECT id, {_plus('accepted_at', '4')}, 'suspend', 'in_process', 'suspended', 'demo', 'handler', channel, '', '{{}}' FROM cases_case WHERE {where} AND accepted_at IS NOT NULL AND suspend_reason <> ''",
        f"SELECT id, {_plus('accepted_at', 'paused_days * 24 + 4')}, 'resume', 'suspended', 'in_process', 'demo', 'handler', channel, '', '{{}}' FROM cases_case WHERE {where} AND accepted_at IS NOT NULL AND suspend_reason <> '' AND paused_days > 0",
        f"SELECT id, completed_at, 'reject', 'submitted', 'rejected', 'demo', 'handler', channel, reason, '{{}}' FROM cases_case WHERE {where} AND status = 'rejected'",
        f"SELECT id, completed_at, 'complete', 'in_process', 'completed', 'demo', 'handler', channel, reason, '{{}}' FROM cases_case WHERE {where} AND status IN ('completed', 'delivered')",
        f"SELECT id, delivered_at, 'deliver', 'completed', 'delivered', 'demo', 'handler', channel, '', '{{}}' FROM cases_case WHERE {where} AND status = 'delivered'",
        f"SELECT id, completed_at, 'withdraw', 'submitted', 'withdrawn', 'demo', 'applicant', channel, '', '{{}}' FROM cases_case WHERE {where} AND status = 'withdrawn'",
    ]
    vis_cols = "case_id, at, kind, department_id"
    vparts = [
        f"SELECT id, submitted_at, CASE WHEN channel = 'window' THEN 'submission' ELSE 'pickup' END, department_id FROM cases_case WHERE {where} AND visits >= 1",
        f"SELECT id, COALESCE(delivered_at, completed_at, submitted_at), 'pickup', department_id FROM cases_case WHERE {where} AND visits >= 2",
        f"SELECT id, COALESCE(accepted_at, submitted_at), 'original_check', department_id FROM cases_case WHERE {where} AND visits >= 3",
    ]
    with connection.cursor() as cur:
        for p in parts:
            cur.execute(f"INSERT INTO cases_caseevent ({ev_cols}) {p}")
        for p in vparts:
            cur.execute(f"INSERT INTO cases_casevisit ({vis_cols}) {p}")
        cur.execute(
            f"UPDATE cases_case SET updated_at = {now} WHERE {where} AND updated_at IS NULL"
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
        if pg and n >= 500_000:
            for table in ("cases_case", "cases_caseevent", "cases_casevisit"):
                for name, ddl in _secondary_indexes(table):
                    dropped.append(ddl)
                    with connection.cursor() as cur:
                        cur.execute(f'DROP INDEX "{name}"')
        now_text = timezone.now().strftime("%Y-%m-%d %H:%M:%S+00")
        bar = tqdm(total=n, unit="case", disable=quiet, desc="cases")
        for cols in generate(n, seed):
            if pg:
                _copy_batch(cols, now_text)
            else:
                _bulk_batch(cols)
            bar.update(len(cols["number"]))
        bar.close()
        if not quiet:
            out.write("  deriving events and visits …")
        _derive_events_and_visits(min_id)
        if dropped:
            if not quiet:
                out.write(f"  rebuilding {len(dropped)} indexes …")
            with connection.cursor() as cur:
                for ddl in dropped:
                    cur.execute(ddl)
        DemoBatch.objects.create(key=key, cases=n)
    if pg:
        with connection.cursor() as cur:
            cur.execute("ANALYZE cases_case; ANALYZE cases_caseevent; ANALYZE cases_casevisit")
    elapsed = time.monotonic() - t0
    tally.add("volume cases", "created", n)
    if out is not None and not options.get("quiet"):
        out.write(f"  {n:,} cases in {elapsed:.1f} s ({n / max(elapsed, 1e-9):,.0f} cases/s)")
