"""Who may act on reform programmes and tasks — one place for the review machine, the services,
the views and the API."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.models import Role
from yingshang.core.policies import has_role, writes
from yingshang.platform.policies import Policy, Rule

BUREAU_FUNCTION = "gov_service"  # 市政务服务监督管理局

_supervisor_or_admin = has_role(Role.SUPERVISOR, Role.ADMIN)


def is_bureau(user) -> bool:
    """The supervision bureau (市政务服务监督管理局), supervisors and administrators review,
    import and send reminders."""
    if not (user and user.is_authenticated and writes(user)):
        return False
    if _supervisor_or_admin(user):
        return True
    return bool(user.department_id and user.department.function_key == BUREAU_FUNCTION)


def user_leads(user, task) -> bool:
    return bool(user.department_id) and task.lead_units.filter(pk=user.department_id).exists()


def user_joins(user, task) -> bool:
    return bool(user.department_id) and task.partner_units.filter(pk=user.department_id).exists()


def _reports(user, task) -> bool:
    return user_leads(user, task) or is_bureau(user)


def _contributes(user, task) -> bool:
    return user_joins(user, task) or user_leads(user, task)


BUREAU_ONLY = _("只有督查部门(政务服务监督管理局)可以执行此操作。")

policy = Policy(
    "reforms",
    {
        "supervise": Rule(
            who=is_bureau, message=BUREAU_ONLY, label=_("创建、导入任务,审核进度,催办")
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
