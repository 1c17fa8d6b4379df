"""Separation of duties (#13 item 1): every demo role × every staff action × every case state.

The window (综合窗口) takes in (预审, 受理, 不予受理, 补正 before 受理) and hands over (送达); the
competent department's handler and head decide (开始审查 … 办结); for an item that needs it the
handler's 审核 goes to the head's 审批. Supervisors, city leaders and system administrators
change no case; the demo's superuser may do the window's steps but decides nothing (deciding is
the post of the competent department's handler and head, not a right of the superuser). An allowed step succeeds and writes exactly one event; a forbidden one is 403
(role) or 404 (outside the scope) and changes nothing.

The expectation table below is written out by hand (not derived from the policy) so that a
change to the policy shows up here as a failing cell."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from yingshang.cases import workflow
from yingshang.cases.machines import APPLICANT, CaseMachine
from yingshang.cases.models import Case, CaseEvent, Outcome, Status, Step

S = Status
WINDOW = {"chuangkou"}  # the city hall's clerk
DEPARTMENT = {"chengban", "kezhang"}  # the city market bureau's handler and head
HEAD = {"kezhang"}
WORKERS = WINDOW | DEPARTMENT
# read the city market bureau's cases, change none of them: 403 (a system administrator
# without superuser rights administers, he does not work cases)
READ_ONLY = {"jianduyuan", "shilingdao", "sysadmin"}
# the demo's superuser: the window's steps (he sees every hall), never a decision
SUPERUSER = {"admin"}
# outside the scope (江油, 涪城): 404
OUTSIDE = {"jiangyou_chuangkou", "jiangyou_chengban", "fucheng_chengban", "fucheng_jiandu"}
EVERYONE = WORKERS | READ_ONLY | OUTSIDE | SUPERUSER

ALLOWED = {
    "precheck": WORKERS,
    "accept": WORKERS,
    "reject": WORKERS,
    "deliver": WORKERS,
    "resubmit": WORKERS,  # at the window on the applicant's behalf
    "withdraw": WORKERS,
    "start": DEPARTMENT,
    "review": DEPARTMENT,
    "suspend": DEPARTMENT,
    "resume": DEPARTMENT,
    "complete": DEPARTMENT,
    "submit_approval": DEPARTMENT,
    "approve": HEAD,
    "return_for_review": HEAD,
}


# the window's steps (intake and hand-over), open to the superuser; the rest decide
WINDOW_STEPS = {"precheck", "accept", "reject", "deliver", "resubmit", "withdraw"}


def allowed_for(action, state) -> set[str]:
    if action == "request_supplement":
        if state in (S.SUBMITTED, S.PRECHECKING):
            return SUPERUSER | WORKERS
        return DEPARTMENT
    return ALLOWED[action] | (SUPERUSER if action in WINDOW_STEPS else set())


DATA = {
    "reject": {"reason": "申请事项不属于本部门职权范围。"},
    "request_supplement": {"missing": ["住所使用证明"]},
    "suspend": {"suspend_reason": "hearing", "reason": "依法需要听证"},
    # denied: one event (an approval would add the licence's issue event)
    "complete": {"outcome": Outcome.DENIED, "reason": "经审查，申请不符合法定条件。"},
    "submit_approval": {"outcome": Outcome.DENIED, "reason": "经审查，申请不符合法定条件。"},
    "approve": {"reason": "同意承办人审核意见。"},
    "return_for_review": {"reason": "请补充现场勘验。"},
    "deliver": {"method": "delivery"},
}
APPROVAL_ACTIONS = {"submit_approval", "approve", "return_for_review"}


@pytest.fixture
def staff(staff):
    from tests.core.factories import AdminFactory

    return {**staff, "sysadmin": AdminFactory(username="sysadmin")}


@pytest.fixture
def cases(submitted, catalog, staff):
    """The online case for 企业设立登记 (city market bureau) and a twin on an item that needs
    the head's 审批."""
    from tests.cases.factories import approval_item

    twin_item = approval_item(catalog)
    twin = Case.objects.get(pk=submitted.pk)
    twin.pk = None
    twin.number = submitted.number[:-1] + "9"
    twin.item, twin.version, twin.title = twin_item, twin_item.current_version, twin_item.name
    twin.save()
    return {"plain": submitted, "approval": twin}


