"""Words for the case events that are not state-machine edges (platform/labels.py): the
machine's own actions and states are labelled from cases/machines.py."""

from django.utils.translation import gettext_lazy as _

from yingshang.platform.labels import register

register(
    "cases.action",
    {
        "submit": _("提交申请"),
        "roll_up": _("汇总子办件状态"),
        "issue_licence": _("核发证照"),
    },
)

# the workbench's to-do lists of the queue (``?todo=``, selectors.todo_q)
register(
    "cases.todo",
    {
        "window": _("等待窗口受理"),
        "resubmitted": _("补正材料已交回"),
        "due_today": _("今日到期"),
        "decision": _("待我决定"),
        "approval": _("待审批"),
    },
)
