"""Demo data of the appeals app: demo enterprises, a year of appeals with dispatches, replies,
confirmations and escalations, seven Q&A sessions (政企面对面, spaced as the seed's 2019-02-21 …
03-08) with 50+ enterprises and commitments in every state, and a trained dispatch model.

The demo year is the 365 days up to yesterday (``demo_year``) — the same recent year as the
volume cases, the reforms demo and monitoring's default recompute, so that every monitoring
card has data for the default period. The seed's session dates keep their spacing, moved by
the distance from the seed year's 2 January to the demo year's first day.

Idempotent: the step does nothing when a demo enterprise already has an appeal. Deterministic
with --seed for a given day.
"""

import datetime
import random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from stdnum.cn import uscc as uscc_mod

from yingshang.appeals import conf
from yingshang.appeals.models import (
    Appeal,
    AppealEvent,
    AppealType,
    AppellantKind,
    Channel,
    Commitment,
    CommitmentEvent,
    CommitmentStatus,
    QAQuestion,
    QASession,
    Status,
)
from yingshang.appeals.text import tokenize
from yingshang.core.models import Department, Division, Role, User
from yingshang.demo.data.mianyang import DEMO_PASSWORD
from yingshang.demo.framework import Tally, demo_step, register_login
from yingshang.platform import lookup_codes
from yingshang.registry.public import link_enterprise_user
from yingshang.workdays.calendar import add_working_days

SH = ZoneInfo("Asia/Shanghai")
SEED_START = datetime.date(2019, 1, 2)  # the seed's appeals begin on 2 January 2019
DEMO_USCC_PREFIX = "91510700MA"


