"""Writes of the cases app: submission (single item, bundle, window intake, API), visits,
supplement resubmission with uploads, and the e-licence issued when a case is approved.

Status changes go through ``workflow.transition`` only.
"""

from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from yingshang.catalog.models import ItemKind, Material, ScopeOfService, ServiceItem
from yingshang.core.models import Department, Division
from yingshang.core.policies import is_portal_user
from yingshang.platform import audit, lookup_codes, uploads
from yingshang.registry.models import is_valid_ric

from . import rows as sqlrows
from . import workflow
from .models import (
    ApplicantKind,
    Case,
    CaseEvent,
    CaseMaterial,
    CaseVisit,
    Channel,
    MaterialSource,
    Status,
)

# --------------------------------------------------------------------------- numbers


_known_sequences: set[str] = set()


def allocate_number(division_code: str, when=None) -> str:
    """Next case number: division code + date (Asia/Shanghai) + 5-digit daily sequence,
    e.g. 5107002026112600001.

    PostgreSQL: one sequence per (division, day), created on first use; ``nextval`` never
    blocks and is never rolled back, so any number of app servers allocate concurrently without
    a lock held until commit (numbers are unique; a failed submission leaves a gap).
    SQLite (one writer at a time anyway): an upserted counter row in the caller's transaction.
    """
    return allocate_numbers(division_code, when)[0][0]


def allocate_numbers(division_code: str, when=None, n: int = 1, *, with_ids: bool = False):
    """``n`` case numbers (see ``allocate_number``) as (number, case id) pairs. With
    ``with_ids`` on PostgreSQL the ids come from the case table's sequence in the same round
    trip (so a submission can send all its INSERTs at once); otherwise the id is None."""
    day = timezone.localtime(when or timezone.now()).strftime("%Y%m%d")
    prefix = f"{division_code[:6]}{day}"
    if connection.vendor == "postgresql":
        seq_name = f"cases_no_{prefix}"
        with connection.cursor() as cur:
            if seq_name not in _known_sequences:
                _create_number_sequence(cur, seq_name, prefix)
            if with_ids:
                cur.execute(
                    "SELECT nextval(%s), nextval(%s) FROM generate_series(1, %s)",
                    [seq_name, sqlrows.sequence_of(Case), n],
                )
                got = cur.fetchall()
                seqs = sorted(r[0] for r in got)
                ids = sorted(r[1] for r in got)
            else:
                cur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [seq_name, n])
                seqs = sorted(r[0] for r in cur.fetchall())
                ids = [None] * n
        return [(f"{prefix}{seq:05d}", pk) for seq, pk in zip(seqs, ids, strict=True)]
    table = "cases_casenumbercounter"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (prefix, last) VALUES (%s, %s) "
            f"ON CONFLICT (prefix) DO UPDATE SET last = {table}.last + %s RETURNING last",
            [prefix, n, n],
        )
        last = cur.fetchone()[0]
    return [(f"{prefix}{seq:05d}", None) for seq in range(last - n + 1, last + 1)]


def _create_number_sequence(cur, seq_name: str, prefix: str) -> None:
    try:
        with transaction.atomic():
            cur.execute(f"CREATE SEQUENCE {seq_name}")
            # numbers handed out before the sequence existed (counter rows of an
            # earlier version, imports): continue after the highest one
            cur.execute(
                "SELECT max(number) FROM cases_case WHERE number LIKE %s AND length(number) = %s",
                [prefix + "%", len(prefix) + 5],
            )
            highest = cur.fetchone()[0]
            if highest:
                cur.execute("SELECT setval(%s, %s)", [seq_name, int(highest[-5:])])
    except (ProgrammingError, IntegrityError):
        pass  # it exists (created by another server or session, or earlier here)
    # remember it only once it is committed (creation is transactional)
    transaction.on_commit(partial(_known_sequences.add, seq_name))


# --------------------------------------------------------------------------- applicants


@dataclass
class Applicant:
    kind: str
    code: str
    name: str
    phone: str = ""
    enterprise: object = None
    person: object = None
    may_reuse: bool = True  # False: a portal account that is not the holder's representative

    @property
    def holder(self):
        return self.enterprise or self.person

    @property
    def licence_holder(self):
        """The holder whose e-licences replace uploads (免提交): only for staff (at the window)
        and for the holder's own verified account — never for someone who typed a code."""
        return self.holder if self.may_reuse else None


