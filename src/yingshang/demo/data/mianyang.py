"""The Mianyang (绵阳) demo configuration: divisions, departments and demo staff.

County-level codes are GB/T 2260 (see shared DOMAIN.md). Township and village names and
12-digit codes are illustrative: they follow the statistics bureau's scheme (township = county
code + 3 digits + 000; village = township's 9 digits + 3) but are not an official list.
"""

PROVINCE = ("510000", "四川省", "Sichuan")
CITY = ("510700", "绵阳市", "Mianyang")

COUNTIES = [
    (
        "510703",
        "涪城区",
        "Fucheng",
        [
            ("001", "城厢街道", ["龙门社区", "南塔社区"]),
            ("002", "朝阳街道", ["红星社区", "跃进村"]),
        ],
    ),
    (
        "510704",
        "游仙区",
        "Youxian",
        [("001", "游仙街道", ["东津社区", "芙蓉村"]), ("002", "富乐街道", ["富乐社区", "英雄村"])],
    ),
    (
        "510705",
        "安州区",
        "Anzhou",
        [("100", "花荄镇", ["花荄社区", "安州村"]), ("101", "桑枣镇", ["桑枣社区", "红武村"])],
    ),
    (
        "510722",
        "三台县",
        "Santai",
        [("100", "潼川镇", ["北坝社区", "五里村"]), ("101", "芦溪镇", ["芦溪社区", "工农村"])],
    ),
    (
        "510723",
        "盐亭县",
        "Yanting",
        [("100", "云溪镇", ["云溪社区", "嫘祖村"]), ("101", "富驿镇", ["富驿社区", "双碑村"])],
    ),
    (
        "510725",
        "梓潼县",
        "Zitong",
        [("100", "文昌镇", ["文昌社区", "长卿村"]), ("101", "许州镇", ["许州社区", "新光村"])],
    ),
    (
        "510726",
        "北川羌族自治县",
        "Beichuan",
        [("100", "永昌镇", ["永昌社区", "红旗村"]), ("101", "曲山镇", ["曲山社区", "石椅村"])],
    ),
    (
        "510727",
        "平武县",
        "Pingwu",
        [("100", "龙安镇", ["龙安社区", "新南村"]), ("101", "南坝镇", ["南坝社区", "石坎村"])],
    ),
    (
        "510781",
        "江油市",
        "Jiangyou",
        [("001", "中坝街道", ["李白社区", "东兴村"]), ("100", "太白镇", ["太白社区", "青莲村"])],
    ),
]

MANAGEMENT_AREAS = [
    ("510700-GXQ", "绵阳高新技术产业开发区", "Mianyang Hi-tech Zone"),
    ("510700-JKQ", "绵阳经济技术开发区", "Mianyang Economic Development Zone"),
    ("510700-KCQ", "绵阳科技城新区", "Science City New Area"),
    ("510700-XHQ", "仙海水利风景区", "Xianhai Scenic Area"),
]

