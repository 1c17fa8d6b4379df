"""The organisation: administrative divisions, departments, staff and their roles."""

import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingshang.platform.scoping import ScopedQuerySet


class DivisionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县")
    TOWNSHIP = 4, _("乡")
    VILLAGE = 5, _("村")


CODE_RE = {
    DivisionLevel.PROVINCE: re.compile(r"^\d{2}0000$"),
    DivisionLevel.CITY: re.compile(r"^\d{4}00$"),
    DivisionLevel.COUNTY: re.compile(r"^\d{6}$"),
    DivisionLevel.TOWNSHIP: re.compile(r"^\d{9}000$"),
    DivisionLevel.VILLAGE: re.compile(r"^\d{12}$"),
}
MANAGEMENT_AREA_RE = re.compile(r"^(\d{6})-[A-Z0-9]{2,8}$")


class DivisionQuerySet(ScopedQuerySet):
    def subtree(self, division):
        return self.filter(path__startswith=division.path)


class Division(models.Model):
    """行政区划: province → city → county → township → village.

    County level and above carry GB/T 2260 six-digit codes; townships and villages the
    statistics bureau's twelve-digit codes. Development zones are management areas
    (管理区域), attached to a city with a code of the form ``510700-GXQ``.
    ``path`` materialises the chain of codes (``510000/510700/510703/``) so that a subtree is
    one indexed prefix query.
    """

    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=DivisionLevel.choices)
    is_management_area = models.BooleanField(_("管理区域（非行政区划）"), default=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = DivisionQuerySet.as_manager()
    scope_division_field = "path"
    audited = True

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]

    def __str__(self):
        return f"{self.name}({self.code})"

    @property
    def level_label(self):
        return self.get_level_display()

    def clean(self):
        errors = {}
        code = self.code or ""
        if self.is_management_area:
            m = MANAGEMENT_AREA_RE.match(code)
            if not m:
                errors["code"] = _(
                    "管理区域代码应为上级区划代码加“-”和2至8位大写字母或数字，如 510700-GXQ。"
                )
            elif self.parent and m.group(1) != self.parent.code:
                errors["code"] = _("管理区域代码前缀 %(prefix)s 与上级区划 %(parent)s 不符。") % {
                    "prefix": m.group(1),
                    "parent": self.parent.code,
                }
            if self.parent and self.parent.level != DivisionLevel.CITY:
                errors["parent"] = _("管理区域只能隶属于市级区划。")
        else:
            pattern = CODE_RE.get(self.level)
            if pattern and not pattern.match(code):
                expected = {
                    DivisionLevel.PROVINCE: _("6位数字，后4位为0"),
                    DivisionLevel.CITY: _("6位数字，后2位为0"),
                    DivisionLevel.COUNTY: _("6位数字"),
                    DivisionLevel.TOWNSHIP: _("12位数字，后3位为0"),
                    DivisionLevel.VILLAGE: _("12位数字"),
                }[self.level]
                errors["code"] = _("区划代码“%(code)s”格式错误：%(level)s级应为%(expected)s。") % {
                    "code": code,
                    "level": self.get_level_display(),
                    "expected": expected,
                }
            elif self.parent is None and self.level != DivisionLevel.PROVINCE:
                errors["parent"] = _("除省级外，区划必须有上级区划。")
            elif self.parent is not None:
                if self.parent.level != self.level - 1 and not (
                    self.level == DivisionLevel.COUNTY and self.parent.level == DivisionLevel.CITY
                ):
                    errors["parent"] = _(
                        "上级区划层级不符：%(level)s级的上级应为%(parent)s级。"
                    ) % {
                        "level": self.get_level_display(),
                        "parent": DivisionLevel(self.level - 1).label,
                    }
                elif not code.startswith(self.parent.code_prefix):
                    errors["code"] = _(
                        "区划代码“%(code)s”与上级区划“%(parent)s”不符（应以 %(prefix)s 开头）。"
                    ) % {
                        "code": code,
                        "parent": self.parent.code,
                        "prefix": self.parent.code_prefix,
                    }
        if errors:
            raise ValidationError(errors)

    @property
    def code_prefix(self) -> str:
        """The digits every child code starts with (510000 → 51, 510700 → 5107, 510703 → 510703)."""
        if self.level == DivisionLevel.PROVINCE:
            return self.code[:2]
        if self.level == DivisionLevel.CITY:
            return self.code[:4]
        if self.level == DivisionLevel.COUNTY:
            return self.code[:6]
        if self.level == DivisionLevel.TOWNSHIP:
            return self.code[:9]
        return self.code

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)

    def is_within(self, other: "Division") -> bool:
        return self.path.startswith(other.path)


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    SERVICE_CENTRE = "service_centre", _("便民服务中心")
    SERVICE_POINT = "service_point", _("便民服务站（点）")
    HALL = "hall", _("政务服务大厅")
    PUBLIC_UTILITY = "utility", _("公共服务企业")
    OTHER = "other", _("其他")


class Department(models.Model):
    """部门: an agency of one division. ``function_key`` links the counterparts of one function
    across levels (市市场监督管理局 and 江油市市场监督管理局 share ``market``)."""

    name = models.CharField(_("部门名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    division = models.ForeignKey(
        Division,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    kind = models.CharField(
        _("类型"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT
    )
    function_key = models.CharField(_("职能标识"), max_length=40, blank=True, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    scope_department_field = "id"
    audited = True

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["division__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="department_unique_name"),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    CLERK = "clerk", _("综合窗口人员")
    HANDLER = "handler", _("承办人")
    DEPT_HEAD = "dept_head", _("部门负责人")
    SUPERVISOR = "supervisor", _("监督员")
    LEADER = "leader", _("市领导")
    ADMIN = "admin", _("系统管理员")


# Roles whose view is limited to their own department inside their division subtree.
DEPARTMENT_ROLES = {Role.HANDLER, Role.DEPT_HEAD}
READ_ONLY_ROLES = {Role.LEADER}


class StaffManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """Staff member (工作人员) — or, with ``role`` empty, a portal user (applicant)."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    division = models.ForeignKey(
        Division,
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    objects = StaffManager()
    scope_division_field = "division"
    scope_department_field = "department"
    audited = True
    personal_fields = ("phone",)
    audit_exclude = ("password", "last_login")

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self):
        return self.full_name or self.username

    @property
    def is_staff_member(self) -> bool:
        return bool(self.role) or self.is_superuser

    @property
    def is_department_bound(self) -> bool:
        """Sees only their own department inside the division subtree (platform scoping)."""
        return self.role in DEPARTMENT_ROLES

    @property
    def is_read_only(self) -> bool:
        """Reads everything in scope, changes nothing (platform ``can_write``)."""
        return self.role in READ_ONLY_ROLES

    def clean(self):
        super().clean()
        if self.role and not self.division_id:
            raise ValidationError({"division": _("工作人员必须属于一个区划。")})
        if self.role in DEPARTMENT_ROLES and not self.department_id:
            raise ValidationError({"department": _("该角色必须属于一个部门。")})
        if (
            self.department_id
            and self.division_id
            and not self.department.division.is_within(self.division)
        ):
            raise ValidationError({"department": _("所属部门不在所属区划范围内。")})