def resolve_applicant(
    *, kind: str, code: str, name: str = "", phone: str = "", user=None, register=True
) -> Applicant:
    """Validate a USCC or ID number and find (or register) the applicant in the registry."""
    from yingshang.registry import public as registry
    from yingshang.registry.models import Enterprise, Person

    code = (code or "").strip().upper()
    name = (name or "").strip()
    if kind == ApplicantKind.ENTERPRISE:
        if not uscc.is_valid(code):
            raise ValidationError({"applicant_code": _("统一社会信用代码无效。")})
        # = reg.enterprise_by_uscc(code), with the statement built once per process
        enterprise = sqlrows.select_one(Enterprise, "uscc", code)
        if enterprise is None:
            if not name:
                raise ValidationError({"applicant_name": _("新企业须填写名称。")})
            if not register:
                raise ValidationError({"applicant_code": _("登记库中没有该企业。")})
            try:
                enterprise = registry.register_enterprise(uscc=code, name=name, phone=phone)
            except (IntegrityError, ValidationError):  # maybe registered concurrently
                enterprise = registry.enterprise_by_uscc(code)
                if enterprise is None:
                    raise
        # typing a USCC makes no one a representative (docs/registry.md): an unverified portal
        # account neither reuses the enterprise's e-licences nor gets its registered phone
        trusted = not is_portal_user(user) or registry.is_representative(user, enterprise)
        return Applicant(
            kind,
            code,
            enterprise.name,
            phone or (enterprise.phone if trusted else ""),
            enterprise=enterprise,
            may_reuse=trusted,
        )
    if kind == ApplicantKind.PERSON:
        if not is_valid_ric(code):
            raise ValidationError({"applicant_code": _("居民身份证号码无效。")})
        person = sqlrows.select_one(Person, "id_number", code)
        if person is None:
            if not name:
                raise ValidationError({"applicant_name": _("请填写申请人姓名。")})
            fields = {"phone": phone}
            if is_portal_user(user):
                if not hasattr(user, "person"):
                    fields["user"] = user
            try:
                person = registry.register_person(id_number=code, name=name, **fields)
            except (IntegrityError, ValidationError):  # maybe registered concurrently
                person = registry.person_by_id_number(code)
                if person is None:
                    raise
        trusted = not is_portal_user(user) or person.user_id == user.pk
        return Applicant(
            kind,
            code,
            person.name,
            phone or (person.phone if trusted else ""),
            person=person,
            may_reuse=trusted,
        )
    raise ValidationError({"applicant_kind": _("申请人类型应为法人或自然人。")})


# --------------------------------------------------------------------------- routing


def route(item: ServiceItem, division: Division | None):
    """The version and department that handle ``item`` applied for in ``division``.

    The handling department is always the item's implementing department. A local-scope item
    (属地办理) must be applied for in its own division (or below it); city/province/national
    scope items can be applied for anywhere in the city (全域通办)."""
    return _route_version(item, division), item.department


def _route_version(item: ServiceItem, division: Division | None):
    """``route`` without loading the department (only its id is written)."""
    if item is None or not item.is_active or item.current_version_id is None:
        raise ValidationError({"item": _("事项不存在或已停用。")})
    version = item.current_version
    if division is not None and version.service_scope == ScopeOfService.LOCAL:
        if not division.is_within(item.division):
            raise ValidationError({"division": _("事项不在所选区划办理。")})
    return version


# --------------------------------------------------------------------------- materials


@dataclass
class Slot:
    """One material the applicant provides once, possibly serving several items (bundles)."""

    key: str
    name: str
    required: bool
    licence_type: object = None
    materials: list = field(default_factory=list)


_slot_cache: dict[tuple, list] = {}
_version_cache: dict[int, object] = {}


def item_for_submission(implementation_code: str) -> ServiceItem | None:
    """The item with its division and current version, for a submission, in one cheap query:
    = ``ServiceItem.objects.select_related("current_version", "division")…first()``. Versions are
    immutable (published, never edited — the admin refuses changes), so on PostgreSQL, whose
    ids are never reused, the current version comes from a per-process cache by id: the item
    row itself (is_active, current version, department) is read on every submission."""
    postgres = connection.vendor == "postgresql"
    item = sqlrows.select_one(
        ServiceItem,
        "implementation_code",
        implementation_code,
        join=("division",) if postgres else ("current_version", "division"),
    )
    if item is None or not postgres or item.current_version_id is None:
        return item
    version = _version_cache.get(item.current_version_id)
    if version is None:
        from yingshang.catalog.models import ServiceItemVersion

        version = sqlrows.select_one(ServiceItemVersion, "id", item.current_version_id)
        if version is None:  # pragma: no cover - a foreign key guards it
            return item
        if len(_version_cache) > 5000:
            _version_cache.clear()
        _version_cache[version.pk] = version
    ServiceItem._meta.get_field("current_version").set_cached_value(item, version)
    return item


def material_slots(versions) -> list[Slot]:
    """Materials of the versions, deduplicated by licence type or by name. Item versions are
    immutable, so the result is cached per process by version id and creation time (the time
    guards against an id reused after a rolled-back creation)."""
    key = tuple(sorted((v.pk, v.created_at) for v in versions))
    cached = _slot_cache.get(key)
    if cached is None:
        cached = _material_slots(versions)
        if len(_slot_cache) > 5000:
            _slot_cache.clear()
        _slot_cache[key] = cached
    return [Slot(s.key, s.name, s.required, s.licence_type, list(s.materials)) for s in cached]


def _material_slots(versions) -> list[Slot]:
    slots: dict[str, Slot] = {}
    mats = Material.objects.filter(version__in=versions).select_related("licence_type")
    for m in mats.order_by("version_id", "order", "id"):
        dedupe = f"lt{m.licence_type_id}" if m.licence_type_id else f"n:{m.name.strip()}"
        slot = slots.get(dedupe)
        if slot is None:
            key = f"lt{m.licence_type_id}" if m.licence_type_id else f"m{m.id}"
            slot = slots[dedupe] = Slot(
                key, m.name, m.requirement == Material.Requirement.REQUIRED, m.licence_type
            )
        slot.required = slot.required or m.requirement == Material.Requirement.REQUIRED
        slot.materials.append(m)
    return list(slots.values())


def bundle_material_slots(bundle, versions) -> list[Slot]:
    """The slots of a bundle's item versions without the bundle's own results
    (``catalog.BundleOutput``: 营业执照 and 公章 of 企业开办 are produced by its sub-cases, never
    asked of the applicant)."""
    produced = set(bundle.outputs.values_list("licence_type_id", flat=True))
    return [
        s
        for s in material_slots(versions)
        if s.licence_type is None or s.licence_type.pk not in produced
    ]


def reusable_licences(slots: list[Slot], holder) -> dict:
    """slot key → the holder's valid e-licence that replaces the upload (免提交)."""
    from yingshang.registry.models import ELicence, Enterprise, Person

    found = {}
    wanted = {s.licence_type.pk: s.key for s in slots if s.licence_type is not None}
    if holder is None or holder.pk is None or not wanted:
        return found
    if isinstance(holder, Enterprise):
        holder_col = "enterprise_id"
    elif isinstance(holder, Person):
        holder_col = "person_id"
    else:
        return found
    # one query for all licence types; the rule of registry.selectors.licence_for (valid,
    # unexpired, newest first), written out so that its SQL is not compiled per submission
    types = sorted(wanted)
    licences = sqlrows.select_rows(
        ELicence,
        f"t.{holder_col} = %s AND t.status = %s AND t.licence_type_id IN "
        f"({', '.join(['%s'] * len(types))}) AND (t.valid_until IS NULL OR t.valid_until >= %s)",
        [holder.pk, ELicence.Status.VALID, *types, timezone.localdate()],
        order_by="t.issued_on DESC, t.id DESC",
    )
    for lic in licences:
        found.setdefault(wanted[lic.licence_type_id], lic)
    return found


def _check_uploads(slots, files: dict, reuse: dict, *, paper: set | None = None) -> dict:
    """Validate uploads for slots (the upload service's checks for case materials); returns
    key → ``uploads.Checked``. Errors are field-level."""
    errors = {}
    kinds = {}
    if files:
        uploads.check_count(files.values(), uploads.CASE_MATERIAL)
    known = {s.key for s in slots}
    for key in files:
        if key not in known:
            errors[f"material_{key}"] = _("未知材料。")
    for slot in slots:
        upload = files.get(slot.key)
        if upload is not None:
            try:
                kinds[slot.key] = uploads.check(
                    upload, uploads.CASE_MATERIAL, f"material_{slot.key}"
                )
            except ValidationError as exc:
                errors.update(exc.message_dict)
        elif slot.required and slot.key not in reuse and slot.key not in (paper or set()):
            errors[f"material_{slot.key}"] = _("缺少必要材料“%(n)s”。") % {"n": slot.name}
    if errors:
        raise ValidationError(errors)
    return kinds


def _material_rows(case, slots, files, kinds, reuse, *, paper=(), round_no=0):
    """The CaseMaterial rows of a submission (unsaved); uploaded files are stored."""
    rows = []
    for slot in slots:
        material = slot.materials[0] if slot.materials else None
        if slot.key in files:
            stored = uploads.store(kinds[slot.key], uploads.CASE_MATERIAL)
            rows.append(
                CaseMaterial(
                    case=case,
                    material=material,
                    name=slot.name,
                    source=MaterialSource.UPLOAD,
                    stored_name=stored.name,
                    original_name=stored.original_name,
                    content_type=stored.content_type,
                    size=stored.size,
                    sha256=stored.sha256,
                    round=round_no,
                )
            )
        elif slot.key in reuse:
            lic = reuse[slot.key]
            rows.append(
                CaseMaterial(
                    case=case,
                    material=material,
                    name=slot.name,
                    source=MaterialSource.ELICENCE,
                    licence=lic,
                    round=round_no,
                )
            )
        elif slot.key in paper:
            rows.append(
                CaseMaterial(
                    case=case,
                    material=material,
                    name=slot.name,
                    source=MaterialSource.PAPER,
                    round=round_no,
                )
            )
    return rows


def _save_materials(case, slots, files, kinds, reuse, *, paper=(), round_no=0):
    rows = _material_rows(case, slots, files, kinds, reuse, paper=paper, round_no=round_no)
    CaseMaterial.objects.bulk_create(rows)
    return rows


# --------------------------------------------------------------------------- submission


def _event_row(case, action, actor, channel, to_status, note="", data=None, at=None):
    return CaseEvent(
        case=case,
        at=at or case.submitted_at,
        action=action,
        from_state="",
        to_state=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        actor_role=workflow._actor_role(actor),
        channel=channel,
        note=note,
        data=data or {},
    )


def _event(case, action, actor, channel, to_status, note="", data=None, at=None):
    _event_row(case, action, actor, channel, to_status, note, data, at).save()


