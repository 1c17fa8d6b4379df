"""一件事一次办: the one status an applicant sees for a bundle, derived from its sub-cases
(``workflow.derive_parent_status``, pure — table and properties), and what the roll-up writes
when the applicant withdraws the whole bundle from the portal or every part is delivered; the
status messages the applicant gets (``workflow.notify_status``)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.cases.conftest import make_ric, upload
from yingshang.cases import services, workflow
from yingshang.cases.models import FINISHED_STATUSES, OPEN_STATUSES, Case, Status

S = Status


class _Part:
    """A sub-case as derive_parent_status reads it (only its status)."""

    def __init__(self, status):
        self.status = status


def _derive(*statuses):
    return workflow.derive_parent_status([_Part(s) for s in statuses])


@pytest.mark.parametrize(
    ("parts", "parent"),
    [
        ((), S.SUBMITTED),
        ((S.SUBMITTED, S.SUBMITTED), S.SUBMITTED),
        ((S.SUBMITTED, S.PRECHECKING), S.PRECHECKING),
        ((S.PRECHECKING, S.ACCEPTED), S.IN_PROCESS),
        ((S.SUBMITTED, S.PENDING_APPROVAL), S.IN_PROCESS),
        ((S.SUBMITTED, S.SUSPENDED), S.IN_PROCESS),
        # one part finished, another still at the window: the bundle is under way
        ((S.SUBMITTED, S.COMPLETED), S.IN_PROCESS),
        ((S.PRECHECKING, S.WITHDRAWN), S.IN_PROCESS),
        # a supplement on any part is what the applicant must act on
        ((S.COMPLETED, S.SUPPLEMENT, S.IN_PROCESS), S.SUPPLEMENT),
        ((S.WITHDRAWN, S.WITHDRAWN), S.WITHDRAWN),
        ((S.REJECTED, S.WITHDRAWN), S.REJECTED),
        ((S.REJECTED, S.REJECTED), S.REJECTED),
        ((S.DELIVERED, S.REJECTED), S.DELIVERED),
        ((S.DELIVERED, S.WITHDRAWN, S.DELIVERED), S.DELIVERED),
        ((S.COMPLETED, S.DELIVERED), S.COMPLETED),
        ((S.COMPLETED, S.WITHDRAWN), S.COMPLETED),
    ],
)
def test_the_bundle_status_from_its_parts(parts, parent):
    assert _derive(*parts) == parent


STATUSES = st.sampled_from(list(S))
PARTS = st.lists(STATUSES, min_size=1, max_size=6)


@given(PARTS, st.randoms(use_true_random=False))
def test_the_order_of_the_parts_does_not_matter(parts, rnd):
    shuffled = list(parts)
    rnd.shuffle(shuffled)
    assert _derive(*parts) == _derive(*shuffled)


@given(PARTS)
def test_the_bundle_is_finished_exactly_when_every_part_is(parts):
    parent = _derive(*parts)
    assert parent in S.values
    finished = all(p in FINISHED_STATUSES for p in parts)
    assert (parent in FINISHED_STATUSES) is finished
    if not finished:
        assert parent in OPEN_STATUSES


@given(PARTS)
def test_adding_a_supplement_always_shows_the_supplement(parts):
    assert _derive(*parts, S.SUPPLEMENT) == S.SUPPLEMENT


@given(PARTS)
def test_a_bundle_is_withdrawn_only_when_every_part_is(parts):
    assert (_derive(*parts) == S.WITHDRAWN) is all(p == S.WITHDRAWN for p in parts)


# --------------------------------------------------------------------------- on a real bundle


def _handler_for(case):
    from yingshang.core.models import User

    return User.objects.get_or_create(
        username=f"rollup_{case.department_id}",
        defaults={
            "role": "handler",
            "division": case.department.division,
            "department": case.department,
        },
    )[0]


@pytest.fixture
def bundle_case(catalog, enterprise_applicant, portal_users):
    slots = services.material_slots(
        [bi.item.current_version for bi in catalog["bundle"].bundle_items.all()]
    )
    return services.submit_bundle(
        bundle=catalog["bundle"],
        applicant=enterprise_applicant,
        user=portal_users["qiye"],
        files={s.key: upload() for s in slots},
    )


ANDROID_WECHAT = "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.48 Mobile"


def test_withdrawing_the_bundle_from_the_portal_withdraws_the_open_parts(
    bundle_case, portal_users, client
):
    parts = list(bundle_case.children.order_by("id"))
    first, second, third = parts
    handler = _handler_for(first)
    workflow.transition(first, "accept", handler)
    workflow.transition(first, "complete", handler, outcome="approved")
    workflow.transition(second, "accept", _handler_for(second))

    client.force_login(portal_users["qiye"])
    response = client.post(
        reverse("cases:my-case-action", args=[bundle_case.number]),
        {"action": "withdraw"},
        HTTP_USER_AGENT=ANDROID_WECHAT,
    )
    assert response.status_code == 302
    statuses = {c.pk: c.status for c in Case.objects.filter(parent=bundle_case)}
    assert statuses == {first.pk: S.COMPLETED, second.pk: S.WITHDRAWN, third.pk: S.WITHDRAWN}
    bundle_case.refresh_from_db()
    # one part was granted: the bundle is 办结 with that outcome, not 撤回
    assert bundle_case.status == S.COMPLETED
    assert bundle_case.outcome == "approved"
    assert bundle_case.completed_at is not None
    # sent from WeChat's browser: the withdrawals say so
    channels = set(
        Case.objects.get(pk=second.pk)
        .events.filter(action="withdraw")
        .values_list("channel", flat=True)
    )
    assert channels == {"wechat"}
    roll = bundle_case.events.filter(action="roll_up").order_by("-at", "-pk").first()
    assert roll.to_state == S.COMPLETED
    assert roll.data["children"] == {c.number: statuses[c.pk] for c in parts}


def test_withdrawing_a_finished_bundle_is_refused_beside_the_form(
    bundle_case, portal_users, client
):
    for part in bundle_case.children.all():
        workflow.transition(part, "withdraw", portal_users["qiye"])
    bundle_case.refresh_from_db()
    assert bundle_case.status == S.WITHDRAWN
    client.force_login(portal_users["qiye"])
    url = reverse("cases:my-case-action", args=[bundle_case.number])
    events = bundle_case.events.count()
    client.post(url, {"action": "withdraw"})
    page = client.get(reverse("cases:my-case", args=[bundle_case.number])).content.decode()
    # nothing was open: nothing changes, and no withdrawal is offered any more
    assert bundle_case.events.count() == events
    assert 'value="withdraw"' not in page


def test_an_unknown_applicant_action_changes_nothing(submitted, portal_users, client):
    client.force_login(portal_users["qiye"])
    before = submitted.events.count()
    client.post(reverse("cases:my-case-action", args=[submitted.number]), {"action": "accept"})
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and submitted.events.count() == before


def test_another_account_cannot_act_on_the_case(submitted, portal_users, client):
    client.force_login(portal_users["shimin"])
    url = reverse("cases:my-case-action", args=[submitted.number])
    assert client.post(url, {"action": "withdraw"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_a_delivered_bundle_records_when_it_was_delivered(bundle_case):
    for part in bundle_case.children.order_by("id"):
        handler = _handler_for(part)
        workflow.transition(part, "accept", handler)
        workflow.transition(part, "complete", handler, outcome="approved")
        workflow.transition(part, "deliver", handler, method="electronic")
    bundle_case.refresh_from_db()
    assert bundle_case.status == S.DELIVERED
    assert bundle_case.delivered_at is not None
    assert bundle_case.final_sla_state == "on_time"


def test_one_denied_part_makes_the_bundles_outcome_denied(bundle_case):
    parts = list(bundle_case.children.order_by("id"))
    for n, part in enumerate(parts):
        handler = _handler_for(part)
        workflow.transition(part, "accept", handler)
        if n == 0:
            workflow.transition(part, "complete", handler, outcome="denied", reason="材料不实")
        else:
            workflow.transition(part, "complete", handler, outcome="approved")
    bundle_case.refresh_from_db()
    assert bundle_case.status == S.COMPLETED and bundle_case.outcome == "denied"


# --------------------------------------------------------------------------- messages


def _messages(user):
    from yingshang.notifications.models import Notification

    return Notification.objects.filter(recipient=user, category="case").order_by("pk")


def test_the_supplement_message_names_the_missing_materials(
    submitted, staff, portal_users, django_capture_on_commit_callbacks
):
    slot = services.material_slots([submitted.version])[0]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            submitted,
            "request_supplement",
            staff["chuangkou"],
            missing=[{"key": slot.key, "name": slot.name}, {"name": "法定代表人签字页"}],
        )
    message = _messages(portal_users["qiye"]).last()
    assert message.title == f"办件 {submitted.number}:待补正"
    assert message.body.endswith(f"需补正材料：{slot.name}、法定代表人签字页")
    assert message.link == reverse("cases:my-case", args=[submitted.number])
    assert message.data["status"] == S.SUPPLEMENT


def test_the_rejection_message_gives_the_reason(
    submitted, staff, portal_users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(submitted, "reject", staff["chuangkou"], reason="不属于本事项受理范围")
    message = _messages(portal_users["qiye"]).last()
    assert message.body.endswith("理由：不属于本事项受理范围")
    assert message.data["status_label"] == "不予受理"


def test_a_case_without_an_account_sends_no_message(
    catalog, staff, django_capture_on_commit_callbacks
):
    from yingshang.cases.services import resolve_applicant, submit_case
    from yingshang.notifications.models import Notification

    applicant = resolve_applicant(
        kind="person", code=make_ric("51070319850101002"), name="李四", phone="13900001111"
    )
    case = submit_case(
        item=catalog["immediate"],
        applicant=applicant,
        channel="window",
        actor=staff["chuangkou"],
        files={
            s.key: upload() for s in services.material_slots([catalog["immediate"].current_version])
        },
    )
    assert case.user_id is None
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(case, "reject", staff["chuangkou"], reason="材料不全")
    workflow.notify_status(case.pk)  # called directly too: no account, nothing to send
    assert Notification.objects.count() == before


def test_a_part_and_its_roll_up_reach_the_applicant_once(
    bundle_case, portal_users, django_capture_on_commit_callbacks
):
    """The last part withdrawn withdraws the bundle: the part's change and the bundle's
    roll-up are one event (one transaction, same status), so the applicant reads one message; a
    part whose roll-up changes the bundle to another status is two."""
    first, *others = list(bundle_case.children.order_by("id"))
    later = timezone.now() + datetime.timedelta(minutes=2)  # another minute than the first's
    before = _messages(portal_users["qiye"]).count()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(first, "withdraw", portal_users["qiye"])
    titles = [m.title for m in _messages(portal_users["qiye"])[before:]]
    assert titles == [f"办件 {first.number}:已撤回", f"办件 {bundle_case.number}:办理中"]

    for part in others[:-1]:
        workflow.transition(part, "withdraw", portal_users["qiye"], at=later)
    before = _messages(portal_users["qiye"]).count()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(others[-1], "withdraw", portal_users["qiye"], at=later)
    new = list(_messages(portal_users["qiye"])[before:])
    assert len(new) == 1
    assert new[0].link == reverse("cases:my-case", args=[bundle_case.number])
    assert new[0].data["status"] == S.WITHDRAWN


def test_two_parts_changed_in_the_same_minute_are_two_messages(
    bundle_case, portal_users, django_capture_on_commit_callbacks
):
    """Two parts withdrawn one after the other at the same instant are two events: each reaches
    the applicant (the key names the event, not the minute)."""
    first, second, *rest = list(bundle_case.children.order_by("id"))
    assert rest, "the bundle needs a third part so that two withdrawals leave it open"
    at = timezone.now()
    before = _messages(portal_users["qiye"]).count()
    for part in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.transition(part, "withdraw", portal_users["qiye"], at=at)
    titles = [m.title for m in _messages(portal_users["qiye"])[before:]]
    assert f"办件 {first.number}:已撤回" in titles
    assert f"办件 {second.number}:已撤回" in titles
