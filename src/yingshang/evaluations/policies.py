"""Who may act in 好差评 and its rectifications — one place for the rectification machine, the
views and the API."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.policies import BUREAU_FUNCTION, is_bureau, is_staff
from yingshang.platform.policies import Policy, Rule

BUREAU_KEY = BUREAU_FUNCTION  # 市政务服务监督管理局 (the name the machine and services use)


def _department_of(user, rect) -> bool:
    return bool(user.is_superuser or user.department_id == rect.department_id)


def _evaluator(user, rect) -> bool:
    ev = rect.evaluation
    return bool(ev.evaluator_id and getattr(user, "pk", None) == ev.evaluator_id)


policy = Policy(
    "evaluations",
    {
        "rectify": Rule(
            who=is_staff,
            on=_department_of,
            field="department",
            message=_("只有被评价部门可以执行此操作。"),
            label=_("被评价部门核实、申诉、整改"),
        ),
        "bureau": Rule(
            who=is_bureau,
            field="user",
            message=_("只有政务服务监督管理局可以执行此操作。"),
            label=_("裁定申诉、回访"),
        ),
        "evaluator": Rule(
            on=_evaluator,
            field="evaluator",
            message=_("只有评价人本人可以确认整改结果。"),
            label=_("评价人确认整改"),
        ),
    },
)

can = policy.can
check = policy.check

__all__ = ["BUREAU_KEY", "can", "check", "is_bureau", "policy"]
