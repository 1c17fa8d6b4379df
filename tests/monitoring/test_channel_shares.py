"""Channel shares of submitted cases (微信/PC/窗口/接口), computed from the hand-made dataset
(conftest.py) plus two cases of item B in Jiangyou on D2: one through WeChat, one through the
system interface.

Submitted cases with an item (the bundle parent has none):
  A2 window D1-5, A1 online D1-3, child online D1-2, A3 online D1, B1 online D2, W wechat D2,
  P api D2.
"""

import pytest

from yingshang.monitoring import compute
from yingshang.monitoring.definitions import load_definitions
from yingshang.monitoring.models import IndicatorValue

from .conftest import D1, D2, at, days

pytestmark = pytest.mark.django_db

START = D1 - days(5)


def v(indicator, kind, start, dim, member):
    row = IndicatorValue.objects.filter(
        indicator=indicator,
        period_kind=kind,
        period_start=start,
        dimension=dim,
        dimension_id=member,
    ).first()
    return None if row is None else (row.value, row.numerator, row.denominator)


@pytest.fixture
def channels(dataset):
    from tests.cases.factories import CaseFactory

    b1 = dataset["b1"]
    for number, channel in (("TW01", "wechat"), ("TP01", "api")):
        CaseFactory(
            number=number,
            item=b1.item,
            version=b1.version,
            department=b1.department,
            channel=channel,
            submitted_at=at(D2, 10),
        )
    return dataset


def test_channel_shares_by_day_county_item_and_month(channels):
    compute.recompute(START, D2)
    city, jy = channels["city"].pk, channels["jiangyou"].pk
    # D2: B1 online, W wechat, P api
    assert v("gov.wechat_share", "day", D2, "city", city) == pytest.approx((100 / 3, 1, 3))
    assert v("gov.pc_share", "day", D2, "city", city) == pytest.approx((100 / 3, 1, 3))
    assert v("gov.online_share", "day", D2, "city", city) == pytest.approx((100.0, 3, 3))
    assert v("gov.window_share", "day", D2, "city", city) == pytest.approx((0.0, 0, 3))
    assert v("gov.wechat_share", "day", D2, "division", jy) == pytest.approx((100 / 3, 1, 3))
    # D1: A3 only (online)
    assert v("gov.wechat_share", "day", D1, "city", city) == pytest.approx((0.0, 0, 1))
    # the month: 7 cases, 1 window, 1 wechat, 4 PC, 1 api
    month = D1.replace(day=1)
    assert v("gov.window_share", "month", month, "city", city) == pytest.approx((100 / 7, 1, 7))
    assert v("gov.online_share", "month", month, "city", city) == pytest.approx((600 / 7, 6, 7))
    assert v("gov.pc_share", "month", month, "city", city) == pytest.approx((400 / 7, 4, 7))
    item_a, item_b = channels["item_a"].pk, channels["item_b"].pk
    # item A: A1, A2 (window), A3, child
    assert v("gov.window_share", "month", month, "item", item_a) == pytest.approx((25.0, 1, 4))
    assert v("gov.wechat_share", "month", month, "item", item_b) == pytest.approx((100 / 3, 1, 3))
    market = channels["market"].pk
    assert v("gov.online_share", "month", month, "department", market) == pytest.approx(
        (75.0, 3, 4)
    )


def test_channel_shares_do_not_change_the_composite(channels):
    from yingshang.monitoring import scoring

    defs = load_definitions()
    keys = {"gov.wechat_share", "gov.pc_share", "gov.online_share", "gov.window_share"}
    assert all(defs.indicators[k].weight == 0 for k in keys)
    compute.recompute(START, D2)
    rows = IndicatorValue.objects.filter(
        period_kind="month",
        period_start=D1.replace(day=1),
        dimension="city",
        dimension_id=channels["city"].pk,
    )
    values = {r.indicator: r.value for r in rows}
    assert values["gov.window_share"] == pytest.approx(100 / 7)
    scores = {
        k: scoring.indicator_score(defs, k, x) for k, x in values.items() if k in defs.indicators
    }
    without = {k: s for k, s in scores.items() if k not in keys}
    assert scores.keys() - without.keys() == keys
    # the stored composite is the one without the channel shares (window share scores 85.7)
    assert scoring.composite_index(defs, without)["score"] == pytest.approx(values["composite"])
    assert scoring.composite_index(defs, scores)["score"] == pytest.approx(values["composite"])


# --------------------------------------------------------------------------- 补正 from the phone


@pytest.fixture
def answers(dataset):
    """补正 answers (resubmit events) besides the dataset's (A2 at D1-3 at no channel, the
    bundle parent's at D1-1, which has no item and is not counted):
      A1 D1 10:00 wechat, A3 D1 11:00 window, B1 D2 09:30 wechat, parent D2 wechat (no item)."""
    from yingshang.cases.models import CaseEvent

    def answer(case, when, channel):
        CaseEvent.objects.create(
            case=case,
            at=when,
            action="resubmit",
            from_state="supplement_requested",
            to_state="accepted",
            channel=channel,
        )

    answer(dataset["a1"], at(D1, 10), "wechat")
    answer(dataset["a3"], at(D1, 11), "window")
    answer(dataset["b1"], at(D2, 9, 30), "wechat")
    answer(dataset["parent"], at(D2, 10), "wechat")
    return dataset


def test_share_of_supplements_answered_from_the_phone(answers):
    compute.recompute(START, D2)
    key = "gov.supplement_phone_share"
    city, jy = answers["city"].pk, answers["jiangyou"].pk
    # D1: A1 (wechat) and A3 (window) → 1 of 2
    assert v(key, "day", D1, "city", city) == pytest.approx((50.0, 1, 2))
    # D2: B1 (wechat) in Jiangyou; the bundle parent's answer has no item → 1 of 1
    assert v(key, "day", D2, "city", city) == pytest.approx((100.0, 1, 1))
    assert v(key, "day", D2, "division", jy) == pytest.approx((100.0, 1, 1))
    # D1-3: A2's answer, no channel recorded (before channels were recorded) → 0 of 1
    assert v(key, "day", D1 - days(3), "city", city) == pytest.approx((0.0, 0, 1))
    # the month: A2, A1, A3, B1 → 2 of 4; item A: A2, A1, A3 → 1 of 3; item B 1 of 1
    month = D1.replace(day=1)
    assert v(key, "month", month, "city", city) == pytest.approx((50.0, 2, 4))
    assert v(key, "month", month, "item", answers["item_a"].pk) == pytest.approx((100 / 3, 1, 3))
    assert v(key, "month", month, "item", answers["item_b"].pk) == pytest.approx((100.0, 1, 1))
    assert load_definitions().indicators[key].weight == 0  # informational, as the shares
