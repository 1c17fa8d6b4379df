"""The state-machine kit (platform/transitions.py) on its own: a throw-away table over the
rectification model (not registered, so the generated docs do not see it), every error path of
the applier, and what a step leaves behind when it commits or rolls back."""

import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tests.core.factories import StaffFactory, UserFactory
from tests.evaluations.factories import rectification
from yingshang.evaluations.machines import RectificationMachine
from yingshang.evaluations.models import Rectification, RectificationEvent, RectStatus
from yingshang.platform import transitions
from yingshang.platform.transitions import SAME, Context, Edge, Machine, Notice, send_notices

pytestmark = pytest.mark.django_db
R = RectStatus
SENT: list = []  # what the fake notification centre received
HOOKS: list = []  # (hook name, state seen) in the order the hooks ran


def fake_notify(recipient, title, body="", link="", category=""):
    SENT.append((recipient.pk, title, body, link, category))


def broken_notify(recipient, title, body="", link="", category=""):
    raise RuntimeError("SMS gateway down")


class Gate:
    """A policy: ``allowed`` holds (username, action) pairs."""

    def __init__(self):
        self.allowed = set()

    def can(self, user, action, obj=None):
        return (user.username, action) in self.allowed

    def check(self, user, action, obj=None):
        if not self.can(user, action, obj):
            raise PermissionDenied(f"{user.username} may not {action}")


def need_note(ctx):
    if not ctx.note:
        raise ValidationError({"note": "请填写说明。"})


def set_measures(ctx):
    HOOKS.append(("effect", ctx.obj.status))
    ctx.obj.measures = f"措施:{ctx.note}"
    ctx.event_data["measures"] = ctx.obj.measures


def after_hook(ctx):
    HOOKS.append(("after", Rectification.objects.get(pk=ctx.obj.pk).status))
    ctx.notify(ctx.data.get("tell"), "整改开始", ctx.note, "/r/")
    ctx.notify(None, "nobody")  # no recipient: dropped


def commit_hook(ctx):
    HOOKS.append(("on_commit", ctx.target))


def explode(ctx):
    raise RuntimeError("after hook failed")


def notices(ctx):
    return [Notice(ctx.data.get("tell"), "通知", category="special")]


def computed(ctx):
    HOOKS.append(("target", ctx.obj.measures))
    return R.CLOSED if ctx.data.get("close") else R.RECTIFYING


class KitMachine(Machine):
    name = "kit-test"
    title = "测试"
    model = Rectification
    states = RectStatus
    event_model = RectificationEvent
    event_fk = "rectification"
    category = "kit"
    edges = [
        Edge(
            "start",
            {R.VERIFYING},
            R.RECTIFYING,
            "开始整改",
            permission="work",
            effects=set_measures,
            after=after_hook,
            on_commit=commit_hook,
        ),
        Edge("touch", {R.VERIFYING, R.RECTIFYING}, SAME, "备注"),
        Edge(
            "route",
            {R.VERIFYING, R.CONTESTED},
            {R.VERIFYING: R.CALLBACK, R.CONTESTED: R.RECTIFYING},
            "分流",
        ),
        Edge(
            "compute",
            {R.VERIFYING},
            computed,
            "计算",
            effects=set_measures,
            target_label="结论",
        ),
        Edge("guarded", {R.VERIFYING}, R.CLOSED, "关闭", guards=need_note),
        Edge("boom", {R.VERIFYING}, R.CLOSED, "故障", after=explode, on_commit=commit_hook),
        Edge("logged", {R.VERIFYING}, R.CLOSED, "改名记录", event_action="renamed"),
        Edge("notifying", {R.VERIFYING}, SAME, "通知", notify=notices),
    ]


@pytest.fixture(autouse=True)
def _reset(settings):
    SENT.clear()
    HOOKS.clear()
    settings.YINGSHANG_NOTIFY = "tests.platform.test_transitions_kit.fake_notify"


@pytest.fixture
def machine():
    m = KitMachine()
    m.policy = Gate()
    return m


@pytest.fixture
def rect():
    return rectification()


@pytest.fixture
def worker():
    return StaffFactory(username="kit-worker")


def _events(rect, action):
    return list(RectificationEvent.objects.filter(rectification=rect, action=action))


def _state(rect):
    return Rectification.objects.get(pk=rect.pk).status


