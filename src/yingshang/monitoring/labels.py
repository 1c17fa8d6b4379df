"""Words for the codes monitoring shows: case actions on the process map, indicator units
and period kinds (zh-hans source strings, English in the catalogue).

Kept in monitoring (the platform's label registry covers the statuses and actions of every
app; these are the monitoring-specific ones). Each function falls back to the code itself
for a code it does not know, so that a new action is still shown."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "submit": _("提交申请"),
    "precheck": _("预审"),
    "accept": _("受理"),
    "reject": _("不予受理"),
    "request_supplement": _("要求补正"),
    "resubmit": _("补正提交"),
    "start": _("开始审查"),
    "review": _("审查完成"),
    "submit_approval": _("报请审批"),
    "approve": _("审批"),
    "return_for_review": _("退回重审"),
    "suspend": _("挂起"),
    "resume": _("恢复"),
    "complete": _("办结"),
    "deliver": _("送达"),
    "withdraw": _("撤回"),
    "roll_up": _("汇总子办件状态"),
    "note": _("备注"),
    "issue_licence": _("发证"),
}

# indicator units (indicators.toml ``unit``) → words; the value is shown after the number
UNITS = {
    "%": _("%"),
    "days": _("天"),
    "working days": _("工作日"),
    "number": _("个环节"),  # the only counts with this unit are the DB topics' procedures
    "score": _("分"),
    "tasks": _("项任务"),
    "visits": _("次"),
    "% of income per capita": _("占人均收入的百分比"),
    "% of property value": _("占财产价值的百分比"),
    "% of warehouse value": _("占仓库价值的百分比"),
    "index 0-8": _("指数（0–8）"),
    "index 0-15": _("指数（0–15）"),
    "index 0-30": _("指数（0–30）"),
}

PERIOD_KINDS = {
    "day": _("日"),
    "week": _("周"),
    "month": _("月"),
    "quarter": _("季度"),
    "year": _("年"),
}


def action(code: str) -> str:
    return str(ACTIONS.get(code, code))


def unit(code: str) -> str:
    return str(UNITS.get(code, code)) if code else ""


def period_kind(code: str) -> str:
    return str(PERIOD_KINDS.get(code, code))
