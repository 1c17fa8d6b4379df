"""factory_boy factories of the organisation: divisions, departments and users per role.

The core demo (Mianyang's divisions, departments and demo staff) is in the test database
already (tests/conftest.py); the division and department factories look existing rows up by
their natural key first, so ``DivisionFactory(code="510781")`` is 江油市 and a new code is a new
division under the right parent.

Identifiers are valid: ``uscc_for`` and ``ric_for`` compute the GB 32100 / GB 11643 check
characters with python-stdnum instead of carrying hard-coded numbers.
"""

import datetime

import factory
from factory.django import DjangoModelFactory
from stdnum.cn import ric, uscc

from yingshang.core.models import Department, DepartmentKind, Division, DivisionLevel, Role, User

CITY_CODE = "510700"
# Mianyang's counties and county-level city (GB/T 2260), as in core/data/mianyang.py.
COUNTIES = {
    "510703": "涪城区",
    "510704": "游仙区",
    "510705": "安州区",
    "510722": "三台县",
    "510723": "盐亭县",
    "510725": "梓潼县",
    "510726": "北川羌族自治县",
    "510727": "平武县",
    "510781": "江油市",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["明", "芳", "伟", "静", "磊", "婷", "强", "敏", "洋", "丽", "军", "艳", "杰", "娟"]
TRADES = ["科技", "电子", "商贸", "食品", "建材", "物流", "餐饮", "文化传媒", "农业", "医药"]


def uscc_for(division_code: str, seq: int, *, kind: str = "91") -> str:
    """A valid 统一社会信用代码: registration authority + type (``91`` = 工商 enterprise), the
    six-digit division code, a nine-character organisation code (``MA`` + seven digits) and the
    GB 32100 check character."""
    body = f"{kind}{division_code[:6]}MA{seq % 10_000_000:07d}"
    return body + uscc.calc_check_digit(body)


def ric_for(division_code: str, birth: datetime.date | str, seq: int) -> str:
    """A valid 居民身份证号码: division, birth date (YYYYMMDD), sequence (odd = male) and the
    ISO 7064 MOD 11-2 check character. The division must have existed in the birth year
    (stdnum checks it: 涪城区 510703 dates from 1992)."""
    if isinstance(birth, datetime.date):
        birth = birth.strftime("%Y%m%d")
    body = f"{division_code[:6]}{birth}{seq % 1000:03d}"
    # stdnum's calc_check_digit takes 18 characters and ignores the last one.
    return body + ric.calc_check_digit(body + "0")


def mobile(seq: int) -> str:
    """A Chinese mobile number (139 0816 xxxx; 0816 is Mianyang's area code)."""
    return f"1390816{seq % 10_000:04d}"


def person_name(seq: int) -> str:
    return SURNAMES[seq % len(SURNAMES)] + GIVEN[seq % len(GIVEN)] + GIVEN[(seq // 7) % len(GIVEN)]


def city() -> Division:
    return Division.objects.get(code=CITY_CODE)


class DivisionFactory(DjangoModelFactory):
    """A township (乡镇街道) of 涪城区 by default, with a twelve-digit statistics code; pass
    ``code`` of an existing division to get it back."""

    class Meta:
        model = Division
        django_get_or_create = ("code",)

    parent = factory.LazyFunction(lambda: Division.objects.get(code="510703"))
    code = factory.Sequence(lambda n: f"510703{900 + n % 100:03d}000")
    name = factory.Sequence(lambda n: f"测试街道{n}")
    level = DivisionLevel.TOWNSHIP


class DepartmentFactory(DjangoModelFactory):
    """A department of the city (市XX局) by default; ``function_key`` links counterparts."""

    class Meta:
        model = Department
        django_get_or_create = ("division", "name")

    division = factory.LazyFunction(city)
    name = factory.Sequence(lambda n: f"绵阳市测试局{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:6])
    kind = DepartmentKind.GOVERNMENT
    function_key = factory.Sequence(lambda n: f"test{n}")
    uscc = factory.Sequence(lambda n: uscc_for(CITY_CODE, 9_000_000 + n, kind="11"))


def department(division_code: str, function_key: str) -> Department:
    """A department the core demo loaded (``department("510781", "market")``)."""
    return Department.objects.get(division__code=division_code, function_key=function_key)


class UserFactory(DjangoModelFactory):
    """A portal user (applicant): no role, no division."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    full_name = factory.Sequence(person_name)
    phone = factory.Sequence(mobile)
    role = ""
    password = factory.PostGenerationMethodCall("set_password", "x-test-pass-1")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


PortalUserFactory = UserFactory


def grant(user, *permissions: str):
    """Give ``user`` Django permissions ("catalog.maintain_catalog") directly and drop the
    permission cache, so ``has_perm`` sees them at once. Returns the user."""
    from django.contrib.auth.models import Permission

    for perm in permissions:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


MAINTAIN_CATALOG = "catalog.maintain_catalog"
MAINTAIN_REGISTRY = "registry.maintain_registry"


class StaffFactory(UserFactory):
    """A staff member of the city's market bureau (市市场监督管理局). ``maintains=[perm, …]``
    grants maintainer permissions (``MAINTAIN_CATALOG``, ``MAINTAIN_REGISTRY``)."""

    username = factory.Sequence(lambda n: f"staff{n:04d}")
    department = factory.LazyFunction(lambda: department(CITY_CODE, "market"))
    division = factory.LazyAttribute(lambda o: o.department.division if o.department else city())

    @factory.post_generation
    def maintains(obj, create, extracted, **kwargs):
        if create and extracted:
            grant(obj, *extracted)


class ClerkFactory(StaffFactory):
    """综合窗口人员 of the city's government service hall."""

    role = Role.CLERK
    department = factory.LazyFunction(lambda: department(CITY_CODE, "hall"))


class HandlerFactory(StaffFactory):
    role = Role.HANDLER


class DeptHeadFactory(StaffFactory):
    role = Role.DEPT_HEAD


class SupervisorFactory(StaffFactory):
    """监督员 of 市政务服务监督管理局."""

    role = Role.SUPERVISOR
    department = factory.LazyFunction(lambda: department(CITY_CODE, "gov_service"))


class LeaderFactory(StaffFactory):
    role = Role.LEADER
    department = factory.LazyFunction(lambda: department(CITY_CODE, "gov_office"))


class AdminFactory(StaffFactory):
    role = Role.ADMIN
    department = None
    division = factory.LazyFunction(city)


ROLE_FACTORIES = {
    Role.CLERK: ClerkFactory,
    Role.HANDLER: HandlerFactory,
    Role.DEPT_HEAD: DeptHeadFactory,
    Role.SUPERVISOR: SupervisorFactory,
    Role.LEADER: LeaderFactory,
    Role.ADMIN: AdminFactory,
}