# ---------------------------------------------------------------------------- error paths


def test_unknown_action_is_a_field_error_and_writes_nothing(machine, rect):
    before = RectificationEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        machine.transition(rect, "fly", actor=None)
    assert "“fly”" in exc.value.message_dict["status"][0]
    assert RectificationEvent.objects.count() == before


def test_unknown_action_reported_on_the_machines_error_field(machine, rect):
    machine.error_field = "action"
    with pytest.raises(ValidationError) as exc:
        machine.transition(rect, "fly")
    assert list(exc.value.message_dict) == ["action"]


def test_wrong_source_names_the_state_and_the_action(machine, rect):
    Rectification.objects.filter(pk=rect.pk).update(status=R.CLOSED)
    with pytest.raises(ValidationError) as exc:
        machine.transition(rect, "touch")
    message = exc.value.message_dict["status"][0]
    assert "整改完成" in message and "备注" in message
    assert _state(rect) == R.CLOSED
    assert _events(rect, "touch") == []


def test_the_state_is_read_from_the_locked_row_not_the_callers_copy(machine, rect):
    """A stale object in memory says 待核实; the row says closed: the row wins."""
    Rectification.objects.filter(pk=rect.pk).update(status=R.CLOSED)
    assert rect.status == R.VERIFYING
    with pytest.raises(ValidationError):
        machine.transition(rect, "touch")


def test_role_refused_leaves_no_trace(machine, rect, worker):
    with pytest.raises(PermissionDenied):
        machine.transition(rect, "start", actor=worker, note="开始")
    assert _state(rect) == R.VERIFYING
    assert _events(rect, "start") == []
    assert HOOKS == []  # not even the effect ran


def test_permitted_actor_passes(machine, rect, worker):
    machine.policy.allowed.add(("kit-worker", "work"))
    machine.transition(rect, "start", actor=worker, note="开始")
    assert _state(rect) == R.RECTIFYING


def test_the_system_actor_is_trusted(machine, rect):
    machine.transition(rect, "start", actor=None, note="定时")
    assert _state(rect) == R.RECTIFYING
    (event,) = _events(rect, "start")
    assert (event.actor_id, event.actor_name, event.actor_role) == (None, "system", "system")


@pytest.mark.parametrize(
    "permission_first, error", [(False, ValidationError), (True, PermissionDenied)]
)
def test_permission_or_state_checked_first_as_the_machine_says(
    machine, rect, worker, permission_first, error
):
    """Wrong state AND no permission: which refusal the caller sees is the machine's choice."""
    machine.permission_first = permission_first
    Rectification.objects.filter(pk=rect.pk).update(status=R.CLOSED)
    with pytest.raises(error):
        machine.transition(rect, "start", actor=worker)


def test_guard_refuses_and_nothing_changes(machine, rect):
    with pytest.raises(ValidationError) as exc:
        machine.transition(rect, "guarded", note="   ")
    assert exc.value.message_dict == {"note": ["请填写说明。"]}
    assert _state(rect) == R.VERIFYING
    assert _events(rect, "guarded") == []


def test_guard_passes_with_a_note(machine, rect):
    machine.transition(rect, "guarded", note="  已办结  ")
    (event,) = _events(rect, "guarded")
    assert event.note == "已办结"  # stripped
    assert (event.from_state, event.to_state) == (R.VERIFYING, R.CLOSED)


