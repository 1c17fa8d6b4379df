"""Guided applications (``apply_views``): drafts saved step by step, uploads kept in the draft,
an idempotent final submission through ``services.submit``, and the expiry of old drafts.

Steps: who applies (``applicant``) → what (``details``) → materials → review → submitted.
A bundle that founds a new holder (``catalog.founds_holder``: 企业开办) is applied for by a
person (the founder or their agent) with the new company's name and registration details in
``form_data["new_enterprise"]``; the bundle's own outputs (营业执照, 公章…) are never asked.
"""

import dataclasses
import io
import os

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.catalog import public as catalog
from yingshang.platform import uploads
from yingshang.registry import public as registry

from . import services
from .draft_models import DRAFT_LIFETIME, ApplicationDraft, DraftAttachment, DraftStatus
from .models import Channel

STEPS = ["applicant", "details", "materials", "review"]
STEP_LABELS = {
    "applicant": gettext_lazy("申请人"),
    "details": gettext_lazy("申请事项"),
    "materials": gettext_lazy("申请材料"),
    "review": gettext_lazy("确认提交"),
}

# Draft files: the case materials' checks, in their own directory.
DRAFT_MATERIAL = dataclasses.replace(
    uploads.CASE_MATERIAL, key="draft_material", directory="drafts", max_files=50
)

# Photos (a phone camera's 12 MP JPEG) are scaled down to this longest side and re-encoded
# (which also drops their EXIF data: the place a photo was taken).
PHOTO_MAX_SIDE = 2400
PHOTO_QUALITY = 85
PHOTO_MAX_PIXELS = 60_000_000  # refuse decompression bombs before decoding
RAW_FACTOR = 4  # a photo may arrive up to 4× the size limit, since it is scaled down


# --------------------------------------------------------------------------- the draft's needs


@dataclasses.dataclass
class Needs:
    """What a draft's target asks: the material slots (outputs of a bundle's own items left
    out), those outputs, and whether a new holder is founded."""

    slots: list
    outputs: list
    founding: bool
    items: list


def needs_of(draft: ApplicationDraft) -> Needs:
    if draft.item_id:
        version = draft.item.current_version
        return Needs(services.material_slots([version] if version else []), [], False, [draft.item])
    bundle = draft.bundle
    items = [bi.item for bi in bundle.bundle_items.select_related("item__current_version")]
    outputs = catalog.bundle_outputs(bundle)
    versions = [i.current_version for i in items if i.current_version]
    slots = services.bundle_material_slots(bundle, versions)
    return Needs(slots, outputs, any(o.founds_holder for o in outputs), items)


# --------------------------------------------------------------------------- prefill


def prefill(user, *, founding: bool = False, person_first: bool = False) -> dict:
    """The applicant step's initial values from the account and its verified holders, with
    the source of each value (shown beside the field): field → {"value", "source"}. An
    account that represents an enterprise applies as it, unless the bundle founds a new one or
    the item serves persons (``person_first``) and the account has a verified person."""
    out = {}
    holders = registry.holders_for_user(user)
    person = next((h for h in holders if hasattr(h, "id_number")), None)
    enterprise = next((h for h in holders if hasattr(h, "uscc")), None)
    if person_first and person is not None:
        enterprise = None
    if enterprise is not None and not founding:
        licence = next(
            (lic for lic in registry.licences_of(enterprise) if lic.licence_type.code == "yyzz"),
            None,
        )
        source = _("来自电子营业执照") if licence is not None else _("来自企业登记信息")
        out["applicant_kind"] = {"value": "enterprise", "source": source}
        out["applicant_code"] = {"value": enterprise.uscc, "source": source}
        out["applicant_name"] = {"value": enterprise.name, "source": source}
        if enterprise.phone:
            out["applicant_phone"] = {"value": enterprise.phone, "source": source}
    elif person is not None:
        source = _("来自实名认证信息")
        out["applicant_kind"] = {"value": "person", "source": source}
        out["applicant_code"] = {"value": person.id_number, "source": source}
        out["applicant_name"] = {"value": person.name, "source": source}
        if person.phone:
            out["applicant_phone"] = {"value": person.phone, "source": source}
    if founding:
        out["applicant_kind"] = {"value": "person", "source": ""}
    account = _("来自您的账户")
    if "applicant_name" not in out and getattr(user, "full_name", ""):
        out["applicant_name"] = {"value": user.full_name, "source": account}
    if "applicant_phone" not in out and getattr(user, "phone", ""):
        out["applicant_phone"] = {"value": user.phone, "source": account}
    return out


# --------------------------------------------------------------------------- drafts


def _touch(draft: ApplicationDraft, now=None) -> None:
    now = now or timezone.now()
    draft.updated_at = now
    draft.expires_at = now + DRAFT_LIFETIME


