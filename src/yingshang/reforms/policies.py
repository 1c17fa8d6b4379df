"""Who may act on reform programmes and tasks — one place for the review machine, the services,
the views and the API."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yingshang.core.policies import (
    BUREAU_FUNCTION,
    is_bureau,
    is_department_bound,
    is_staff,
    writes,
)
from yingshang.platform.policies import Policy, Rule


def user_leads(user, task) -> bool:
    return bool(user.department_id) and task.lead_units.filter(pk=user.department_id).exists()


def user_joins(user, task) -> bool:
    return bool(user.department_id) and task.partner_units.filter(pk=user.department_id).exists()


def _reports(user, task) -> bool:
    """A lead unit reports for its task; the bureau may report on a lead unit's behalf, but only
    for a task in its own division subtree (a county bureau not for a city task)."""
    return user_leads(user, task) or (is_bureau(user) and _programme_in_scope(user, task.programme))


def _contributes(user, task) -> bool:
    return user_joins(user, task) or user_leads(user, task)


def _programme_in_scope(user, programme) -> bool:
    from .models import Programme

    return Programme.objects.visible_to(user).filter(pk=programme.pk).exists()


def can_publish(user, programme) -> bool:
    """Who may switch a programme's (and its tasks') publication: the same people who manage a
    programme — the supervision bureau, supervisors and administrators (``is_bureau``) — and
    only for a programme in their division subtree. City leaders (read-only) may not."""
    return policy.can(user, "publish", programme)


def _reads_task(user, task) -> bool:
    return not is_department_bound(user) or _contributes(user, task)


def _reads_task_q(user) -> Q:
    """The role part of ``Task.objects.visible_to``: department-bound roles (承办人, 部门负责人)
    only the tasks their department leads or joins; other staff their whole subtree."""
    if not is_department_bound(user):
        return Q()
    from .models import Task

    dept = user.department_id
    mine = Task.objects.filter(Q(lead_units=dept) | Q(partner_units=dept)).values("pk")
    return Q(pk__in=mine)


_reads_task.q = _reads_task_q

BUREAU_ONLY = _("只有督查部门（政务服务监督管理局）可以执行此操作。")

policy = Policy(
    "reforms",
    {
        "supervise": Rule(
            who=is_bureau, message=BUREAU_ONLY, label=_("创建、导入任务，审核进度，催办")
        ),
        "read": Rule(
            who=is_staff,
            on=_reads_task,
            message=_("只有工作人员可以查看督查任务。"),
            label=_("查看任务（承办人、部门负责人限本部门牵头或参与的）"),
        ),
        "publish": Rule(
            who=is_bureau,
            on=_programme_in_scope,
            message=_("只有督查部门（政务服务监督管理局）可以公开或取消公开方案和任务。"),
            label=_("公开或取消公开方案和任务（本区划）"),
        ),
        "report": Rule(
            who=writes,
            on=_reports,
            message=_("只有牵头单位可以报送进度。"),
            label=_("牵头单位报送进度"),
        ),
        "contribute": Rule(
            who=writes,
            on=_contributes,
            message=_("只有参与单位可以报送分工进展。"),
            label=_("参与单位报送分工进展"),
        ),
    },
)

can = policy.can
check = policy.check

__all__ = [
    "BUREAU_FUNCTION",
    "can",
    "can_publish",
    "check",
    "is_bureau",
    "policy",
    "user_joins",
    "user_leads",
]
