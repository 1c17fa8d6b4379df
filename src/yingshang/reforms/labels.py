"""Labels of the reforms app (platform/labels.py discovers this module).

``reforms.indicator``: the 营商环境 indicators a task is meant to move (``Task.indicator_keys``,
from the programme's 关联指标 column or the demo's phrases) — the 18 indicators of China's
business-environment evaluation that the programmes name. A key a city imports that is not
among them is shown as written."""

from django.utils.translation import gettext_lazy as _

from yingshang.platform.labels import register

register(
    "reforms.indicator",
    {
        "starting_business": _("开办企业"),
        "construction_permits": _("办理建筑许可"),
        "registering_property": _("登记财产"),
        "getting_electricity": _("获得电力"),
        "getting_water_gas": _("获得用水用气"),
        "paying_taxes": _("纳税"),
        "getting_credit": _("获得信贷"),
        "intellectual_property": _("知识产权创造、保护和运用"),
        "government_services": _("政务服务"),
        "protecting_minority_investors": _("保护中小投资者"),
        "trading_across_borders": _("跨境贸易"),
        "bidding": _("招标投标"),
        "government_procurement": _("政府采购"),
        "enforcing_contracts": _("执行合同"),
        "resolving_insolvency": _("办理破产"),
        "labour_market": _("劳动力市场监管"),
        "market_supervision": _("市场监管"),
        "inclusive_innovation": _("包容普惠创新"),
    },
)