def start(*, user, item=None, bundle=None, fresh: bool = False) -> ApplicationDraft:
    """The user's open draft for the item or bundle (resumed in any session), or a new one
    prefilled from the account. ``fresh``: discard the open one and start again."""
    if bool(item) == bool(bundle):
        raise ValidationError({"item": _("请指定事项或一件事之一。")})
    found = ApplicationDraft.objects.filter(
        user=user,
        status=DraftStatus.OPEN,
        expires_at__gt=timezone.now(),
        **({"item": item} if item else {"bundle": bundle}),
    ).first()
    if found is not None and fresh:
        discard(draft=found)
        found = None
    if found is not None:
        return found
    draft = ApplicationDraft(user=user, item=item, bundle=bundle)
    founding = bool(bundle) and catalog.founds_holder(bundle)
    person_first = (item or bundle).theme == "person"
    draft.data = {
        "prefill": prefill(user, founding=founding, person_first=person_first),
        "details": {"division": (item or bundle).division_id},
    }
    draft.save()
    return draft


def check_division(draft: ApplicationDraft, division) -> None:
    """The division must be one where the item (every item of a bundle) can be applied for
    (属地办理 items only in their own division): ``ValidationError({"division": …})``."""
    for item in needs_of(draft).items:
        try:
            services.route(item, division)
        except ValidationError as exc:
            raise ValidationError(
                {
                    "division": [
                        f"{item.name}:{m}" if draft.bundle_id else m
                        for m in exc.message_dict.get("division", exc.messages)
                    ]
                }
            ) from None


def save_step(*, draft: ApplicationDraft, step: str, values: dict, next_step: str) -> None:
    """Keep a step's cleaned values and move the draft on."""
    if draft.status != DraftStatus.OPEN:
        raise ValidationError(_("该申请已提交，不能再修改。"))
    draft.data = {**draft.data, step: values}
    draft.step = next_step
    _touch(draft)
    draft.save(update_fields=["data", "step", "updated_at", "expires_at"])


def _open_image(upload):
    from PIL import Image

    upload.seek(0)
    img = Image.open(upload)
    w, h = img.size
    if w * h > PHOTO_MAX_PIXELS:
        raise ValueError("too many pixels")
    return img


