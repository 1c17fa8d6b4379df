"""Who may act on cases (办件) — asked by the case machine, views and the API."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yingshang.core.models import Role
from yingshang.core.policies import has_role, is_department_bound, is_staff, writes
from yingshang.platform.policies import Policy, Rule


def _own_case(user, case) -> bool:
    return user is None or case.user_id == getattr(user, "pk", None)


def _reads(user, case) -> bool:
    if is_department_bound(user):
        return case.department_id == user.department_id
    return type(case)._default_manager.filter(_reads_q(user), pk=case.pk).exists()


def _reads_q(user) -> Q:
    """The role part of ``Case.objects.visible_to``: department roles (承办人, 部门负责人) see their
    department's cases; other staff the cases handled by a department of their subtree *or*
    applied for in it (a county window sees what it took in for a city department). Id
    subqueries, no joins, so that large queues stay on the case table's indexes."""
    from yingshang.core.models import Department, Division

    if user.is_superuser:
        return Q()
    if is_department_bound(user):
        # a department user's department lies in their division (User.clean)
        return Q(department_id=user.department_id)
    if not user.division_id:
        return Q(pk__in=[])
    path = user.division.path
    depts = Department.objects.filter(division__path__startswith=path).values("id")
    divisions = Division.objects.filter(path__startswith=path).values("id")
    return Q(department_id__in=depts) | Q(division_id__in=divisions)


_reads.q = _reads_q


def _competent(user, case) -> bool:
    """The case's competent department (办理部门) decides: its own handlers and head. A hall
    that took the case in on its behalf (全域通办: ``case.division``/``intake_department``) sees
    it and may accept it, but never decides."""
    if user is None or user.is_superuser:
        return True
    return bool(user.department_id) and user.department_id == case.department_id


policy = Policy(
    "cases",
    {
        "read": Rule(
            who=is_staff,
            on=_reads,
            message=_("该办件不在您的查看范围内。"),
            label=_("查看办件(承办人、部门负责人限本部门的)"),
        ),
        # staff edges of the case machine (受理, 补正, 办结 …)
        "handle": Rule(
            who=is_staff,
            field="action",
            message=_("只有工作人员可以执行此操作。"),
            label=_("办理办件"),
        ),
        # every staff write (city leaders read only)
        "write": Rule(
            who=writes, field="action", message=_("只读角色不能办理办件。"), label=_("写入办件")
        ),
        # decision edges (开始审查, 审查, 挂起/恢复, 办结): the competent department only
        "decide": Rule(
            who=has_role(Role.HANDLER, Role.DEPT_HEAD),
            on=_competent,
            field=None,
            message=_("只有办理部门的承办人或负责人可以作出办理决定。"),
            label=_("审查、挂起、办结(限办理部门)"),
        ),
        # applicant edges (补正提交, 撤回): the applicant's own case (staff act for them at the window)
        "applicant": Rule(on=_own_case, label=_("申请人操作本人办件")),
    },
)

can = policy.can
check = policy.check
