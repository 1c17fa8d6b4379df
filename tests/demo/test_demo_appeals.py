"""The appeals demo (step 500) on the small demo: every appeal's and commitment's log walks the
machines' edges and ends in the record's status, dates follow the working-day calendar and the
limits of appeals.conf, the Q&A sessions are the seed's seven, and a rerun changes nothing."""

import datetime
import random
from collections import defaultdict

import pytest
from stdnum.cn import uscc

from tests.demo.conftest import SMALL, run_steps
from yingshang.appeals import conf
from yingshang.appeals.models import (
    Appeal,
    AppealEvent,
    AppellantKind,
    Commitment,
    CommitmentEvent,
    CommitmentStatus,
    QAQuestion,
    QASession,
    Status,
)
from yingshang.demo import appeals as demo
from yingshang.platform.transitions import MACHINES
from yingshang.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db


def _logs(event_model, fk):
    logs = defaultdict(list)
    rows = event_model.objects.order_by("at", "id").values_list(
        f"{fk}_id", "action", "from_state", "to_state", "at"
    )
    for owner, action, fr, to, at in rows:
        logs[owner].append((action, fr, to, at))
    return logs


def walk(machine, log, first_action):
    """Check ``log`` edge by edge against ``machine``; the state it ends in."""
    action, fr, state, _at = log[0]
    assert (action, fr) == (first_action, ""), log
    for action, fr, to, _at in log[1:]:
        assert fr == state, log
        edge = machine.edge(action)
        assert fr in edge.sources, (action, fr, log)
        assert machine.target_name(edge, fr) == to, (action, fr, to)
        state = to
    return state


def test_the_small_demo_loads_the_numbers_asked_for(small_demo):
    assert small_demo.counts["appeals"]["created"] == SMALL["appeals"]
    assert Appeal.objects.count() == SMALL["appeals"]
    assert small_demo.counts["qa sessions"]["created"] == len(demo.SESSIONS) == 7
    assert small_demo.counts["qa questions"]["created"] == 35
    assert small_demo.counts["commitments"]["created"] == 21
    assert small_demo.counts["appeal events"]["created"] == AppealEvent.objects.count()


def test_every_appeal_log_walks_the_machine_and_ends_in_its_status(small_demo):
    machine = MACHINES["appeals"]
    logs = _logs(AppealEvent, "appeal")
    status = dict(Appeal.objects.values_list("id", "status"))
    assert set(logs) == set(status)
    for appeal_id, log in logs.items():
        assert walk(machine, log, "submit") == status[appeal_id], log
        # the log is in time order: no step happens before the one it leaves from
        times = [at for *_r, at in log]
        assert times == sorted(times), log


def test_every_open_and_closed_status_appears(small_demo):
    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert {Status.CLOSED, Status.REPLIED} <= statuses
    assert statuses & {Status.DISPATCHED, Status.ESCALATED}  # the last weeks are still open
    assert Status.SUBMITTED not in statuses  # every demo appeal was signed and dispatched
    reopened = AppealEvent.objects.filter(action="reopen").values("appeal").distinct().count()
    assert 0 < reopened < 0.15 * SMALL["appeals"]


def test_record_fields_agree_with_the_log(small_demo):
    firsts = {}
    for appeal_id, action, at in AppealEvent.objects.order_by("at", "id").values_list(
        "appeal_id", "action", "at"
    ):
        firsts.setdefault((appeal_id, action), at)
    for a in Appeal.objects.all():
        assert firsts[(a.pk, "submit")] == a.submitted_at
        assert firsts[(a.pk, "sign")] == a.signed_at
        assert firsts[(a.pk, "dispatch")] == a.dispatched_at
        assert ((a.pk, "escalate") in firsts) == (a.escalated_at is not None)
        if a.escalated_at:
            assert firsts[(a.pk, "escalate")] == a.escalated_at
            assert a.escalated_at > a.due_at  # escalated as overdue
            assert a.escalation_reason == "逾期未办结"
        assert ((a.pk, "reply") in firsts) == (a.replied_at is not None)
        if a.replied_at:
            assert firsts[(a.pk, "reply")] == a.replied_at and a.reply_text
        if a.status == Status.CLOSED:
            assert a.resolved and a.closed_at is not None and a.closed_at >= a.replied_at
        else:
            assert not a.resolved and a.closed_at is None


def test_dates_follow_the_calendar_and_the_limits(small_demo):
    start, end = demo.demo_year()
    assert (end - start).days == 364
    for a in Appeal.objects.all():
        assert a.number == f"SQ{a.submitted_at.astimezone(demo.SH):%Y%m%d}{a.number[-6:]}"
        assert start <= a.submitted_at.astimezone(demo.SH).date() <= end  # the demo year
        assert a.sign_due == add_working_days(a.submitted_at, 1).due
        assert a.limit_days == conf.limit_days(a.appeal_type)
        assert a.due_at == add_working_days(a.dispatched_at, a.limit_days).due
        assert a.submitted_at < a.dispatched_at <= a.submitted_at + datetime.timedelta(hours=20)
    assert Appeal.objects.values("number").distinct().count() == SMALL["appeals"]


