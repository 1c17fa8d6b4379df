"""The appeals workbench cards role by role (which card, its count, earliest due date, tone and
link), the `yingshang appeals sweep` / `train` commands and the periodic sweep job (each audited
under its own channel), and signing through the staff API (office only, scoped first)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from tests.appeals.factories import AppealFactory, ClosedAppealFactory, CommitmentFactory
from yingshang.appeals.models import Appeal, AppealEvent, CommitmentStatus, Status
from yingshang.appeals.workbench import appeal_cards
from yingshang.platform.models import AuditEntry

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


@pytest.fixture
def power_handler(depts):
    from yingshang.core.models import User

    return User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )


def _cards(user) -> dict:
    return {c.key: c for c in appeal_cards(user)}


# --------------------------------------------------------------------------- workbench cards

CARDS_BY_ACCOUNT = {
    "admin": {"appeals.sign", "appeals.escalated"},
    "jianduyuan": {"appeals.sign", "appeals.escalated"},  # the office, and a supervisor
    "shilingdao": {"appeals.escalated"},
    "chuangkou": set(),  # a window clerk enters appeals but has no appeal queue
    "chengban": {"appeals.open"},
    "kezhang": {"appeals.open"},
}


@pytest.mark.parametrize("account", sorted(CARDS_BY_ACCOUNT))
def test_each_role_gets_its_cards(staff, account):
    assert set(_cards(staff[account])) == CARDS_BY_ACCOUNT[account]


def test_portal_users_get_no_appeal_card(portal_user):
    assert appeal_cards(portal_user) == []


def test_the_sign_card_counts_unsigned_work_and_names_the_earliest_due(office, mianyang):
    first = AppealFactory(sign_due=MONDAY + 3 * H)
    AppealFactory(sign_due=MONDAY + 30 * H)
    AppealFactory(status=Status.SIGNED, sign_due=MONDAY + 50 * H)
    ClosedAppealFactory(sign_due=MONDAY - 50 * H)  # finished: not counted, not the earliest
    card = _cards(office)["appeals.sign"]
    assert card.count == 3
    assert card.due == first.sign_due
    assert card.url == "/staff/appeals/?queue=sign"
    assert card.tone == ""


def test_an_empty_escalation_card_has_no_due_date_or_tone(staff, mianyang):
    AppealFactory()  # submitted, not escalated
    card = _cards(staff["shilingdao"])["appeals.escalated"]
    assert (card.count, card.due, card.tone) == (0, None, "")


def test_the_escalation_card_counts_only_escalated_ones_in_danger(staff, depts, mianyang):
    power = depts["power"]
    escalated = AppealFactory(
        status=Status.ESCALATED,
        escalated_at=MONDAY,
        lead_department=power,
        division=power.division,
        due_at=MONDAY + 20 * H,
    )
    # escalated once, replied since: on the leadership list, but not in state 督办
    AppealFactory(status=Status.REPLIED, escalated_at=MONDAY, due_at=MONDAY - 20 * H)
    card = _cards(staff["shilingdao"])["appeals.escalated"]
    assert card.count == 1
    assert card.due == escalated.due_at
    assert card.tone == "danger"
    assert card.url == "/staff/appeals/?queue=escalated&status=escalated"


def test_a_department_card_counts_only_its_own_dispatched_work(power_handler, depts, mianyang):
    power, water = depts["power"], depts["water"]

    def dispatched(dept, due):
        return AppealFactory(
            status=Status.DISPATCHED, lead_department=dept, division=dept.division, due_at=due
        )

    dispatched(power, MONDAY + 40 * H)
    soonest = dispatched(power, MONDAY + 5 * H)
    dispatched(water, MONDAY + 1 * H)  # another department's, sooner: not counted
    card = _cards(power_handler)["appeals.open"]
    assert card.count == 2
    assert card.due == soonest.due_at
    assert card.url == "/staff/appeals/?queue=open"


# --------------------------------------------------------------------------- commands and job


def _late_work(depts):
    appeal = AppealFactory(sign_due=MONDAY - H)
    commitment = CommitmentFactory(
        owner_department=depts["power"], deadline=datetime.date(2025, 6, 1)
    )
    return appeal, commitment


def _audit_channels(appeal) -> set[str]:
    rows = AuditEntry.objects.filter(object_type="appeals.Appeal", object_id=str(appeal.pk))
    return set(rows.exclude(action="create").values_list("channel", flat=True))


def test_the_sweep_command_escalates_reports_and_is_audited_as_a_command(depts):
    appeal, commitment = _late_work(depts)
    out = io.StringIO()
    call_command("appeals", "sweep", stdout=out)
    assert out.getvalue().strip() == "escalated 1, commitments overdue 1"
    appeal.refresh_from_db()
    commitment.refresh_from_db()
    assert appeal.status == Status.ESCALATED and appeal.escalation_reason == "逾期未签收"
    assert commitment.status == CommitmentStatus.OVERDUE
    assert _audit_channels(appeal) == {"command"}
    out = io.StringIO()
    call_command("appeals", "sweep", stdout=out)  # nothing late any more
    assert out.getvalue().strip() == "escalated 0, commitments overdue 0"


def test_the_periodic_job_runs_the_sweep_audited_as_a_job(depts):
    from yingshang.appeals.jobs import deadline_sweep

    appeal, _commitment = _late_work(depts)
    assert deadline_sweep.call() == {"escalated": 1, "commitments_overdue": 1}
    assert _audit_channels(appeal) == {"job"}
    assert AppealEvent.objects.get(appeal=appeal, action="escalate").actor_name == "system"


def test_train_without_enough_history_fails_with_the_reason_and_stores_nothing(mianyang):
    from yingshang.appeals.models import DispatchModel

    ClosedAppealFactory.create_batch(3, tokens="用电 报装 接电")
    with pytest.raises(CommandError, match="历史交办记录不足"):
        call_command("appeals", "train", stdout=io.StringIO())
    assert not DispatchModel.objects.exists()


# --------------------------------------------------------------------------- sign via the API


def _sign(client, appeal, body=None, **headers):
    return client.post(
        f"/api/appeals/{appeal.pk}/sign/", body or {"note": "已签收"}, "application/json", **headers
    )


def test_the_office_signs_through_the_api(submit, office, login):
    appeal = submit()
    r = _sign(login(office), appeal)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.SIGNED
    event = AppealEvent.objects.get(appeal=appeal, action="sign")
    assert (event.from_state, event.to_state, event.note) == (
        Status.SUBMITTED,
        Status.SIGNED,
        "已签收",
    )
    assert event.actor == office
    # signing twice is not an edge of the table: refused, the current status named
    again = _sign(login(office), appeal)
    assert again.status_code == 400
    assert "已签收" in again.content.decode()
    assert AppealEvent.objects.filter(appeal=appeal, action="sign").count() == 1


@pytest.mark.parametrize(
    "language,words", [("zh-hans", "企业服务科"), ("en", "enterprise service office")]
)
def test_staff_outside_the_office_cannot_sign(submit, staff, login, language, words):
    """A window clerk sees the appeal but may not sign it: a field error naming who may."""
    appeal = submit()
    r = _sign(login(staff["chuangkou"]), appeal, HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 400
    assert words.lower() in " ".join(r.json()["user"]).lower()
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


def test_signing_an_appeal_out_of_scope_is_404_whatever_the_body(submit, power_handler, login):
    appeal = submit()  # not dispatched: the power company cannot even see it
    for body in ({"note": "x"}, {"note": ["not", "a", "string"]}):
        assert _sign(login(power_handler), appeal, body).status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


def test_a_note_over_its_limit_is_a_field_error(submit, office, login):
    appeal = submit()
    r = _sign(login(office), appeal, {"note": "注" * 5001})
    assert r.status_code == 400
    assert "note" in r.json()
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED
