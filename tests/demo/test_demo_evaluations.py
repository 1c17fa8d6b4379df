"""The 好差评 demo (step 600) on the small demo: only closed appeals are rated, after they closed,
by the appeal's own department; every 差评 has one rectification whose log walks the
rectification machine; voided ratings are exactly the upheld contests; a rerun changes nothing."""

from collections import Counter, defaultdict

import pytest
from django.contrib.contenttypes.models import ContentType

from tests.demo.conftest import run_steps
from yingshang.appeals.models import Appeal, Status
from yingshang.demo import evaluations as demo
from yingshang.evaluations import machines as _machines  # noqa: F401 - registers the machine
from yingshang.evaluations.models import (
    BAD_LEVELS,
    DIMENSIONS,
    Evaluation,
    Rectification,
    RectificationEvent,
    RectStatus,
)
from yingshang.platform.transitions import MACHINES

pytestmark = pytest.mark.django_db


def _appeal_ratings():
    return Evaluation.objects.filter(content_type=ContentType.objects.get_for_model(Appeal))


def test_only_closed_appeals_are_rated_after_closing(small_demo):
    appeals = {str(a.pk): a for a in Appeal.objects.select_related("lead_department")}
    ratings = list(_appeal_ratings())
    assert ratings
    assert len({r.object_id for r in ratings}) == len(ratings)  # one rating per appeal
    for r in ratings:
        a = appeals[r.object_id]
        assert a.status == Status.CLOSED
        assert r.created_at > a.closed_at
        assert r.department_id == a.lead_department_id
        assert r.division_id == a.lead_department.division_id
        assert r.subject_label == str(a)[:200]
        expected = "offline" if a.channel in {"hotline", "visit"} else "online"
        assert r.channel == expected
        assert r.evaluator_id == a.applicant_user_id


def test_about_eighty_percent_of_closed_appeals_are_rated(small_demo):
    closed = Appeal.objects.filter(status=Status.CLOSED).count()
    rated = _appeal_ratings().count()
    assert 0.65 * closed <= rated <= 0.92 * closed


def test_levels_dimensions_and_comments(small_demo):
    levels = Counter()
    for r in _appeal_ratings():
        levels[r.level] += 1
        keys = {k for k, _l in DIMENSIONS[r.channel]}
        assert set(r.dimensions) == keys | {"overall"}
        assert r.dimensions["overall"] == r.level
        # every dimension within one level of the overall rating, and within 1..5
        for k, v in r.dimensions.items():
            assert 1 <= v <= 5 and abs(v - r.level) <= 1, (k, v, r.level)
        assert r.comment in demo.COMMENTS[r.level]
    total = sum(levels.values())
    assert levels[5] / total > 0.35  # the most frequent level (55 % drawn)
    assert levels[5] > levels[4] > levels[1]


def test_every_bad_rating_has_one_rectification_and_only_those(small_demo):
    bad = set(_appeal_ratings().filter(level__in=BAD_LEVELS).values_list("pk", flat=True))
    rects = list(Rectification.objects.select_related("evaluation"))
    assert bad and {r.evaluation_id for r in rects} == bad
    assert len(rects) == len(bad)
    for r in rects:
        assert r.department_id == r.evaluation.department_id
        assert r.division_id == r.evaluation.division_id
        assert r.opened_at == r.evaluation.created_at


def test_rectification_logs_walk_the_machine(small_demo):
    machine = MACHINES["rectifications"]
    logs = defaultdict(list)
    for rid, action, fr, to, at in RectificationEvent.objects.order_by("at", "id").values_list(
        "rectification_id", "action", "from_state", "to_state", "at"
    ):
        logs[rid].append((action, fr, to, at))
    status = dict(Rectification.objects.values_list("pk", "status"))
    assert set(logs) == set(status)
    for rid, log in logs.items():
        assert log[0][:3] == ("open", "", RectStatus.VERIFYING)
        state = RectStatus.VERIFYING
        for action, fr, to, _at in log[1:]:
            assert fr == state
            edge = machine.edge(action)
            assert fr in edge.sources, (action, fr)
            assert machine.target_name(edge, fr) == to, (action, fr, to)
            state = to
        assert state == status[rid], log


