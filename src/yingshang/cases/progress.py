"""What an applicant sees of a case's progress: five human steps (已提交 → 已受理 → 审查中 →
已办结 → 已送达) derived from the status and the timestamps the transitions write, and one
sentence on what happens next and by when. Pure reads: no query beyond the case's own fields
(the sub-cases of a bundle are passed in by the caller)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Outcome, Status

S = Status

# key, label — in order
STEPS = (
    ("submitted", gettext_lazy("已提交")),
    ("accepted", gettext_lazy("已受理")),
    ("review", gettext_lazy("审查中")),
    ("completed", gettext_lazy("已办结")),
    ("delivered", gettext_lazy("已送达")),
)

# the status → index of the current step (the steps before it are done); None: all done
_CURRENT = {
    S.SUBMITTED: 1,
    S.PRECHECKING: 1,
    S.ACCEPTED: 2,
    S.IN_PROCESS: 2,
    S.SUSPENDED: 2,
    S.COMPLETED: 4,
    S.DELIVERED: None,
    S.REJECTED: 1,
}

DONE, CURRENT, TODO, STOPPED = "done", "current", "todo", "stopped"


@dataclass
class Step:
    key: str
    label: str
    state: str  # done | current | todo | stopped
    at: object = None  # when it was reached (a datetime) or None
    note: str = ""  # what held it (待补正, 挂起, 不予受理, 已撤回)

    @property
    def state_label(self) -> str:
        return {
            DONE: _("已完成"),
            CURRENT: _("当前"),
            TODO: _("未开始"),
            STOPPED: _("已终止"),
        }[self.state]


@dataclass
class Progress:
    steps: list[Step] = field(default_factory=list)
    next_text: str = ""  # what happens next
    due: object = None  # by when (a datetime) or None
    due_provisional: bool = False
    attention: bool = False  # the applicant must act (补正)
    ended: bool = False  # rejected or withdrawn: no further step

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.state == DONE)

    @property
    def percent(self) -> int:
        return round(self.done_count / len(self.steps) * 100) if self.steps else 0


def _reached_at(case, key):
    return {
        "submitted": case.submitted_at,
        "accepted": case.accepted_at,
        "completed": case.completed_at,
        "delivered": case.delivered_at,
    }.get(key)


def _current_index(case):
    """The step the case is at; a case waiting for a supplement or withdrawn is at 审查中 when
    it was accepted, else at 受理."""
    if case.status in _CURRENT:
        return _CURRENT[case.status]
    return 2 if case.accepted_at is not None else 1


NOTES = {
    S.SUPPLEMENT: gettext_lazy("待补正"),
    S.SUSPENDED: gettext_lazy("暂停计时"),
    S.REJECTED: gettext_lazy("不予受理"),
    S.WITHDRAWN: gettext_lazy("已撤回"),
}


def progress_of(case, *, review_started=None) -> Progress:
    """The five steps of ``case``. ``review_started`` (a datetime) dates the 审查中 step when the
    caller knows it from the events."""
    status = case.status
    current = _current_index(case)
    ended = status in (S.REJECTED, S.WITHDRAWN)
    steps = []
    for i, (key, label) in enumerate(STEPS):
        when = review_started if key == "review" else _reached_at(case, key)
        if current is None or i < current:
            state = DONE
        elif i == current:
            state = STOPPED if ended else CURRENT
        else:
            state = TODO
            when = None
        if state == CURRENT and key in ("accepted", "completed", "delivered"):
            when = None  # not reached yet
        note = str(NOTES[status]) if i == current and status in NOTES else ""
        steps.append(Step(key, str(label), state, when, note))
    p = Progress(steps=steps, ended=ended, attention=status == S.SUPPLEMENT)
    _next(case, p)
    return p


def _next(case, p: Progress) -> None:
    status = case.status
    if status in (S.SUBMITTED, S.PRECHECKING):
        p.next_text = _("部门正在审核申请材料，审核后决定是否受理；受理后开始计算办理时限。")
    elif status == S.SUPPLEMENT:
        names = "、".join(m.get("name", "") for m in case.missing_materials or [] if m.get("name"))
        p.next_text = (
            _("请补正以下材料后提交：%(m)s。补正期间暂停计时，提交后继续办理。") % {"m": names}
            if names
            else _("请按补正告知书补正材料后提交。补正期间暂停计时，提交后继续办理。")
        )
    elif status in (S.ACCEPTED, S.IN_PROCESS):
        p.next_text = _("部门正在审查，作出决定后将通知您。")
    elif status == S.SUSPENDED:
        reason = case.get_suspend_reason_display() if case.suspend_reason else ""
        p.next_text = (
            _("因%(r)s暂停计时，结束后继续办理，办结期限相应顺延。") % {"r": reason}
            if reason
            else _("办理暂停计时，结束后继续办理，办结期限相应顺延。")
        )
    elif status == S.COMPLETED:
        p.next_text = (
            _("已办结，准予许可。办理结果将通过邮寄、自取或电子方式送达。")
            if case.outcome == Outcome.APPROVED
            else _("已办结。办理结果将通过邮寄、自取或电子方式送达。")
        )
    elif status == S.DELIVERED:
        p.next_text = _("办理结果已送达，办理完毕。欢迎您对本次服务作出评价。")
    elif status == S.REJECTED:
        p.next_text = _(
            "申请不予受理，理由见下方。如不服本决定，可以依法申请行政复议或者提起行政诉讼。"
        )
    elif status == S.WITHDRAWN:
        p.next_text = _("申请已撤回，不再办理。如需办理请重新申报。")
    if status in (S.ACCEPTED, S.IN_PROCESS):
        p.due = case.due_at
        p.due_provisional = bool(case.due_provisional)