def downscale(upload, kind: str, field: str):
    """A JPEG or PNG photo larger than ``PHOTO_MAX_SIDE`` or the size limit, scaled down and
    re-encoded as JPEG (orientation applied, metadata dropped); other files unchanged.
    Returns (file, downscaled)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    size = upload.size
    try:
        img = _open_image(upload)
        if max(img.size) <= PHOTO_MAX_SIDE and size <= DRAFT_MATERIAL.limit():
            upload.seek(0)
            return upload, False
        img = ImageOps.exif_transpose(img)
        img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
        if img.mode not in ("RGB", "L"):
            background = Image.new("RGB", img.size, "white")
            rgba = img.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            img = background
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        name = os.path.basename(upload.name or "file")
        raise ValidationError(
            {field: _("图片“%(name)s”无法读取或尺寸过大。") % {"name": name}}
        ) from None
    stem = os.path.splitext(os.path.basename(upload.name or "photo"))[0] or "photo"
    return SimpleUploadedFile(f"{stem}.jpg", buf.getvalue(), "image/jpeg"), True


def scale_photo(upload, field: str):
    """A phone photo (JPEG or PNG up to ``RAW_FACTOR`` × the size limit) scaled down before it
    is checked and stored, wherever a material is uploaded (the guided form, the 补正 answer);
    other files unchanged. Returns (file, downscaled)."""
    size = upload.size
    kind = uploads.sniff(upload) if size else None
    if kind in ("jpg", "png") and size <= DRAFT_MATERIAL.limit() * RAW_FACTOR:
        return downscale(upload, kind, field)
    return upload, False


def attach(*, draft: ApplicationDraft, slot_key: str, upload) -> DraftAttachment:
    """Check an upload by content (photos scaled down first), store it and keep it in the
    draft for ``slot_key`` (replacing an earlier file of that slot). Field-level errors on
    ``material_<slot_key>``."""
    field = f"material_{slot_key}"
    if draft.status != DraftStatus.OPEN:
        raise ValidationError(_("该申请已提交，不能再修改。"))
    if slot_key not in {s.key for s in needs_of(draft).slots}:
        raise ValidationError({field: _("未知材料。")})
    upload, scaled = scale_photo(upload, field)
    checked = uploads.check(upload, DRAFT_MATERIAL, field)
    with uploads.cleanup_on_error(), transaction.atomic():
        old = DraftAttachment.objects.filter(draft=draft, slot_key=slot_key).first()
        if old is not None:
            _delete_files([old.stored_name.name])
            old.delete()
        stored = uploads.store(checked, DRAFT_MATERIAL)
        att = DraftAttachment.objects.create(
            draft=draft,
            slot_key=slot_key,
            stored_name=stored.name,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            downscaled=scaled,
        )
        _touch(draft)
        draft.save(update_fields=["updated_at", "expires_at"])
    return att


def detach(*, draft: ApplicationDraft, slot_key: str) -> None:
    if draft.status != DraftStatus.OPEN:
        raise ValidationError(_("该申请已提交，不能再修改。"))
    with transaction.atomic():
        for att in DraftAttachment.objects.filter(draft=draft, slot_key=slot_key):
            _delete_files([att.stored_name.name])
            att.delete()


def _delete_files(names) -> None:
    """Remove stored files once the transaction that forgets them commits."""

    def remove():
        for n in names:
            if n:
                uploads.storage.delete(n)

    transaction.on_commit(remove, robust=True)


def missing_materials(draft: ApplicationDraft, needs: Needs | None = None) -> dict:
    """field → message for each required material the draft has neither a file nor an
    e-licence for (the e-licences only of the holder the account represents)."""
    needs = needs or needs_of(draft)
    have = set(draft.files.values_list("slot_key", flat=True))
    reuse = reusable(draft, needs)
    return {
        f"material_{s.key}": _("请上传“%(n)s”。") % {"n": s.name}
        for s in needs.slots
        if s.required and s.key not in have and s.key not in reuse
    }


def reusable(draft: ApplicationDraft, needs: Needs) -> dict:
    """slot key → the e-licence used instead of an upload (免提交), for the applicant the draft
    names when the account represents it."""
    a = draft.data.get("applicant") or {}
    holder = None
    for h in registry.holders_for_user(draft.user):
        if getattr(h, "uscc", None) == a.get("applicant_code") or getattr(
            h, "id_number", None
        ) == a.get("applicant_code"):
            holder = h
    if holder is None:
        return {}
    return services.reusable_licences(needs.slots, holder)


def submit(*, draft: ApplicationDraft, submit_key: str, actor, channel: str = Channel.ONLINE):
    """Submit the draft through ``services.submit`` once. The transaction first claims the
    draft with one conditional UPDATE (open, no case yet, this key): a concurrent or repeated
    POST of the same form (double click, reload, a second tab) waits for that row and then
    claims nothing, and gets the case the first one made. A stale key (a form of an earlier
    round) is refused. Anything refused rolls the claim back. Returns (case, created)."""
    with transaction.atomic():
        claimed = ApplicationDraft.objects.filter(
            pk=draft.pk, status=DraftStatus.OPEN, case__isnull=True, submit_key=submit_key or "-"
        ).update(status=DraftStatus.SUBMITTED, updated_at=timezone.now())
        current = ApplicationDraft.objects.select_related("case", "item", "bundle", "user").get(
            pk=draft.pk
        )
        if not claimed:
            if current.case_id is not None:
                return current.case, False
            if current.status != DraftStatus.OPEN:
                raise ValidationError({"submit_key": _("该申请已提交。")})
            raise ValidationError({"submit_key": _("表单已过期，请重新确认后提交。")})
        locked = current
        needs = needs_of(locked)
        errors = missing_materials(locked, needs)
        if errors:
            raise ValidationError(errors)
        a = locked.data.get("applicant") or {}
        d = locked.data.get("details") or {}
        files = {}
        for att in locked.files.all():
            with uploads.storage.open(att.stored_name.name) as fh:
                files[att.slot_key] = SimpleUploadedFile(
                    att.original_name or os.path.basename(att.stored_name.name),
                    fh.read(),
                    att.content_type,
                )
        form_data = {"guided": True}
        if d.get("note"):
            form_data["note"] = d["note"]
        if needs.founding:
            form_data["new_enterprise"] = d.get("new_enterprise") or {}
        if needs.outputs:
            form_data["bundle_outputs"] = [o.licence_type.name for o in needs.outputs]
        from yingshang.core.models import Division

        division = Division.objects.filter(pk=d.get("division")).first()
        case = services.submit(
            item=locked.item,
            bundle=locked.bundle,
            division=division,
            applicant_kind=a.get("applicant_kind", ""),
            applicant_code=a.get("applicant_code", ""),
            applicant_name=a.get("applicant_name", ""),
            applicant_phone=a.get("applicant_phone", ""),
            channel=channel,
            actor=actor,
            user=actor,
            files=files,
            form_data=form_data,
        )
        names = list(locked.files.values_list("stored_name", flat=True))
        locked.files.all().delete()
        _delete_files(names)
        locked.case = case
        locked.status = DraftStatus.SUBMITTED
        locked.step = "done"
        _touch(locked)
        locked.save()
    return case, True


def discard(*, draft: ApplicationDraft) -> None:
    with transaction.atomic():
        names = list(draft.files.values_list("stored_name", flat=True))
        draft.delete()
        _delete_files(names)


def expire_drafts(now=None) -> int:
    """Delete drafts past their expiry (open ones untouched for ``DRAFT_LIFETIME``, submitted
    ones likewise) with their files; the number deleted."""
    now = now or timezone.now()
    expired = ApplicationDraft.objects.filter(expires_at__lte=now)
    count = 0
    with transaction.atomic():
        names = list(
            DraftAttachment.objects.filter(draft__in=expired).values_list("stored_name", flat=True)
        )
        count = expired.count()
        expired.delete()
        _delete_files(names)
    return count