def _put(case, state, reviewer):
    Case.objects.filter(pk=case.pk).update(
        status=state,
        step=Step.REVIEW if state == S.IN_PROCESS else "",
        resume_status=S.ACCEPTED if state in (S.SUPPLEMENT, S.SUSPENDED) else "",
        proposed_outcome=Outcome.DENIED if state == S.PENDING_APPROVAL else "",
    )
    if state == S.PENDING_APPROVAL:  # reviewed by the handler
        CaseMachine.record(
            case, "submit_approval", S.IN_PROCESS, state, actor=reviewer, note="审核:不予"
        )
    return Case.objects.get(pk=case.pk)


SNAPSHOT = ("status", "step", "outcome", "proposed_outcome", "lock_version", "reason", "updated_at")


def _snapshot(case):
    return Case.objects.filter(pk=case.pk).values(*SNAPSHOT).get()


class _Undo(Exception):
    pass


def test_every_role_action_and_state(cases, staff):
    users = {name: staff[name] for name in EVERYONE}
    walked = {"allowed": 0, "403": 0, "404": 0}
    for edge in CaseMachine.edges:
        base = cases["approval" if edge.action in APPROVAL_ACTIONS else "plain"]
        for state in sorted(edge.sources):
            for name, user in sorted(users.items()):
                expected = name in allowed_for(edge.action, state)
                try:
                    with transaction.atomic():
                        case = _put(base, state, staff["chengban"])
                        before, events = _snapshot(case), case.events.count()
                        try:
                            result = workflow.transition(
                                case, edge.action, user, "window", **DATA.get(edge.action, {})
                            )
                        except PermissionDenied:
                            assert not expected, (name, state, edge.action)
                            assert name not in OUTSIDE, (name, state, edge.action, "403")
                            walked["403"] += 1
                        except Http404:
                            assert not expected, (name, state, edge.action)
                            assert name in OUTSIDE, (name, state, edge.action, "404")
                            walked["404"] += 1
                        else:
                            assert expected, (name, state, edge.action, "was allowed")
                            assert result.status != state or edge.action == "review"
                            added = list(case.events.order_by("id")[events:])
                            assert [e.action for e in added] == [edge.action], (name, edge.action)
                            assert added[0].actor == user
                            walked["allowed"] += 1
                            raise _Undo
                        assert _snapshot(case) == before
                        assert case.events.count() == events
                        raise _Undo
                except _Undo:
                    pass
    pairs = sum(len(e.sources) for e in CaseMachine.edges)
    assert sum(walked.values()) == pairs * len(EVERYONE)
    assert walked["404"] == pairs * len(OUTSIDE)
    assert walked["allowed"] > 0 and walked["403"] > 0


def test_the_page_offers_exactly_the_allowed_actions(cases, staff, client):
    """Read-only roles see no action they cannot take; every role sees exactly its cells."""
    for state in (S.SUBMITTED, S.ACCEPTED, S.IN_PROCESS, S.SUSPENDED, S.PENDING_APPROVAL):
        for key in ("plain", "approval"):
            case = _put(cases[key], state, staff["chengban"])
            for name in WORKERS | READ_ONLY | SUPERUSER:
                client.force_login(staff[name])
                page = client.get(f"/staff/cases/{case.number}/").content.decode()
                shown = {
                    e.action for e in CaseMachine.edges if f'data-testid="do-{e.action}"' in page
                }
                expected = {
                    a
                    for a in workflow.allowed_actions(case, by="staff")
                    if name in allowed_for(a, state)
                }
                assert shown == expected, (name, state, key)
                if name in READ_ONLY:
                    assert not shown and "记录到现场" not in page


