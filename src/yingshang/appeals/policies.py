"""Who may act on appeals (诉求) and Q&A commitments (承诺事项) — one place for the appeal and
commitment machines, the views and the API."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yingshang.core.models import Role
from yingshang.core.policies import has_role, is_department_bound, is_staff
from yingshang.platform.policies import Policy, Rule

from .models import is_service_office

OFFICE_ONLY = _("只有企业服务科（政务服务监督管理局）可以执行此操作。")


def _leads(user, appeal) -> bool:
    return bool(
        user.is_superuser
        or (appeal.lead_department_id and user.department_id == appeal.lead_department_id)
    )


def _department_limited(user) -> bool:
    """承办人 and 部门负责人 outside the service office see only what was dispatched to them."""
    return is_department_bound(user) and not is_service_office(user)


def _reads(user, appeal) -> bool:
    if not _department_limited(user):
        return True
    return bool(
        appeal.lead_department_id == user.department_id
        or appeal.co_departments.filter(pk=user.department_id).exists()
    )


def _reads_q(user) -> Q:
    """The role part of ``Appeal.objects.visible_to`` (the division subtree is the other)."""
    if not _department_limited(user):
        return Q()
    from .models import Appeal

    co = Appeal.co_departments.through.objects.filter(department_id=user.department_id)
    return Q(lead_department_id=user.department_id) | Q(pk__in=co.values("appeal_id"))


_reads.q = _reads_q


def _owns_commitment(user, commitment) -> bool:
    return bool(user.is_superuser or user.department_id == commitment.owner_department_id)


def _appellant(user, appeal) -> bool:
    return bool(
        appeal.applicant_user_id and user is not None and user.pk == appeal.applicant_user_id
    )


def _appellant_or_office(user) -> bool:
    """Escalation: the appellant (not staff) or the service office."""
    return not is_staff(user) or is_service_office(user)


def _nobody(user) -> bool:
    return False


def _staff_entry(user) -> bool:
    """Hotline, visit and Q&A appeals are entered by the office or a window clerk."""
    return is_service_office(user) or bool(is_staff(user) and user.role == Role.CLERK)


policy = Policy(
    "appeals",
    {
        "read": Rule(
            who=is_staff,
            on=_reads,
            message=_("该诉求不在您的查看范围内。"),
            label=_("查看诉求（承办人、部门负责人限交办给本部门的，企业服务科除外）"),
        ),
        "office": Rule(
            who=is_service_office,
            field="user",
            message=OFFICE_ONLY,
            label=_("签收、交办、审批延期"),
        ),
        "lead": Rule(
            who=is_staff,
            on=_leads,
            field="department",
            message=_("该诉求未交办给您所在部门，只有主办部门可以办理。"),
            label=_("主办部门答复、申请延期"),
        ),
        "escalate": Rule(
            who=_appellant_or_office, field="user", message=OFFICE_ONLY, label=_("升级督办")
        ),
        "appellant": Rule(
            on=_appellant,
            field="applicant",
            message=_("只有诉求人本人可以确认办理结果。"),
            label=_("诉求人确认结果"),
        ),
        "instruct": Rule(
            who=has_role(Role.LEADER, Role.ADMIN),
            field="user",
            message=_("只有市领导可以批示。"),
            label=_("市领导批示"),
        ),
        "staff_entry": Rule(who=_staff_entry, label=_("录入热线、来访诉求")),
        "commitment_report": Rule(
            who=is_staff,
            on=_owns_commitment,
            field="department",
            message=_("只有责任部门可以报告进展。"),
            label=_("责任部门报告承诺进展"),
        ),
        "commitment_verify": Rule(
            who=is_service_office, field="user", message=OFFICE_ONLY, label=_("承诺销号或退回")
        ),
        "commitment_overdue": Rule(
            who=_nobody, field="status", message=_("逾期由系统判定。"), label=_("承诺逾期（系统）")
        ),
    },
)

can = policy.can
check = policy.check
