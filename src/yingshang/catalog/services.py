"""Writes of the service catalog: items and their versions, materials, bundles.

An item's terms (limits, kind, visits, online depth, fees, materials …) live on an immutable
``ServiceItemVersion``. ``publish_new_version`` writes a new version and moves
``current_version``; the old version and its materials stay untouched for the cases that use it.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingshang.core.models import Department, Division

from .models import (
    Bundle,
    BundleItem,
    BundleOutput,
    Category,
    ItemKind,
    Material,
    OnlineDepth,
    ScopeOfService,
    ServiceItem,
    ServiceItemVersion,
    Theme,
)

ITEM_FIELDS = (
    "basic_code",
    "name",
    "category",
    "department",
    "division",
    "theme",
    "life_events",
    "requires_head_approval",
)
VERSION_FIELDS = (
    "kind",
    "legal_limit_days",
    "committed_limit_days",
    "visits_required",
    "online_depth",
    "service_scope",
    "in_hall",
    "fee_text",
    "fee_amount",
    "legal_basis",
    "guide",
    "result_licence_type",
)
MATERIAL_FIELDS = ("name", "requirement", "condition", "form", "copies", "licence_type")
TEXT_FIELDS = {
    "implementation_code",
    "basic_code",
    "name",
    "life_events",
    "fee_text",
    "legal_basis",
    "guide",
    "condition",
}
VERSION_DEFAULTS = {
    "visits_required": 0,
    "online_depth": OnlineDepth.FULL,
    "service_scope": ScopeOfService.CITY,
    "in_hall": True,
    "fee_text": "不收费",
    "fee_amount": Decimal("0"),
    "legal_basis": "",
    "guide": "",
    "result_licence_type": None,
}
MATERIAL_DEFAULTS = {
    "requirement": Material.Requirement.REQUIRED,
    "condition": "",
    "form": Material.Form.ELECTRONIC,
    "copies": 1,
    "licence_type": None,
}


def _clean_text(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key in TEXT_FIELDS:
            value = "" if value is None else str(value).strip()
        out[key] = value
    return out


def _int(value, errors, field, *, minimum=0):
    """An integer from an int, an integral float or a string of digits; else a field error."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(field, _("应为整数。"))
        return None
    if value < minimum:
        errors.setdefault(field, _("不能小于%(n)d。") % {"n": minimum})
        return None
    return value


def validate_item_values(values: dict) -> dict[str, str]:
    """Field-level errors of the item fields (code, name, category, department, division …)."""
    errors: dict[str, str] = {}
    for field, label in (
        ("implementation_code", _("实施编码")),
        ("basic_code", _("基本编码")),
        ("name", _("事项名称")),
    ):
        if field in values and not values[field]:
            errors[field] = _("%(label)s不能为空。") % {"label": label}
    if "category" in values and values["category"] not in Category.values:
        errors["category"] = _("未知的事项类型“%(v)s”。") % {"v": values["category"]}
    if "theme" in values and values["theme"] not in Theme.values:
        errors["theme"] = _("未知的服务对象“%(v)s”。") % {"v": values["theme"]}
    department, division = values.get("department"), values.get("division")
    if "department" in values and not isinstance(department, Department):
        errors["department"] = _("请指定实施部门。")
    if "division" in values and not isinstance(division, Division):
        errors["division"] = _("请指定实施区划。")
    if (
        isinstance(department, Department)
        and isinstance(division, Division)
        and department.division_id != division.pk
    ):
        errors["department"] = _("实施部门“%(d)s”不属于实施区划“%(v)s”。") % {
            "d": department.name,
            "v": division.name,
        }
    return errors


def validate_version_values(values: dict) -> dict[str, str]:
    """Field-level errors of a version's terms; ``values`` is normalised in place."""
    errors: dict[str, str] = {}
    if values.get("kind") not in ItemKind.values:
        errors["kind"] = _("办件类型应为“即办件”或“承诺件”。")
    for field in ("legal_limit_days", "committed_limit_days", "visits_required"):
        if values.get(field) is None or values.get(field) == "":
            errors[field] = _("不能为空。")
        else:
            values[field] = _int(values[field], errors, field)
    legal, committed = values.get("legal_limit_days"), values.get("committed_limit_days")
    if "legal_limit_days" not in errors and "committed_limit_days" not in errors:
        if committed > legal:
            errors["committed_limit_days"] = _(
                "承诺办结时限（%(c)d个工作日）不能超过法定办结时限（%(l)d个工作日）。"
            ) % {"c": committed, "l": legal}
        elif values.get("kind") == ItemKind.IMMEDIATE and committed != 0:
            errors["committed_limit_days"] = _("即办件的承诺办结时限应为0（当场办结）。")
        elif values.get("kind") == ItemKind.COMMITTED and committed < 1:
            errors["committed_limit_days"] = _("承诺件的承诺办结时限至少为1个工作日。")
    if values.get("online_depth") not in OnlineDepth.values:
        errors["online_depth"] = _("未知的网上办理深度“%(v)s”。") % {
            "v": values.get("online_depth")
        }
    if values.get("service_scope") not in ScopeOfService.values:
        errors["service_scope"] = _("未知的通办范围“%(v)s”。") % {"v": values.get("service_scope")}
    if not isinstance(values.get("in_hall"), bool):
        errors["in_hall"] = _("应为“是”或“否”。")
    try:
        fee = Decimal(str(values.get("fee_amount", 0) or 0))
        if fee < 0 or fee.is_nan():
            raise InvalidOperation
        values["fee_amount"] = fee.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors["fee_amount"] = _("收费金额应为不小于0的数字。")
    else:
        if values["fee_amount"] > 0 and values.get("fee_text") in ("", "不收费"):
            errors["fee_text"] = _("收费金额大于0时，请填写收费标准。")
    return errors


def validate_material_values(values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values.get("name"):
        errors["name"] = _("材料名称不能为空。")
    if values.get("requirement") not in Material.Requirement.values:
        errors["requirement"] = _("必要性应为“必要”或“容缺/情形性”。")
    if values.get("form") not in Material.Form.values:
        errors["form"] = _("未知的材料形式“%(v)s”。") % {"v": values.get("form")}
    copies = _int(values.get("copies"), errors, "copies", minimum=1)
    if copies is not None:
        values["copies"] = copies
    return errors


def _raise(errors: dict):
    if errors:
        raise ValidationError(errors)


def _normalise_materials(materials) -> list[dict]:
    out, errors = [], {}
    for i, raw in enumerate(materials or []):
        values = _clean_text({**MATERIAL_DEFAULTS, **raw})
        values.pop("order", None)
        unknown = set(values) - set(MATERIAL_FIELDS)
        if unknown:
            errors[f"materials[{i}]"] = _("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))}
            continue
        for field, message in validate_material_values(values).items():
            errors[f"materials[{i}].{field}"] = message
        out.append(values)
    _raise(errors)
    return out


def _write_version(item, version_no: int, values: dict, materials: list[dict]):
    version = ServiceItemVersion(item=item, version=version_no, valid_from=timezone.now(), **values)
    # FKs are instances already checked; uniqueness holds by construction (next number).
    version.full_clean(
        exclude=["item", "result_licence_type"], validate_unique=False, validate_constraints=False
    )
    version.save()
    Material.objects.bulk_create(
        [Material(version=version, order=i + 1, **m) for i, m in enumerate(materials)]
    )
    # bulk_create bypasses the audit signals: record the materials with the version.
    from yingshang.platform import audit
    from yingshang.platform.models import AuditAction

    if materials:
        audit.record(
            AuditAction.CREATE,
            object_type="catalog.Material",
            object_id=str(version.pk),
            object_repr=f"{item.name} v{version_no}: {len(materials)}",
            changes={"materials": [m["name"] for m in materials]},
        )
    return version


@transaction.atomic
def create_item(
    *,
    implementation_code: str,
    basic_code: str,
    name: str,
    category: str,
    department: Department,
    division: Division | None = None,
    theme: str = Theme.BOTH,
    life_events: str = "",
    requires_head_approval: bool = False,
    materials=(),
    **version_fields,
) -> ServiceItem:
    """Create an item with its first version (v1) and materials.

    ``version_fields``: kind, legal_limit_days, committed_limit_days and optionally the other
    VERSION_FIELDS. ``materials``: dicts with MATERIAL_FIELDS. Errors are field-level.
    """
    division = division or getattr(department, "division", None)
    item_values = _clean_text(
        {
            "implementation_code": implementation_code,
            "basic_code": basic_code,
            "name": name,
            "category": category,
            "department": department,
            "division": division,
            "theme": theme,
            "life_events": life_events,
        }
    )
    item_values["requires_head_approval"] = bool(requires_head_approval)
    unknown = set(version_fields) - set(VERSION_FIELDS)
    errors: dict = {k: _("未知字段。") for k in unknown}
    version_values = _clean_text({**VERSION_DEFAULTS, **version_fields})
    errors.update(validate_item_values(item_values))
    errors.update(validate_version_values(version_values))
    if (
        "implementation_code" not in errors
        and ServiceItem.objects.filter(
            implementation_code=item_values["implementation_code"]
        ).exists()
    ):
        errors["implementation_code"] = _("实施编码“%(c)s”已存在。") % {
            "c": item_values["implementation_code"]
        }
    _raise(errors)
    material_values = _normalise_materials(materials)
    item = ServiceItem(**item_values)
    item.full_clean(
        exclude=["current_version", "department", "division"],
        validate_unique=False,
        validate_constraints=False,
    )
    item.save()
    version = _write_version(item, 1, version_values, material_values)
    item.current_version = version
    item.save(update_fields=["current_version", "updated_at"])
    return item


def version_values_of(version: ServiceItemVersion) -> dict:
    return {f: getattr(version, f) for f in VERSION_FIELDS}


def material_values_of(version: ServiceItemVersion) -> list[dict]:
    return [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in version.materials.all()]


def _key(value):
    """Compare model instances by primary key (no query for a loaded FK id)."""
    return getattr(value, "pk", value)


def _version_key(version: ServiceItemVersion) -> dict:
    out = {f: getattr(version, f) for f in VERSION_FIELDS if f != "result_licence_type"}
    out["result_licence_type"] = version.result_licence_type_id
    return out


def _materials_key(version: ServiceItemVersion) -> list[dict]:
    rows = version.materials.order_by("order").values(*MATERIAL_FIELDS[:-1], "licence_type_id")
    return [
        {**{k: r[k] for k in MATERIAL_FIELDS[:-1]}, "licence_type": r["licence_type_id"]}
        for r in rows
    ]


def _values_key(values: dict) -> dict:
    return {k: _key(v) for k, v in values.items()}


def item_differs(item: ServiceItem, values: dict) -> bool:
    """Would ``update_item(item, **values)`` change anything? Uses the loaded current version
    and its prefetched materials (no query when they are prefetched). ``values`` holds item
    fields, version fields and optionally ``materials``."""
    for f in ITEM_FIELDS:
        if f in values:
            ours = _key(values[f])
            theirs = (
                getattr(item, f + "_id") if f in ("department", "division") else getattr(item, f)
            )
            if ours != (theirs.strip() if isinstance(theirs, str) else theirs):
                return True
    current = item.current_version
    if current is None:
        return True
    version_changes = _clean_text({k: v for k, v in values.items() if k in VERSION_FIELDS})
    merged = {**version_values_of_ids(current), **_values_key(version_changes)}
    if "fee_amount" in version_changes:
        try:
            merged["fee_amount"] = Decimal(str(version_changes["fee_amount"])).quantize(
                Decimal("0.01")
            )
        except InvalidOperation:
            return True
    if merged != _version_key(current):
        return True
    if "materials" in values and values["materials"] is not None:
        wanted = [_values_key(_clean_text({**MATERIAL_DEFAULTS, **m})) for m in values["materials"]]
        have = [
            {**{f: getattr(m, f) for f in MATERIAL_FIELDS[:-1]}, "licence_type": m.licence_type_id}
            for m in sorted(current.materials.all(), key=lambda m: m.order)
        ]
        if wanted != have:
            return True
    return False


def version_values_of_ids(version: ServiceItemVersion) -> dict:
    return _version_key(version)


@transaction.atomic
def publish_new_version(item: ServiceItem, *, materials=None, **changes) -> ServiceItemVersion:
    """Publish changed terms as a new version and make it current.

    ``changes``: any VERSION_FIELDS; ``materials``: the full new list (None keeps the current
    materials). Nothing changed → the current version is returned and nothing is written.
    The previous version and its materials are never modified.
    """
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    unknown = set(changes) - set(VERSION_FIELDS)
    _raise({k: _("未知字段或不可修改的字段。") for k in unknown})
    current = item.current_version
    if current is not None and not changes and materials is None:
        return current
    base = version_values_of(current) if current else dict(VERSION_DEFAULTS)
    values = _clean_text({**base, **changes})
    _raise(validate_version_values(values))
    new_materials = (
        _normalise_materials(materials)
        if materials is not None
        else (material_values_of(current) if current else [])
    )
    if current and _values_key(values) == _version_key(current):
        if [_values_key(m) for m in new_materials] == _materials_key(current):
            return current
    last = item.versions.order_by("-version").values_list("version", flat=True).first() or 0
    version = _write_version(item, last + 1, values, new_materials)
    item.current_version = version
    item.save(update_fields=["current_version", "updated_at"])
    return version


@dataclass
class UpdateResult:
    item: ServiceItem
    item_changed: bool
    new_version: ServiceItemVersion | None


@transaction.atomic
def update_item(item: ServiceItem, *, materials=None, **changes) -> UpdateResult:
    """Change an item: item fields (name, category, department …) in place; terms
    (VERSION_FIELDS, materials) through ``publish_new_version`` when they differ."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    unknown = set(changes) - set(ITEM_FIELDS) - set(VERSION_FIELDS)
    _raise({k: _("未知字段或不可修改的字段。") for k in unknown})
    item_changes = _clean_text({k: v for k, v in changes.items() if k in ITEM_FIELDS})
    version_changes = {k: v for k, v in changes.items() if k in VERSION_FIELDS}
    merged = {f: getattr(item, f) for f in ITEM_FIELDS} | item_changes
    _raise(validate_item_values(merged))
    item_changed = any(getattr(item, k) != v for k, v in item_changes.items())
    if item_changed:
        for k, v in item_changes.items():
            setattr(item, k, v)
        item.full_clean(exclude=["current_version"])
        item.save()
    before = item.current_version_id
    version = publish_new_version(item, materials=materials, **version_changes)
    item.refresh_from_db()
    return UpdateResult(item, item_changed, version if version.pk != before else None)


@transaction.atomic
def deactivate_item(item: ServiceItem) -> ServiceItem:
    """Withdraw an item from the portal and from new applications; its versions stay."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_active:
        raise ValidationError({"is_active": _("该事项已停用。")})
    item.is_active = False
    item.save(update_fields=["is_active", "updated_at"])
    return item


@transaction.atomic
def activate_item(item: ServiceItem) -> ServiceItem:
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if item.current_version_id is None:
        raise ValidationError({"current_version": _("事项没有可用版本，不能启用。")})
    item.is_active = True
    item.save(update_fields=["is_active", "updated_at"])
    return item


@transaction.atomic
def save_bundle(
    *,
    key: str,
    name: str,
    division: Division,
    items: list[ServiceItem],
    description: str = "",
    theme: str = Theme.ENTERPRISE,
) -> tuple[Bundle, str]:
    """Create or update a bundle (一件事) by key with its ordered items.
    Returns (bundle, created|updated|unchanged)."""
    errors = {}
    if not key:
        errors["key"] = _("标识不能为空。")
    if not (name or "").strip():
        errors["name"] = _("名称不能为空。")
    if len(items) < 2:
        errors["items"] = _("一件事至少包含两个事项。")
    if len({i.pk for i in items}) != len(items):
        errors["items"] = _("事项不能重复。")
    inactive = [i.name for i in items if not i.is_active]
    if inactive:
        errors["items"] = _("事项已停用：%(n)s") % {"n": "、".join(inactive)}
    if theme not in Theme.values:
        errors["theme"] = _("未知的服务对象“%(v)s”。") % {"v": theme}
    _raise(errors)
    bundle = Bundle.objects.filter(key=key).first()
    new = bundle is None
    values = {
        "name": name.strip(),
        "division": division,
        "description": description.strip(),
        "theme": theme,
    }
    changed = new
    bundle = bundle or Bundle(key=key)
    for k, v in values.items():
        if getattr(bundle, k, None) != v:
            setattr(bundle, k, v)
            changed = True
    if changed:
        bundle.full_clean()
        bundle.save()
    wanted = [i.pk for i in items]
    current = list(bundle.bundle_items.order_by("order").values_list("item_id", flat=True))
    if current != wanted:
        bundle.bundle_items.all().delete()
        for order, item in enumerate(items, start=1):
            BundleItem.objects.create(bundle=bundle, item=item, order=order)
        changed = True
    return bundle, ("created" if new else "updated" if changed else "unchanged")


def save_bundle_outputs(*, bundle: Bundle, outputs: list[dict]) -> str:
    """Set the results of a bundle that are produced by its own items (``BundleOutput``):
    ``outputs`` = [{"item", "licence_type", "founds_holder"}]. Each item must be in the bundle
    and produce that licence type (its current version's result). Replaces the bundle's
    outputs; returns created|updated|unchanged."""
    members = {
        bi.item_id: bi.item for bi in bundle.bundle_items.select_related("item__current_version")
    }
    errors, wanted = [], []
    for o in outputs:
        item, lt = o["item"], o["licence_type"]
        if item.pk not in members:
            errors.append(_("事项“%(n)s”不在本一件事中。") % {"n": item.name})
            continue
        version = members[item.pk].current_version
        if version is None or version.result_licence_type_id != lt.pk:
            errors.append(_("事项“%(n)s”的办理结果不是“%(l)s”。") % {"n": item.name, "l": lt.name})
            continue
        wanted.append((item.pk, lt.pk, bool(o.get("founds_holder"))))
    if len({w[1] for w in wanted}) != len(wanted):
        errors.append(_("同一证照只能由一个事项产生。"))
    if sum(1 for w in wanted if w[2]) > 1:
        errors.append(_("一件事最多设立一个新主体。"))
    _raise({"outputs": errors} if errors else {})
    current = sorted(bundle.outputs.values_list("item_id", "licence_type_id", "founds_holder"))
    if current == sorted(wanted):
        return "unchanged"
    with transaction.atomic():
        bundle.outputs.all().delete()
        for item_id, lt_id, founds in wanted:
            BundleOutput.objects.create(
                bundle=bundle, item_id=item_id, licence_type_id=lt_id, founds_holder=founds
            )
    return "updated" if current else "created"


# ------------------------------------------------------------------ search terms (检索词)

MAX_TERM = 50


def clean_term(value) -> str:
    """A term as stored: NFKC-normalised (full-width letters → half-width), single spaces."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", str(value or "")).split())


def validate_term(term: str, kind: str) -> dict[str, str]:
    from .models import TermKind

    errors = {}
    if not term:
        errors["term"] = str(_("词语不能为空。"))
    elif len(term) > MAX_TERM:
        errors["term"] = str(_("词语不能超过%(n)d个字。") % {"n": MAX_TERM})
    if kind not in TermKind.values:
        errors["kind"] = str(_("类型应为“同义词”或“俗称”。"))
    return errors


@transaction.atomic
def add_term(*, item: ServiceItem, term: str, kind: str = "synonym", source: str = ""):
    """Add (or update the kind and source of) a term of ``item``; returns (term, status)."""
    from .models import ItemTerm

    term = clean_term(term)
    errors = validate_term(term, kind)
    if errors:
        raise ValidationError(errors)
    source = clean_term(source)[:300]
    existing = ItemTerm.objects.filter(item=item, term=term).first()
    if existing is None:
        return ItemTerm.objects.create(item=item, term=term, kind=kind, source=source), "created"
    if existing.kind == kind and (existing.source == source or not source):
        return existing, "unchanged"
    existing.kind = kind
    existing.source = source or existing.source
    existing.save()
    return existing, "updated"


@transaction.atomic
def set_terms(*, item: ServiceItem, terms: list[dict]) -> bool:
    """Make ``terms`` ([{term, kind, source}]) the item's terms: missing ones are removed, new
    ones added, a term whose source is empty keeps its current source. Returns whether
    anything changed."""
    from .models import ItemTerm

    wanted = {}
    for entry in terms:
        term = clean_term(entry["term"])
        errors = validate_term(term, entry.get("kind", "synonym"))
        if errors:
            raise ValidationError(errors)
        if term in wanted:
            raise ValidationError({"term": _("词语“%(t)s”重复。") % {"t": term}})
        wanted[term] = entry
    changed = False
    for old in ItemTerm.objects.filter(item=item):
        if old.term not in wanted:
            old.delete()
            changed = True
    for term, entry in wanted.items():
        _t, status = add_term(
            item=item,
            term=term,
            kind=entry.get("kind", "synonym"),
            source=entry.get("source", ""),
        )
        changed = changed or status != "unchanged"
    return changed
