"""Drill-down (穿透) of every source: the records behind an indicator value, the flagged ones
first, through the owning app's scope — appeals, evaluations, reform tasks, catalogue items and
the cases of a Doing Business topic — and what is refused (404)."""

import datetime

import pytest

from tests.appeals.factories import MONDAY, AppealFactory, ClosedAppealFactory
from tests.core.factories import department
from tests.evaluations.factories import BadEvaluationFactory, EvaluationFactory, rectification
from tests.reforms.factories import TaskFactory
from yingshang.core.models import Division
from yingshang.monitoring import drilldown
from yingshang.monitoring.periods import Period

from .conftest import D1, D2

pytestmark = pytest.mark.django_db

JUNE = Period.parse("month", "2025-06")
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def city_pk():
    return Division.objects.get(code="510700").pk


def drill(user, indicator, period, dimension="city", member=None):
    return drilldown.context(user, indicator, dimension, member or city_pk(), period)


def labels(ctx):
    return [(r["flag"], r["label"].split()[0]) for r in ctx["rows"]]


@pytest.fixture
def appeals(mianyang):
    power = department("510700", "power")
    on_time = ClosedAppealFactory(number="SQ-ON", due_at=MONDAY + 5 * DAY)
    late = ClosedAppealFactory(number="SQ-LATE", due_at=MONDAY + DAY)  # replied MONDAY + 2 days
    unresolved = ClosedAppealFactory(number="SQ-UNRES", due_at=MONDAY + 5 * DAY, resolved=False)
    signed_late = AppealFactory(number="SQ-SIGNLATE", signed_at=MONDAY + 2 * DAY)
    unsigned = AppealFactory(number="SQ-UNSIGNED")
    repeat = AppealFactory(number="SQ-REPEAT", signed_at=MONDAY + HOUR, repeat_of=on_time)
    other_month = ClosedAppealFactory(
        number="SQ-MAY",
        submitted_at=MONDAY - 40 * DAY,
        closed_at=MONDAY - 30 * DAY,
        due_at=MONDAY - 35 * DAY,
    )
    return locals() | {"power": power}


def test_appeals_on_time_lists_closed_appeals_late_reply_first(appeals, staff):
    ctx = drill(staff["admin"], "appeals.on_time_rate", JUNE)
    assert ctx["available"] and ctx["source"] == "appeals"
    assert labels(ctx)[0] == (True, "SQ-LATE")
    assert sorted(labels(ctx)[1:]) == [(False, "SQ-ON"), (False, "SQ-UNRES")]
    assert ctx["flagged"] == 1
    assert ctx["rows"][0]["department"] == appeals["power"].name
    assert ctx["rows"][0]["url"] == f"/staff/appeals/{appeals['late'].pk}/"


def test_appeals_satisfaction_flags_the_unresolved(appeals, staff):
    ctx = drill(staff["admin"], "appeals.satisfaction_rate", JUNE)
    assert [r for r in labels(ctx) if r[0]] == [(True, "SQ-UNRES")]


def test_appeals_sign_in_flags_late_and_missing_signatures(appeals, staff):
    ctx = drill(staff["admin"], "appeals.signed_in_time_rate", JUNE)
    flagged = {label for flag, label in labels(ctx) if flag}
    # the factory's closed appeals were signed at submission; the open ones late or never
    assert flagged == {"SQ-SIGNLATE", "SQ-UNSIGNED"}
    assert {label for _f, label in labels(ctx)} >= {"SQ-ON", "SQ-REPEAT"}
    assert "SQ-MAY" not in {label for _f, label in labels(ctx)}  # submitted in May
    assert all(r["department"] == "—" for r in ctx["rows"] if r["label"].startswith("SQ-UNS"))


def test_appeals_repeat_rate_flags_repeats(appeals, staff):
    ctx = drill(staff["admin"], "appeals.repeat_rate", JUNE)
    assert [label for flag, label in labels(ctx) if flag] == ["SQ-REPEAT"]


def test_appeals_drill_of_a_department_and_a_county(appeals, staff):
    power = appeals["power"]
    ctx = drill(staff["admin"], "appeals.on_time_rate", JUNE, "department", power.pk)
    assert len(ctx["rows"]) == 3
    jiangyou = Division.objects.get(code="510781")
    ctx = drill(staff["admin"], "appeals.on_time_rate", JUNE, "division", jiangyou.pk)
    assert ctx["rows"] == [] and ctx["flagged"] == 0 and ctx["display"] == "无数据"


def test_evaluations_good_rate_flags_bad_ratings(mianyang, staff):
    good = EvaluationFactory(subject_label="好评一")
    bad = BadEvaluationFactory(subject_label="差评一")
    EvaluationFactory(subject_label="已作废", voided=True)
    ctx = drill(staff["admin"], "evaluations.good_rate", JUNE)
    assert [(r["flag"], r["label"]) for r in ctx["rows"]] == [(True, "差评一"), (False, "好评一")]
    assert ctx["rows"][0]["url"] == "/staff/evaluations/"
    assert bad.comment[:10] in ctx["rows"][0]["detail"]
    assert good.department.name == ctx["rows"][1]["department"]


def test_evaluations_rectified_rate_lists_bad_ratings_open_first(mianyang, staff):
    EvaluationFactory(subject_label="好评")
    open_one = rectification(subject_label="未整改")
    closed = rectification(subject_label="已整改")
    closed.status = "closed"
    closed.save(update_fields=["status"])
    ctx = drill(staff["admin"], "evaluations.bad_rectified_rate", JUNE)
    assert [(r["flag"], r["label"]) for r in ctx["rows"]] == [(True, "未整改"), (False, "已整改")]
    assert open_one.status != "closed"


def test_tasks_on_time_flags_unfinished_and_late(mianyang, staff):
    oct_ = Period.parse("month", "2026-10")
    TaskFactory(
        number="T-OK",
        deadline=datetime.date(2026, 10, 20),
        completed_on=datetime.date(2026, 10, 19),
    )
    TaskFactory(
        number="T-LATE",
        deadline=datetime.date(2026, 10, 10),
        completed_on=datetime.date(2026, 10, 12),
    )
    TaskFactory(number="T-OPEN", deadline=datetime.date(2026, 10, 31))
    TaskFactory(number="T-NOV", deadline=datetime.date(2026, 11, 30))
    ctx = drill(staff["admin"], "supervision.tasks_on_time_rate", oct_)
    got = labels(ctx)
    assert sorted(got[:2]) == [(True, "T-LATE"), (True, "T-OPEN")]
    assert got[2:] == [(False, "T-OK")]
    assert ctx["rows"][0]["department"] == department("510700", "market").name


def test_lagging_tasks_as_of_the_period_end(mianyang, staff):
    TaskFactory(number="T-PAST", deadline=datetime.date(2025, 3, 31))
    TaskFactory(
        number="T-DONE",
        deadline=datetime.date(2025, 3, 31),
        completed_on=datetime.date(2025, 3, 30),
    )
    TaskFactory(number="T-MARKED", state="lagging", deadline=datetime.date(2027, 1, 1))
    TaskFactory(number="T-FUTURE", deadline=datetime.date(2025, 9, 30))
    ctx = drill(staff["admin"], "supervision.lagging_tasks", Period.parse("month", "2025-06"))
    assert sorted(label for _f, label in labels(ctx)) == ["T-MARKED", "T-PAST"]
    assert all(flag for flag, _l in labels(ctx))
    # tasks of another unit are not in the department's drill-down
    tax = department("510700", "tax")
    ctx = drill(staff["admin"], "supervision.lagging_tasks", JUNE, "department", tax.pk)
    assert ctx["rows"] == []


@pytest.mark.parametrize(
    "indicator,flagged",
    [
        ("gov.online_available_rate", {"乙事项"}),  # online depth 2 < 4
        ("gov.cross_area_rate", {"乙事项"}),  # local service scope
        ("gov.limit_compression_rate", set()),  # both promise less than the legal limit
        ("gov.materials_exempt_share", {"甲事项"}),  # a material without an e-licence
    ],
)
def test_catalog_items_flags(dataset, staff, indicator, flagged):
    ctx = drill(staff["admin"], indicator, Period.parse("month", "2026-10"))
    assert {r["label"] for r in ctx["rows"]} == {"甲事项", "乙事项"}
    assert {r["label"] for r in ctx["rows"] if r["flag"]} == flagged
    assert ctx["rows"][0]["flag"] or not flagged
    item = ctx["rows"][0]
    assert "工作日" in item["detail"] and item["url"] is None


def test_catalog_item_drill_of_one_item(dataset, staff):
    item_b = dataset["item_b"]
    ctx = drill(staff["admin"], "gov.online_available_rate", Period.parse("month", "2026-10"),
                "item", item_b.pk)  # fmt: skip
    assert [(r["flag"], r["label"]) for r in ctx["rows"]] == [(True, "乙事项")]