def test_rectification_fields_match_their_state(small_demo):
    for r in Rectification.objects.all():
        closed = r.status in {RectStatus.CLOSED, RectStatus.VOIDED}
        assert (r.closed_at is not None) == closed
        if r.status in {RectStatus.RECTIFYING, RectStatus.CALLBACK, RectStatus.AWAITING_VERDICT}:
            assert r.due_at is not None and r.verification_note
        if r.status in {RectStatus.CALLBACK, RectStatus.AWAITING_VERDICT, RectStatus.CLOSED}:
            assert r.reported_at > r.opened_at and r.measures
        if r.status in {RectStatus.AWAITING_VERDICT, RectStatus.CLOSED}:
            assert r.callback_at > r.reported_at
        if r.status == RectStatus.CLOSED:
            assert r.verdict_satisfied and r.closed_at > r.callback_at
        if r.status in {RectStatus.CONTESTED, RectStatus.VOIDED}:
            assert r.contest_reason


def test_voided_ratings_are_the_upheld_contests(small_demo):
    voided = set(Evaluation.objects.filter(voided=True).values_list("pk", flat=True))
    upheld = set(
        Rectification.objects.filter(status=RectStatus.VOIDED).values_list(
            "evaluation_id", flat=True
        )
    )
    assert voided == upheld


def test_states_are_dealt_in_the_documented_mix(small_demo):
    states = [
        r.status for r in Rectification.objects.order_by("evaluation_id").only("status", "pk")
    ]
    # the i-th 差评 (in evaluation order) gets the i-th state of the cycle
    expected = [demo.RECT_STATES[i % len(demo.RECT_STATES)] for i in range(len(states))]
    assert states == expected
    assert Counter(demo.RECT_STATES).most_common(1)[0][0] == RectStatus.CLOSED
    assert set(demo.RECT_STATES) == set(RectStatus.values)  # the cycle covers every state


def test_rerun_changes_nothing(small_demo):
    before = (
        Evaluation.objects.count(),
        Rectification.objects.count(),
        RectificationEvent.objects.count(),
    )
    tally = run_steps({600})
    after = (
        Evaluation.objects.count(),
        Rectification.objects.count(),
        RectificationEvent.objects.count(),
    )
    assert after == before
    assert tally.counts["evaluations"]["created"] == 0
    assert tally.counts["evaluations"]["unchanged"] == before[0]


# the record field each logged step stamps (as the rectification machine does on a real one)
STAMPED = {
    "open": "opened_at",
    "report": "reported_at",
    "callback": "callback_at",
    "accept": "closed_at",
    "overturn": "closed_at",
}


def test_the_log_tells_the_same_times_as_the_record(small_demo):
    """A rectification's page shows its record (完成/回访/关闭时间) beside its log: both must
    tell the same story — each stamped step logged at the record's time, in order."""
    logs = defaultdict(list)
    for event in RectificationEvent.objects.order_by("id"):
        logs[event.rectification_id].append(event)
    checked = Counter()
    for r in Rectification.objects.all():
        log = logs[r.pk]
        assert [e.at for e in log] == sorted(e.at for e in log), r.pk
        for e in log:
            if e.action in STAMPED:
                assert e.at == getattr(r, STAMPED[e.action]), (r.status, e.action)
                checked[e.action] += 1
    assert {"open", "report", "callback", "accept", "overturn"} <= set(checked)


def test_rectification_limits_follow_the_working_day_rule(small_demo):
    """核实属实 starts the rectification limit as the machine does: the end of the
    EVALUATION_RECTIFICATION_DAYS-th working day after the verification, flagged provisional
    when the calendar is."""
    from yingshang.evaluations.services import rectification_days
    from yingshang.workdays.calendar import add_working_days

    verified = {
        e.rectification_id: e.at for e in RectificationEvent.objects.filter(action="verify")
    }
    assert verified
    for r in Rectification.objects.filter(pk__in=verified):
        expected = add_working_days(verified[r.pk], rectification_days())
        assert (r.due_at, r.due_provisional) == (expected.due, expected.provisional), r.status
    assert not Rectification.objects.exclude(pk__in=verified).exclude(due_at=None).exists()


def test_nothing_is_rated_or_rectified_in_the_future(small_demo):
    """The demo's appeals end yesterday; a rating made (and a rectification worked) shortly
    after a late closing is pressed into the time up to the load, not dated after it."""
    from django.utils import timezone

    now = timezone.now()
    assert not _appeal_ratings().filter(created_at__gt=now).exists()
    for field in ("reported_at", "callback_at", "closed_at"):
        assert not Rectification.objects.filter(**{f"{field}__gt": now}).exists(), field
    assert not RectificationEvent.objects.filter(at__gt=now).exists()
