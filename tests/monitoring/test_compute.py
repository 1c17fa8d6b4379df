"""Indicator values computed from a small hand-made dataset (see conftest.py)."""

import pytest

from yingshang.monitoring import compute
from yingshang.monitoring.models import Fact, IndicatorValue

from .conftest import D1, D2, days

pytestmark = pytest.mark.django_db

START = D1 - days(5)


def value(indicator, kind, start, dim, member):
    row = IndicatorValue.objects.filter(
        indicator=indicator,
        period_kind=kind,
        period_start=start,
        dimension=dim,
        dimension_id=member,
    ).first()
    return row


def v(*args):
    row = value(*args)
    return None if row is None else row.value


def test_day_values_match_hand_computed(dataset):
    compute.recompute(START, D2)
    city = dataset["city"].pk
    assert v("gov.on_time_rate", "day", D1, "city", city) == pytest.approx(50.0)
    assert v("gov.first_time_rate", "day", D1, "city", city) == pytest.approx(50.0)
    assert v("gov.fully_online_rate", "day", D1, "city", city) == pytest.approx(50.0)
    assert v("gov.mean_trips", "day", D1, "city", city) == pytest.approx(1.0)
    assert v("gov.max_one_trip_rate", "day", D1, "city", city) == pytest.approx(50.0)
    assert v("gov.mean_handling_days", "day", D1, "city", city) == pytest.approx(5.0)
    row = value("gov.on_time_rate", "day", D1, "city", city)
    assert (row.numerator, row.denominator) == (1.0, 2.0)
    # D2: B1 (Jiangyou, 即办件) and the bundle's sub-case (item A)
    assert v("gov.on_time_rate", "day", D2, "city", city) == pytest.approx(100.0)
    assert v("gov.instant_share", "day", D2, "city", city) == pytest.approx(50.0)
    jy = dataset["jiangyou"].pk
    assert v("gov.instant_share", "day", D2, "division", jy) == pytest.approx(100.0)
    dept = dataset["market"].pk
    assert v("gov.instant_share", "day", D2, "department", dept) == pytest.approx(0.0)


def test_rollup_to_month_and_item(dataset):
    compute.recompute(START, D2)
    month = D1.replace(day=1)
    city = dataset["city"].pk
    assert v("gov.on_time_rate", "month", month, "city", city) == pytest.approx(75.0)
    item_a = dataset["item_a"].pk
    assert v("gov.on_time_rate", "month", month, "item", item_a) == pytest.approx(200 / 3)
    week = D1  # D1 is a Monday
    assert v("gov.on_time_rate", "week", week, "city", city) == pytest.approx(75.0)
    # items have day and week series too (A1 on time and A2 overdue on D1)
    assert v("gov.on_time_rate", "day", D1, "item", item_a) == pytest.approx(50.0)
    assert v("gov.on_time_rate", "week", week, "item", item_a) == pytest.approx(200 / 3)
    # …but the catalog's item states only from the month up
    assert not IndicatorValue.objects.filter(
        period_kind="day", dimension="item", indicator="gov.online_available_rate"
    ).exists()


def test_no_data_is_not_zero(dataset):
    compute.recompute(START, D2)
    city = dataset["city"].pk
    # D1 had completed cases but no 即办件: a real 0
    assert v("gov.instant_share", "day", D1, "city", city) == 0.0
    # Jiangyou had no case on D1: no value at all (无数据), not 0
    assert value("gov.instant_share", "day", D1, "division", dataset["jiangyou"].pk) is None
    # a day with a case falling due but none completed: stored as no data (NULL), not 0
    row = value("gov.on_time_rate", "day", D1 - days(1), "city", city)
    assert row.value is None and row.denominator == 0
    # a day without any case: no row at all
    assert value("gov.on_time_rate", "day", D1 - days(4), "city", city) is None


def test_catalog_indicators(dataset):
    compute.recompute(START, D2)
    month, city = D1.replace(day=1), dataset["city"].pk
    assert v("gov.online_available_rate", "month", month, "city", city) == pytest.approx(50.0)
    assert v("gov.cross_area_rate", "month", month, "city", city) == pytest.approx(50.0)
    assert v("gov.materials_exempt_share", "month", month, "city", city) == pytest.approx(50.0)
    assert v("gov.limit_compression_rate", "month", month, "city", city) == pytest.approx(
        100 * (1 - 5 / 21)
    )
    jy = dataset["jiangyou"].pk
    assert v("gov.online_available_rate", "month", month, "division", jy) == 0.0


