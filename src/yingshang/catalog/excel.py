"""The catalog's Excel template (openpyxl): export and all-or-nothing import that round-trip.

Sheets: 事项 (one row per item, the terms of its current version, and its search words in the
columns 同义词 and 俗称), 材料 (one row per material of the current version), 检索词来源 (optional:
where each search word was heard), 说明 (what each column means). See docs/catalog.md.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from yingshang.core.models import Department, Division
from yingshang.platform.exports import safe_cell, safe_row, unescape
from yingshang.platform.scoping import scope_filter
from yingshang.registry.models import LicenceType

from . import services
from .models import (
    Category,
    ItemKind,
    Material,
    OnlineDepth,
    ScopeOfService,
    ServiceItem,
    Theme,
)

ITEMS_SHEET = "事项"
MATERIALS_SHEET = "材料"
TERMS_SHEET = "检索词来源"
README_SHEET = "说明"

YES, NO = "是", "否"


def _choices(choices) -> dict:
    return {str(value): str(label) for value, label in choices}


# (header, field, kind, description, required)
ITEM_COLUMNS = [
    ("基本编码", "basic_code", "text", "政务服务事项基本编码(GB/T 39554.1)", True),
    (
        "实施编码",
        "implementation_code",
        "text",
        "实施编码:事项的唯一标识,导入时据此匹配已有事项",
        True,
    ),
    ("事项名称", "name", "text", "事项名称", True),
    (
        "事项类型",
        "category",
        Category,
        "行政许可、行政确认、行政给付、行政裁决、行政奖励、行政备案、其他行政权力、公共服务",
        True,
    ),
    ("实施部门", "department", "department", "实施部门全称,须属于“实施区划代码”所指区划", True),
    ("实施区划代码", "division", "division", "实施区划的行政区划代码,如 510700、510781", True),
    ("服务对象", "theme", Theme, "个人、法人、个人和法人", True),
    (
        "主题",
        "life_events",
        "text",
        "主题分类(人生事件/企业经营事件),以顿号分隔,如:开办企业、投资建设",
        False,
    ),
    (
        "需负责人审批",
        "requires_head_approval",
        "bool",
        "是:承办人审核后须报部门负责人审批才能办结;否或留空:承办人直接办结",
        False,
    ),
    ("办件类型", "kind", ItemKind, "即办件(承诺时限须为0)或承诺件", True),
    ("法定时限", "legal_limit_days", "int", "法定办结时限,工作日", True),
    ("承诺时限", "committed_limit_days", "int", "承诺办结时限,工作日,不得超过法定时限", True),
    ("到现场次数", "visits_required", "int", "申请人须到办事现场的次数:0、1、2……", True),
    (
        "网上办理深度",
        "online_depth",
        OnlineDepth,
        "仅线下办理、网上咨询、网上收件、网上预审、网上受理、全程网办",
        True,
    ),
    ("通办范围", "service_scope", ScopeOfService, "属地办理、全市通办、全省通办、跨省通办", True),
    ("是否进驻大厅", "in_hall", "bool", "是 / 否", True),
    ("收费标准", "fee_text", "text", "收费依据与标准;不收费填“不收费”", False),
    ("收费金额", "fee_amount", "decimal", "元,不收费填 0", False),
    ("设定依据", "legal_basis", "text", "法律法规依据", False),
    ("办事指南", "guide", "text", "办理流程、地点、咨询方式等", False),
    (
        "办理结果证照",
        "result_licence_type",
        "licence",
        "办结后发放的电子证照类型代码(见证照类型),无则留空",
        False,
    ),
]
# columns added after workbooks were in use: a workbook without them still imports (a new item
# gets the default 否, an existing one keeps its value)
ABSENT_OK = {"requires_head_approval"}
MATERIAL_COLUMNS = [
    ("实施编码", "implementation_code", "text", "所属事项的实施编码,须出现在“事项”表中", True),
    ("序号", "order", "int", "材料在事项中的顺序,1、2、3……", True),
    ("材料名称", "name", "text", "材料名称", True),
    ("必要性", "requirement", Material.Requirement, "必要 或 容缺/情形性", True),
    ("适用情形", "condition", "text", "情形性材料的适用情形", False),
    ("形式", "form", Material.Form, "原件、复印件、原件和复印件、电子材料", True),
    ("份数", "copies", "int", "份数,至少1", True),
    (
        "可替代证照代码",
        "licence_type",
        "licence",
        "可用该类电子证照/共享数据替代(免提交)时填证照类型代码",
        False,
    ),
]
# Search words of an item (catalog.ItemTerm), on the 事项 sheet: optional columns — a workbook
# without them leaves the items' words as they are; with them, the cells are the whole list.
TERM_COLUMNS = [
    ("同义词", "synonym", "检索同义词,以顿号分隔,如:营业执照、工商执照"),
    ("俗称", "colloquial", "群众的说法(12345、窗口咨询),以顿号分隔,如:开小卖部、开饭店"),
]
TERM_SOURCE_COLUMNS = [
    ("实施编码", "implementation_code", "所属事项的实施编码,须出现在“事项”表中"),
    ("词语", "term", "“同义词”或“俗称”列中的一个词语"),
    ("来源", "source", "这个说法的出处:12345工单、窗口咨询记录、网页地址……"),
]
TERM_SPLIT = re.compile(r"[、,;\n]")  # after NFKC: ，→, ；→;
ITEM_LABELS = {f: h for h, f, *_ in ITEM_COLUMNS}
MATERIAL_LABELS = {f: h for h, f, *_ in MATERIAL_COLUMNS}

ALIASES = {
    "requirement": {
        "必须": "required",
        "必需": "required",
        "非必要": "conditional",
        "容缺": "conditional",
        "情形性": "conditional",
    },
}


class CatalogImportError(ValidationError):
    """An import refused as a whole. ``row_errors`` maps (sheet, row) to messages."""

    def __init__(self, row_errors: dict[tuple[str, int], list[str]]):
        self.row_errors = row_errors
        lines = [
            _("“%(sheet)s”表第%(row)d行：%(msg)s")
            % {"sheet": sheet, "row": row, "msg": ";".join(msgs)}
            if row
            else _("“%(sheet)s”表：%(msg)s") % {"sheet": sheet, "msg": ";".join(msgs)}
            for (sheet, row), msgs in sorted(row_errors.items())
        ]
        super().__init__(lines)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0  # item fields changed in place
    new_versions: int = 0  # terms or materials changed → a new version
    unchanged: int = 0
    terms_changed: int = 0  # items whose search words (同义词/俗称) changed
    codes: list = field(default_factory=list)


# ---------------------------------------------------------------- export


def _cell_value(kind, value):
    if isinstance(kind, type) and hasattr(kind, "choices"):
        value = _choices(kind.choices).get(str(value), str(value))
    elif kind == "bool":
        value = YES if value else NO
    elif kind == "department":
        value = value.name
    elif kind == "division":
        value = value.code
    elif kind == "licence":
        value = value.code if value else ""
    elif kind == "decimal":
        value = float(value or 0)
    # Neutralised against formulas; the import reads it back with ``unescape``.
    return safe_cell(value)


def _readme_rows():
    rows = [(_("工作表"), _("列"), _("必填"), _("说明"))]
    for sheet, columns in ((ITEMS_SHEET, ITEM_COLUMNS), (MATERIALS_SHEET, MATERIAL_COLUMNS)):
        for header, _f, _k, desc, required in columns:
            rows.append((sheet, header, YES if required else NO, desc))
    for header, _k, desc in TERM_COLUMNS:
        rows.append((ITEMS_SHEET, header, NO, desc))
    for header, _f, desc in TERM_SOURCE_COLUMNS:
        rows.append((TERMS_SHEET, header, NO, desc))
    rows.append(("", "", "", ""))
    rows.append(
        (
            _("规则"),
            "",
            "",
            _(
                "导入按实施编码匹配事项：新编码新增事项；名称、类型、部门等直接更新；时限、办件类型、"
                "到现场次数、网上办理深度、通办范围、收费、依据、指南、结果证照或材料有变化时生成"
                "新版本，旧版本保留给已受理的办件。有“同义词”“俗称”列时，其内容即该事项的全部检索词"
                "（没有这两列则检索词不变）。任何一行有错则整个文件不导入。"
            ),
        )
    )
    rows.append((_("证照类型代码"), "", "", ""))
    for lt in LicenceType.objects.order_by("code"):
        rows.append(("", lt.code, "", lt.name))
    return rows


def export_workbook(items=None) -> bytes:
    """The template filled with ``items`` (default: all items), current versions only."""
    if items is None:
        items = ServiceItem.objects.all()
    items = (
        items.select_related(
            "department",
            "division",
            "current_version",
            "current_version__result_licence_type",
        )
        .prefetch_related("current_version__materials__licence_type", "terms")
        .order_by("implementation_code")
    )
    with translation.override("zh-hans"):
        wb = Workbook()
        ws = wb.active
        ws.title = ITEMS_SHEET
        ms = wb.create_sheet(MATERIALS_SHEET)
        ts = wb.create_sheet(TERMS_SHEET)
        rs = wb.create_sheet(README_SHEET)
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="F2DCDB")
        item_headers = [c[0] for c in ITEM_COLUMNS] + [c[0] for c in TERM_COLUMNS]
        ts.append(safe_row(c[0] for c in TERM_SOURCE_COLUMNS))
        for cell in ts[1]:
            cell.font = bold
        for sheet, columns in ((ws, ITEM_COLUMNS), (ms, MATERIAL_COLUMNS)):
            sheet.append(safe_row(item_headers if sheet is ws else [c[0] for c in columns]))
            for cell, col in zip(sheet[1], columns, strict=False):  # + optional term columns
                cell.font = bold
                if col[4]:
                    cell.fill = fill
            sheet.freeze_panes = "A2"
        for cell in ws[1][len(ITEM_COLUMNS) :]:
            cell.font = bold
        for item in items:
            version = item.current_version
            if version is None:
                continue
            row = []
            for _h, name, kind, _d, _r in ITEM_COLUMNS:
                owner = version if name in services.VERSION_FIELDS else item
                value = getattr(owner, name)
                row.append(_cell_value(kind, value))
            terms = sorted(item.terms.all(), key=lambda t: t.term)
            for _h, kind, _d in TERM_COLUMNS:
                row.append(safe_cell("、".join(t.term for t in terms if t.kind == kind)))
            ws.append(row)
            for t in terms:
                if t.source:
                    ts.append(safe_row([item.implementation_code, t.term, t.source]))
            for m in version.materials.all():
                ms.append(
                    [
                        _cell_value(
                            kind,
                            item.implementation_code
                            if name == "implementation_code"
                            else getattr(m, name),
                        )
                        for _h, name, kind, _d, _r in MATERIAL_COLUMNS
                    ]
                )
        for row in _readme_rows():
            rs.append(safe_row(row))
        for cell in rs[1]:
            cell.font = bold
        rs.column_dimensions["D"].width = 80
        for c in rs["D"]:
            c.alignment = Alignment(wrap_text=True)
        for sheet in (ws, ms, ts):
            for col in sheet.columns:
                sheet.column_dimensions[col[0].column_letter].width = 16
        buf = BytesIO()
        wb.save(buf)
        return buf.getvalue()


# ---------------------------------------------------------------- import


def _text(value) -> str:
    if value is None:
        return ""
    value = unescape(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Parser:
    def __init__(self):
        self.departments: dict = {}
        self.divisions = {d.code: d for d in Division.objects.all()}
        self.licences = {}
        for lt in LicenceType.objects.all():
            self.licences[lt.code] = lt
            self.licences.setdefault(lt.name, lt)

    def department(self, division, name):
        key = (division.pk, name)
        if key not in self.departments:
            self.departments[key] = Department.objects.filter(division=division, name=name).first()
        return self.departments[key]

    def parse(self, name, kind, raw, errors, label):
        text = _text(raw)
        if isinstance(kind, type) and hasattr(kind, "choices"):
            lookup = {}
            for value, lbl in kind.choices:
                lookup[str(lbl)] = value
                lookup[str(value)] = value
            lookup.update(ALIASES.get(name, {}))
            if text not in lookup:
                errors.append(
                    _("“%(col)s”的值“%(v)s”无效，应为：%(ok)s")
                    % {"col": label, "v": text, "ok": "、".join(str(lb) for _v, lb in kind.choices)}
                )
                return None
            return lookup[text]
        if kind == "int":
            if text == "":
                return None
            try:
                return int(float(text)) if float(text).is_integer() else text
            except ValueError:
                return text  # reported by the service validation as 应为整数
        if kind == "bool":
            if text in (YES, "Y", "y", "1", "true", "True", "TRUE"):
                return True
            if text in (NO, "N", "n", "0", "false", "False", "FALSE", ""):
                return False
            errors.append(_("“%(col)s”应为“是”或“否”。") % {"col": label})
            return None
        if kind == "decimal":
            try:
                return Decimal(text or "0")
            except ArithmeticError:
                errors.append(_("“%(col)s”应为数字。") % {"col": label})
                return None
        if kind == "licence":
            if not text:
                return None
            if text not in self.licences:
                errors.append(_("“%(col)s”：未知的证照类型“%(v)s”。") % {"col": label, "v": text})
                return None
            return self.licences[text]
        if kind == "division":
            if text not in self.divisions:
                errors.append(_("“%(col)s”：未知的区划代码“%(v)s”。") % {"col": label, "v": text})
                return None
            return self.divisions[text]
        return text


def _headers(ws, columns, sheet_name, errors):
    header = [_text(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1), [])]
    index = {}
    for h, name, *_rest in columns:
        if h in header:
            index[name] = header.index(h)
        elif name in ABSENT_OK:
            continue
        else:
            errors.setdefault((sheet_name, 1), []).append(_("缺少列“%(col)s”。") % {"col": h})
    return index


def _rows(ws):
    for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if row and any(_text(v) for v in row):
            yield n, row


def _field_errors(exc_dict: dict, labels: dict) -> list[str]:
    out = []
    for name, msg in exc_dict.items():
        out.append(f"“{labels.get(name, name)}”:{msg}")
    return out


def parse_workbook(content: bytes):
    """Read and validate the whole workbook; returns the parsed items or raises
    CatalogImportError naming every failing row and column."""
    try:
        wb = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable upload is one clear error
        raise ValidationError(
            {"file": _("无法读取Excel文件（应为 .xlsx）：%(e)s") % {"e": exc}}
        ) from exc
    errors: dict[tuple[str, int], list[str]] = {}
    for sheet in (ITEMS_SHEET, MATERIALS_SHEET):
        if sheet not in wb.sheetnames:
            errors[(sheet, 0)] = [_("缺少工作表“%(s)s”。") % {"s": sheet}]
    if errors:
        raise CatalogImportError(errors)
    parser = _Parser()
    ws, ms = wb[ITEMS_SHEET], wb[MATERIALS_SHEET]
    item_index = _headers(ws, ITEM_COLUMNS, ITEMS_SHEET, errors)
    header = [_text(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1), [])]
    term_index = {kind: header.index(h) for h, kind, _d in TERM_COLUMNS if h in header}
    mat_index = _headers(ms, MATERIAL_COLUMNS, MATERIALS_SHEET, errors)
    if errors:
        raise CatalogImportError(errors)

    items: dict[str, dict] = {}
    rows_of: dict[str, int] = {}
    seen_codes: set[str] = set()
    for n, row in _rows(ws):
        row_errors: list[str] = []
        failed: set[str] = set()
        values = {}
        for h, name, kind, _d, _req in ITEM_COLUMNS:
            if kind == "department":
                continue
            if name not in item_index:  # an optional column added later (ABSENT_OK): kept
                continue
            raw = row[item_index[name]] if item_index[name] < len(row) else None
            count = len(row_errors)
            values[name] = parser.parse(name, kind, raw, row_errors, h)
            if len(row_errors) > count:
                failed.add(name)
        dept_name = _text(
            row[item_index["department"]] if item_index["department"] < len(row) else ""
        )
        values["department"] = None
        if values.get("division") is not None:
            dept = parser.department(values["division"], dept_name)
            if dept is None:
                row_errors.append(
                    _("“实施部门”：区划 %(d)s 没有名为“%(n)s”的部门。")
                    % {"d": values["division"].code, "n": dept_name}
                )
            values["department"] = dept
        if values["department"] is None:
            failed.update({"department", "division"})
        code = values.get("implementation_code") or ""
        seen_codes.add(code)
        if code in rows_of:
            row_errors.append(
                _("“实施编码”：%(c)s 与第%(r)d行重复。") % {"c": code, "r": rows_of[code]}
            )
        item_values = services._clean_text(
            {k: values[k] for k in ("implementation_code", *services.ITEM_FIELDS) if k in values}
        )
        version_values = services._clean_text({k: values[k] for k in services.VERSION_FIELDS})
        errs = services.validate_item_values(item_values)
        errs.update(services.validate_version_values(version_values))
        row_errors.extend(
            _field_errors({k: v for k, v in errs.items() if k not in failed}, ITEM_LABELS)
        )
        values = {**item_values, **version_values}
        terms = _parse_terms(row, term_index, row_errors) if term_index else None
        if row_errors:
            errors[(ITEMS_SHEET, n)] = row_errors
        else:
            rows_of[code] = n
            items[code] = {"values": values, "row": n, "materials": [], "terms": terms}

    orders: dict[tuple[str, int], int] = {}
    for n, row in _rows(ms):
        row_errors = []
        failed = set()
        values = {}
        for h, name, kind, _d, _req in MATERIAL_COLUMNS:
            raw = row[mat_index[name]] if mat_index[name] < len(row) else None
            count = len(row_errors)
            values[name] = parser.parse(name, kind, raw, row_errors, h)
            if len(row_errors) > count:
                failed.add(name)
        code = values.pop("implementation_code")
        order = values.pop("order")
        if code not in seen_codes:
            row_errors.append(_("“实施编码”：%(c)s 不在“事项”表中。") % {"c": code})
        elif code not in items:
            continue  # the item's own row failed and is reported there
        if not isinstance(order, int):
            row_errors.append(_("“序号”应为整数。"))
        elif (code, order) in orders:
            row_errors.append(
                _("“序号”：%(o)d 与第%(r)d行重复。") % {"o": order, "r": orders[(code, order)]}
            )
        values = services._clean_text(values)
        errs = services.validate_material_values(values)
        row_errors.extend(
            _field_errors({k: v for k, v in errs.items() if k not in failed}, MATERIAL_LABELS)
        )
        if row_errors:
            errors[(MATERIALS_SHEET, n)] = row_errors
        else:
            orders[(code, order)] = n
            items[code]["materials"].append((order, values))
    if TERMS_SHEET in wb.sheetnames:
        _parse_term_sources(wb[TERMS_SHEET], items, seen_codes, errors)
    if errors:
        raise CatalogImportError(errors)
    for entry in items.values():
        entry["materials"] = [v for _o, v in sorted(entry["materials"], key=lambda t: t[0])]
    return items


def _parse_terms(row, term_index: dict, row_errors: list) -> list[dict]:
    """The item's search words from the 同义词 / 俗称 cells; an empty word between separators,
    a word over 50 characters or a word given twice is an error of the row."""
    terms: list[dict] = []
    seen: dict[str, str] = {}
    for header, kind, _d in TERM_COLUMNS:
        if kind not in term_index:
            continue
        index = term_index[kind]
        text = _text(row[index] if index < len(row) else "")
        if not text:
            continue
        for part in TERM_SPLIT.split(unicodedata.normalize("NFKC", text)):
            term = services.clean_term(part)
            if not term:
                row_errors.append(
                    _("“%(col)s”：有空的词语（两个分隔符之间没有内容）。") % {"col": header}
                )
                continue
            if len(term) > services.MAX_TERM:
                row_errors.append(
                    _("“%(col)s”：词语“%(t)s”超过%(n)d个字。")
                    % {"col": header, "t": term[:20], "n": services.MAX_TERM}
                )
                continue
            if term in seen:
                row_errors.append(
                    _("“%(col)s”：词语“%(t)s”重复（已在“%(other)s”中）。")
                    % {"col": header, "t": term, "other": seen[term]}
                )
                continue
            seen[term] = header
            terms.append({"term": term, "kind": kind, "source": ""})
    return terms


def _parse_term_sources(ts, items: dict, seen_codes: set, errors: dict) -> None:
    """检索词来源: (实施编码, 词语, 来源) rows naming where a word of the 事项 sheet was heard."""
    header = [_text(c.value) for c in next(ts.iter_rows(min_row=1, max_row=1), [])]
    index = {}
    for h, name, _d in TERM_SOURCE_COLUMNS:
        if h in header:
            index[name] = header.index(h)
        else:
            errors.setdefault((TERMS_SHEET, 1), []).append(_("缺少列“%(col)s”。") % {"col": h})
    if len(index) < len(TERM_SOURCE_COLUMNS):
        return
    seen: dict[tuple[str, str], int] = {}
    for n, row in _rows(ts):
        values = {k: _text(row[i] if i < len(row) else "") for k, i in index.items()}
        code, term = values["implementation_code"], services.clean_term(values["term"])
        row_errors = []
        if code not in seen_codes:
            row_errors.append(_("“实施编码”：%(c)s 不在“事项”表中。") % {"c": code})
        elif code not in items:
            continue  # the item's own row failed and is reported there
        elif not term:
            row_errors.append(_("“词语”不能为空。"))
        elif items[code]["terms"] is None:
            row_errors.append(_("“事项”表没有“同义词”“俗称”列。"))
        elif (code, term) in seen:
            row_errors.append(
                _("“词语”：%(t)s 与第%(r)d行重复。") % {"t": term, "r": seen[(code, term)]}
            )
        else:
            match = [t for t in items[code]["terms"] if t["term"] == term]
            if not match:
                row_errors.append(_("“词语”：%(t)s 不在该事项的“同义词”“俗称”中。") % {"t": term})
            else:
                match[0]["source"] = values["source"][:300]
                seen[(code, term)] = n
        if row_errors:
            errors[(TERMS_SHEET, n)] = row_errors


def _check_scope(items: dict, user):
    if user is None:
        return
    from .policies import policy

    policy.check(user, "maintain")  # catalog maintainers only (PermissionDenied)
    q = scope_filter(ServiceItem, user)
    if q is None:
        return
    errors = {}
    from yingshang.core.policies import is_department_bound

    for code, entry in items.items():
        v = entry["values"]
        ok = bool(user.division_id) and v["division"].is_within(user.division)
        if is_department_bound(user):
            ok = ok and v["department"].pk == user.department_id
        existing = ServiceItem.objects.filter(implementation_code=code).first()
        if existing and not ServiceItem.objects.visible_to(user).filter(pk=existing.pk).exists():
            ok = False
        if not ok:
            errors[(ITEMS_SHEET, entry["row"])] = [
                _("“实施编码”：%(c)s 不在您的管理范围内。") % {"c": code}
            ]
    if errors:
        raise CatalogImportError(errors)


def import_workbook(content: bytes, user=None) -> ImportResult:
    """Import the template (see ``_import_workbook``); the search index of the items touched
    is rebuilt once, after the import."""
    from .search import indexing_deferred

    with indexing_deferred():
        return _import_workbook(content, user)


@transaction.atomic
def _import_workbook(content: bytes, user=None) -> ImportResult:
    """Import the template: all or nothing. New codes create items; changed item fields update
    in place; changed terms or materials publish a new version; identical rows change nothing.
    ``user``: the staff member importing (their scope is enforced); None for the command."""
    items = parse_workbook(content)
    _check_scope(items, user)
    result = ImportResult()
    existing = {
        i.implementation_code: i
        for i in ServiceItem.objects.filter(implementation_code__in=list(items)).select_related(
            "current_version"
        )
    }
    for code, entry in items.items():
        values = entry["values"]
        item_values = {k: values[k] for k in services.ITEM_FIELDS if k in values}
        version_values = {k: values[k] for k in services.VERSION_FIELDS}
        item = existing.get(code)
        try:
            if item is None:
                services.create_item(
                    implementation_code=code,
                    materials=entry["materials"],
                    **item_values,
                    **version_values,
                )
                result.created += 1
                item = ServiceItem.objects.get(implementation_code=code)
            else:
                outcome = services.update_item(
                    item, materials=entry["materials"], **item_values, **version_values
                )
                if outcome.new_version is not None:
                    result.new_versions += 1
                if outcome.item_changed:
                    result.updated += 1
                if outcome.new_version is None and not outcome.item_changed:
                    result.unchanged += 1
            if entry.get("terms") is not None and services.set_terms(
                item=item, terms=entry["terms"]
            ):
                result.terms_changed += 1
        except ValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            raise CatalogImportError(
                {
                    (ITEMS_SHEET, entry["row"]): _field_errors(
                        {k: ";".join(v) for k, v in detail.items()}, ITEM_LABELS
                    )
                }
            ) from exc
        result.codes.append(code)
    return result
