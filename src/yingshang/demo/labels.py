"""Labels of the demo (platform/labels.py discovers this module): the audit log records each
demo step's counts under these names (``audit.field``)."""

from django.utils.translation import gettext_lazy as _

from yingshang.platform.labels import register

register(
    "audit.field",
    {
        "divisions": _("行政区划"),
        "departments": _("部门"),
        "staff": _("工作人员"),
        "groups": _("用户组"),
        "calendar years": _("日历年份"),
        "calendar days": _("日历日期"),
        "licence types": _("证照类型"),
        "service items": _("政务服务事项"),
        "bundles": _("一件事套餐"),
        "bundle outputs": _("一件事产出证照"),
        "search terms": _("检索词"),
        "portal users": _("门户用户"),
        "enterprises": _("企业"),
        "e-licences": _("电子证照"),
        "persons": _("自然人"),
        "cases": _("办件"),
        "volume cases": _("办件"),
        "search index (items)": _("检索索引（事项）"),
        "query codes": _("查询码"),
        "reform programmes": _("改革方案"),
        "reform tasks": _("改革任务"),
        "reform reports": _("进度报告"),
        "reform programmes published": _("已公开的改革方案"),
        "appeals": _("企业诉求"),
        "appeal events": _("诉求办理记录"),
        "qa sessions": _("政企面对面活动"),
        "qa questions": _("政企面对面问题"),
        "commitments": _("承诺事项"),
        "dispatch model": _("派单模型"),
        "evaluations": _("好差评"),
        "rectifications": _("差评整改"),
        "city figures": _("城市参数"),
        "indicator values": _("指标值"),
        "applicant accounts": _("申请人账号"),
        "push deliveries": _("消息推送投递"),
    },
)
