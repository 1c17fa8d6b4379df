"""The volume step (300) and the query-code step (390) on the cases tests' small catalogue, at a
few dozen cases: what they print, that a rerun with the same size and seed changes nothing,
that another seed is another load with its own numbers, that ``generate`` is deterministic for
(n, seed, today); and ``yingshang demo``'s options, good and bad."""

import datetime
import re
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yingshang.cases.models import Case, CaseEvent, DemoBatch
from yingshang.demo import cases as demo
from yingshang.demo import framework

TODAY = datetime.date(2025, 11, 20)


def _load(n, seed, out=None, quiet=True):
    tally = framework.Tally()
    demo.load_volume({"cases": n, "seed": seed, "quiet": quiet}, tally, out)
    return tally


def test_a_small_load_prints_what_it_wrote_and_a_rerun_changes_nothing(catalog):
    out = StringIO()
    tally = _load(40, 5, out, quiet=False)
    assert tally.counts["volume cases"]["created"] == 40
    assert Case.objects.count() == 40
    text = out.getvalue()
    events = CaseEvent.objects.count()
    assert f"40 cases, {events:,} events" in text
    assert re.search(r"40 cases in [\d.]+ s", text)
    again = _load(40, 5, StringIO(), quiet=False)
    assert again.counts["volume cases"] == {"created": 0, "updated": 0, "unchanged": 40}
    assert Case.objects.count() == 40 and CaseEvent.objects.count() == events


def test_another_seed_is_another_load_with_its_own_numbers(catalog):
    _load(30, 1)
    first = set(Case.objects.values_list("number", flat=True))
    _load(30, 2)
    assert Case.objects.count() == 60
    assert DemoBatch.objects.count() == 2
    second = set(Case.objects.values_list("number", flat=True)) - first
    assert len(second) == 30
    # the load number (2 digits after the "9") tells the loads apart
    assert {n[15:17] for n in first} == {"00"} and {n[15:17] for n in second} == {"01"}
    assert all(len(n) == 23 and n[14] == "9" for n in first | second)


def test_a_size_of_zero_or_less_does_nothing(catalog):
    for n in (0, -5):
        tally = _load(n, 1)
        assert tally.counts == {}
    assert not Case.objects.exists() and not DemoBatch.objects.exists()


def test_generate_is_deterministic_for_size_seed_and_day(catalog):
    def numbers(seed, load_no=0):
        batches = list(demo.generate(25, seed, today=TODAY, load_no=load_no))
        assert len(batches) == 1
        return batches[0]

    a, b, c = numbers(3), numbers(3), numbers(4)
    assert demo.case_numbers(a) == demo.case_numbers(b)
    for key in ("status", "submitted", "item", "applicant", "channel"):
        assert (a[key] == b[key]).all(), key
    assert any((a[k] != c[k]).any() for k in ("submitted", "item", "applicant"))
    # rows come in submission order, the numbers carry the submission day
    assert (np.diff(a["submitted"]) >= 0).all()
    for number, day in zip(demo.case_numbers(a), a["day"].tolist(), strict=True):
        assert number[6:14] == day.strftime("%Y%m%d")
    other_load = numbers(3, load_no=7)
    assert {n[15:17] for n in demo.case_numbers(other_load)} == {"07"}


def test_generate_without_items_yields_nothing(mianyang):
    assert list(demo.generate(10, 1, today=TODAY)) == []


def test_the_query_code_step_issues_one_code_and_keeps_it(catalog):
    tally = framework.Tally()
    demo.issue_demo_code({}, tally, StringIO())
    assert tally.counts == {}  # no case yet: nothing to do
    _load(20, 9)
    out = StringIO()
    demo.issue_demo_code({}, tally, out)
    first = Case.objects.filter(parent__isnull=True).order_by("number").first()
    assert first.lookup_seed
    assert f"case {first.number} → {first.lookup_code}" in out.getvalue()
    assert tally.counts["query codes"]["created"] == 1
    again = StringIO()
    demo.issue_demo_code({}, tally, again)
    assert tally.counts["query codes"]["unchanged"] == 1
    assert Case.objects.exclude(lookup_seed="").count() == 1
    assert first.lookup_code in again.getvalue()


@pytest.mark.parametrize(
    "args,named",
    [
        (["--cases", "many"], "--cases"),
        (["--appeals", "1.5"], "--appeals"),
        (["--seed", "x"], "--seed"),
        (["--reforms-as-of", "2026-13-01"], "--reforms-as-of"),
        (["--reforms-as-of", "yesterday"], "--reforms-as-of"),
        (["--no-such-option"], "--no-such-option"),
    ],
)
def test_bad_options_are_a_usage_error(mianyang, args, named):
    with pytest.raises(CommandError) as err:
        call_command("demo", "--quiet", *args, stdout=StringIO())
    assert named in str(err.value)
    assert not Case.objects.exists()


def test_only_an_unknown_app_runs_no_step_but_prints_the_logins(mianyang):
    out = StringIO()
    call_command("demo", "--quiet", "--only", "nosuchapp", stdout=out)
    text = out.getvalue()
    assert not re.search(r"^· ", text, re.M)  # no step ran
    assert "Demo loaded." in text and "Demo logins" in text and "Portal logins" in text


def test_only_with_spaces_and_empty_parts_selects_the_named_apps(mianyang):
    out = StringIO()
    call_command("demo", "--quiet", "--only", " core , ,", stdout=out)
    ran = re.findall(r"^· (.*) …$", out.getvalue(), re.M)
    assert ran == [s.name for s in framework.steps() if s.app == "core"]


def test_every_step_option_is_offered_with_its_default(mianyang):
    from yingshang.demo.management.commands.demo import Command

    parser = Command().create_parser("yingshang", "demo")
    defaults = vars(parser.parse_args([]))
    assert defaults["cases"] == 20_000
    assert defaults["appeals"] == 5000
    assert defaults["reforms_as_of"] is None
    assert defaults["seed"] == 2019 and defaults["only"] == ""
    parsed = vars(parser.parse_args(["--reforms-as-of", "2026-06-30", "--cases", "7"]))
    assert parsed["reforms_as_of"] == "2026-06-30" and parsed["cases"] == 7
