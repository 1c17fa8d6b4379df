"""Properties (Hypothesis) of the demo loaders' pure helpers: the demo year is the 365 days up
to yesterday; seed session dates keep their distance from 2 January 2019; demo USCCs and the
registry's codes pass the check digit and never collide; a generated appeal text is built from
its topic's words for a department of that topic, deterministically for a seed; appeal times
fall in office hours of their day; month arithmetic of the reforms history clamps to the month
end and never overshoots; the calendar years run from 2019 to next year."""

import datetime
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from yingshang.demo import appeals as demo_appeals
from yingshang.demo import core as demo_core
from yingshang.demo import reforms as demo_reforms
from yingshang.demo import registry as demo_registry

days = st.dates(datetime.date(2019, 1, 1), datetime.date(2040, 12, 31))
seeds = st.integers(0, 2**32 - 1)
USCC_BODY = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=9, max_size=9)


@given(days)
def test_the_demo_year_is_the_365_days_up_to_yesterday(today):
    first, last = demo_appeals.demo_year(today)
    assert last == today - datetime.timedelta(days=1)
    assert (last - first).days == 364


@given(st.dates(datetime.date(2019, 1, 2), datetime.date(2019, 12, 31)), days)
def test_session_dates_keep_their_distance_from_the_seed_start(seed_day, start):
    moved = demo_appeals.session_date(seed_day.isoformat(), start)
    assert moved - start == seed_day - demo_appeals.SEED_START
    assert demo_appeals.session_date("2019-01-02", start) == start


@given(st.integers(0, 9_999_999), st.integers(0, 9_999_999))
def test_demo_usccs_are_valid_prefixed_and_distinct(a, b):
    code = demo_appeals.demo_uscc(a)
    assert uscc.is_valid(code)
    assert code.startswith(demo_appeals.DEMO_USCC_PREFIX) and len(code) == 18
    assert (demo_appeals.demo_uscc(b) == code) == (a == b)


@given(st.sampled_from(["510700", "510703", "510781", "510704"]), USCC_BODY)
def test_registry_enterprise_codes_are_valid(division, body):
    code = demo_registry.enterprise_uscc(division, body)
    assert uscc.is_valid(code)
    assert code[:8] == "91" + division


@given(
    st.sampled_from(["510703", "510722", "510781"]),
    st.dates(datetime.date(1995, 1, 1), datetime.date(2005, 12, 31)),  # the counties exist
    st.integers(0, 999),
)
def test_registry_id_numbers_are_valid(division, birth, seq):
    number = demo_registry.person_id(division, birth.strftime("%Y%m%d"), f"{seq:03d}")
    assert ric.is_valid(number)
    assert number[6:14] == birth.strftime("%Y%m%d")


TYPES = list(demo_appeals.TEMPLATES)


@settings(max_examples=60)
@given(seeds, st.sampled_from(sorted(demo_appeals.TOPICS)), st.sampled_from(TYPES))
def test_appeal_texts_come_from_their_topic(seed, topic, appeal_type):
    area = random.Random(seed).choice(demo_appeals.AREAS)
    industry = demo_appeals.INDUSTRIES[seed % len(demo_appeals.INDUSTRIES)]
    key, title, text = demo_appeals.make_text(
        random.Random(seed), topic, appeal_type, area, industry
    )
    entries = {k: words for k, _w, words in demo_appeals.TOPICS[topic]}
    assert key in entries
    # the title is one of the department's words and a suffix
    assert any(title.startswith(w) for w in entries[key])
    assert title[len(next(w for w in entries[key] if title.startswith(w))) :] in {
        "问题",
        "咨询",
        "求助",
        "的诉求",
        "办理进度",
    }
    assert any(w in text for w in entries[key])
    assert "{" not in text and "}" not in text  # every placeholder filled
    # the same seed, the same appeal
    again = demo_appeals.make_text(random.Random(seed), topic, appeal_type, area, industry)
    assert again == (key, title, text)


@settings(max_examples=30)
@given(seeds, st.sampled_from(sorted(demo_appeals.TOPICS)))
def test_a_given_department_keeps_its_own_words(seed, topic):
    for key, _w, words in demo_appeals.TOPICS[topic]:
        got, title, _text = demo_appeals.make_text(
            random.Random(seed), topic, TYPES[0], "涪城区", "电子信息", key=key
        )
        assert got == key
        assert any(title.startswith(w) for w in words)


def test_weighted_choice_follows_the_weights():
    rng = random.Random(1)
    items = [("a", 0, []), ("b", 9, []), ("c", 1, [])]
    picks = [demo_appeals._weighted(rng, items)[0] for _ in range(2000)]
    assert "a" not in picks
    assert 0.85 < picks.count("b") / 2000 < 0.95


@given(days, seeds)
def test_appeal_times_are_office_hours_of_their_day(day, seed):
    at = demo_appeals._at(day, random.Random(seed))
    assert at.date() == day and at.tzinfo == demo_appeals.SH
    assert 8 <= at.hour <= 17


@given(days, st.integers(-30, 30), st.one_of(st.none(), st.integers(1, 31)))
def test_adding_months_clamps_to_the_month_end(d, months, day):
    got = demo_reforms._add_months(d, months, day)
    assert (got.year * 12 + got.month) - (d.year * 12 + d.month) == months
    wanted = day or d.day
    end = demo_reforms._month_end(got.year, got.month)
    assert got.day == min(wanted, end.day)
    assert (end + datetime.timedelta(days=1)).day == 1


@given(st.integers(2019, 2040), st.integers(1, 12))
def test_month_end_is_the_last_day(year, month):
    end = demo_reforms._month_end(year, month)
    assert (end.year, end.month) == (year, month)
    assert (end + datetime.timedelta(days=1)).month != month


def test_iso_dates_for_the_reforms_option():
    import argparse

    import pytest

    assert demo_reforms._iso_date("2026-06-30") == "2026-06-30"
    for bad in ("2026-6-31", "30.06.2026", "", "今天"):
        with pytest.raises(argparse.ArgumentTypeError):
            demo_reforms._iso_date(bad)


@given(days)
def test_calendar_years_run_from_2019_to_next_year(today):
    years = demo_core.demo_years(today)
    assert years[0] == 2019 and years[-1] == today.year + 1
    assert list(years) == list(range(2019, today.year + 2))