def _new_case(
    *,
    number,
    item,
    version,
    department,
    applicant,
    user,
    division,
    channel,
    intake_department,
    form_data,
    now,
    title,
    bundle=None,
    parent=None,
    department_id=None,
):
    case = Case(
        number=number,
        item=item,
        version=version,
        bundle=bundle,
        parent=parent,
        title=title,
        applicant_kind=applicant.kind,
        enterprise=applicant.enterprise,
        person=applicant.person,
        applicant_name=applicant.name,
        applicant_code=applicant.code,
        applicant_phone=applicant.phone,
        user=user if (is_portal_user(user)) else None,
        division=division,
        department=department,
        intake_department=intake_department,
        channel=channel,
        status=Status.SUBMITTED,
        form_data=form_data or {},
        submitted_at=now,
        limit_days=version.committed_limit_days if version else 0,
        visits_required=version.visits_required if version else 0,
        lookup_seed=lookup_codes.new_seed(),
    )
    if department is None:
        case.department_id = department_id
    return case


def submit_case(
    *,
    item: ServiceItem,
    applicant: Applicant,
    division: Division | None = None,
    channel: str = Channel.ONLINE,
    actor=None,
    user=None,
    files: dict | None = None,
    paper: set | None = None,
    form_data: dict | None = None,
    intake_department: Department | None = None,
) -> Case:
    """申报 one item. ``files``: slot key → UploadedFile; ``paper``: slot keys received on paper at
    a window. Required materials held as e-licences are taken from the registry (免提交)."""
    prepared = prepare_case(
        item=item,
        applicant=applicant,
        division=division,
        channel=channel,
        actor=actor,
        user=user,
        files=files,
        paper=paper,
        form_data=form_data,
        intake_department=intake_department,
    )
    return write_cases([prepared])[0]


@dataclass
class PreparedCase:
    """A validated submission of one item, not written yet (see ``prepare_case``)."""

    item: ServiceItem
    version: object
    division: Division
    applicant: Applicant
    slots: list
    files: dict
    kinds: dict
    reuse: dict
    paper: set
    channel: str
    actor: object
    user: object
    form_data: dict
    intake_department: Department | None


def prepare_case(
    *,
    item: ServiceItem,
    applicant: Applicant,
    division: Division | None = None,
    channel: str = Channel.ONLINE,
    actor=None,
    user=None,
    files: dict | None = None,
    paper: set | None = None,
    form_data: dict | None = None,
    intake_department: Department | None = None,
) -> PreparedCase:
    """Everything ``submit_case`` checks — channel, routing, materials, uploads, e-licences —
    without writing anything: raises the same field-level ValidationErrors."""
    if channel not in Channel.values:
        raise ValidationError({"channel": _("未知渠道。")})
    division = division or item.division
    version = _route_version(item, division)
    slots = material_slots([version])
    files = files or {}
    # e-licences matter only for slots without an upload (an upload wins in _material_rows)
    reuse = reusable_licences([s for s in slots if s.key not in files], applicant.licence_holder)
    kinds = _check_uploads(slots, files, reuse, paper=paper)
    return PreparedCase(
        item=item,
        version=version,
        division=division,
        applicant=applicant,
        slots=slots,
        files=files,
        kinds=kinds,
        reuse=reuse,
        paper=paper or set(),
        channel=channel,
        actor=actor,
        user=user or actor,
        form_data=form_data,
        intake_department=intake_department,
    )


def write_cases(prepared: list[PreparedCase], now=None, *, savepoint=True) -> list[Case]:
    """Write prepared submissions in one transaction: numbers (and, on PostgreSQL, case ids) in
    one round trip per division, files stored, then every case, material row, submit event and
    audit entry inserted together (one round trip on PostgreSQL); the window visits and the
    notifications after commit as for a single submission. All or nothing: the files are
    staged by the upload service, moved into place on commit and deleted if this fails.
    ``savepoint=False``: the caller owns the surrounding transaction and rolls it all back on
    failure (``submit``), so no savepoint is paid for."""
    now = now or timezone.now()
    with uploads.cleanup_on_error():
        return _write_cases(prepared, now, savepoint)


def _write_cases(prepared, now, savepoint=True) -> list[Case]:
    cases, materials, events = [], [], []
    with transaction.atomic(savepoint=savepoint):
        by_division: dict[str, list[int]] = {}
        for i, p in enumerate(prepared):
            by_division.setdefault(p.division.code, []).append(i)
        allocated = [None] * len(prepared)
        for code, positions in by_division.items():
            pairs = allocate_numbers(code, now, len(positions), with_ids=True)
            for i, pair in zip(positions, pairs, strict=True):
                allocated[i] = pair
        for p, (number, case_id) in zip(prepared, allocated, strict=True):
            case = _new_case(
                number=number,
                item=p.item,
                version=p.version,
                department=None,
                department_id=p.item.department_id,
                applicant=p.applicant,
                user=p.user,
                division=p.division,
                channel=p.channel,
                intake_department=p.intake_department,
                form_data=p.form_data,
                now=now,
                title=p.item.name,
            )
            case.pk = case_id
            rows = _material_rows(case, p.slots, p.files, p.kinds, p.reuse, paper=p.paper)
            cases.append(case)
            materials.extend(rows)
            events.append(_submit_event_row(case, rows, p.actor, p.channel))
        _insert_submissions(cases, materials, events)
        for p, case in zip(prepared, cases, strict=True):
            _after_submission(case, p.actor, p.channel, p.intake_department, now)
    return cases


