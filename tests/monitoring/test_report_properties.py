"""Properties of the small maths behind the supervision table and the monthly report: counting
working days back (with 调休), the axis tops of the charts, the number formats of the cards, and
the report's narrative — how many changes it names, in which direction, and what it leaves out."""

import datetime
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.monitoring import dashboard as dash
from yingshang.monitoring import reports, supervision, svg
from yingshang.workdays import calendar as workdays

DAY = datetime.timedelta(days=1)
CAL_DAYS = st.dates(min_value=datetime.date(2020, 3, 1), max_value=datetime.date(2026, 12, 31))


# ----------------------------------------------------------------- working days back


@given(CAL_DAYS, st.integers(min_value=1, max_value=25))
def test_n_working_days_back_lands_on_a_working_day_with_n_in_between(mianyang, today, n):
    back = supervision.working_days_ago(n, today)
    assert back < today
    assert workdays.is_working_day(back)
    between = sum(
        workdays.is_working_day(back + k * DAY) for k in range((today - back).days)
    )  # [back, today)
    assert between == n


@given(CAL_DAYS, st.integers(min_value=0, max_value=25))
def test_one_more_working_day_goes_further_back(mianyang, today, n):
    assert supervision.working_days_ago(n + 1, today) < supervision.working_days_ago(n, today)


@given(CAL_DAYS, st.integers(min_value=1, max_value=25))
def test_never_more_than_n_weeks_plus_a_holiday_back(mianyang, today, n):
    """The longest Chinese holiday (Spring Festival, National Day) closes 8–9 days in a row, so
    n working days never reach further back than 7/5·n calendar days plus two weeks."""
    back = supervision.working_days_ago(n, today)
    assert (today - back).days <= math.ceil(n * 7 / 5) + 14


# ------------------------------------------------------------------------ chart axes


@given(st.floats(min_value=1e-6, max_value=1e9))
def test_the_axis_top_is_the_next_nice_number(value):
    top = svg.nice_ceiling(value)
    assert top >= value - 1e-9
    power = 10 ** math.floor(math.log10(top))
    assert round(top / power, 6) in (1, 2, 2.5, 5, 10)
    assert top < value * 2.5 + 1e-9  # never more than the gap between two nice steps


@pytest.mark.parametrize(
    "value,top", [(0, 1.0), (-5, 1.0), (0.7, 1.0), (1, 1.0), (1.01, 2), (2.4, 2.5), (72, 100)]
)
def test_axis_tops_worked(value, top):
    assert svg.nice_ceiling(value) == pytest.approx(top)


# ---------------------------------------------------------------------------- formats


@given(st.floats(min_value=-1e5, max_value=1e5, allow_nan=False))
def test_a_shown_number_reads_back_to_the_value_rounded(value):
    shown = dash.fmt(value)
    assert re.fullmatch(r"-?[\d,]+(\.\d{1,2})?", shown)
    assert not shown.endswith(".") and not re.search(r"\.\d*0$", shown)
    assert float(shown.replace(",", "")) == pytest.approx(round(value, 2), abs=0.005 + 1e-9)


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_a_rate_always_shows_one_decimal(value):
    assert re.fullmatch(r"\d{1,3}\.\d%", dash.fmt(value, "%"))


@pytest.mark.parametrize(
    "value,unit,shown",
    [(None, "working days", "无数据"), (3.5, "working days", "3.5 工作日"), (72.44, "%", "72.4%")],
)
def test_values_with_units(value, unit, shown):
    assert dash.fmt_unit(value, unit) == shown


# -------------------------------------------------------------------------- narrative


def _card(key, value, previous, score, previous_score):
    return {
        "key": key,
        "label": f"指标{key}",
        "value": value,
        "previous": previous,
        "score": score,
        "previous_score": previous_score,
        "display": f"{value}",
        "previous_display": f"{previous}",
        "note": "覆盖 1/5 类",
    }


SCORE = st.floats(min_value=0, max_value=100, allow_nan=False)
CARD = st.tuples(SCORE, st.one_of(st.none(), SCORE))


@given(st.lists(CARD, min_size=0, max_size=12), st.integers(min_value=1, max_value=5))
def test_the_narrative_names_at_most_n_changes_largest_first(cards, n):
    data = {
        "indicator_name": "综合指数",
        "cards": [_card(f"k{i}", s, p, s, p) for i, (s, p) in enumerate(cards)],
    }
    lines = reports.narrative(data, n=n)
    assert lines[0] == "本月没有可计算的综合指数。"
    comparable = [(f"指标k{i}", s - p) for i, (s, p) in enumerate(cards) if p is not None]
    moved = [(label, d) for label, d in comparable if abs(d) >= 0.05]
    if not moved:
        assert lines[1] == "各指标与上月相比没有可比较的变化。"
        return
    named = re.findall(r"(指标k\d+)由", lines[1])
    assert 1 <= len(named) <= n and len(named) == min(n, len(moved))
    sizes = [abs(dict(moved)[label]) for label in named]
    assert sizes == sorted(sizes, reverse=True)
    assert min(sizes) >= max((abs(d) for label, d in moved if label not in named), default=0)
    for label in named:
        word = "升至" if dict(moved)[label] >= 0 else "降至"
        assert f"{label}由" in lines[1] and word in lines[1].split(f"{label}由")[1].split(";")[0]


@pytest.mark.parametrize(
    "value,previous,expected",
    [
        (70.0, None, "综合指数 70.0 分（覆盖 1/5 类）。"),
        (70.0, 70.0, "综合指数 70.0 分（覆盖 1/5 类），较上月上升 0.0 分。"),
        (64.95, 70.0, "综合指数 65.0 分（覆盖 1/5 类），较上月下降 5.0 分。"),
    ],
)
def test_the_composite_sentence(value, previous, expected):
    data = {
        "indicator_name": "综合指数",
        "cards": [_card("composite", value, previous, value, previous)],
    }
    assert reports.narrative(data)[0] == expected


def test_one_department_or_county_is_no_ranking():
    data = {
        "indicator_name": "综合指数",
        "cards": [],
        "ranking": [{"name": "一局", "value": 80.0}, {"name": "二局", "value": None}],
        "counties": [{"name": "甲县", "value": 60.0}, {"name": "乙县", "value": None}],
    }
    lines = reports.narrative(data)
    assert not any("排名靠后" in line or "最低的县" in line for line in lines)
    assert lines == ["本月没有可计算的综合指数。", "各指标与上月相比没有可比较的变化。"]