# (function_key, city-level name, county-level suffix or None, kind, English name)
CITY_DEPARTMENTS = [
    (
        "gov_service",
        "市政务服务监督管理局",
        "政务服务和大数据管理局",
        "government",
        "Government Service Supervision and Administration Bureau",
    ),
    ("gov_office", "市政府办公室", None, "government", "General Office of the City Government"),
    ("discipline", "市纪委监委", None, "government", "Commission for Discipline Inspection"),
    (
        "development",
        "市发展改革委",
        "发展和改革局",
        "government",
        "Development and Reform Commission",
    ),
    (
        "economy",
        "市经济和信息化局",
        "经济和信息化局",
        "government",
        "Economy and Information Technology Bureau",
    ),
    ("market", "市市场监督管理局", "市场监督管理局", "government", "Market Regulation Bureau"),
    (
        "land",
        "市自然资源和规划局",
        "自然资源局",
        "government",
        "Natural Resources and Planning Bureau",
    ),
    (
        "housing",
        "市住房和城乡建设局",
        "住房和城乡建设局",
        "government",
        "Housing and Urban-Rural Development Bureau",
    ),
    ("tax", "市税务局", "税务局", "government", "Tax Bureau"),
    (
        "hr",
        "市人力资源和社会保障局",
        "人力资源和社会保障局",
        "government",
        "Human Resources and Social Security Bureau",
    ),
    ("police", "市公安局", "公安局", "government", "Public Security Bureau"),
    ("justice", "市司法局", "司法局", "government", "Justice Bureau"),
    ("power", "国网绵阳供电公司", "供电分公司", "utility", "State Grid Mianyang Power Supply"),
    ("finance", "市财政局", "财政局", "government", "Finance Bureau"),
    ("commerce", "市商务局", None, "government", "Commerce Bureau"),
    ("environment", "市生态环境局", "生态环境分局", "government", "Ecology and Environment Bureau"),
    ("transport", "市交通运输局", "交通运输局", "government", "Transport Bureau"),
    ("water", "市水利局", None, "government", "Water Resources Bureau"),
    ("health", "市卫生健康委", "卫生健康局", "government", "Health Commission"),
    ("education", "市教育和体育局", "教育和体育局", "government", "Education and Sports Bureau"),
    ("science", "市科学技术局", None, "government", "Science and Technology Bureau"),
    ("emergency", "市应急管理局", "应急管理局", "government", "Emergency Management Bureau"),
    (
        "culture",
        "市文化广播电视和旅游局",
        None,
        "government",
        "Culture, Radio, Television and Tourism Bureau",
    ),
    ("medical_insurance", "市医疗保障局", "医疗保障局", "government", "Medical Insurance Bureau"),
    ("housing_fund", "市住房公积金管理中心", None, "government", "Housing Provident Fund Centre"),
    ("financial", "市金融工作局", None, "government", "Financial Work Bureau"),
    ("central_bank", "人民银行绵阳市分行", None, "other", "People's Bank of China Mianyang"),
    (
        "agriculture",
        "市农业农村局",
        "农业农村局",
        "government",
        "Agriculture and Rural Affairs Bureau",
    ),
    ("civil", "市民政局", "民政局", "government", "Civil Affairs Bureau"),
    ("court", "市中级人民法院", None, "other", "Intermediate People's Court"),
    ("urban", "市城市管理行政执法局", None, "government", "Urban Management Bureau"),
    ("water_utility", "市水务集团", None, "utility", "Water Supply Group"),
    ("gas_utility", "市燃气公司", None, "utility", "Gas Company"),
    ("data", "市大数据中心", None, "government", "Big Data Centre"),
]

HALL_NAME = "政务服务中心"

DEMO_PASSWORD = "mianyang2019!"

# (username, full name, role, division code, department function key or hall/None)
DEMO_STAFF = [
    ("admin", "系统管理员", "admin", "510700", None),
    ("jianduyuan", "王监督", "supervisor", "510700", "gov_service"),
    ("shilingdao", "李市长", "leader", "510700", "gov_office"),
    ("chuangkou", "张窗口", "clerk", "510700", "hall"),
    ("chengban", "刘承办", "handler", "510700", "market"),
    ("kezhang", "陈科长", "dept_head", "510700", "market"),
    ("jiangyou_chuangkou", "赵窗口（江油）", "clerk", "510781", "hall"),
    ("jiangyou_chengban", "孙承办（江油）", "handler", "510781", "market"),
    ("fucheng_chengban", "周承办（涪城）", "handler", "510703", "market"),
    ("fucheng_jiandu", "吴监督（涪城）", "supervisor", "510703", "gov_service"),
]

# Capabilities apart from the role (Django groups with one permission each): who maintains the
# catalog (事项清单, the 政务服务监督管理局 of each level) and the registry master data (the market
# bureau). Ordinary clerks, handlers and heads do neither.
DEMO_GROUPS = [
    # group name, "app_label.codename", members
    ("事项目录维护员", "catalog.maintain_catalog", ["jianduyuan", "fucheng_jiandu"]),
    ("登记主体维护员", "registry.maintain_registry", ["kezhang"]),
]