def demo_year(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """(first, last) day of the demo year: the 365 days up to yesterday (monitoring's default
    recompute range, ``compute.default_range``)."""
    from django.utils import timezone

    end = (today or timezone.localdate()) - datetime.timedelta(days=1)
    return end - datetime.timedelta(days=364), end


def session_date(seed_date: str, start: datetime.date) -> datetime.date:
    """A seed session date moved into the demo year starting on ``start``."""
    return start + (datetime.date.fromisoformat(seed_date) - SEED_START)


AREAS = [
    "涪城区",
    "游仙区",
    "安州区",
    "三台县",
    "盐亭县",
    "梓潼县",
    "北川县",
    "平武县",
    "江油市",
    "高新区",
    "经开区",
    "科创区",
]
INDUSTRIES = [
    "电子信息",
    "汽车零部件",
    "食品加工",
    "新材料",
    "精细化工",
    "物流仓储",
    "生物医药",
    "机械制造",
    "建材",
    "软件开发",
    "农产品加工",
    "餐饮服务",
    "商贸流通",
    "文化旅游",
]
NAME_HEADS = [
    "长虹",
    "九洲",
    "涪江",
    "富乐",
    "科城",
    "西科",
    "绵州",
    "李白",
    "仙海",
    "越王",
    "芙蓉",
    "三江",
    "华丰",
    "嘉陵",
    "东辰",
    "金鑫",
    "蜀兴",
    "天府",
    "巴蜀",
    "安昌",
]
NAME_TAILS = [
    "科技有限公司",
    "实业有限公司",
    "电子有限公司",
    "食品有限公司",
    "新材料股份有限公司",
    "物流有限公司",
    "机械制造有限公司",
    "生物科技有限公司",
    "建材有限责任公司",
    "商贸有限公司",
]

# topic → [(department function_key, weight, keywords)]
TOPICS = {
    "startup": [
        (
            "market",
            6,
            ["营业执照", "名称核准", "经营范围", "注册登记", "变更登记", "股权变更", "个体工商户"],
        ),
        ("police", 2, ["刻制公章", "印章备案", "公章刻制"]),
        ("tax", 2, ["税务登记", "发票申领", "税控设备"]),
    ],
    "power": [
        ("power", 9, ["用电报装", "变压器增容", "停电", "电费", "接电", "供电线路", "电表"]),
        ("development", 1, ["电价政策", "直购电", "电力交易"]),
    ],
    "utilities": [
        ("water_utility", 5, ["供水管网", "水表", "停水", "用水报装", "水压"]),
        ("gas_utility", 5, ["天然气", "燃气报装", "气价", "燃气管道", "供气"]),
    ],
    "land": [
        (
            "land",
            7,
            ["土地出让", "用地指标", "不动产登记", "规划许可", "宗地", "土地证", "国有建设用地"],
        ),
        ("housing", 3, ["施工许可", "竣工验收", "建设工程", "商品房预售"]),
    ],
    "financing": [
        ("financial", 5, ["贷款", "融资担保", "转贷资金", "应急转贷", "融资难"]),
        ("central_bank", 3, ["银行抽贷", "信贷额度", "征信", "抵押贷款"]),
        ("finance", 2, ["贷款贴息", "风险补偿金"]),
    ],
    "approval": [
        ("development", 3, ["项目备案", "立项", "可研批复", "节能审查"]),
        ("environment", 3, ["环评", "排污许可", "环境影响评价", "环评批复"]),
        ("housing", 2, ["施工图审查", "消防验收", "质量监督"]),
        ("gov_service", 2, ["审批窗口", "一窗受理", "网上办理", "并联审批"]),
    ],
    "enforcement": [
        ("market", 4, ["市场监管执法", "产品抽检", "行政处罚", "价格检查"]),
        ("urban", 2, ["城管", "占道经营", "户外招牌", "渣土运输"]),
        ("environment", 2, ["环保检查", "停产整改", "环保督察"]),
        ("emergency", 2, ["安全生产检查", "安全隐患", "危化品"]),
    ],
    "tax": [
        ("tax", 9, ["增值税", "留抵退税", "减税降费", "纳税申报", "发票", "所得税", "出口退税"]),
        ("finance", 1, ["非税收入", "行政事业性收费"]),
    ],
    "talent": [
        ("hr", 7, ["稳岗补贴", "招工难", "社保缴费", "职称评审", "劳动仲裁", "技能培训"]),
        ("education", 2, ["子女入学", "人才子女就学"]),
        ("police", 1, ["落户", "户口迁移", "人才落户"]),
    ],
    "policy": [
        ("economy", 4, ["技改补助", "专精特新", "工业发展资金", "技术改造"]),
        ("science", 3, ["高新技术企业", "研发费用", "科技项目", "科技成果转化"]),
        ("commerce", 2, ["外贸", "招商引资", "展会补贴", "电子商务"]),
        ("finance", 1, ["资金拨付", "奖补资金"]),
    ],
}
TYPE_WEIGHTS = {
    AppealType.CONSULT: 30,
    AppealType.HELP: 25,
    AppealType.COMPLAINT: 20,
    AppealType.SUGGEST: 10,
    AppealType.POLICY: 15,
}
TEMPLATES = {
    AppealType.CONSULT: [
        "想咨询{kw}的办理流程和所需材料。",
        "请问{kw}目前有什么新的政策规定，{kw2}是否可以同时办理？",
        "{kw}一般需要多长时间能办好，可以网上申请吗？",
    ],
    AppealType.HELP: [
        "{kw}遇到困难，已经{n}个月没有进展，恳请帮助协调解决。",
        "目前{kw}卡在{kw2}环节，影响企业正常生产，请相关部门帮忙推动。",
        "企业急需办理{kw}，多次联系未果，请求帮助。",
    ],
    AppealType.COMPLAINT: [
        "办理{kw}时工作人员推诿扯皮，跑了{n}趟仍未办结。",
        "{kw}问题反映多次无人答复，{kw2}也一直拖着，要求严肃处理。",
        "对{kw}的处理结果不满意，认为执法尺度不统一。",
    ],
    AppealType.SUGGEST: [
        "建议简化{kw}的申请材料，实行网上办理、一次办结。",
        "建议{kw}与{kw2}并联办理，减少企业来回跑。",
        "建议公开{kw}的办理时限和进度，方便企业查询。",
    ],
    AppealType.POLICY: [
        "我公司符合{kw}条件，申请已提交{n}个月，资金至今未兑现。",
        "{kw}政策已经出台，但{kw2}的兑现流程不清楚，希望尽快落实。",
        "去年申报的{kw}已公示，奖补资金迟迟未到位。",
    ],
}
OPENERS = [
    "我公司是一家从事{industry}的企业，",
    "我单位位于{area}，",
    "我们是{area}的一家{industry}企业，",
    "",
]
CLOSERS = ["", "望尽快解决。", "谢谢！", "盼复。", "请予以支持。"]
REPLIES = [
    "经核实，已协调相关科室加快办理，预计{n}个工作日内办结。",
    "已与企业电话沟通，详细解释了政策规定和办理流程，企业表示理解。",
    "已现场踏勘并制定解决方案，相关问题已解决。",
    "经研究，该事项符合政策规定，已按程序办理完毕。",
]

SESSIONS = [
    (
        "2019-02-21",
        "促进民营经济健康发展新闻发布会（第一场）",
        "优化营商环境政策措施解读",
        ["gov_service", "development", "economy", "market"],
    ),
    (
        "2019-02-22",
        "促进民营经济健康发展新闻发布会（第二场）",
        "破解民营企业融资难融资贵",
        ["financial", "central_bank", "finance", "economy"],
    ),
    (
        "2019-02-26",
        "促进民营经济健康发展新闻发布会（第三场）",
        "企业开办和工程建设项目审批提速",
        ["market", "housing", "land", "gov_service"],
    ),
    (
        "2019-02-28",
        "促进民营经济健康发展新闻发布会（第四场）",
        "减税降费与涉企收费清理",
        ["tax", "finance", "development"],
    ),
    (
        "2019-03-01",
        "促进民营经济健康发展新闻发布会（第五场）",
        "用电用水用气和用地要素保障",
        ["power", "water_utility", "gas_utility", "land"],
    ),
    (
        "2019-03-05",
        "促进民营经济健康发展新闻发布会（第六场）",
        "人才引进与用工保障",
        ["hr", "education", "police"],
    ),
    (
        "2019-03-08",
        "促进民营经济健康发展新闻发布会（第七场）",
        "规范涉企执法检查和政策兑现",
        ["market", "urban", "environment", "economy", "science"],
    ),
]
COMMITMENT_STATES = [
    CommitmentStatus.VERIFIED,
    CommitmentStatus.COMPLETED,
    CommitmentStatus.IN_PROGRESS,
    CommitmentStatus.OVERDUE,
    CommitmentStatus.PENDING,
]

register_login("qiyefuwu")
register_login("gongdian")


def demo_uscc(seq: int) -> str:
    base = f"91510700MA{seq:07d}"
    return base + uscc_mod.calc_check_digit(base + "0")


POLICY_KEYS = {k for k, *_r in TOPICS["policy"]}


def add_arguments(parser):
    parser.add_argument(
        "--appeals", type=int, default=5000, help="number of demo appeals (default 5000)"
    )


def _weighted(rng, items):
    return rng.choices(items, weights=[w for _k, w, *_r in items])[0]


def make_text(rng, topic, appeal_type, area, industry, key=None):
    """(department key, title, text) of a demo appeal on ``topic`` — for department ``key``
    if given, else for a department drawn by the topic's weights."""
    if key is None:
        key, _w, words = _weighted(rng, TOPICS[topic])
    else:
        words = next(w for k, _w, w in TOPICS[topic] if k == key)
    kw = rng.choice(words)
    if rng.random() < 0.25:  # an ambiguous appeal mentions a sibling department's matter too
        _k2, _w2, words2 = rng.choice(TOPICS[topic])
        kw2 = rng.choice(words2)
    else:
        kw2 = rng.choice(words)
    body = rng.choice(TEMPLATES[appeal_type]).format(kw=kw, kw2=kw2, n=rng.randint(2, 6))
    opener = rng.choice(OPENERS).format(area=area, industry=industry)
    text = opener + body + rng.choice(CLOSERS)
    title = f"{kw}{rng.choice(['问题', '咨询', '求助', '的诉求', '办理进度'])}"
    return key, title, text


def _enterprises(rng, tally, count=120):
    from yingshang.registry.models import Enterprise

    # registered in the configured city's counties (not in another city the database holds)
    city = Division.objects.get(code=settings.YINGSHANG_CITY_CODE)
    divisions = list(Division.objects.filter(level=3, parent=city).order_by("code"))
    out = []
    existing = {e.uscc: e for e in Enterprise.objects.filter(uscc__startswith="91510700MA")}
    new = []
    for i in range(count):
        code = demo_uscc(i + 1)
        if code in existing:
            out.append(existing[code])
            tally.add("enterprises", "unchanged")
            continue
        name = f"绵阳{NAME_HEADS[i % len(NAME_HEADS)]}{INDUSTRIES[(i * 7) % len(INDUSTRIES)][:2]}{NAME_TAILS[(i * 3) % len(NAME_TAILS)]}"
        if i >= len(NAME_HEADS):
            name = name.replace("绵阳", AREAS[i % len(AREAS)].rstrip("区县市"), 1)
        new.append(
            Enterprise(
                uscc=code,
                name=name,
                legal_representative=rng.choice("王李张刘陈杨赵黄周吴")
                + rng.choice(["伟", "芳", "强", "敏", "军", "洁"]),
                division=rng.choice(divisions) if divisions else None,
            )
        )
    if new:
        Enterprise.objects.bulk_create(new, ignore_conflicts=True)
        tally.add("enterprises", "created", len(new))
    return list(Enterprise.objects.filter(uscc__startswith="91510700MA").order_by("uscc"))[:count]


def _demo_users(tally, enterprise):
    city = Division.objects.get(code=settings.YINGSHANG_CITY_CODE)
    office = Department.objects.get(division=city, function_key="gov_service")
    power = Department.objects.get(division=city, function_key="power")
    rows = [
        ("qiyefuwu", "企业服务科 孟科员", Role.HANDLER, office),
        ("gongdian", "供电公司 何经理", Role.HANDLER, power),
        ("qiye", "钱经理（企业）", "", None),
    ]
    users = {}
    for username, full_name, role, dept in rows:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                department=dept,
                division=city if role else None,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            tally.add("staff", "created")
        else:
            tally.add("staff", "unchanged")
        users[username] = user
    link_enterprise_user(enterprise, users["qiye"])
    return users


@demo_step(500, "appeals, Q&A sessions, dispatch model", add_arguments=add_arguments)
def load_appeals(options, tally: Tally, out):
    rng = random.Random(options.get("seed", 2019))
    n = int(options.get("appeals", 5000) or 0)
    start, end = demo_year()
    with transaction.atomic():
        enterprises = _enterprises(rng, tally)
        users = _demo_users(tally, enterprises[0])
        mine = Appeal.objects.filter(uscc__startswith=DEMO_USCC_PREFIX)
        if mine.exists() or n <= 0:
            tally.add("appeals", "unchanged", Appeal.objects.count())
            _print_demo_code(out)
            return
        city = Division.objects.get(code=settings.YINGSHANG_CITY_CODE)
        city_depts = {
            d.function_key: d
            for d in Department.objects.filter(division=city).exclude(function_key="")
        }
        county_depts = {}
        for d in Department.objects.filter(
            division__parent=city, division__level=3, division__is_management_area=False
        ).select_related("division"):
            county_depts[(d.division.name, d.function_key)] = d
        office_user = users["qiyefuwu"]
        _load_appeals(
            rng, n, enterprises, city, city_depts, county_depts, office_user, users, tally,
            start=start, end=end,
        )  # fmt: skip
        _load_sessions(rng, enterprises, city, city_depts, office_user, tally, start=start)
    _print_demo_code(out)
    from yingshang.appeals import services

    try:
        m = services.train_dispatch_model()
        tally.add("dispatch model", "created")
        if out is not None:
            out.write(
                f"  dispatch model: top-1 {m['top1']:.1%}, top-3 {m['top3']:.1%} "
                f"on {m['n_test']} held-out appeals"
            )
    except Exception as exc:  # noqa: BLE001 - the demo stays usable without a model
        if out is not None:
            out.write(f"  dispatch model not trained: {exc}")


def _print_demo_code(out) -> None:
    """The 查询码 of one demo appeal, to try the public look-up (codes are never stored, so the
    demo prints one; every demo appeal has its own)."""
    appeal = Appeal.objects.exclude(lookup_seed="").order_by("number").first()
    if appeal is not None and out is not None:
        out.write(
            f"  demo query code: appeal {appeal.number} → {appeal.lookup_code} (/appeals/track/)"
        )


def _at(day: datetime.date, rng) -> datetime.datetime:
    return datetime.datetime(
        day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=SH
    )


def _load_appeals(
    rng, n, enterprises, city, city_depts, county_depts, office_user, users, tally, *, start, end
):
    days = (end - start).days
    topics = list(TOPICS)
    topic_weights = [8, 10, 5, 9, 9, 10, 7, 8, 7, 9]
    types = list(TYPE_WEIGHTS)
    appeals, plans = [], []
    end_of_year = datetime.datetime.combine(end, datetime.time(23), SH)
    for i in range(n):
        day = start + datetime.timedelta(days=int(i * days / n))
        submitted = _at(day, rng)
        topic = rng.choices(topics, weights=topic_weights)[0]
        atype = (
            AppealType.POLICY
            if topic == "policy" and rng.random() < 0.7
            else rng.choices(types, weights=list(TYPE_WEIGHTS.values()))[0]
        )
        is_person = rng.random() < 0.12
        ent = rng.choice(enterprises)
        area = rng.choice(AREAS)
        key, title, text = make_text(rng, topic, atype, area, rng.choice(INDUSTRIES))
        lead = city_depts.get(key)
        if area in {"江油市", "三台县", "涪城区"} and rng.random() < 0.15:
            lead = county_depts.get((area, key)) or lead
        limit = conf.limit_days(atype)
        sign_due = add_working_days(submitted, 1).due
        a = Appeal(
            number=f"SQ{submitted:%Y%m%d}{i + 1:06d}",
            appellant_kind=AppellantKind.PERSON if is_person else AppellantKind.ENTERPRISE,
            enterprise=None if is_person else ent,
            uscc="" if is_person else ent.uscc,
            enterprise_name="" if is_person else ent.name,
            person_name=rng.choice("王李张刘陈杨") + rng.choice(["先生", "女士"])
            if is_person
            else "",
            contact_name=rng.choice("王李张刘陈杨赵黄")
            + rng.choice(["经理", "主任", "会计", "先生", "女士"]),
            contact_phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
            applicant_user=users["qiye"] if (not is_person and ent == enterprises[0]) else None,
            channel=rng.choices(
                [Channel.PORTAL, Channel.HOTLINE, Channel.VISIT, Channel.API],
                weights=[55, 30, 10, 5],
            )[0],
            appeal_type=atype,
            topic=topic,
            title=title[:120],
            text=text,
            tokens=" ".join(tokenize(f"{title} {text}")),
            division=city,
            submitted_at=submitted,
            sign_due=sign_due,
        )
        # plan: sign + dispatch within a working day; reply within the limit (some late)
        dispatched = submitted + datetime.timedelta(hours=rng.randint(1, 20))
        a.signed_at = a.dispatched_at = dispatched
        a.lead_department = lead
        a.division = lead.division
        a.limit_days = limit
        a.due_at = add_working_days(dispatched, limit).due
        late = rng.random() < 0.08
        reply_at = dispatched + datetime.timedelta(
            days=rng.uniform(0.5, limit * 1.3 if not late else limit * 2.2)
        )
        outcome = "closed"
        if late and reply_at > a.due_at:
            a.escalated_at = a.due_at + datetime.timedelta(minutes=15)
            a.escalation_reason = "逾期未办结"
        if reply_at > end_of_year:
            outcome = "escalated" if a.escalated_at else "dispatched"
        elif rng.random() < 0.06 and reply_at + datetime.timedelta(days=2) < end_of_year:
            outcome = "unresolved"
        elif reply_at + datetime.timedelta(days=3) > end_of_year:
            outcome = "replied"
        a.status = {
            "closed": Status.CLOSED,
            "unresolved": Status.CLOSED,
            "replied": Status.REPLIED,
            "dispatched": Status.DISPATCHED,
            "escalated": Status.ESCALATED,
        }[outcome]
        if outcome in {"closed", "unresolved", "replied"}:
            a.replied_at = reply_at
            a.reply_text = rng.choice(REPLIES).format(n=rng.randint(2, 5))
        if outcome in {"closed", "unresolved"}:
            a.closed_at = reply_at + datetime.timedelta(days=rng.uniform(0.2, 2))
            a.resolved = True
        a.lookup_seed = lookup_codes.new_seed()  # 32 random hex characters: cheap per row
        appeals.append(a)
        plans.append(outcome)
    Appeal.objects.bulk_create(appeals, batch_size=1000)
    tally.add("appeals", "created", len(appeals))
    saved = {
        a.number: a
        for a in Appeal.objects.filter(number__in=[a.number for a in appeals]).only("id", "number")
    }
    events = []
    handler_name = "承办人"
    for a, outcome in zip(appeals, plans, strict=True):
        pk = saved[a.number].pk
        ev = [
            ("submit", "", Status.SUBMITTED, a.submitted_at, "", "诉求人", a.get_channel_display()),
            ("sign", Status.SUBMITTED, Status.SIGNED, a.signed_at, str(office_user), "承办人", ""),
            (
                "dispatch",
                Status.SIGNED,
                Status.DISPATCHED,
                a.dispatched_at,
                str(office_user),
                "承办人",
                "",
            ),
        ]
        if a.escalated_at:
            ev.append(
                (
                    "escalate",
                    Status.DISPATCHED,
                    Status.ESCALATED,
                    a.escalated_at,
                    "system",
                    "系统",
                    "逾期未办结",
                )
            )
        if a.replied_at:
            before = Status.ESCALATED if a.escalated_at else Status.DISPATCHED
            ev.append(
                (
                    "reply",
                    before,
                    Status.REPLIED,
                    a.replied_at,
                    a.lead_department.name,
                    handler_name,
                    a.reply_text,
                )
            )
        if outcome == "unresolved":
            # first reply not accepted, reopened, then resolved
            ev.append(
                (
                    "reopen",
                    Status.REPLIED,
                    Status.DISPATCHED,
                    a.replied_at + datetime.timedelta(hours=20),
                    "",
                    "诉求人",
                    "问题仍未解决",
                )
            )
            ev.append(
                (
                    "reply",
                    Status.DISPATCHED,
                    Status.REPLIED,
                    a.replied_at + datetime.timedelta(days=1),
                    a.lead_department.name,
                    handler_name,
                    "已再次协调解决。",
                )
            )
        if a.closed_at:
            ev.append(
                (
                    "confirm",
                    Status.REPLIED,
                    Status.CLOSED,
                    max(a.closed_at, a.replied_at + datetime.timedelta(days=1, hours=1)),
                    "",
                    "诉求人",
                    "",
                )
            )
        for action, fr, to, at, name, role, note in ev:
            events.append(
                AppealEvent(
                    appeal_id=pk,
                    action=action,
                    from_state=fr,
                    to_state=to,
                    at=at,
                    actor_name=name,
                    actor_role=role,
                    note=note,
                )
            )
    AppealEvent.objects.bulk_create(events, batch_size=2000)
    tally.add("appeal events", "created", len(events))


def _load_sessions(rng, enterprises, city, city_depts, office_user, tally, *, start):
    if QASession.objects.filter(title=SESSIONS[0][1]).exists():
        tally.add("qa sessions", "unchanged", len(SESSIONS))
        return
    invited = enterprises[:63]  # 9 per session, 63 distinct enterprises (the seed: 50余家)
    state_cycle = 0
    for si, (date, title, theme, keys) in enumerate(SESSIONS):
        s = QASession.objects.create(
            title=title,
            date=session_date(date, start),
            theme=theme,
            venue="绵阳市政务服务中心新闻发布厅",
            leaders="市政府副市长、市政务服务监督管理局局长及相关部门负责人",
            division=city,
        )
        depts = [city_depts[k] for k in keys if k in city_depts]
        s.departments.set(depts)
        guests = invited[si * 9 : si * 9 + 9]
        s.enterprises.set(guests)
        tally.add("qa sessions", "created")
        for qi in range(5):
            dept = depts[qi % len(depts)]
            topic = next(
                (
                    t
                    for t, specs in TOPICS.items()
                    if any(k == dept.function_key for k, *_r in specs)
                ),
                "policy",
            )
            _k, _t, text = make_text(
                rng,
                topic,
                AppealType.HELP,
                rng.choice(AREAS),
                rng.choice(INDUSTRIES),
                key=dept.function_key
                if topic != "policy" or dept.function_key in POLICY_KEYS
                else None,
            )
            q = QAQuestion.objects.create(
                session=s,
                order=qi + 1,
                enterprise=guests[qi],
                asker=rng.choice("王李张刘陈") + "总",
                question=text,
                answering_department=dept,
                answer=f"{dept.name}负责人回应：将专题研究，明确时限，限期解决企业反映的问题。",
            )
            tally.add("qa questions", "created")
            if qi >= 3:
                continue  # not every answer promises action
            status = COMMITMENT_STATES[state_cycle % len(COMMITMENT_STATES)]
            state_cycle += 1
            session_day = session_date(date, start)
            if status in {CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS}:
                # long-running (长期坚持) commitments
                deadline = session_day + datetime.timedelta(days=3 * 365)
            else:
                deadline = session_day + datetime.timedelta(days=rng.choice([30, 60, 90]))
            c = Commitment.objects.create(
                session=s,
                question=q,
                content=f"{dept.name}承诺：{rng.choice(['出台实施细则', '开通绿色通道', '压缩办理时限一半', '建立专人对接机制', '完成专项清理'])}",
                owner_department=dept,
                deadline=deadline,
                status=status,
                division=dept.division,
                progress_note={
                    CommitmentStatus.VERIFIED: "已完成，经企业服务科核验销号。",
                    CommitmentStatus.COMPLETED: "已完成，待核验。",
                    CommitmentStatus.IN_PROGRESS: "正在推进，已完成方案起草。",
                    CommitmentStatus.OVERDUE: "超过承诺时限仍未完成。",
                    CommitmentStatus.PENDING: "",
                }[status],
            )
            t0 = datetime.datetime.combine(session_day, datetime.time(10), SH)
            path = {
                CommitmentStatus.PENDING: [],
                CommitmentStatus.IN_PROGRESS: ["start"],
                CommitmentStatus.OVERDUE: ["start", "overdue"],
                CommitmentStatus.COMPLETED: ["start", "complete"],
                CommitmentStatus.VERIFIED: ["start", "complete", "verify"],
            }[status]
            states = {
                "start": CommitmentStatus.IN_PROGRESS,
                "overdue": CommitmentStatus.OVERDUE,
                "complete": CommitmentStatus.COMPLETED,
                "verify": CommitmentStatus.VERIFIED,
            }
            prev = CommitmentStatus.PENDING
            CommitmentEvent.objects.create(
                commitment=c, action="create", to_state=prev, actor_name=str(office_user), at=t0
            )
            for k, action in enumerate(path):
                CommitmentEvent.objects.create(
                    commitment=c,
                    action=action,
                    from_state=prev,
                    to_state=states[action],
                    actor_name=dept.name if action != "overdue" else "system",
                    at=t0 + datetime.timedelta(days=10 * (k + 1)),
                )
                prev = states[action]
            tally.add("commitments", "created")