def _insert_submissions(cases: list, materials: list, events: list) -> None:
    """Insert new cases with their material rows, events and audit entries — what
    ``case.save()`` (audited by the post_save signal), ``bulk_create`` and ``_event`` would
    write, but with each statement built once per process and, on PostgreSQL when the case ids
    were allocated with the numbers, all of them sent in one round trip. The caller holds the
    transaction."""
    if not cases:
        return
    if cases[0].pk is None:  # no pre-allocated ids (SQLite): insert the cases first, for ids
        sqlrows.insert(cases)
        statements = []
    else:
        statements = [sqlrows.insert_statement(cases)]  # sets auto_now fields before the audit
    entries = [e for e in (audit.created_entry(c) for c in cases) if e is not None]
    for objs in (materials, events, entries):
        if objs:
            statements.append(sqlrows.insert_statement(objs, returning=False))
    sqlrows.execute(statements)
    sqlrows.mark_saved(cases)


def _submit_event_row(case, rows, actor, channel, **data) -> CaseEvent:
    """The submit event, with the materials taken from e-licences."""
    return _event_row(
        case,
        "submit",
        actor,
        channel,
        Status.SUBMITTED,
        data={
            **data,
            "materials": len(rows),
            "reused_licences": [
                {"material": r.name, "licence": r.licence.number}
                for r in rows
                if r.source == MaterialSource.ELICENCE
            ],
        },
    )


def _after_submission(case, actor, channel, intake_department, now) -> None:
    """The window visit, and the applicant's notification and 查询码 SMS after commit."""
    if channel == Channel.WINDOW:
        record_visit(case, "submission", actor=actor, department=intake_department, at=now)
    workflow._notify_later(case)
    if case.parent_id is None and case.applicant_phone:
        from yingshang.notifications.public import sms_configured

        if sms_configured():
            transaction.on_commit(partial(send_query_code, case.pk), robust=True)


def send_query_code(case_id: int) -> bool:
    """The submission receipt by SMS (template ``query_code``): the number's tail and the
    查询码, derived now and never stored. Skipped for a phone that is not a mainland mobile;
    a provider failure is logged, the case stays submitted (the code is on the receipt page)."""
    import logging

    from yingshang.notifications.public import SmsError, mainland_mobile, send_sms

    case = Case.objects.get(pk=case_id)
    try:
        send_sms(
            phone=mainland_mobile(case.applicant_phone),
            template="query_code",
            values={"ref": case.number, "code": case.lookup_code},
        )
    except SmsError as exc:
        logging.getLogger("yingshang.cases").warning(
            "query code SMS for %s not sent: %s", case.number, exc
        )
        return False
    return True


def _record_submission(case, rows, actor, channel, intake_department, now, **data) -> None:
    """The submit event (with the materials taken from e-licences), the window visit, and the
    applicant's notification after commit — the same for a single case and a bundle's parent."""
    _submit_event_row(case, rows, actor, channel, **data).save()
    _after_submission(case, actor, channel, intake_department, now)