def test_starting_a_business_from_the_bundle(dataset):
    compute.recompute(START, D2)
    city = dataset["city"].pk
    assert v("sb.procedures", "day", D2, "city", city) == pytest.approx(3.0)
    assert v("sb.time", "day", D2, "city", city) == pytest.approx(3.0)
    assert v("sb.cost", "day", D2, "city", city) == pytest.approx(0.2)
    assert v("sb.min_capital", "day", D2, "city", city) == 0.0
    expected = (100 * 15 / 17 + 100 * 97 / 99.5 + 100 * 199.8 / 200 + 100) / 4
    assert v("sb", "day", D2, "city", city) == pytest.approx(expected)
    assert v("composite", "day", D2, "city", city) is not None
    # the other topics have no operational data: no score
    assert value("cp", "day", D2, "city", city) is None


def test_starting_a_business_without_income_is_no_data(dataset, settings):
    settings.MONITORING_INCOME_PER_CAPITA = None
    compute.recompute(START, D2)
    city = dataset["city"].pk
    assert v("sb.procedures", "day", D2, "city", city) == pytest.approx(3.0)
    assert value("sb.cost", "day", D2, "city", city).value is None
    assert value("sb", "day", D2, "city", city).value is None


def _snapshot():
    return sorted(
        IndicatorValue.objects.values_list(
            "indicator",
            "period_kind",
            "period_start",
            "dimension",
            "dimension_id",
            "division_path",
            "department_id",
            "value",
            "numerator",
            "denominator",
        )
    )


def test_incremental_equals_full(dataset):
    day = START
    while day <= D2:
        compute.recompute(day, day)
        day += days(1)
    incremental = _snapshot()
    IndicatorValue.objects.all().delete()
    Fact.objects.all().delete()
    compute.recompute(START, D2)
    full = _snapshot()
    assert len(full) > 50
    assert incremental == full


def test_recompute_is_idempotent(dataset):
    compute.recompute(START, D2)
    first = _snapshot()
    compute.recompute(START, D2)
    assert _snapshot() == first


def test_daily_job_recomputes_yesterday(dataset):
    import datetime

    from yingshang.monitoring.jobs import daily_recompute

    now = datetime.datetime(2026, 10, 14, 2, 30, tzinfo=datetime.UTC)
    summary = compute.recompute_yesterday(now=now)
    assert summary.start == summary.end == D2
    assert v("gov.on_time_rate", "day", D2, "city", dataset["city"].pk) == pytest.approx(100.0)
    assert daily_recompute.name  # registered as a task


def test_missing_source_model_is_no_data(dataset, monkeypatch):
    from yingshang.monitoring import sources
    from yingshang.monitoring.sources import appeals as appeals_source

    real = sources.model
    monkeypatch.setattr(
        appeals_source, "model", lambda label: None if label.startswith("appeals.") else real(label)
    )
    assert not appeals_source.AppealsSource().available()
    compute.recompute(START, D2)
    assert not IndicatorValue.objects.filter(indicator__startswith="appeals.").exists()
    assert IndicatorValue.objects.filter(indicator="gov.on_time_rate").exists()


def test_jobs_are_registered_with_the_scheduler():
    from yingshang.platform import jobs

    jobs.autodiscover()
    names = {j.name: str(j.schedule) for j in jobs.registry.jobs()}
    assert names["monitoring.daily_recompute"] == "daily at 02:30"
    assert names["monitoring.monthly_report"] == "monthly on 1 at 06:00"