def test_appellants_departments_and_texts_are_coherent(small_demo):
    keys_of = {topic: {k for k, *_r in specs} for topic, specs in demo.TOPICS.items()}
    for a in Appeal.objects.select_related("lead_department__division", "enterprise"):
        if a.appellant_kind == AppellantKind.ENTERPRISE:
            assert a.enterprise is not None and a.uscc == a.enterprise.uscc
            assert a.enterprise_name == a.enterprise.name and uscc.is_valid(a.uscc)
            assert not a.person_name
        else:
            assert a.enterprise is None and not a.uscc and a.person_name
        assert a.division_id == a.lead_department.division_id
        assert a.lead_department.function_key in keys_of[a.topic], (a.topic, a.lead_department)
        assert a.tokens and a.text and a.title and len(a.title) <= 120
    people = Appeal.objects.filter(appellant_kind=AppellantKind.PERSON).count()
    assert 0.04 * SMALL["appeals"] < people < 0.22 * SMALL["appeals"]  # ~12 %


def test_the_demo_enterprises_and_accounts(small_demo):
    from yingshang.core.models import User
    from yingshang.registry.models import Enterprise

    ents = Enterprise.objects.filter(uscc__in=[demo.demo_uscc(i) for i in range(1, 121)]).order_by(
        "uscc"
    )
    assert ents.count() == 120
    assert all(uscc.is_valid(e.uscc) for e in ents)
    verified = ents.first().representations.filter(status="verified")
    assert list(verified.values_list("user__username", flat=True)) == ["qiye"]
    for username, role in (("qiyefuwu", "handler"), ("gongdian", "handler")):
        user = User.objects.get(username=username)
        assert user.role == role and user.division.code == "510700"
        assert user.check_password(SMALL.get("password", "mianyang2019!"))
    assert User.objects.get(username="qiyefuwu").department.function_key == "gov_service"
    assert User.objects.get(username="gongdian").department.function_key == "power"
    # the qiye account's own appeals are those of its enterprise
    mine = Appeal.objects.filter(applicant_user__username="qiye")
    assert mine.exists()
    assert set(mine.values_list("uscc", flat=True)) == {ents.first().uscc}


def test_qa_sessions_are_the_seed_seven(small_demo):
    sessions = list(QASession.objects.order_by("date"))
    start, _end = demo.demo_year()
    assert [s.date for s in sessions] == [demo.session_date(d, start) for d, *_r in demo.SESSIONS]
    # the seed's spacing, 50 days into the demo year (2019-01-02 → 2019-02-21)
    assert (sessions[0].date - start).days == 50 and (sessions[-1].date - start).days == 65
    invited = set()
    for s in sessions:
        guests = set(s.enterprises.values_list("pk", flat=True))
        assert len(guests) == 9 and not guests & invited  # nine new enterprises per session
        invited |= guests
        questions = list(s.questions.order_by("order"))
        assert [q.order for q in questions] == [1, 2, 3, 4, 5]
        depts = set(s.departments.values_list("pk", flat=True))
        assert all(q.answering_department_id in depts for q in questions)
        assert all(q.enterprise_id in guests for q in questions)
        assert Commitment.objects.filter(session=s).count() == 3
    assert len(invited) == 63
    assert QAQuestion.objects.count() == 35


def test_every_commitment_log_walks_its_machine(small_demo):
    machine = MACHINES["commitments"]
    logs = _logs(CommitmentEvent, "commitment")
    commitments = {c.pk: c for c in Commitment.objects.select_related("question", "session")}
    assert set(logs) == set(commitments)
    for pk, log in logs.items():
        c = commitments[pk]
        assert log[0][2] == CommitmentStatus.PENDING
        assert walk(machine, log, "create") == c.status, log
        assert c.question.session_id == c.session_id
        assert c.division_id == c.owner_department.division_id
        if c.status in {CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS}:
            assert c.deadline > c.session.date + datetime.timedelta(days=365)  # long-running
        else:
            assert (c.deadline - c.session.date).days in {30, 60, 90}
    counts = defaultdict(int)
    for c in commitments.values():
        counts[c.status] += 1
    assert set(counts) == set(CommitmentStatus.values)  # every state appears
    assert max(counts.values()) - min(counts.values()) <= 1  # dealt in turn


def test_rerun_changes_nothing(small_demo):
    before = (
        Appeal.objects.count(),
        AppealEvent.objects.count(),
        Commitment.objects.count(),
        QASession.objects.count(),
    )
    tally = run_steps({500})
    after = (
        Appeal.objects.count(),
        AppealEvent.objects.count(),
        Commitment.objects.count(),
        QASession.objects.count(),
    )
    assert after == before
    assert tally.counts["appeals"] == {
        "created": 0,
        "updated": 0,
        "unchanged": SMALL["appeals"],
    }
    assert tally.counts["enterprises"]["created"] == 0
    assert tally.counts["staff"]["created"] == 0


