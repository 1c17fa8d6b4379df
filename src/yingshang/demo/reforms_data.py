"""The demo programme: a Mianyang-like 《绵阳市进一步优化营商环境工作方案》 with 35 policy
measures split into 102 tasks for 25 lead departments, the supervision bureau leading 21 — the
figures of the 2019 Sichuan Daily article. Task wording is illustrative except the four tasks
the article quotes. Leaders are fictional.

Each task: (content, lead function key, partner function keys, deadline) where the deadline is
a month offset from the issue month (rendered as “YYYY年M月底前”), or a standing phrase.
"""

# Indicator keys (monitoring) a task is meant to move, by a phrase of its content.
INDICATOR_KEYS = [
    ("企业开办", ["starting_business"]),
    ("注销", ["starting_business"]),
    ("工程建设项目", ["construction_permits"]),
    ("不动产登记", ["registering_property"]),
    ("接电", ["getting_electricity"]),
    ("用电报装", ["getting_electricity"]),
    ("用水报装", ["getting_water_gas"]),
    ("用气报装", ["getting_water_gas"]),
    ("纳税", ["paying_taxes"]),
    ("办税", ["paying_taxes"]),
    ("融资", ["getting_credit"]),
    ("知识产权", ["intellectual_property"]),
    ("网上可办率", ["government_services"]),
    ("综合窗口", ["government_services"]),
    ("承诺办结时限", ["government_services"]),
    ("好差评", ["government_services"]),
    ("中小投资者", ["protecting_minority_investors"]),
    ("通关", ["trading_across_borders"]),
    ("招标投标", ["bidding", "government_procurement"]),
]

LEADERS = [
    ("刘建国", "常务副市长"),
    ("陈卫东", "副市长"),
    ("杨光明", "副市长"),
    ("周海涛", "副市长"),
    ("吴晓峰", "市政府秘书长"),
]

