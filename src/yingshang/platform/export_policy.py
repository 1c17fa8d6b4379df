"""Who may use the background exports (platform/export_jobs.py): every staff member may start
one (what it holds is computed with their own scope, and each export kind adds its own check);
a job is its owner's alone — anyone else, a superuser too, finds no such job (404)."""

from django.utils.translation import gettext_lazy as _

from .policies import Policy, Rule


def is_staff(user) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_superuser or getattr(user, "role", ""))
    )


def nobody(user) -> bool:
    return False


def owns(user, job) -> bool:
    return bool(user is not None and job.user_id == getattr(user, "pk", None))


def _owned_q(user):
    from django.db.models import Q

    return Q(user_id=getattr(user, "pk", None))


owns.q = _owned_q

policy = Policy(
    "exports",
    {
        "export": Rule(
            who=is_staff,
            message=_("只有工作人员可以导出。"),
            label=_("导出列表（内容按本人可见范围）"),
        ),
        "own": Rule(
            who=is_staff,
            on=owns,
            message=_("只能查看、下载或删除本人的导出。"),
            label=_("查看、下载、删除本人的导出"),
        ),
        "run": Rule(
            who=nobody,
            message=_("导出任务由后台执行。"),
            label=_("后台执行导出（系统）"),
        ),
    },
)