def test_instant_share_flags_the_cases_that_are_not_immediate(dataset, staff):
    ctx = drill(staff["admin"], "gov.instant_share", Period.parse("month", "2026-10"))
    numbers = {r["label"].split()[0]: r["flag"] for r in ctx["rows"]}
    d = dataset
    assert numbers == {
        d["a1"].number: True,
        d["a2"].number: True,
        d["child"].number: True,
        d["b1"].number: False,
    }
    assert d["a3"].number not in numbers  # still open
    assert d["parent"].number not in numbers  # the bundle's parent has no item
    assert ctx["rows"][-1]["url"] == f"/staff/cases/{d['b1'].number}/"


def test_first_time_rate_extra_table_counts_supplement_requests(dataset, staff):
    ctx = drill(staff["admin"], "gov.first_time_rate", Period.parse("month", "2026-10"))
    assert ctx["extra"]["rows"] == [
        {"case__item__name": "甲事项", "case__department__name": dataset["market"].name,
         "n": 1, "cases": 1}
    ]  # fmt: skip
    assert [r["label"].split()[0] for r in ctx["rows"] if r["flag"]] == [dataset["a2"].number]


def test_db_topic_drill_lists_the_bundle_cases(dataset, staff):
    parent = dataset["parent"]
    parent.visits = 2
    parent.save(update_fields=["visits"])
    ctx = drill(staff["admin"], "sb.procedures", Period.of("day", D2))
    assert [(r["flag"], r["label"].split()[0]) for r in ctx["rows"]] == [(True, parent.number)]
    # a DB topic itself drills the same cases
    assert drill(staff["admin"], "sb", Period.of("day", D2))["rows"][0]["flag"]
    assert drill(staff["admin"], "sb", Period.of("day", D1))["rows"] == []


def test_composite_has_no_drill_down(dataset, staff):
    ctx = drill(staff["admin"], "composite", Period.of("day", D1))
    assert ctx["available"] is False and ctx["rows"] == [] and ctx["source"] is None
    assert ctx["name"] == "综合指数"


@pytest.mark.parametrize(
    "indicator,dimension",
    [("no.such", "city"), ("gov.on_time_rate", "planet")],
)
def test_unknown_indicator_or_dimension_is_a_key_error(mianyang, staff, indicator, dimension):
    with pytest.raises(KeyError):
        drill(staff["admin"], indicator, JUNE, dimension)


def test_drill_pages_refuse_bad_input_and_other_departments(dataset, staff, login):
    client = login(staff["jiangyou_chengban"])
    jy_market, market = dataset["jy_market"].pk, dataset["market"].pk
    base = "/staff/monitoring/drill/gov.on_time_rate"
    assert client.get(f"{base}/department/{jy_market}/month/2026-10/").status_code == 200
    assert client.get(f"{base}/department/{market}/month/2026-10/").status_code == 404
    assert client.get(f"{base}/department/{jy_market}/month/2026-13/").status_code == 404
    assert client.get(f"{base}/department/{jy_market}/decade/2026/").status_code == 404
    assert client.get(f"{base}/planet/{jy_market}/month/2026-10/").status_code == 404
    admin = login(staff["admin"])
    page = admin.get(
        f"/staff/monitoring/drill/appeals.on_time_rate/city/{city_pk()}/month/2026-10/"
    )
    assert page.status_code == 200


def test_drill_details_are_words_in_local_time(appeals, dataset, staff):
    """The 情况 column: an appeal's deadline and reply in Beijing time to the minute (not
    ``2025-06-10 15:59:59+00:00`` with microseconds), a case's 时效 by its label (not
    ``on_time``)."""
    ctx = drill(staff["admin"], "appeals.on_time_rate", JUNE)
    late = next(r for r in ctx["rows"] if r["label"].startswith("SQ-LATE"))
    # due MONDAY + 1 day, replied MONDAY + 2 days (10:00 in Shanghai)
    assert late["detail"] == "已办结 · 期限 2025-06-10 10:00 · 答复 2025-06-11 10:00"
    a1 = dataset["a1"]
    type(a1).objects.filter(pk=a1.pk).update(final_sla_state="on_time")
    ctx = drill(staff["admin"], "gov.instant_share", Period.parse("month", "2026-10"))
    row = next(r for r in ctx["rows"] if r["label"].startswith(a1.number))
    assert row["detail"].endswith("时效 正常"), row["detail"]
    assert not any("on_time" in r["detail"] or "+00:00" in r["detail"] for r in ctx["rows"])