def submit_bundle(
    *,
    bundle,
    applicant: Applicant,
    division: Division | None = None,
    channel: str = Channel.ONLINE,
    actor=None,
    user=None,
    files: dict | None = None,
    paper: set | None = None,
    form_data: dict | None = None,
    intake_department: Department | None = None,
) -> Case:
    """一件事一次办: one form and one set of materials → a parent case plus one sub-case per item,
    each routed to the item's department and handled in parallel."""
    if bundle is None or not bundle.is_active:
        raise ValidationError({"bundle": _("一件事不存在或已停用。")})
    division = division or bundle.division
    items = [bi.item for bi in bundle.bundle_items.select_related("item__current_version")]
    routes = []
    errors = {}
    for item in items:
        try:
            routes.append((item, *route(item, division)))
        except ValidationError as exc:
            errors.update({k: [f"{item.name}:{m}" for m in v] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    slots = bundle_material_slots(bundle, [v for _i, v, _d in routes])
    reuse = reusable_licences(slots, applicant.licence_holder)
    files = files or {}
    kinds = _check_uploads(slots, files, reuse, paper=paper)
    now = timezone.now()
    with uploads.cleanup_on_error(), transaction.atomic():
        numbers = [num for num, _id in allocate_numbers(division.code, now, len(routes) + 1)]
        parent = _new_case(
            number=numbers[0],
            item=None,
            version=None,
            department=routes[0][2],
            applicant=applicant,
            user=user or actor,
            division=division,
            channel=channel,
            intake_department=intake_department,
            form_data=form_data,
            now=now,
            title=bundle.name,
            bundle=bundle,
        )
        parent.visits_required = max((v.visits_required for _i, v, _d in routes), default=0)
        parent.save()
        rows = _save_materials(parent, slots, files, kinds, reuse, paper=paper or set())
        children = []
        for (item, version, department), number in zip(routes, numbers[1:], strict=True):
            child = _new_case(
                number=number,
                item=item,
                version=version,
                department=department,
                applicant=applicant,
                user=user or actor,
                division=division,
                channel=channel,
                intake_department=intake_department,
                form_data=form_data,
                now=now,
                title=item.name,
                bundle=bundle,
                parent=parent,
            )
            child.save()
            children.append(child)
            _event(
                child, "submit", actor, channel, Status.SUBMITTED, data={"parent": parent.number}
            )
        _record_submission(
            parent,
            rows,
            actor,
            channel,
            intake_department,
            now,
            children=[c.number for c in children],
        )
    return parent


# --------------------------------------------------------------------------- the entry point


def submit(**submission) -> Case:
    """申报 — the one call every entry point makes: the portal's apply page (``user`` = the
    portal account, linked to the enterprise it names), the window intake (``paper``,
    ``intake_department``), ``POST /api/cases/`` (codes as strings) and, per entry, the batch
    (``submit_many``). Keywords: ``item`` / ``bundle`` (an object or its implementation code /
    key), ``division`` (an object or its code, optional), ``applicant_kind``,
    ``applicant_code``, ``applicant_name``, ``applicant_phone``, and those of
    ``prepare_case``: ``channel``, ``actor``, ``user``, ``files`` (slot key → UploadedFile),
    ``paper``, ``form_data``, ``intake_department``.

    The fast path lives behind this call: codes are read with statements built once per
    process (``rows.py``), the item's version and its material slots come from per-process
    caches, and the rows are inserted together (``write_cases``). Field-level
    ``ValidationError`` on bad input; nothing is written then, and no file is left — an
    applicant registered on the way (a new enterprise or person) is rolled back too."""
    with transaction.atomic():
        kind, target, common = _submission_inputs(**submission)
        if kind == "item":
            return write_cases([prepare_case(item=target, **common)], savepoint=False)[0]
        return submit_bundle(bundle=target, **common)


def _submission_inputs(
    *,
    applicant_kind: str,
    applicant_code: str,
    applicant_name: str = "",
    applicant_phone: str = "",
    item: ServiceItem | str | None = None,
    bundle=None,
    division: Division | str | None = None,
    user=None,
    **common,
):
    """("item", ServiceItem, keyword arguments of prepare_case) or ("bundle", Bundle, those of
    submit_bundle); unknown codes are field errors."""
    from yingshang.catalog.models import Bundle

    if isinstance(division, str):
        code = division
        division = sqlrows.select_one(Division, "code", code) if code else None
        if division is None and code:
            raise ValidationError({"division": _("未知的区划代码。")})
    applicant = resolve_applicant(
        kind=applicant_kind,
        code=applicant_code,
        name=applicant_name or "",
        phone=applicant_phone or "",
        user=user,
    )
    common.update(applicant=applicant, division=division, user=user)
    if item:
        if isinstance(item, str):
            item = item_for_submission(item)
            if item is None:
                raise ValidationError({"item": _("事项不存在。")})
        return "item", item, common
    if isinstance(bundle, str) and bundle:
        bundle = sqlrows.select_one(Bundle, "key", bundle)
        if bundle is None:
            raise ValidationError({"bundle": _("一件事不存在。")})
    if bundle is None:
        raise ValidationError({"item": _("请指定事项（item）或一件事（bundle）之一。")})
    return "bundle", bundle, common


@dataclass
class Invalid:
    """An entry of a batch that already failed its payload check: field → messages."""

    errors: dict


class BatchRejected(Exception):
    """A batch with errors: ``errors`` maps ``submissions[<position>].<field>`` to messages.
    Nothing of the batch was written."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


BATCH_MAX = 500


def submit_many(entries: list, *, actor, intake_department: Department | None = None) -> list:
    """批量申报: every entry (``submit``'s keyword arguments, or ``Invalid``) or none. All are
    checked first and the errors come back together (``BatchRejected``); then the items'
    cases are written together (``write_cases``: one round trip of INSERTs on PostgreSQL),
    bundles through ``submit_bundle``; all in one transaction — applicants registered on the
    way and the files stored for bundles are removed if anything fails."""
    errors: dict = {}

    def failed(i, exc_errors: dict):
        for field_name, messages in exc_errors.items():
            errors[f"submissions[{i}].{field_name}"] = messages

    with uploads.cleanup_on_error(), transaction.atomic():
        inputs = []
        for i, entry in enumerate(entries):
            if isinstance(entry, Invalid):
                failed(i, entry.errors)
                continue
            try:
                kind, target, common = _submission_inputs(
                    **entry, actor=actor, intake_department=intake_department
                )
                if kind == "item":
                    inputs.append((i, kind, prepare_case(item=target, **common)))
                else:
                    inputs.append((i, kind, (target, common)))
            except ValidationError as exc:
                failed(i, _messages(exc))
        if errors:
            raise BatchRejected(errors)
        result = [None] * len(entries)
        for i, kind, value in inputs:
            if kind == "bundle":
                try:
                    result[i] = submit_bundle(bundle=value[0], **value[1])
                except ValidationError as exc:
                    failed(i, _messages(exc))
        if errors:
            raise BatchRejected(errors)
        items = [(i, p) for i, kind, p in inputs if kind == "item"]
        written = write_cases([p for _i, p in items])
        for (i, _p), case in zip(items, written, strict=True):
            result[i] = case
    return result


def _messages(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def resubmit(case: Case, actor, channel: str = Channel.ONLINE, files: dict | None = None) -> Case:
    """补正提交: upload the missing materials; the clock resumes. For a bundle, the parent holds
    the materials and every sub-case waiting for a supplement is resubmitted."""
    files = files or {}
    with uploads.cleanup_on_error(), transaction.atomic():
        if case.parent_id:
            case = case.parent
        if case.is_bundle_parent:
            children = list(Case.objects.select_for_update().filter(parent=case).order_by("id"))
            waiting = [c for c in children if c.status == Status.SUPPLEMENT]
            target = Case.objects.select_for_update().get(pk=case.pk)
            if target.user_id != getattr(actor, "pk", None) and not getattr(
                actor, "is_staff_member", False
            ):
                from django.http import Http404

                raise Http404
            if not waiting:
                workflow._disallowed(target, "resubmit")
            missing = [m for c in waiting for m in c.missing_materials]
        else:
            target = case
            fresh = Case.objects.get(pk=case.pk)
            if fresh.status != Status.SUPPLEMENT:
                workflow._disallowed(fresh, "resubmit")
            missing = fresh.missing_materials
            waiting = [fresh]
        _store_supplement(target, missing, files)
        for c in waiting:
            workflow.transition(
                c,
                "resubmit",
                actor,
                channel,
                materials=[m.get("name") for m in missing],
            )
        if channel == Channel.WINDOW:
            record_visit(target, "supplement", actor=actor)
        return Case.objects.get(pk=target.pk)


def supplement_items(case, missing=None) -> list[dict]:
    """The items of the 补正告知书 as upload fields: a catalogue material by its slot key, a
    free-text item (typed by the handler, not in the catalogue) as ``extra<n>`` (its place in
    the list). ``field`` is the form field's suffix (``material_<field>``)."""
    missing = case.missing_materials if missing is None else missing
    versions = [case.version] if case.version_id else [c.version for c in case.children.all()]
    slots = {s.key: s for s in material_slots([v for v in versions if v])}
    items, seen = [], set()
    for i, m in enumerate(missing or []):
        key = str(m.get("key") or "")
        slot = slots.get(key) if key else None
        field = slot.key if slot else f"extra{i}"
        if field in seen:
            continue
        seen.add(field)
        items.append(
            {
                "field": field,
                "name": slot.name if slot else str(m.get("name") or ""),
                "slot": slot,
                "free_text": slot is None,
            }
        )
    return items


def _store_supplement(case, missing, files):
    """Check and keep the supplement's files: one for every item of the 补正告知书, catalogue
    materials and free-text items alike (uploads checked by content, platform/uploads.py)."""
    wanted = supplement_items(case, missing)
    errors = {}
    for it in wanted:
        if it["field"] not in files:
            errors[f"material_{it['field']}"] = _("缺少补正材料“%(n)s”。") % {"n": it["name"]}
    if not wanted and not files:
        errors["materials"] = _("请上传补正材料。")
    fields = {it["field"]: it for it in wanted}
    files = {k: f for k, f in files.items() if k in fields}
    kinds = {}
    try:
        uploads.check_count(files.values(), uploads.CASE_MATERIAL)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    from .drafts import scale_photo  # drafts builds on this module

    for key, upload in files.items():
        try:
            upload, _scaled = scale_photo(upload, f"material_{key}")
            kinds[key] = uploads.check(upload, uploads.CASE_MATERIAL, f"material_{key}")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    round_no = max(case.materials.values_list("round", flat=True), default=0) + 1
    rows = []
    for key in files:
        stored = uploads.store(kinds[key], uploads.CASE_MATERIAL)
        it = fields[key]
        slot = it["slot"]
        rows.append(
            CaseMaterial(
                case=case,
                material=slot.materials[0] if slot and slot.materials else None,
                name=it["name"][:200] or stored.original_name,
                source=MaterialSource.UPLOAD,
                stored_name=stored.name,
                original_name=stored.original_name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                round=round_no,
            )
        )
    CaseMaterial.objects.bulk_create(rows)


# --------------------------------------------------------------------------- trips


def trips_exceeded(case: Case) -> bool:
    """来回跑: the case is completed (办结/送达) and the applicant came more often than the
    item promises — the first visit never counts (an item promising none still takes the
    applicant who chose the window once), nor does an open case (it may still end in time)."""
    from .models import Status

    if case.status not in (Status.COMPLETED, Status.DELIVERED):
        return False
    return case.visits > max(case.visits_required, 1)


def update_trip_flag(case: Case) -> None:
    flag = trips_exceeded(case)
    if flag != case.multiple_trips:
        Case.objects.filter(pk=case.pk).update(multiple_trips=flag)
        case.multiple_trips = flag


def record_visit(case: Case, kind: str, *, actor=None, department=None, at=None) -> CaseVisit:
    """Record an on-site visit (跑动); flags 来回跑 (``trips_exceeded``)."""
    visit = CaseVisit.objects.create(
        case=case,
        kind=kind,
        at=at or timezone.now(),
        department=department or getattr(actor, "department", None),
        recorded_by=actor if getattr(actor, "role", "") else None,
    )
    Case.objects.filter(pk=case.pk).update(visits=F("visits") + 1)
    case.refresh_from_db(fields=["visits", "status"])
    update_trip_flag(case)
    return visit


# --------------------------------------------------------------------------- results


def issue_result_licence(case: Case, now=None):
    """When an approved case's version names a result licence type, the holder gets it as an
    e-licence (registry) and the case event log records it."""
    version = case.version
    if version is None or version.result_licence_type_id is None:
        return None
    holder = case.enterprise or case.person
    if holder is None:
        return None
    from yingshang.registry.public import issue_elicence

    licence = issue_elicence(
        holder,
        version.result_licence_type,
        case.department,
        number=f"{version.result_licence_type.code}-{case.number}",
        source_case_number=case.number,
        data={"item": case.title, "case": case.number},
    )
    workflow.MACHINE.record(
        case,
        "issue_licence",
        case.status,
        case.status,
        channel="system",
        at=now or timezone.now(),
        note=str(version.result_licence_type),
        data={"licence": licence.number, "licence_type": version.result_licence_type.code},
    )
    return licence


def is_immediate(case: Case) -> bool:
    return bool(case.version and case.version.kind == ItemKind.IMMEDIATE)


# --------------------------------------------------------------------------- founding (企业开办)

NEW_ENTERPRISE_NAME_MAX = 100


def new_enterprise_prefill(case: Case) -> dict:
    """What the application said of the company to be founded (``form_data["new_enterprise"]``
    of the bundle): the name and details the handler's 办结 form starts from."""
    form_data = case.form_data or {}
    if not form_data.get("new_enterprise") and case.parent_id:
        form_data = case.parent.form_data or {}
    details = form_data.get("new_enterprise") or {}
    return {
        "name": str(details.get("company_name") or "").strip(),
        "legal_representative": str(details.get("legal_representative") or "").strip(),
        "address": str(details.get("address") or "").strip(),
    }


def new_enterprise_details(case: Case, data: dict) -> dict:
    """Check the new company's 统一社会信用代码 and name given at 办结 of a founding sub-case
    (``data["new_enterprise_uscc"]``, ``data["new_enterprise_name"]``, the name defaulting to the
    application's); field-level errors. Returns the details ``found_enterprise`` writes."""
    from yingshang.registry import public as registry

    prefill = new_enterprise_prefill(case)
    errors = {}
    raw = str(data.get("new_enterprise_uscc") or "")
    code = registry.normalise_uscc(raw.strip()).upper() if raw.strip() else ""
    name = str(data.get("new_enterprise_name") or "").strip() or prefill["name"]
    if not code:
        errors["new_enterprise_uscc"] = _("请填写新设企业的统一社会信用代码。")
    elif not uscc.is_valid(code):
        errors["new_enterprise_uscc"] = _("统一社会信用代码无效：应为 18 位，请核对校验位。")
    elif registry.enterprise_by_uscc(code) is not None:
        errors["new_enterprise_uscc"] = _("该统一社会信用代码已在登记库中，不能用于新设企业。")
    if not name:
        errors["new_enterprise_name"] = _("请填写新设企业的名称。")
    elif len(name) > NEW_ENTERPRISE_NAME_MAX:
        errors["new_enterprise_name"] = _("企业名称不能超过 %(n)s 个字。") % {
            "n": NEW_ENTERPRISE_NAME_MAX
        }
    if errors:
        raise ValidationError(errors)
    return {**prefill, "uscc": code, "name": name}


def found_enterprise(case: Case, details: dict, *, actor=None, now=None):
    """办结 准予 of a founding sub-case (企业开办's 设立登记), in the case's transition: the
    registry creates the enterprise, the applicant's portal account becomes its verified
    representative, and the bundle — this case, its parent and the other sub-cases — names the
    company as applicant from now on (the 营业执照 issued next goes to the company). Every case
    changed is saved one by one (audited) and the bundle's case gets a ``found_enterprise``
    event."""
    from yingshang.registry import public as registry

    now = now or timezone.now()
    parent_id = case.parent_id
    try:
        enterprise = registry.found_enterprise(
            uscc=details["uscc"],
            name=details["name"],
            founder=case.user if case.user_id and is_portal_user(case.user) else None,
            channel="system",
            note=_("企业开办：办件 %(n)s 准予设立登记") % {"n": case.number},
            legal_representative=details.get("legal_representative", "")[:50],
            address=details.get("address", "")[:200],
            phone=case.applicant_phone or "",
            division=case.division,
            established_on=timezone.localdate(now),
        )
    except ValidationError as exc:
        errors = exc.message_dict
        raise ValidationError(
            {
                ("new_enterprise_uscc" if k == "uscc" else f"new_enterprise_{k}"): v
                for k, v in errors.items()
            }
        ) from exc
    applicant = {
        "applicant_kind": ApplicantKind.ENTERPRISE,
        "enterprise": enterprise,
        "applicant_code": enterprise.uscc,
        "applicant_name": enterprise.name,
    }
    # the other sub-cases first (id order), the parent last: the order every transition locks in
    siblings = list(
        Case.objects.select_for_update()
        .filter(parent_id=parent_id)
        .exclude(pk=case.pk)
        .order_by("id")
    )
    for c in [case, *siblings]:
        for k, v in applicant.items():
            setattr(c, k, v)
        if c.pk != case.pk:
            c.lock_version += 1
        c.save(update_fields=[*applicant, "lock_version", "updated_at"])
    parent = Case.objects.select_for_update().get(pk=parent_id)
    for k, v in applicant.items():
        setattr(parent, k, v)
    parent.save(update_fields=[*applicant, "updated_at"])
    data = {"uscc": enterprise.uscc, "name": enterprise.name, "case": case.number}
    for c in (case, parent):
        workflow.MACHINE.record(
            c,
            "found_enterprise",
            c.status,
            c.status,
            actor=actor,
            channel="system",
            at=now,
            note=enterprise.name,
            data=data,
        )
    return enterprise