def test_appeals_evaluations_and_tasks(dataset):
    from django.contrib.contenttypes.models import ContentType

    from yingshang.appeals.models import Appeal
    from yingshang.evaluations.models import Evaluation, Rectification
    from yingshang.reforms.models import Measure, Programme, Task

    from .conftest import at

    city, market = dataset["city"], dataset["market"]

    def appeal(n, **kw):
        return Appeal.objects.create(
            number=f"AP{n}",
            appellant_kind="enterprise",
            enterprise_name="某公司",
            contact_name="张三",
            contact_phone="13800000000",
            channel="portal",
            appeal_type="help",
            topic="startup",
            title="诉求",
            text="内容",
            division=city,
            lead_department=market,
            submitted_at=at(D1, 9),
            sign_due=at(D1, 17),
            **kw,
        )

    first = appeal(
        1,
        signed_at=at(D1, 10),
        status="closed",
        due_at=at(D2, 17),
        replied_at=at(D2, 9),
        closed_at=at(D2, 10),
        resolved=True,
    )
    appeal(
        2,
        signed_at=at(D1 + days(1), 10),
        status="closed",
        due_at=at(D2, 8),
        replied_at=at(D2, 9),
        closed_at=at(D2, 10),
        resolved=False,
        repeat_of=first,
    )
    ct = ContentType.objects.get_for_model(Appeal)
    for i, level in enumerate((5, 4, 1)):
        ev = Evaluation.objects.create(
            content_type=ct,
            object_id=str(i),
            subject_label="x",
            department=market,
            division=city,
            channel="online",
            level=level,
            created_at=at(D1, 12),
        )
    Rectification.objects.create(
        evaluation=ev,
        department=market,
        division=city,
        status="closed",
        opened_at=at(D1, 13),
        due_at=at(D2, 17),
        closed_at=at(D2, 9),
    )
    prog = Programme.objects.create(
        title="方案", issue_date=D1 - days(60), year=2026, division=city
    )
    measure = Measure.objects.create(programme=prog, number=1, title="措施")
    for n, (deadline, done) in enumerate(((D1, D1 - days(1)), (D1, None)), start=1):
        t = Task.objects.create(
            programme=prog,
            measure=measure,
            number=str(n),
            content="任务",
            deadline=deadline,
            start_date=D1 - days(30),
            completed_on=done,
        )
        t.lead_units.add(market)

    compute.recompute(START, D2)
    c = city.pk
    assert v("appeals.signed_in_time_rate", "day", D1, "city", c) == pytest.approx(50.0)
    assert v("appeals.repeat_rate", "day", D1, "city", c) == pytest.approx(50.0)
    assert v("appeals.on_time_rate", "day", D2, "city", c) == pytest.approx(50.0)
    # 满意率 from the appeals' 好差评 ratings (5, 4, 1 on D1: two of three 基本满意 or better);
    # 问题解决率 from the enterprises' confirmations (one of two closed on D2 resolved)
    assert v("appeals.satisfaction_rate", "day", D1, "city", c) == pytest.approx(200 / 3)
    assert v("appeals.satisfaction_rate", "day", D2, "city", c) is None
    assert v("appeals.resolved_rate", "day", D2, "city", c) == pytest.approx(50.0)
    assert v("evaluations.good_rate", "day", D1, "city", c) == pytest.approx(200 / 3)
    assert v("evaluations.bad_rectified_rate", "day", D1, "city", c) == pytest.approx(100.0)
    assert v("supervision.tasks_on_time_rate", "day", D1, "city", c) == pytest.approx(50.0)
    assert v("supervision.tasks_on_time_rate", "day", D1, "department", market.pk) == 50.0
    # at the end of D2 the undone task (deadline D1) is lagging
    assert v("supervision.lagging_tasks", "day", D2, "city", c) == 1.0
    assert v("supervision.lagging_tasks", "day", D1, "city", c) == 0.0


def test_block_evaluation_equals_the_scalar_reference(dataset):
    """The numpy evaluation of whole blocks gives, member by member, what the scalar
    ``evaluate`` gives for that member's sums (None ⇔ NaN, same rows present)."""
    import math

    from yingshang.monitoring.definitions import load_definitions

    compute.recompute(START, D2)
    defs = load_definitions()
    members = compute.Members()
    stored = compute._load_facts(START, D2, None)
    tables = {n: compute._Table(c, members) for n, c in stored.items()}
    checked = 0
    for kind in ("day", "month"):
        starts = compute.overlapping(kind, START, D2)
        for block in compute._rollup(kind, starts, tables, {}, members).values():
            out = compute._evaluate_block(defs, block)
            for i in range(len(block.keys)):
                expected = compute.evaluate(defs, block.row_dict(i))
                got = {
                    k: tuple(None if math.isnan(x) else x for x in (v[i], n[i], d[i]))
                    for k, (present, v, n, d) in out.items()
                    if present[i]
                }
                assert got.keys() == expected.keys()
                for k, triple in expected.items():
                    for a, b in zip(got[k], triple, strict=True):
                        assert (a is None) == (b is None), (k, got[k], triple)
                        if a is not None:
                            assert a == pytest.approx(b, rel=1e-12), k
                checked += 1
    assert checked > 10


