"""Demo registry: enterprises and persons with valid USCC / ID numbers, their e-licences, and
two portal accounts (企业 ``qiye`` and 市民 ``shimin``). Idempotent and deterministic."""

import datetime

from django.db import transaction
from stdnum.cn import ric, uscc

from yingshang.core.models import Department, Division, User
from yingshang.demo.data import mianyang
from yingshang.demo.framework import demo_step
from yingshang.registry import services
from yingshang.registry.models import ELicence, Enterprise, Person

# (org-code body, name, legal representative, phone, division, address, established)
ENTERPRISES = [
    (
        "MA6AB1C01",
        "绵阳市涪江智造科技有限公司",
        "杨涪江",
        "13980610001",
        "510703",
        "绵阳市涪城区城厢街道临园路东段68号",
        "2018-05-16",
    ),
    (
        "MA6AB1C02",
        "绵阳科创云数据服务有限公司",
        "何科创",
        "13980610002",
        "510700",
        "绵阳市科创园区创新中心1号楼",
        "2019-03-01",
    ),
    (
        "MA6AB1C03",
        "江油市太白酒业有限公司",
        "李青莲",
        "13980610003",
        "510781",
        "江油市太白镇青莲大道18号",
        "2012-09-20",
    ),
    (
        "MA6AB1C04",
        "绵阳游仙富乐餐饮管理有限公司",
        "郑富乐",
        "13980610004",
        "510704",
        "绵阳市游仙区富乐街道富乐路6号",
        "2020-07-08",
    ),
    (
        "MA6AB1C05",
        "三台县潼川建筑工程有限公司",
        "潘潼川",
        "13980610005",
        "510722",
        "三台县潼川镇北坝路22号",
        "2015-11-11",
    ),
    (
        "MA6AB1C06",
        "安州区花荄农业开发有限公司",
        "罗花荄",
        "13980610006",
        "510705",
        "绵阳市安州区花荄镇安州大道99号",
        "2016-04-22",
    ),
    (
        "MA6AB1C07",
        "梓潼县文昌文化旅游有限公司",
        "文长卿",
        "13980610007",
        "510725",
        "梓潼县文昌镇七曲山路1号",
        "2017-06-18",
    ),
    (
        "MA6AB1C08",
        "北川羌绣工艺品有限公司",
        "羌云朵",
        "13980610008",
        "510726",
        "北川羌族自治县永昌镇禹龙街5号",
        "2014-10-01",
    ),
]

# (birth date, sequence, name, phone, division)
PERSONS = [
    # 张明 is also the demo applicant shimin: the registry holds the phone of his account
    ("19930101", "123", "张明", "19900000001", "510703"),
    ("19951212", "234", "李华", "13890010002", "510704"),
    ("19900630", "345", "王芳", "13890010003", "510781"),
    ("19951020", "456", "刘洋", "13890010004", "510722"),
    ("20000315", "567", "陈静", "13890010005", "510723"),
    ("19880808", "678", "赵强", "13890010006", "510725"),
]

ENTERPRISE_USER = ("qiye", "杨涪江（企业经办人）")
CITIZEN_USER = ("shimin", "张明（市民）")


def enterprise_uscc(division_code: str, body: str) -> str:
    number = f"91{division_code[:6]}{body}"
    return number + uscc.calc_check_digit(number)


def person_id(division_code: str, birth: str, seq: str) -> str:
    number = f"{division_code[:6]}{birth}{seq}"
    # stdnum's ric.calc_check_digit takes the full 18 characters and ignores the last one.
    return number + ric.calc_check_digit(number + "0")


def _portal_user(username: str, full_name: str, tally) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, role="")
        user.set_password(mianyang.DEMO_PASSWORD)
        user.save()
        tally.add("portal users", "created")
    else:
        tally.add("portal users", "unchanged")
    return user


def _state(obj) -> dict | None:
    """The stored fields of an enterprise or person (None: not registered yet)."""
    if obj is None:
        return None
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _status(before: dict | None, obj) -> str:
    """created, updated (the rerun put changed master data back) or unchanged."""
    if before is None:
        return "created"
    return "unchanged" if before == _state(obj) else "updated"


def _licence(holder, code, issuer, number, issued_on, tally, data=None):
    exists = ELicence.objects.filter(licence_type__code=code, number=number).exists()
    services.issue_elicence(holder, code, issuer, number, "", data or {}, issued_on=issued_on)
    tally.add("e-licences", "unchanged" if exists else "created")


@demo_step(210, "registry: enterprises, persons, e-licences, portal accounts")
@transaction.atomic
def load_registry(options, tally, out):
    divisions = {d.code: d for d in Division.objects.filter(level__lte=3)}
    market = {
        d.division.code: d
        for d in Department.objects.filter(function_key="market").select_related("division")
    }
    police = {
        d.division.code: d
        for d in Department.objects.filter(function_key="police").select_related("division")
    }
    qiye = _portal_user(*ENTERPRISE_USER, tally)
    shimin = _portal_user(*CITIZEN_USER, tally)
    for i, (body, name, rep, phone, div, address, est) in enumerate(ENTERPRISES):
        code = enterprise_uscc(div, body)
        before = _state(Enterprise.objects.filter(uscc=code).first())
        enterprise = services.register_enterprise(
            uscc=code,
            name=name,
            legal_representative=rep,
            phone=phone,
            address=address,
            division=divisions[div],
            established_on=datetime.date.fromisoformat(est),
        )
        tally.add("enterprises", _status(before, enterprise))
        issuer = market.get(div) or market[mianyang.CITY[0]]
        _licence(
            enterprise,
            "yyzz",
            issuer,
            code,
            datetime.date.fromisoformat(est),
            tally,
            {"名称": name, "法定代表人": rep, "住所": address},
        )
        if i == 0:
            services.link_enterprise_user(enterprise, qiye)
    for i, (birth, seq, name, phone, div) in enumerate(PERSONS):
        number = person_id(div, birth, seq)
        before = _state(Person.objects.filter(id_number=number).first())
        person = services.register_person(
            id_number=number,
            name=name,
            phone=phone,
            division=divisions[div],
            user=shimin if i == 0 else None,
        )
        tally.add("persons", _status(before, person))
        issuer = police.get(div) or police[mianyang.CITY[0]]
        _licence(person, "sfz", issuer, f"SFZ{number}", datetime.date(2016, 1, 1), tally)
        _licence(person, "hkb", issuer, f"HKB{number}", datetime.date(2010, 1, 1), tally)


def portal_logins() -> list[tuple[str, str, str, str]]:
    """(username, password, role label, where) of the demo portal accounts."""
    rows = []
    for username, label in (ENTERPRISE_USER, CITIZEN_USER):
        if User.objects.filter(username=username).exists():
            rows.append((username, mianyang.DEMO_PASSWORD, "门户用户", label))
    return rows
