"""Writes of the core app: one function per use case, each in a transaction."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Department, Division, DivisionLevel

LEVEL_BY_LABEL = {
    "省": DivisionLevel.PROVINCE,
    "province": DivisionLevel.PROVINCE,
    "1": DivisionLevel.PROVINCE,
    "市": DivisionLevel.CITY,
    "city": DivisionLevel.CITY,
    "2": DivisionLevel.CITY,
    "县": DivisionLevel.COUNTY,
    "county": DivisionLevel.COUNTY,
    "3": DivisionLevel.COUNTY,
    "乡": DivisionLevel.TOWNSHIP,
    "township": DivisionLevel.TOWNSHIP,
    "4": DivisionLevel.TOWNSHIP,
    "村": DivisionLevel.VILLAGE,
    "village": DivisionLevel.VILLAGE,
    "5": DivisionLevel.VILLAGE,
}


class ImportError_(ValidationError):
    """An import refused as a whole; ``row_errors`` maps row numbers to messages."""

    def __init__(self, row_errors: dict[int, list[str]]):
        self.row_errors = row_errors
        lines = [
            _("第%(row)d行：%(msg)s") % {"row": row, "msg": ";".join(msgs)}
            for row, msgs in sorted(row_errors.items())
        ]
        super().__init__(lines)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    objects: list = field(default_factory=list)


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{name}: {m}" for name, errs in exc.message_dict.items() for m in errs]
    return list(exc.messages)


def save_division(
    *,
    code: str,
    name: str,
    level: int,
    parent: Division | None,
    is_management_area: bool = False,
    name_en: str = "",
) -> tuple[Division, str]:
    """Create or update one division by code; validates code, level and parent.
    Returns (division, "created" | "updated" | "unchanged")."""
    division = Division.objects.filter(code=code).first() or Division(code=code)
    new = division.pk is None
    values = {
        "name": name,
        "level": level,
        "parent": parent,
        "is_management_area": is_management_area,
        "name_en": name_en or division.name_en,
    }
    changed = new or any(getattr(division, k) != v for k, v in values.items())
    for k, v in values.items():
        setattr(division, k, v)
    division.full_clean(exclude=["path"])
    if changed:
        division.save()
    return division, "created" if new else ("updated" if changed else "unchanged")


@transaction.atomic
def import_divisions_csv(data: str | bytes) -> ImportResult:
    """Import divisions from CSV with header ``code,name,level,parent_code[,management_area,name_en]``.

    ``level`` is 省/市/县/乡/村 (or province … village, or 1–5). Parents may appear earlier in the
    same file or already exist. All or nothing: any bad row rolls back the whole import and the
    error names every failing row (row 1 is the header)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    required = {"code", "name", "level", "parent_code"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise ImportError_({1: [_("缺少列：%(cols)s") % {"cols": ", ".join(sorted(missing))}]})
    result = ImportResult()
    errors: dict[int, list[str]] = {}
    seen: set[str] = set()
    for rowno, row in enumerate(reader, start=2):
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        level_raw = (row.get("level") or "").strip().lower()
        parent_code = (row.get("parent_code") or "").strip()
        row_errors = []
        if not code:
            row_errors.append(_("code：区划代码不能为空"))
        elif code in seen:
            row_errors.append(_("code：区划代码 %(code)s 在文件中重复") % {"code": code})
        if not name:
            row_errors.append(_("name：名称不能为空"))
        level = LEVEL_BY_LABEL.get(level_raw)
        if level is None:
            row_errors.append(
                _("level：未知层级“%(level)s”（应为 省/市/县/乡/村）") % {"level": level_raw}
            )
        parent = None
        if parent_code:
            parent = Division.objects.filter(code=parent_code).first()
            if parent is None:
                row_errors.append(
                    _("parent_code：上级区划 %(code)s 不存在") % {"code": parent_code}
                )
        if not row_errors:
            seen.add(code)
            try:
                with transaction.atomic():
                    division, status = save_division(
                        code=code,
                        name=name,
                        level=level,
                        parent=parent,
                        is_management_area=(row.get("management_area") or "").strip().lower()
                        in {"1", "true", "yes", "是"},
                        name_en=(row.get("name_en") or "").strip(),
                    )
            except ValidationError as exc:
                row_errors.extend(_messages(exc))
            else:
                result.objects.append(division)
                setattr(result, status, getattr(result, status) + 1)
        if row_errors:
            errors[rowno] = row_errors
    if errors:
        raise ImportError_(errors)
    return result


def save_department(
    *,
    name: str,
    division: Division | None,
    kind: str = "government",
    function_key: str = "",
    short_name: str = "",
    name_en: str = "",
    uscc: str = "",
) -> tuple[Department, str]:
    if division is None:
        raise ValidationError({"division": _("部门必须属于一个区划。")})
    dept = Department.objects.filter(division=division, name=name).first() or Department(
        division=division, name=name
    )
    new = dept.pk is None
    values = {
        "kind": kind,
        "function_key": function_key,
        "short_name": short_name,
        "name_en": name_en or dept.name_en,
        "uscc": uscc or dept.uscc,
    }
    changed = new or any(getattr(dept, k) != v for k, v in values.items())
    for k, v in values.items():
        setattr(dept, k, v)
    dept.full_clean()
    if changed:
        dept.save()
    return dept, "created" if new else ("updated" if changed else "unchanged")