# (measure title, leader index, tasks)
MEASURES = [
    (
        "提升政府决策和运行效率",
        0,
        [
            ("研究制定提升市县两级政府决策和运行效率的措施", "gov_service", ["gov_office"], 3),
            (
                "建立优化营商环境工作联席会议制度,每月调度重点任务",
                "gov_service",
                ["gov_office"],
                "持续推进",
            ),
            ("建立重大涉企政策出台前听取企业意见制度", "gov_office", ["justice"], 6),
        ],
    ),
    (
        "深化“放管服”改革",
        0,
        [
            (
                "全面清理规范行政审批事项,公布市县两级行政许可事项清单",
                "gov_service",
                ["justice"],
                5,
            ),
            ("推行“证照分离”改革,实现“照后减证”", "market", ["gov_service"], 8),
            (
                "清理规范行政审批中介服务,建立网上中介服务超市",
                "gov_service",
                ["development", "finance"],
                9,
            ),
        ],
    ),
    (
        "压缩企业开办时间",
        1,
        [
            (
                "推行企业开办“一窗受理、并行办理”,企业开办时间压缩至3个工作日以内",
                "market",
                ["police", "tax"],
                4,
            ),
            ("推行电子营业执照和全程电子化登记", "market", ["gov_service"], 7),
            ("企业印章刻制纳入政务服务大厅集中办理", "police", ["market"], 3),
        ],
    ),
    (
        "简化企业注销程序",
        1,
        [
            ("推行企业简易注销登记,公告时间压缩至20天", "market", ["tax", "hr"], 6),
            ("建立企业注销“一网通办”平台", "market", ["tax", "gov_service"], 12),
        ],
    ),
    (
        "推进工程建设项目审批制度改革",
        2,
        [
            (
                "统一工程建设项目审批流程,审批时间压缩至100个工作日以内",
                "housing",
                ["land", "development", "gov_service"],
                9,
            ),
            ("建设工程建设项目审批管理系统,与省级系统对接", "housing", ["data"], 12),
            ("推行区域评估和联合测绘、联合验收", "land", ["housing", "environment"], 10),
        ],
    ),
    (
        "优化不动产登记",
        2,
        [
            ("不动产登记一般登记压缩至5个工作日以内", "land", ["tax", "housing"], 6),
            ("推行不动产登记、交易和缴税“一窗受理”", "land", ["tax", "gov_service"], 8),
            ("推进不动产登记信息与公安、民政等部门共享", "land", ["police", "data"], 14),
        ],
    ),
    (
        "提升获得电力便利度",
        3,
        [
            ("低压小微企业接电时间压缩至15个工作日以内", "power", ["economy"], 6),
            ("推行用电报装“零上门、零审批、零投资”服务", "power", ["housing", "land"], 9),
            ("建立电力接入工程行政审批并联办理机制", "economy", ["power", "gov_service"], 7),
            ("推行电力设施迁改“一次办好”", "power", ["housing"], 10),
        ],
    ),
    (
        "优化用水用气报装",
        3,
        [
            ("用水报装时间压缩至10个工作日以内", "housing", ["gov_service"], 6),
            ("用气报装时间压缩至10个工作日以内", "housing", ["economy"], 6),
            ("推行水电气讯联合报装,一表申请、一窗受理", "gov_service", ["housing", "power"], 8),
        ],
    ),
    (
        "降低企业纳税成本",
        1,
        [
            ("全面落实减税降费政策,小微企业普惠性减免应享尽享", "tax", ["finance"], "长期坚持"),
            ("压缩纳税时间,推行“最多跑一次”办税事项清单", "tax", ["gov_service"], 5),
            ("推广电子发票和网上申报,网上办税率达到90%以上", "tax", ["data"], 10),
        ],
    ),
    (
        "规范涉企收费",
        1,
        [
            ("公布涉企收费目录清单,每季度动态调整", "development", ["finance", "market"], "每季度"),
            ("清理规范行业协会商会收费", "development", ["market", "civil"], 8),
            ("开展涉企收费专项检查", "market", ["development", "finance"], 10),
        ],
    ),
    (
        "缓解融资难融资贵",
        4,
        [
            (
                "建立中小企业融资服务平台,推动银企信息对接",
                "financial",
                ["central_bank", "economy"],
                9,
            ),
            ("设立中小企业转贷应急资金", "finance", ["financial"], 7),
            ("推广应收账款融资和知识产权质押融资", "central_bank", ["financial", "market"], 12),
        ],
    ),
    (
        "优化金融服务",
        4,
        [
            ("开展银企对接活动,每季度至少一次", "central_bank", ["financial", "economy"], "每季度"),
            ("健全政府性融资担保体系", "financial", ["finance"], 11),
            ("压缩企业开户时间,推行银行账户开立“一站式”服务", "financial", ["central_bank"], 5),
        ],
    ),
    (
        "加强人才服务",
        0,
        [
            (
                "为外来投资者和高层次人才及其家属、子女在落户、就业、就医、上学等方面提供便利,"
                "制定《绵阳市高层次人才服务卡管理办法》",
                "gov_service",
                ["hr", "police", "education", "health"],
                6,
            ),
            ("建设人才服务中心,推行人才服务“一站式”办理", "hr", ["gov_service"], 10),
            ("开展引进急需紧缺人才专项行动", "hr", ["science", "economy"], 12),
        ],
    ),
    (
        "优化劳动力市场监管",
        1,
        [
            ("建立企业用工监测和欠薪预警机制", "hr", ["justice"], 8),
            ("推行社会保险业务网上办理", "hr", ["data"], 13),
            ("推进职业院校校企合作,培养技能人才", "education", ["hr"], 11),
        ],
    ),
    (
        "推进“一网通办”",
        0,
        [
            (
                "市信息共享平台与部门业务系统对接,构建全市统一的数据库",
                "gov_service",
                ["data", "economy"],
                12,
            ),
            ("推进政务服务事项网上可办率达到90%以上", "gov_service", ["data"], 11),
            ("开通“绵阳政事”公众号综合受理功能,实现全域覆盖、随时即办", "gov_service", ["data"], 2),
        ],
    ),
    (
        "提升实体大厅服务",
        0,
        [
            (
                "新建或改造提升市、县、乡三级政务服务实体大厅",
                "gov_service",
                ["finance", "housing"],
                10,
            ),
            ("推行“综合窗口”改革,实行“前台综合受理、后台分类审批”", "gov_service", [], 7),
            ("扩大市政务服务大厅窗口区域,更换电梯等服务设施", "gov_service", ["finance"], 4),
        ],
    ),
    (
        "推进政务服务标准化",
        0,
        [
            ("编制政务服务事项标准化办事指南", "gov_service", ["justice"], 5),
            ("推行承诺办结时限,压缩至法定时限的40%以内", "gov_service", [], 9),
            ("建立政务服务“好差评”制度", "gov_service", ["data"], 8),
        ],
    ),
    (
        "推进数据共享和电子证照",
        2,
        [
            ("建设全市电子证照库,实现常用证照电子化", "data", ["gov_service"], 14),
            ("推进部门间数据共享,减少企业群众重复提交材料", "data", ["gov_service", "economy"], 15),
            ("建立政务数据共享目录和责任清单", "economy", ["data"], 6),
            ("建设公共数据开放平台,有序开放公共数据", "data", ["economy"], 15),
        ],
    ),
    (
        "加强知识产权保护",
        2,
        [
            ("建设知识产权快速维权中心", "market", ["court", "police"], 12),
            ("开展知识产权侵权专项整治", "market", ["police"], 9),
            ("严厉打击侵犯知识产权违法犯罪", "police", ["market"], 10),
        ],
    ),
    (
        "维护公平竞争",
        2,
        [
            ("全面实施市场准入负面清单制度", "development", ["commerce", "market"], 8),
            ("开展公平竞争审查,清理妨碍统一市场的规定", "market", ["justice", "development"], 11),
            (
                "规范招标投标和政府采购,清理限制外地企业的规定",
                "finance",
                ["development", "gov_service"],
                10,
            ),
        ],
    ),
    (
        "促进外贸和投资便利化",
        3,
        [
            ("压缩进出口通关时间,推行“单一窗口”申报", "commerce", ["economy"], 9),
            ("建立重大招商项目全程代办制度", "commerce", ["gov_service"], 7),
            ("完善外商投资企业投诉工作机制", "commerce", ["justice"], 10),
        ],
    ),
    (
        "加强政务诚信建设",
        4,
        [
            (
                "建立政府失信责任追究制度,清理政府拖欠企业账款",
                "development",
                ["finance", "justice"],
                12,
            ),
            (
                "建立政府承诺事项台账,兑现招商引资政策承诺",
                "development",
                ["commerce", "finance"],
                9,
            ),
        ],
    ),
    (
        "加强社会信用体系建设",
        4,
        [
            ("完善守信联合激励和失信联合惩戒机制", "development", ["market", "central_bank"], 13),
            ("推行信用承诺制,对守信企业实行容缺受理", "development", ["gov_service"], 8),
            ("建设市公共信用信息平台", "development", ["data"], 16),
        ],
    ),
    (
        "规范涉企执法检查",
        1,
        [
            ("全面推行“双随机、一公开”监管", "market", ["justice"], 6),
            (
                "推行行政执法公示、执法全过程记录、重大执法决定法制审核制度",
                "justice",
                ["market", "police"],
                10,
            ),
            ("建立涉企检查计划备案制度,减少重复检查", "justice", ["gov_office"], 7),
        ],
    ),
    (
        "推行包容审慎监管",
        1,
        [
            ("制定轻微违法行为免罚清单", "justice", ["market", "environment"], 8),
            ("对新业态实行包容审慎监管", "market", ["economy"], "持续推进"),
            ("推动工业企业技术改造项目备案“零跑腿”", "economy", ["gov_service"], 9),
        ],
    ),
    (
        "加强环境执法服务",
        3,
        [
            ("推行环评审批“绿色通道”,压缩环评审批时间", "environment", ["gov_service"], 6),
            ("建立环保执法正面清单,减少对守法企业的现场检查", "environment", ["justice"], 9),
        ],
    ),
    (
        "优化交通物流服务",
        3,
        [
            ("规范公路、铁路货运收费,降低物流成本", "transport", ["development"], 10),
            ("推行道路运输许可网上办理", "transport", ["gov_service"], 5),
        ],
    ),
    (
        "提升医疗教育公共服务",
        2,
        [
            ("为重点企业职工子女入学提供便利", "education", ["hr"], 8),
            ("建立高层次人才就医绿色通道", "health", ["hr"], 6),
            ("推行医疗机构执业登记网上办理", "health", ["gov_service"], 9),
        ],
    ),
    (
        "优化医保和公积金服务",
        4,
        [
            ("推行医保业务“一站式”结算", "medical_insurance", ["health"], 9),
            ("推行医保经办事项“最多跑一次”", "medical_insurance", ["gov_service"], 6),
            ("推行住房公积金业务网上办理", "housing_fund", ["data"], 8),
        ],
    ),
    (
        "支持企业创新",
        2,
        [
            ("落实企业研发费用加计扣除政策", "science", ["tax"], "长期坚持"),
            ("建设科技成果转移转化服务平台", "science", ["economy"], 14),
            ("推行公积金缴存比例自主调整", "housing_fund", ["hr"], 5),
        ],
    ),
    (
        "保护中小投资者",
        4,
        [
            ("建立中小投资者维权服务机制", "financial", ["court", "justice"], 12),
            ("加强上市后备企业培育服务", "financial", ["economy"], "持续推进"),
        ],
    ),
    (
        "构建亲清政商关系",
        0,
        [
            ("开展“庸懒散浮拖”专项整治行动", "discipline", ["gov_service"], 10),
            ("建立营商环境问题线索移送和问责机制", "discipline", ["gov_service"], 6),
            ("建立市领导联系重点企业制度", "gov_office", ["economy"], 4),
        ],
    ),
    (
        "畅通企业诉求渠道",
        0,
        [
            ("设立企业服务科室,企业可直接向市委市政府反映问题", "gov_service", ["gov_office"], 3),
            ("建立企业诉求“接诉即办”和限时办结机制", "gov_service", ["discipline"], 6),
            ("召开促进民营经济健康发展系列新闻发布会", "gov_office", ["gov_service"], 2),
        ],
    ),
    (
        "实现营商环境动态监测",
        0,
        [
            (
                "建立营商环境评价指标体系,实现营商环境动态监测",
                "gov_service",
                ["development", "data"],
                11,
            ),
            ("按季度通报各地各部门优化营商环境工作进展", "gov_service", ["gov_office"], "每季度"),
            ("开展营商环境第三方评估", "development", ["gov_service"], 12),
        ],
    ),
    (
        "强化督查考核",
        0,
        [
            ("将优化营商环境工作纳入年度目标绩效考核", "gov_service", ["gov_office"], 9),
            ("建立重点任务“任务书”“进度表”督查督办制度", "gov_service", ["discipline"], 2),
            ("开展优化营商环境政策落实情况专项督查", "discipline", ["gov_service"], 11),
        ],
    ),
]