def test_forbidden_posts_are_403_and_change_nothing(cases, staff, client):
    case = _put(cases["plain"], S.ACCEPTED, staff["chengban"])
    before = _snapshot(case)
    for name in READ_ONLY | SUPERUSER | {"chuangkou"}:
        client.force_login(staff[name])
        r = client.post(
            f"/staff/cases/{case.number}/action/",
            {"action": "complete", "outcome": "approved", "reason": "同意", "confirm": "1"},
        )
        assert r.status_code == 403, name
        r = client.post(
            f"/api/cases/{case.number}/complete/",
            {"outcome": "approved", "reason": "同意", "confirm": True},
            content_type="application/json",
        )
        assert r.status_code == 403, name
    for name in READ_ONLY:
        client.force_login(staff[name])
        r = client.post(f"/staff/cases/{case.number}/visit/", {"kind": "submission"})
        assert r.status_code == 403, name
    for name in OUTSIDE:
        client.force_login(staff[name])
        r = client.post(
            f"/staff/cases/{case.number}/action/",
            {"action": "complete", "outcome": "approved", "reason": "同意", "confirm": "1"},
        )
        assert r.status_code == 404, name
    assert _snapshot(case) == before
    assert not case.events.filter(action="complete").exists()


# --------------------------------------------------------------------------- opinion + confirm


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_decisions_need_an_opinion_and_a_confirmation(cases, staff, client, lang):
    case = _put(cases["plain"], S.ACCEPTED, staff["chengban"])
    client.force_login(staff["chengban"])
    r = client.post(
        f"/api/cases/{case.number}/complete/",
        {"outcome": "approved"},
        content_type="application/json",
        headers={"accept-language": lang},
    )
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert set(errors) == {"reason", "confirm"}, errors
    text = str(errors)
    if lang == "en":
        assert "Please" in text and "请" not in text, errors
    else:
        assert errors["reason"] == ["请填写意见。"] and errors["confirm"] == [
            "请勾选确认后再提交。"
        ]
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED
    r = client.post(
        f"/api/cases/{case.number}/complete/",
        {"outcome": "approved", "note": "符合法定条件", "confirm": True},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    done = Case.objects.get(pk=case.pk)
    assert done.status == S.COMPLETED
    event = done.events.get(action="complete")
    assert event.note == "符合法定条件" and event.data["confirmed"] is True


def test_the_form_shows_the_errors_beside_the_fields(cases, staff, client):
    case = _put(cases["plain"], S.SUBMITTED, staff["chengban"])
    client.force_login(staff["chuangkou"])
    url = f"/staff/cases/{case.number}/action/"
    page = client.post(url, {"action": "reject", "reason": ""}, follow=True).content.decode()
    assert 'data-field="reason"' in page and 'data-field="confirm"' in page
    assert Case.objects.get(pk=case.pk).status == S.SUBMITTED
    client.post(url, {"action": "reject", "reason": "不属于本部门", "confirm": "1"})
    assert Case.objects.get(pk=case.pk).status == S.REJECTED


# --------------------------------------------------------------------------- 审核 → 审批


def test_two_step_review_and_approval(cases, staff, catalog):
    case = cases["approval"]
    handler, head = staff["chengban"], staff["kezhang"]
    case = workflow.transition(case, "accept", staff["chuangkou"], "window")
    with pytest.raises(ValidationError) as exc:  # no direct 办结 on this item
        workflow.transition(case, "complete", handler, outcome="approved", reason="x")
    assert "action" in exc.value.message_dict
    assert "complete" not in workflow.available(case, handler)
    assert "submit_approval" in workflow.available(case, handler)
    case = workflow.transition(
        case, "submit_approval", handler, outcome="approved", reason="符合条件,拟准予"
    )
    assert case.status == S.PENDING_APPROVAL and case.proposed_outcome == Outcome.APPROVED
    assert workflow.available(case, handler) == []  # the handler waits for the head
    case = workflow.transition(case, "return_for_review", head, reason="请补充现场勘验")
    assert case.status == S.IN_PROCESS and case.step == Step.REVIEW
    case = workflow.transition(case, "review", handler)
    case = workflow.transition(
        case, "submit_approval", handler, outcome="denied", reason="现场勘验不符合要求。"
    )
    case = workflow.transition(case, "approve", head, reason="同意承办人审核意见。")
    assert case.status == S.COMPLETED and case.outcome == Outcome.DENIED
    assert case.reason == "现场勘验不符合要求。"  # the applicant reads the reviewer's reasoning
    actions = list(case.events.values_list("action", "actor__username"))
    assert actions[-5:] == [
        ("submit_approval", "chengban"),
        ("return_for_review", "kezhang"),
        ("review", "chengban"),
        ("submit_approval", "chengban"),
        ("approve", "kezhang"),
    ]


def test_the_head_does_not_approve_his_own_review(cases, staff):
    head = staff["kezhang"]
    case = workflow.transition(cases["approval"], "accept", head)
    case = workflow.transition(case, "submit_approval", head, outcome="approved", reason="拟准予")
    assert "approve" not in workflow.available(case, head)
    with pytest.raises(ValidationError) as exc:
        workflow.transition(case, "approve", head, reason="同意")
    assert exc.value.message_dict == {"action": ["审核人不能审批自己审核的办件。"]}
    assert Case.objects.get(pk=case.pk).status == S.PENDING_APPROVAL


def test_an_item_without_approval_has_no_approval_step(cases, staff):
    case = workflow.transition(cases["plain"], "accept", staff["chuangkou"], "window")
    with pytest.raises(ValidationError) as exc:
        workflow.transition(
            case, "submit_approval", staff["chengban"], outcome="approved", note="x"
        )
    assert "action" in exc.value.message_dict


def test_an_applicant_cannot_take_staff_steps(cases, portal_users):
    case = cases["plain"]
    for action in ("accept", "complete", "approve"):
        with pytest.raises(ValidationError) as exc:
            workflow.transition(case, action, portal_users["qiye"])
        assert "action" in exc.value.message_dict
    assert CaseMachine.table["withdraw"].permission == APPLICANT


def test_notice_links_only_for_notices_that_exist(cases, staff, client):
    case = cases["plain"]
    client.force_login(staff["chuangkou"])
    page = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert "/notice/" not in page
    workflow.transition(case, "accept", staff["chuangkou"], "window")
    page = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert f"/staff/cases/{case.number}/notice/acceptance.pdf" in page
    assert "rejection.pdf" not in page and "supplement.pdf" not in page
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_the_superuser_decides_nothing(cases, staff, client):
    """Separation of duties: the demo's superuser (no post in the competent department) sees
    no decision button, and a decision he posts — page or API — is refused in words."""
    admin = staff["admin"]
    assert admin.is_superuser and admin.role not in ("handler", "dept_head")
    case = _put(cases["plain"], S.ACCEPTED, staff["chengban"])
    client.force_login(admin)
    page = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert case.number in page  # he reads it
    for action in ("start", "complete", "suspend"):
        assert f'data-testid="do-{action}"' not in page, action
    with pytest.raises(PermissionDenied) as exc:
        workflow.transition(case, "complete", admin, outcome="approved", reason="同意")
    assert "只有办理部门的承办人或负责人可以作出办理决定" in str(exc.value)
    r = client.post(
        f"/api/cases/{case.number}/complete/",
        {"outcome": "approved", "note": "同意", "confirm": True},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert "只有办理部门的承办人或负责人可以作出办理决定" in r.content.decode()
    approval = _put(cases["approval"], S.PENDING_APPROVAL, staff["chengban"])
    page = client.get(f"/staff/cases/{approval.number}/").content.decode()
    assert 'data-testid="do-approve"' not in page
    r = client.post(
        f"/staff/cases/{approval.number}/action/",
        {"action": "approve", "reason": "同意", "confirm": "1"},
    )
    assert r.status_code == 403
    assert "只有办理部门的负责人可以审批" in r.content.decode()
    assert Case.objects.get(pk=approval.pk).status == S.PENDING_APPROVAL
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED
