"""Demo catalog: licence types, ≥150 service items of the city and its counties, bundles.
Idempotent and deterministic: a rerun changes nothing."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from stdnum.cn import uscc

from yingshang.catalog import services
from yingshang.catalog.models import ServiceItem, ServiceItemVersion
from yingshang.core.models import Department, Division, DivisionLevel
from yingshang.demo.data import catalog_items as data
from yingshang.demo.data import mianyang
from yingshang.demo.framework import demo_step
from yingshang.registry import services as registry_services
from yingshang.registry.models import LicenceType

DEMO_CATALOG_SINCE = datetime.datetime(2019, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
FUNCTION_NO = {key: i + 1 for i, (key, *_rest) in enumerate(mianyang.CITY_DEPARTMENTS)}
CATEGORY_NO = {"L": 1, "C": 2, "P": 3, "F": 6, "O": 7, "S": 8}
DEPTH = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5}


def department_uscc(department: Department) -> str:
    """The department's USCC, or a deterministic, valid stand-in for demo departments."""
    if department.uscc:
        return department.uscc
    body = (
        f"11{department.division.code[:6]}MB{FUNCTION_NO.get(department.function_key, 99):03d}0000"
    )
    return body + uscc.calc_check_digit(body)


def basic_code(template_no: int, category: str, function_key: str) -> str:
    return f"{CATEGORY_NO[category]:02d}{FUNCTION_NO[function_key]:03d}{template_no:03d}0000"


def implementation_code(basic: str, department: Department) -> str:
    area = department.division.code.ljust(12, "0")
    return f"{basic}{area}{department_uscc(department)}000"


def _form(name: str, licence: str | None) -> str:
    if licence:
        return "electronic"
    if any(w in name for w in ("合同", "证明", "报告", "证书", "凭证")):
        return "copy"
    if "照片" in name:
        return "original"
    return "electronic"


def parse_materials(specs, licences) -> list[dict]:
    out = []
    for spec in specs:
        condition = ""
        if "|" in spec:
            spec, condition = spec.split("|", 1)
        licence = None
        if "@" in spec:
            spec, code = spec.split("@", 1)
            licence = licences[code]
        out.append(
            {
                "name": spec,
                "requirement": "conditional" if condition else "required",
                "condition": condition,
                "form": _form(spec, licence),
                "copies": 1,
                "licence_type": licence,
            }
        )
    return out


def guide_text(name: str, department: Department, visits: int, depth: int) -> str:
    hall = department.division.name + mianyang.HALL_NAME
    lines = [
        f"办理地点：{hall}{department.short_name or department.name}窗口，或任一政务服务大厅综合窗口。",
        "办理时间：法定工作日 9:00—12:00,13:30—17:30（调休工作日照常办公）。",
        "网上办理：绵阳政事公众号、天府通办（四川政务服务网）。",
    ]
    if visits == 0:
        lines.append("本事项“零跑动”：申请、审批、结果领取均可在网上完成，结果可邮寄送达。")
    elif visits == 1:
        lines.append("本事项“最多跑一次”：网上预约后到现场核验一次即可。")
    lines.append("咨询电话：0816-12345。")
    return "\n".join(lines)


def item_values(no: int, template, department, licences) -> dict:
    (
        fk,
        name,
        cat,
        theme,
        events,
        kind,
        legal,
        committed,
        visits,
        depth,
        scope,
        fee,
        basis,
        materials,
        result,
        _county,
    ) = template
    basic = basic_code(no, cat, fk)
    fee_text, fee_amount = fee or ("不收费", 0)
    return {
        "implementation_code": implementation_code(basic, department),
        "basic_code": basic,
        "name": name,
        "category": data.CATEGORY[cat],
        "department": department,
        "division": department.division,
        "theme": data.THEME[theme],
        "life_events": events,
        "requires_head_approval": name in data.HEAD_APPROVAL,
        "kind": "immediate" if kind == "I" else "committed",
        "legal_limit_days": legal,
        "committed_limit_days": committed,
        "visits_required": visits,
        "online_depth": DEPTH[depth],
        "service_scope": scope,
        "in_hall": True,
        "fee_text": fee_text,
        "fee_amount": Decimal(fee_amount).quantize(Decimal("0.01")),
        "legal_basis": basis,
        "guide": guide_text(name, department, visits, depth),
        "result_licence_type": licences.get(result) if result else None,
        "materials": parse_materials(materials, licences),
    }


def _save_item(values: dict, existing: dict, tally) -> ServiceItem:
    code = values["implementation_code"]
    item = existing.get(code)
    if item is not None and not services.item_differs(item, values):
        tally.add("service items", "unchanged")
        return item
    if item is None:
        item = services.create_item(**values)
        tally.add("service items", "created")
        return item
    changes = {k: v for k, v in values.items() if k != "implementation_code"}
    outcome = services.update_item(item, **changes)
    status = "updated" if (outcome.item_changed or outcome.new_version) else "unchanged"
    tally.add("service items", status)
    return outcome.item


@demo_step(200, "catalog: licence types, service items, bundles")
@transaction.atomic
def load_catalog(options, tally, out):
    for code, name, holder_kind in data.LICENCE_TYPES:
        _, status = registry_services.save_licence_type(
            code=code, name=name, holder_kind=holder_kind
        )
        tally.add("licence types", status)
    licences = {lt.code: lt for lt in LicenceType.objects.all()}
    city = Division.objects.get(code=mianyang.CITY[0])
    counties = list(
        Division.objects.filter(
            parent=city, level=DivisionLevel.COUNTY, is_management_area=False
        ).order_by("code")
    )
    departments = {
        (d.division_id, d.function_key): d
        for d in Department.objects.filter(division__in=[city, *counties]).select_related(
            "division"
        )
    }
    existing = {
        i.implementation_code: i
        for i in ServiceItem.objects.select_related("current_version").prefetch_related(
            "current_version__materials"
        )
    }
    by_name = {}
    demo_items = []
    for no, template in enumerate(data.ITEMS, start=1):
        fk = template[0]
        divisions = [city, *(counties if template[15] else [])]
        for division in divisions:
            department = departments.get((division.pk, fk))
            if department is None:
                continue
            item = _save_item(item_values(no, template, department, licences), existing, tally)
            demo_items.append(item.pk)
            if division == city:
                by_name[(fk, template[1])] = item
    # The demo catalog stands for items published since the 2019 programme: their first
    # versions take effect then (not at load time), so the demo's year of cases and the
    # monitoring snapshots (items in force on a day) find them in force.
    backdated = ServiceItemVersion.objects.filter(
        item__in=demo_items, version=1, valid_from__gt=DEMO_CATALOG_SINCE
    ).update(valid_from=DEMO_CATALOG_SINCE)
    if backdated:  # .update() bypasses the audit signals: one entry for the batch
        from yingshang.platform import audit
        from yingshang.platform.models import AuditAction

        audit.record(
            AuditAction.UPDATE,
            object_type="catalog.ServiceItemVersion",
            object_repr=f"demo catalog: {backdated} first versions",
            changes={"valid_from": DEMO_CATALOG_SINCE.isoformat()},
        )
    for key, name, description, theme, members in data.BUNDLES:
        bundle, status = services.save_bundle(
            key=key,
            name=name,
            division=city,
            description=description,
            theme=data.THEME[theme],
            items=[by_name[m] for m in members],
        )
        tally.add("bundles", status)
        outputs = data.BUNDLE_OUTPUTS.get(key, [])
        status = services.save_bundle_outputs(
            bundle=bundle,
            outputs=[
                {"item": by_name[(fk, n)], "licence_type": licences[lt], "founds_holder": f}
                for fk, n, lt, f in outputs
            ],
        )
        tally.add("bundle outputs", status)


@demo_step(205, "catalog: search words (同义词/俗称) and the search index")
@transaction.atomic
def load_search_terms(options, tally, out):
    """The words people use for the demo items (demo/data/search_terms.py, each with its
    source) on every item of that name (city and counties); then any item without index rows
    is indexed. Idempotent."""
    from yingshang.catalog import search
    from yingshang.catalog.models import SearchToken
    from yingshang.demo.data import search_terms

    by_name: dict[str, list[ServiceItem]] = {}
    for item in ServiceItem.objects.filter(name__in={t[0] for t in search_terms.TERMS}):
        by_name.setdefault(item.name, []).append(item)
    missing = sorted({t[0] for t in search_terms.TERMS} - set(by_name))
    if missing:
        raise ValueError(f"search terms name unknown demo items: {missing}")
    for name, term, kind, source in search_terms.TERMS:
        for item in by_name[name]:
            _t, status = services.add_term(item=item, term=term, kind=kind, source=source)
            tally.add("search terms", status)
    indexed = set(SearchToken.objects.values_list("item_id", flat=True).distinct())
    for pk in ServiceItem.objects.exclude(pk__in=indexed).values_list("pk", flat=True):
        search.index_item(pk)
        tally.add("search index (items)", "created")