@pytest.mark.parametrize("seq", [1, 7, 120, 9_999_999])
def test_demo_uscc_has_a_valid_check_digit(seq):
    code = demo.demo_uscc(seq)
    assert len(code) == 18 and code.startswith("91510700MA")
    assert uscc.is_valid(code)
    assert code[10:17] == f"{seq:07d}"


@pytest.mark.parametrize("topic", sorted(demo.TOPICS))
def test_make_text_is_deterministic_and_names_a_department_of_its_topic(topic):
    keys = {k for k, *_r in demo.TOPICS[topic]}
    for seed in range(20):
        key, title, text = demo.make_text(random.Random(seed), topic, "help", "江油市", "建材")
        assert key in keys
        assert (key, title, text) == demo.make_text(
            random.Random(seed), topic, "help", "江油市", "建材"
        )
        # the title names a keyword of the topic
        words = {w for _k, _w, ws in demo.TOPICS[topic] for w in ws}
        assert any(title.startswith(w) for w in words), title
        assert "{" not in text and "}" not in text  # every placeholder filled


def test_make_text_for_a_given_department_uses_its_words():
    key, title, _text = demo.make_text(random.Random(3), "power", "help", "涪城区", "建材", "power")
    assert key == "power"
    words = next(ws for k, _w, ws in demo.TOPICS["power"] if k == "power")
    assert any(title.startswith(w) for w in words)


def test_shares_and_spread_over_the_year(small_demo):
    from collections import Counter

    n = SMALL["appeals"]
    escalated = Appeal.objects.exclude(escalated_at=None).count()
    assert 0 < escalated < 0.08 * n  # docs: about 2–3 % escalated as overdue
    channels = Counter(Appeal.objects.values_list("channel", flat=True))
    assert channels.most_common(1)[0][0] == "portal"  # weights 55/30/10/5
    assert "qa_session" not in channels
    months = {
        a.astimezone(demo.SH).month for a in Appeal.objects.values_list("submitted_at", flat=True)
    }
    assert months == set(range(1, 13))
    topics = set(Appeal.objects.values_list("topic", flat=True))
    assert topics == set(demo.TOPICS)


def test_event_actors(small_demo):
    office = "企业服务科 孟科员"
    for action, name, role in AppealEvent.objects.values_list("action", "actor_name", "actor_role"):
        if action == "submit":
            assert role == "诉求人"
        elif action in {"sign", "dispatch"}:
            assert office in name or name == "qiyefuwu", name
        elif action == "escalate":
            assert (name, role) == ("system", "系统")
        elif action in {"confirm", "reopen"}:
            assert role == "诉求人"
    assert not Appeal.objects.filter(appellant_kind="person").exclude(applicant_user=None).exists()


def test_the_dispatch_model_is_trained_on_the_demo(small_demo):
    from yingshang.appeals import classifier
    from yingshang.appeals.models import DispatchModel

    assert small_demo.counts["dispatch model"]["created"] == 1
    row = DispatchModel.objects.get()
    assert row.n_train + row.n_test > 0
    classifier._cache.clear()
    model = classifier.active_model()
    leads = set(Appeal.objects.values_list("lead_department_id", flat=True))
    assert set(model.labels.tolist()) <= leads
    power = next(a for a in Appeal.objects.filter(topic="power").select_related("lead_department"))
    ranked = [label for label, _p in model.top(classifier.tokens_for(power.title, power.text), 3)]
    assert len(ranked) == 3
    classifier._cache.clear()


def test_the_appeals_stay_in_the_demo_city_and_county_leads_are_the_named_counties(small_demo):
    """The city's own departments lead almost every appeal; a county department leads only an
    appeal about 江油市, 三台县 or 涪城区 (the demo's rule) and only in that county. The demo
    enterprises are registered in the city's county-level areas."""
    from yingshang.core.models import Division
    from yingshang.registry.models import Enterprise

    city = Division.objects.get(code="510700")
    county_led = defaultdict(int)
    for a in Appeal.objects.select_related("lead_department__division"):
        division = a.lead_department.division
        assert division.path.startswith(city.path), a.number
        if division.pk != city.pk:
            assert division.name in {"江油市", "三台县", "涪城区"}, (a.number, division.name)
            assert a.division_id == division.pk  # the appeal sits with its lead
            county_led[division.name] += 1
    assert 0 < sum(county_led.values()) < 0.1 * SMALL["appeals"]
    ents = Enterprise.objects.filter(uscc__in=[demo.demo_uscc(i) for i in range(1, 121)])
    parents = set(ents.values_list("division__parent__code", flat=True))
    assert parents == {"510700"}
