"""The rectification machine (差评整改), walked through its public service and HTTP:
every state × every action, who may act, what each step writes (fields, event, due dates,
notifications), errors in Chinese and English, and the staff/evaluator pages and API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.appeals.factories import MONDAY
from tests.core.factories import HandlerFactory, SupervisorFactory, UserFactory, department
from tests.evaluations.factories import rectification
from tests.helpers import has_cjk
from yingshang.evaluations import services
from yingshang.evaluations.machines import RectificationMachine
from yingshang.evaluations.models import (
    Evaluation,
    Rectification,
    RectStatus,
)
from yingshang.notifications.models import Notification
from yingshang.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db

# the kit's table as {state: {action: target}}
RECT_TRANSITIONS = RectificationMachine.by_state()

ACTIONS = ["verify", "contest", "uphold", "overturn", "report", "callback", "accept", "reject"]
DEPARTMENT_ACTIONS = {"verify", "contest", "report"}
BUREAU_ACTIONS = {"uphold", "overturn", "callback"}
EVALUATOR_ACTIONS = {"accept", "reject"}
# The legal path from 待核实 to every state.
PATHS = {
    RectStatus.VERIFYING: [],
    RectStatus.CONTESTED: ["contest"],
    RectStatus.RECTIFYING: ["verify"],
    RectStatus.CALLBACK: ["verify", "report"],
    RectStatus.AWAITING_VERDICT: ["verify", "report", "callback"],
    RectStatus.CLOSED: ["verify", "report", "callback", "accept"],
    RectStatus.VOIDED: ["contest", "overturn"],
}
T1 = MONDAY + datetime.timedelta(hours=1)


@pytest.fixture
def actors(mianyang):
    power = department("510700", "power")
    return {
        "department": HandlerFactory(department=power),
        "bureau": SupervisorFactory(),
        "other_department": HandlerFactory(),  # the market bureau: not the rated department
    }


@pytest.fixture
def rect(actors):
    return rectification()


def actor_for(action, actors, rect):
    if action in DEPARTMENT_ACTIONS:
        return actors["department"]
    if action in BUREAU_ACTIONS:
        return actors["bureau"]
    return rect.evaluation.evaluator


def step(rect, action, actors, note="说明", **kw):
    kw.setdefault("now", T1)
    return services.rectification_step(rect, actor_for(action, actors, rect), action, note, **kw)


def walk(rect, path, actors, **kw):
    for action in path:
        rect = step(rect, action, actors, **kw)
    return rect


def test_the_table_covers_every_state():
    assert set(RECT_TRANSITIONS) == set(RectStatus.values)
    assert set(PATHS) == set(RectStatus.values)
    reachable = {t for edges in RECT_TRANSITIONS.values() for t in edges.values()}
    assert reachable | {RectStatus.VERIFYING} == set(RectStatus.values)
    assert RECT_TRANSITIONS[RectStatus.CLOSED] == {} == RECT_TRANSITIONS[RectStatus.VOIDED]


@pytest.mark.parametrize("state", list(PATHS))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(rect, actors, state, action):
    rect = walk(rect, PATHS[state], actors)
    assert rect.status == state
    events_before = rect.events.count()
    allowed = RECT_TRANSITIONS[state]
    if action in allowed:
        after = step(rect, action, actors)
        assert after.status == allowed[action]
        assert Rectification.objects.get(pk=rect.pk).status == allowed[action]
        event = after.events.order_by("-id").first()
        assert (event.action, event.from_state, event.to_state) == (
            action,
            state,
            allowed[action],
        )
        assert event.note == "说明" and event.at == T1
        assert after.events.count() == events_before + 1
    else:
        with pytest.raises(ValidationError) as exc:
            step(rect, action, actors)
        assert "status" in exc.value.message_dict
        assert Rectification.objects.get(pk=rect.pk).status == state
        assert rect.events.count() == events_before


@pytest.mark.parametrize(
    "action,wrong,field",
    [
        ("verify", "bureau_outsider", "department"),
        ("verify", "other_department", "department"),
        ("contest", "other_department", "department"),
        ("verify", "evaluator", "department"),
    ],
)
def test_department_actions_refuse_other_users(rect, actors, action, wrong, field):
    user = {
        "bureau_outsider": UserFactory(),
        "other_department": actors["other_department"],
        "evaluator": rect.evaluation.evaluator,
    }[wrong]
    with pytest.raises(ValidationError) as exc:
        services.rectification_step(rect, user, action, "属实", now=T1)
    assert exc.value.message_dict[field] == ["只有被评价部门可以执行此操作。"]
    assert Rectification.objects.get(pk=rect.pk).status == RectStatus.VERIFYING


@pytest.mark.parametrize("who", ["department", "other_department"])
def test_only_the_bureau_decides_a_contest_and_calls_back(rect, actors, who):
    rect = step(rect, "contest", actors, note="评价人反映的情况与事实不符")
    for action in ("uphold", "overturn"):
        with pytest.raises(ValidationError) as exc:
            services.rectification_step(rect, actors[who], action, "裁定", now=T1)
        assert exc.value.message_dict["user"] == ["只有政务服务监督管理局可以执行此操作。"]
    assert Rectification.objects.get(pk=rect.pk).status == RectStatus.CONTESTED


def test_a_bureau_department_member_counts_as_bureau(rect, actors):
    clerk_of_bureau = HandlerFactory(department=department("510700", "gov_service"))
    assert services.is_bureau(clerk_of_bureau)
    assert not services.is_bureau(actors["department"])
    assert not services.is_bureau(UserFactory())
    rect = step(rect, "contest", actors)
    rect = services.rectification_step(rect, clerk_of_bureau, "uphold", "不成立", now=T1)
    assert rect.status == RectStatus.RECTIFYING


def test_only_the_evaluator_gives_the_verdict(rect, actors):
    rect = walk(rect, PATHS[RectStatus.AWAITING_VERDICT], actors)
    for user in (actors["department"], actors["bureau"], UserFactory()):
        with pytest.raises(ValidationError) as exc:
            services.rectification_step(rect, user, "accept", now=T1)
        assert exc.value.message_dict["evaluator"] == ["只有评价人本人可以确认整改结果。"]
    # An anonymous evaluator proved through the subject's own check (verified) may.
    done = services.rectification_step(rect, None, "accept", "", verified=True, now=T1)
    assert done.status == RectStatus.CLOSED
    assert done.events.order_by("-id").first().actor_name == "评价人"


@pytest.mark.parametrize(
    "path,action,field",
    [
        ([], "contest", "reason"),
        (["verify"], "report", "measures"),
        (["verify", "report"], "callback", "note"),
        (["contest"], "uphold", "note"),
        (["contest"], "overturn", "note"),
    ],
)
def test_steps_that_need_a_note(rect, actors, path, action, field):
    rect = walk(rect, path, actors)
    before = rect.status
    with pytest.raises(ValidationError) as exc:
        step(rect, action, actors, note="   ")
    assert exc.value.message_dict == {field: ["请填写说明。"]}
    assert Rectification.objects.get(pk=rect.pk).status == before


def test_errors_in_english(rect, actors):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            step(rect, "report", actors)
        message = exc.value.message_dict["status"][0]
        with pytest.raises(ValidationError) as exc2:
            services.rectification_step(rect, actors["other_department"], "verify", "x", now=T1)
        message2 = exc2.value.message_dict["department"][0]
    assert not has_cjk(message) and "not allowed" in message
    assert not has_cjk(message2) and message2


def test_verify_starts_the_limit_in_working_days(rect, actors, settings):
    settings.EVALUATION_RECTIFICATION_DAYS = 5
    rect = step(rect, "verify", actors, note="情况属实")
    assert rect.verification_note == "情况属实"
    assert rect.due_at == add_working_days(T1, 5).due
    assert rect.due_at.date() == datetime.date(2025, 6, 16)  # Mon + 5 working days


def test_uphold_records_the_decision_and_starts_the_limit(rect, actors):
    rect = step(rect, "contest", actors, note="该企业未按要求提交材料")
    assert rect.contest_reason == "该企业未按要求提交材料" and rect.due_at is None
    rect = step(rect, "uphold", actors, note="申诉不成立")
    assert rect.decision_note == "申诉不成立"
    assert rect.due_at == add_working_days(T1, services.rectification_days()).due
    assert not Evaluation.objects.get(pk=rect.evaluation_id).voided


def test_overturn_voids_the_rating_and_leaves_the_statistics(rect, actors):
    from yingshang.evaluations.selectors import monthly_stats

    assert monthly_stats(2025)[0]["bad"] == 1
    rect = walk(rect, PATHS[RectStatus.VOIDED], actors)
    assert rect.closed_at == T1 and rect.decision_note == "说明"
    assert Evaluation.objects.get(pk=rect.evaluation_id).voided
    assert monthly_stats(2025) == []


def test_report_callback_and_accept_fill_their_fields(rect, actors):
    rect = walk(rect, ["verify"], actors)
    rect = step(rect, "report", actors, note="已调整施工计划")
    assert rect.measures == "已调整施工计划" and rect.reported_at == T1
    rect = step(rect, "callback", actors, note="电话回访,企业认可")
    assert rect.callback_note == "电话回访,企业认可" and rect.callback_at == T1
    rect = step(rect, "accept", actors, note="满意")
    assert rect.verdict_satisfied is True and rect.verdict_note == "满意"
    assert rect.closed_at == T1


def test_reject_starts_another_round_with_a_new_limit(rect, actors):
    rect = walk(rect, PATHS[RectStatus.AWAITING_VERDICT], actors)
    Rectification.objects.filter(pk=rect.pk).update(overdue_at=T1)
    later = MONDAY + datetime.timedelta(days=7)
    rect = step(rect, "reject", actors, note="仍未接电", now=later)
    assert rect.status == RectStatus.RECTIFYING and rect.rounds == 2
    assert rect.verdict_satisfied is False and rect.overdue_at is None
    assert rect.due_at == add_working_days(later, services.rectification_days()).due
    # Round two runs the same way to the end.
    rect = walk(rect, ["report", "callback", "accept"], actors, now=later)
    assert rect.status == RectStatus.CLOSED and rect.rounds == 2
    assert list(rect.events.values_list("action", flat=True)) == [
        "open",
        "verify",
        "report",
        "callback",
        "reject",
        "report",
        "callback",
        "accept",
    ]


def test_notifications_of_each_step(rect, actors, django_capture_on_commit_callbacks, staff):
    evaluator = rect.evaluation.evaluator
    with django_capture_on_commit_callbacks(execute=True):
        rect = step(rect, "contest", actors, note="不属实")
    # The city's bureau staff hear of the contest.
    assert Notification.objects.filter(recipient=staff["jianduyuan"], title="差评申诉待裁定")
    with django_capture_on_commit_callbacks(execute=True):
        rect = step(rect, "uphold", actors, note="不成立")
    assert Notification.objects.filter(
        recipient=actors["department"], title__startswith="差评整改"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        rect = walk(rect, ["report", "callback"], actors)
    note = Notification.objects.get(recipient=evaluator)
    assert note.title == "您的差评已整改，请确认"
    assert note.link == f"/evaluations/rectifications/{rect.pk}/"


def test_opening_notifies_the_rated_department(actors, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rect = rectification()
    note = Notification.objects.get(recipient=actors["department"])
    assert note.title.startswith("收到差评，请核实整改")
    assert note.link == f"/staff/evaluations/rectifications/{rect.pk}/"
    assert not Notification.objects.filter(recipient=actors["other_department"]).exists()


# ----------------------------------------------------------------------------- pages and API


def test_staff_page_steps_and_shows_errors(rect, actors, login):
    c = login(actors["department"])
    url = f"/staff/evaluations/rectifications/{rect.pk}/"
    r = c.post(url + "step/", {"action": "report", "note": "x"})
    assert r.status_code == 302
    page = c.get(url).content.decode()
    assert "不能执行该操作" in page
    r = c.post(url + "step/", {"action": "verify", "note": "属实"})
    assert Rectification.objects.get(pk=rect.pk).status == RectStatus.RECTIFYING
    assert "整改中" in c.get(url).content.decode()


def test_staff_step_out_of_scope_is_404(rect, actors, login):
    jiangyou = HandlerFactory(department=department("510781", "market"))
    r = login(jiangyou).post(
        f"/staff/evaluations/rectifications/{rect.pk}/step/", {"action": "verify", "note": "x"}
    )
    assert r.status_code == 404
    assert Rectification.objects.get(pk=rect.pk).status == RectStatus.VERIFYING


def test_staff_list_filters_by_status(rect, actors, login):
    c = login(actors["department"])
    assert (
        rect.evaluation.subject_label
        in c.get("/staff/evaluations/rectifications/?status=verifying").content.decode()
    )
    assert (
        rect.evaluation.subject_label
        not in c.get("/staff/evaluations/rectifications/?status=closed").content.decode()
    )


def test_api_step_validates_and_walks(rect, actors, client):
    client.force_login(actors["department"])
    url = f"/api/evaluations/rectifications/{rect.pk}/step/"
    r = client.post(url, {"action": "fly"}, content_type="application/json")
    assert r.status_code == 400 and "action" in r.json()
    r = client.post(
        url,
        {"action": "report", "note": "x"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert r.status_code == 400
    assert "not allowed" in r.json()["errors"]["status"][0]  # "status" is a problem member
    r = client.post(url, {"action": "verify", "note": "属实"}, content_type="application/json")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "rectifying" and body["verification_note"] == "属实"
    assert [e["action"] for e in body["events"]] == ["open", "verify"]


def test_api_evaluator_sees_only_own_rectifications(rect, actors, client):
    client.force_login(rect.evaluation.evaluator)
    assert [r["id"] for r in client.get("/api/evaluations/rectifications/").json()["results"]] == [
        rect.pk
    ]
    client.force_login(UserFactory())
    assert client.get("/api/evaluations/rectifications/").json()["results"] == []
    assert client.get(f"/api/evaluations/rectifications/{rect.pk}/").status_code == 404


def test_verdict_page_for_the_evaluator(rect, actors, client):
    rect = walk(rect, PATHS[RectStatus.AWAITING_VERDICT], actors)
    url = f"/evaluations/rectifications/{rect.pk}/"
    assert client.get(url).status_code == 404  # a stranger
    client.force_login(rect.evaluation.evaluator)
    assert client.get(url).status_code == 200
    r = client.post(url, {"satisfied": "no", "note": "仍未解决"})
    assert r.status_code == 302
    rect.refresh_from_db()
    assert rect.status == RectStatus.RECTIFYING and rect.rounds == 2
    assert rect.verdict_note == "仍未解决"
    r = client.post(url, {"satisfied": "yes"})  # not awaiting a verdict now
    assert "不能执行该操作" in client.get(url).content.decode()


def test_overdue_is_flagged_once_per_round_and_only_while_rectifying(rect, actors):
    late = datetime.timedelta(days=60)
    # 待核实 has no limit yet: never overdue.
    assert services.sweep_overdue_rectifications(now=T1 + late) == 0
    rect = step(rect, "verify", actors)
    assert (
        services.sweep_overdue_rectifications(now=rect.due_at - datetime.timedelta(seconds=1)) == 0
    )
    assert services.sweep_overdue_rectifications(now=T1 + late) == 1
    assert services.sweep_overdue_rectifications(now=T1 + late) == 0
    # Reported and called back: waiting for the verdict is not the department's delay.
    rect = walk(rect, ["report", "callback"], actors, now=T1 + late)
    assert services.sweep_overdue_rectifications(now=T1 + 2 * late) == 0
    # Rejected: a new round with a new limit, which can be overdue again.
    rect = step(rect, "reject", actors, note="仍未解决", now=T1 + late)
    assert rect.overdue_at is None
    assert services.sweep_overdue_rectifications(now=T1 + 3 * late) == 1
    assert list(rect.events.filter(action="overdue").values_list("from_state", flat=True)) == [
        "rectifying",
        "rectifying",
    ]
