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


_INTAKE = ("submitted", "prechecking")


def _supplement(user, case) -> bool:
    """补正 before 受理 is the window's (or the competent department's) intake step; after it,
    the competent department's review step."""
    if case.status in _INTAKE:
        return True
    return _decides(user) and _competent(user, case)


def _competent(user, case) -> bool:
    """The case's competent department (办理部门) decides: its own handlers and head. A hall
    that took the case in on its behalf (全域通办: ``case.division``/``intake_department``) sees
    it and may accept it, but never decides. A superuser is no exception (separation of
    duties): without a post in the department he decides nothing."""
    if user is None:
        return True
    return bool(user.department_id) and user.department_id == case.department_id


def _holds(*roles):
    """Predicate: the user holds one of ``roles`` *as a post* — unlike ``has_role``, a
    superuser without the role does not pass (deciding a case is a post's duty, not a right of
    the system's administrator)."""
    wanted = frozenset(roles)

    def test(user) -> bool:
        return bool(
            user is not None
            and getattr(user, "is_authenticated", False)
            and user.role in wanted
            and writes(user)
        )

    test.roles = wanted
    return test


# the roles that work cases: the window (综合窗口) and the departments (承办人, 部门负责人);
# supervisors and city leaders read, system administrators administer
_case_worker = has_role(Role.CLERK, Role.HANDLER, Role.DEPT_HEAD)


def _works_cases(user) -> bool:
    return _case_worker(user) and writes(user)


# deciding (开始审查 … 办结, 审批) needs the post: the competent department's handler or head
_decides = _holds(Role.HANDLER, Role.DEPT_HEAD)
_approves = _holds(Role.DEPT_HEAD)


policy = Policy(
    "cases",
    {
        "read": Rule(
            who=is_staff,
            on=_reads,
            message=_("该办件不在您的查看范围内。"),
            label=_("查看办件（承办人、部门负责人限本部门的）"),
        ),
        # a staff edge tried by a portal account
        "staff": Rule(
            who=is_staff,
            field="action",
            message=_("只有工作人员可以执行此操作。"),
            label=_("工作人员操作（其余规则另行限制）"),
        ),
        # every staff write (city leaders read only)
        "write": Rule(who=writes, message=_("只读角色不能办理办件。"), label=_("写入办件")),
        # intake and hand-over edges (预审, 受理, 不予受理, 送达): the window of any hall in scope
        # (全域通办) or the competent department
        "handle": Rule(
            who=_works_cases,
            message=_("只有综合窗口人员、承办人或部门负责人可以收件、受理和送达。"),
            label=_("预审、受理、不予受理、送达（窗口或办理部门）"),
        ),
        # 要求补正: before 受理 as "handle"; after it the competent department only
        "supplement": Rule(
            who=_works_cases,
            on=_supplement,
            message=_("受理后只有办理部门的承办人或负责人可以要求补正。"),
            label=_("要求补正（受理前窗口；受理后限办理部门）"),
        ),
        # decision edges (开始审查, 审查, 挂起/恢复, 办结, 提交审批): the competent department only
        "decide": Rule(
            who=_decides,
            on=_competent,
            message=_("只有办理部门的承办人或负责人可以作出办理决定。"),
            label=_("审查、挂起、办结、提交审批（限办理部门）"),
        ),
        # 审批 (approve / return for review) of items that need it: the competent department's head
        "approve": Rule(
            who=_approves,
            on=_competent,
            message=_("只有办理部门的负责人可以审批。"),
            label=_("审批：批准或退回重审（限办理部门负责人）"),
        ),
        # applicant edges (补正提交, 撤回): the applicant's own case (staff act for them at the window)
        "applicant": Rule(
            on=_own_case, label=_("补正提交、撤回：申请人本人办件（工作人员代办另须 handle）")
        ),
    },
)

can = policy.can
check = policy.check