def test_local_day_by_fixed_offset_only_without_a_zone_change(settings):
    import datetime

    from yingshang.monitoring.sources import fixed_offset, pg_local_day

    settings.TIME_ZONE = "Asia/Shanghai"
    assert fixed_offset(D1, D2) == datetime.timedelta(hours=8)
    sql, params = pg_local_day("c.completed_at", D1, D2)
    assert "interval" in sql and params == ["28800 seconds"]
    settings.TIME_ZONE = "Europe/Berlin"  # DST ends on 2026-10-25
    assert fixed_offset(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)) is None
    sql, params = pg_local_day("c.completed_at", datetime.date(2026, 10, 1), D2.replace(day=31))
    assert "AT TIME ZONE %s" in sql and params == ["Europe/Berlin"]
    assert fixed_offset(datetime.date(2026, 7, 1), datetime.date(2026, 7, 31)) == (
        datetime.timedelta(hours=2)
    )


def test_days_across_a_dst_change_are_counted_in_local_time(dataset, settings):
    """With a zone that changes offset inside the range, the general per-row conversion is
    used and a case completed at 00:30 local time still counts for that local day."""
    import datetime
    from zoneinfo import ZoneInfo

    from yingshang.cases.models import Case

    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    a1 = Case.objects.get(number="T0001")
    # 2026-10-26 23:30 CET (after the change on the 25th) = 22:30 UTC: the summer offset
    # (+2) of the range's first days would put it on the 27th
    a1.completed_at = datetime.datetime(2026, 10, 26, 23, 30, tzinfo=berlin)
    a1.save(update_fields=["completed_at"])
    compute.recompute(datetime.date(2026, 10, 20), datetime.date(2026, 10, 27), ("day",))
    city = dataset["city"].pk
    row = value("gov.on_time_rate", "day", datetime.date(2026, 10, 26), "city", city)
    assert row is not None and row.denominator == 1.0
    assert value("gov.on_time_rate", "day", datetime.date(2026, 10, 27), "city", city) is None


def test_rerun_leaves_unchanged_values_untouched(dataset):
    """PostgreSQL writes only the differences: a rerun over the same records keeps every
    row (same id, same computed_at); a changed record updates just its values."""
    import datetime

    from django.db import connection

    from yingshang.cases.models import Case

    if connection.vendor != "postgresql":
        pytest.skip("the diff write is PostgreSQL's; elsewhere values are rewritten")
    first = datetime.datetime(2026, 10, 14, 3, 0, tzinfo=datetime.UTC)
    compute.recompute(START, D2, now=first)
    before = dict(IndicatorValue.objects.values_list("id", "computed_at"))
    compute.recompute(START, D2, now=first + datetime.timedelta(hours=1))
    assert dict(IndicatorValue.objects.values_list("id", "computed_at")) == before
    assert compute.WRITE_COUNTS == {"deleted": 0, "updated": 0, "inserted": 0}
    Case.objects.filter(number="T0001").update(final_sla_state="overdue")
    compute.recompute(START, D2, now=first + datetime.timedelta(hours=2))
    assert compute.WRITE_COUNTS["updated"] > 0
    city = dataset["city"].pk
    row = value("gov.on_time_rate", "day", D1, "city", city)
    assert row.value == 0.0 and row.computed_at == first + datetime.timedelta(hours=2)


def test_correction_by_hash_and_by_probe_agree(dataset, monkeypatch):
    """PostgreSQL finds 补正 by one hash of all events for long ranges and by a probe per
    case for short ones: both give the same values (on other databases the ORM path)."""
    from yingshang.monitoring.sources import cases as cases_source

    compute.recompute(START, D2)
    probe = _snapshot()
    monkeypatch.setattr(cases_source, "SHORT_RANGE_DAYS", 0)
    IndicatorValue.objects.all().delete()
    Fact.objects.all().delete()
    compute.recompute(START, D2)
    assert _snapshot() == probe
    city = dataset["city"].pk
    assert v("gov.first_time_rate", "day", D1, "city", city) == pytest.approx(50.0)


@pytest.mark.django_db(transaction=True)
def test_parallel_connections_give_the_sequential_values(dataset):
    """Outside a transaction PostgreSQL runs the case passes on parallel connections (the
    daily job, the command); the values equal those of the sequential passes."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("parallel passes are PostgreSQL's")
    with transaction.atomic():  # inside a transaction: one connection, one pass after another
        compute.recompute(START, D2)
    sequential = _snapshot()
    IndicatorValue.objects.all().delete()
    Fact.objects.all().delete()
    assert not connection.in_atomic_block
    compute.recompute(START, D2)
    assert _snapshot() == sequential
    assert len(sequential) > 50
