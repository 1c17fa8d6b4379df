"""The staff API's extension, decision and escalation endpoints with good and bad bodies
(field errors, an extension of another appeal is 404, nothing changed on refusal), the queues
of ``appeals_for`` (default per role, escalated, unknown queue, status and search), and
read-scoping of department staff."""

import pytest

from tests.appeals.factories import AppealFactory
from yingshang.appeals import selectors, services
from yingshang.appeals.models import Appeal, Extension, Status

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def power_handler(depts):
    from yingshang.core.models import User

    return User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )


@pytest.fixture
def dispatched(submit, office, depts):
    appeal = submit()
    return services.dispatch(appeal, office, depts["power"], note="请办理", now=MONDAY)


def _url(appeal, action):
    return f"/api/appeals/{appeal.pk}/{action}/"


def test_extension_request_and_approval_through_the_api(
    dispatched, power_handler, office, login, client
):
    due = dispatched.due_at
    api = login(power_handler)
    r = api.post(
        _url(dispatched, "extension"), {"days": 3, "reason": "需现场勘察"}, "application/json"
    )
    assert r.status_code == 200, r.content
    ext = Extension.objects.get(appeal=dispatched)
    assert ext.days == 3 and ext.reason == "需现场勘察"
    api = login(office)
    r = api.post(
        _url(dispatched, "decide_extension"),
        {"extension": ext.pk, "approve": True, "note": "同意"},
        "application/json",
    )
    assert r.status_code == 200, r.content
    appeal = Appeal.objects.get(pk=dispatched.pk)
    assert appeal.extension_days == 3 and appeal.due_at > due
    assert r.json()["number"] == appeal.number


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "days"),
        ({"days": "three"}, "days"),
        ({"days": 2, "reason": "因" * 5000}, "reason"),
    ],
)
def test_bad_extension_requests_are_field_errors(dispatched, power_handler, login, body, field):
    r = login(power_handler).post(_url(dispatched, "extension"), body, "application/json")
    assert r.status_code == 400
    assert field in r.json()
    assert not Extension.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"approve": True}, "extension"),
        ({"extension": "x", "approve": True}, "extension"),
        ({"extension": 1}, "approve"),
    ],
)
def test_bad_decisions_are_field_errors(dispatched, office, login, body, field):
    r = login(office).post(_url(dispatched, "decide_extension"), body, "application/json")
    assert r.status_code == 400
    assert field in r.json()


def test_deciding_another_appeals_extension_is_404(
    dispatched, submit, office, depts, power_handler, login
):
    services.request_extension(dispatched, power_handler, days=2, reason="勘察", now=MONDAY)
    ext = Extension.objects.get()
    other = services.dispatch(submit(), office, depts["power"], note="", now=MONDAY)
    r = login(office).post(
        _url(other, "decide_extension"), {"extension": ext.pk, "approve": True}, "application/json"
    )
    assert r.status_code == 404
    ext.refresh_from_db()
    assert ext.state == Extension.State.PENDING and ext.decided_by is None
    assert Appeal.objects.get(pk=dispatched.pk).extension_days == 0


def test_escalation_through_the_api(dispatched, office, login):
    r = login(office).post(
        _url(dispatched, "escalate"), {"note": "企业多次反映"}, "application/json"
    )
    assert r.status_code == 200, r.content
    appeal = Appeal.objects.get(pk=dispatched.pk)
    assert appeal.escalated_at is not None
    assert appeal.escalation_reason == "企业多次反映"


def test_a_handler_cannot_escalate(dispatched, power_handler, login):
    r = login(power_handler).post(_url(dispatched, "escalate"), {"note": "x"}, "application/json")
    assert r.status_code in (400, 403)
    assert Appeal.objects.get(pk=dispatched.pk).escalated_at is None


def test_suggestions_list_at_most_three_departments(dispatched, office, login):
    r = login(office).get(_url(dispatched, "suggestions"))
    assert r.status_code == 200
    assert len(r.json()) <= 3
    for row in r.json():
        assert set(row) >= {"department", "name"}


def test_the_office_queue_defaults_to_signing_and_searches(office, mianyang):
    waiting = AppealFactory(title="用电报装", enterprise_name="绵阳甲公司")
    AppealFactory(status=Status.CLOSED, title="已办结")
    AppealFactory(title="用水报装", enterprise_name="绵阳乙公司")
    assert set(selectors.appeals_for(office)) == set(Appeal.objects.filter(status=Status.SUBMITTED))
    assert list(selectors.appeals_for(office, q="用电")) == [waiting]
    assert list(selectors.appeals_for(office, q="乙公司"))[0].title == "用水报装"
    assert list(selectors.appeals_for(office, q=waiting.number[-6:])) == [waiting]
    everything = selectors.appeals_for(office, queue="no-such-queue")
    assert everything.count() == 3  # an unknown queue filters nothing
    closed = selectors.appeals_for(office, queue="no-such-queue", status=Status.CLOSED)
    assert [a.title for a in closed] == ["已办结"]


def test_the_escalated_queue(office, mianyang):
    import datetime

    AppealFactory()
    up = AppealFactory(escalated_at=MONDAY + datetime.timedelta(days=9))
    assert list(selectors.appeals_for(office, queue="escalated")) == [up]


def test_department_staff_read_only_what_was_dispatched_to_them(depts, power_handler, mianyang):
    mine = AppealFactory(lead_department=depts["power"], status=Status.DISPATCHED)
    helping = AppealFactory(lead_department=depts["development"], status=Status.DISPATCHED)
    helping.co_departments.add(depts["power"])
    AppealFactory(lead_department=depts["development"], status=Status.DISPATCHED)
    AppealFactory()  # not dispatched at all
    assert set(selectors.visible_appeals(power_handler)) == {mine, helping}
    assert selectors.open_count(power_handler) == 2
    from yingshang.appeals.policies import policy

    assert policy.can(power_handler, "read", mine)
    assert policy.can(power_handler, "read", helping)
    assert not policy.can(
        power_handler, "read", Appeal.objects.exclude(pk__in=[mine.pk, helping.pk]).first()
    )