def test_an_after_hook_that_raises_rolls_the_whole_step_back(
    machine, rect, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            machine.transition(rect, "boom")
    assert _state(rect) == R.VERIFYING
    assert _events(rect, "boom") == []
    assert callbacks == []  # the on_commit hook was never queued
    assert HOOKS == []


def test_rollback_of_the_callers_transaction_drops_hooks_and_notices(
    machine, rect, worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            machine.transition(rect, "start", note="x", tell=worker)
            1 / 0  # noqa: B018 - the caller fails after the step
    assert _state(rect) == R.VERIFYING
    assert _events(rect, "start") == []
    assert [h for h, _s in HOOKS] == ["effect", "after"]  # no on_commit
    assert SENT == []


# ---------------------------------------------------------------------------- a committed step


def test_a_step_in_order_effects_save_event_after_then_commit(
    machine, rect, worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        out = machine.transition(rect, "start", note="换表", tell=worker, channel="web")
        # before commit: neither the notice nor the on_commit hook has run
        assert SENT == [] and [h for h, _s in HOOKS] == ["effect", "after"]
    for callback in callbacks:
        callback()
    assert HOOKS == [
        ("effect", R.VERIFYING),  # effects see the source state
        ("after", R.RECTIFYING),  # after hooks see the saved row
        ("on_commit", R.RECTIFYING),
    ]
    assert out.status == R.RECTIFYING and out.measures == "措施:换表"
    assert Rectification.objects.get(pk=rect.pk).measures == "措施:换表"
    (event,) = _events(rect, "start")
    assert event.channel == "web"
    assert event.data == {"measures": "措施:换表"}
    assert SENT == [(worker.pk, "整改开始", "换表", "/r/", "kit")]  # None recipient dropped


def test_same_target_keeps_the_state_and_still_logs(machine, rect):
    machine.transition(rect, "touch", note="补充材料")
    (event,) = _events(rect, "touch")
    assert event.from_state == event.to_state == R.VERIFYING
    assert _state(rect) == R.VERIFYING


@pytest.mark.parametrize("source, target", [(R.VERIFYING, R.CALLBACK), (R.CONTESTED, R.RECTIFYING)])
def test_a_target_per_source(machine, rect, source, target):
    Rectification.objects.filter(pk=rect.pk).update(status=source)
    machine.transition(rect, "route")
    assert _state(rect) == target
    (event,) = _events(rect, "route")
    assert (event.from_state, event.to_state) == (source, target)


@pytest.mark.parametrize("close, target", [(True, R.CLOSED), (False, R.RECTIFYING)])
def test_a_computed_target_sees_the_object_before_its_effects(machine, rect, close, target):
    machine.transition(rect, "compute", note="n", close=close)
    assert _state(rect) == target
    assert HOOKS[0] == ("target", "")  # computed before set_measures wrote the field
    assert HOOKS[1] == ("effect", R.VERIFYING)


def test_event_action_overrides_the_logged_name(machine, rect):
    machine.transition(rect, "logged")
    assert _events(rect, "logged") == []
    (event,) = _events(rect, "renamed")
    assert event.to_state == R.CLOSED


def test_edge_notices_use_their_own_category(
    machine, rect, worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        machine.transition(rect, "notifying", tell=worker)
    assert SENT == [(worker.pk, "通知", "", "", "special")]


def test_a_failing_notification_is_logged_and_the_step_stands(
    machine, rect, worker, settings, caplog, django_capture_on_commit_callbacks
):
    settings.YINGSHANG_NOTIFY = "tests.platform.test_transitions_kit.broken_notify"
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        machine.transition(rect, "notifying", tell=worker)
    assert "notification to" in caplog.text
    assert _events(rect, "notifying")


def test_no_notification_centre_installed_is_quiet(
    settings, worker, django_capture_on_commit_callbacks
):
    settings.YINGSHANG_NOTIFY = "tests.platform.no_such_module.notify"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_notices([Notice(worker, "t")])
    assert len(callbacks) == 1 and SENT == []


def test_notices_without_recipients_queue_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        send_notices([Notice(None, "t")])
    assert callbacks == []


@pytest.mark.parametrize(
    "make, role, name",
    [
        (lambda: None, "system", "system"),
        (lambda: StaffFactory(username="kit-clerk", role="clerk"), "clerk", "kit-clerk"),
        (lambda: UserFactory(username="kit-root", is_superuser=True), "admin", "kit-root"),
        (lambda: UserFactory(username="kit-portal"), "applicant", "kit-portal"),
    ],
)
def test_who_the_event_names(machine, rect, make, role, name):
    actor = make()
    machine.transition(rect, "touch", actor=actor)
    (event,) = _events(rect, "touch")
    assert (event.actor_role, event.actor_name) == (role, name)
    assert event.actor_id == (actor.pk if actor else None)


def test_an_anonymous_user_is_logged_without_a_foreign_key(machine, rect):
    from django.contrib.auth.models import AnonymousUser

    machine.transition(rect, "touch", actor=AnonymousUser())
    (event,) = _events(rect, "touch")
    assert (event.actor_id, event.actor_name, event.actor_role) == (None, "system", "applicant")


def test_record_without_an_event_model_is_a_no_op(rect):
    class Silent(KitMachine):
        event_model = None

    before = RectificationEvent.objects.count()
    assert Silent().record(rect, "x", "", "") is None
    Silent().transition(rect, "touch")
    assert RectificationEvent.objects.count() == before


def test_machine_hooks_before_save_and_finish_run_in_the_transaction(rect):
    seen = []

    class Hooked(KitMachine):
        def before_save(self, ctx):
            seen.append(("before_save", ctx.obj.status, ctx.event))

        def finish(self, ctx):
            seen.append(("finish", ctx.obj.status, ctx.event.action))

        def event_fields(self, ctx):
            return {"channel": "hook"}

    Hooked().transition(rect, "touch", channel="web")
    assert seen == [("before_save", R.VERIFYING, None), ("finish", R.VERIFYING, "touch")]
    assert _events(rect, "touch")[0].channel == "hook"  # event_fields win over the arguments


# ---------------------------------------------------------------------------- the table as data


def test_allowed_filters_by_state_and_by_actor(machine, rect, worker):
    assert machine.allowed(rect) == [
        "start",
        "touch",
        "route",
        "compute",
        "guarded",
        "boom",
        "logged",
        "notifying",
    ]
    assert "start" not in machine.allowed(rect, worker)
    machine.policy.allowed.add(("kit-worker", "work"))
    assert "start" in machine.allowed(rect, worker)
    rect.status = R.CONTESTED
    assert machine.allowed(rect) == ["route"]
    rect.status = R.CLOSED
    assert machine.allowed(rect) == []


def test_require_checks_without_changing(machine, rect):
    assert machine.require(rect, "touch").action == "touch"
    rect.status = R.CLOSED
    with pytest.raises(ValidationError):
        machine.require(rect, "touch")
    with pytest.raises(ValidationError):
        machine.require(rect, "fly")


def test_by_state_names_every_state_and_every_kind_of_target(machine):
    table = machine.by_state()
    assert set(table) == set(R.values)
    assert table[R.CLOSED] == {} and table[R.VOIDED] == {}
    assert table[R.VERIFYING]["touch"] == R.VERIFYING  # SAME: the source itself
    assert table[R.VERIFYING]["route"] == R.CALLBACK
    assert table[R.CONTESTED]["route"] == R.RECTIFYING
    assert table[R.VERIFYING]["compute"] == "结论"


def test_mermaid_lists_states_then_one_arrow_per_source(machine):
    lines = KitMachine().mermaid().splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    verifying: 待核实" in lines
    assert "    verifying --> callback: 分流" in lines
    assert "    contested --> rectifying: 分流" in lines
    arrows = [x for x in lines if "-->" in x]
    assert len(arrows) == sum(len(e.sources) for e in KitMachine.edges)


def test_duplicate_actions_are_refused_when_the_table_is_built():
    class Twice(Machine):
        name = "twice"
        edges = [Edge("a", {"x"}, "y", "A"), Edge("a", {"y"}, "x", "A")]

    with pytest.raises(ValueError, match="duplicate action a"):
        Twice()


def test_edge_normalises_hooks_and_sources():
    edge = Edge("a", ["x", "x", "y"], "z", "A", guards=need_note, after=[explode])
    assert edge.sources == frozenset({"x", "y"})
    assert edge.guards == (need_note,) and edge.after == (explode,)
    assert edge.effects == () and edge.on_commit == ()


def test_state_label_of_an_unknown_value_is_the_value(machine):
    assert machine.state_label(R.CLOSED) == "整改完成"
    assert machine.state_label("gone") == "gone"


def test_context_notify_skips_missing_recipients(machine, rect):
    ctx = Context(machine, rect, machine.table["touch"], None, "", "", {}, None)
    ctx.notify(None, "x")
    assert ctx.notices == [] and ctx.action == "touch"


def test_registry_finds_the_machine_of_a_model(rect):
    assert transitions.machine_for(rect) is transitions.MACHINES["rectifications"]
    assert transitions.machine_for(rect) is RectificationMachine  # @register: the instance
    with pytest.raises(LookupError, match="no state machine for Notice"):
        transitions.machine_for(Notice(None, "x"))
    assert KitMachine.name not in transitions.MACHINES  # the test table stays private
