"""Guided applications (cases/apply_views.py, cases/drafts.py): step errors beside the fields,
uploads kept across errors and sessions, idempotent submission, draft expiry, bundles that
found a company (企业开办) and never ask for their own outputs, bad uploads, photo downscaling."""

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yingshang.cases import drafts
from yingshang.cases.models import ApplicationDraft, Case, DraftAttachment, DraftStatus
from yingshang.platform import uploads

from .conftest import PDF, RIC, USCC, upload

pytestmark = pytest.mark.django_db

PERSON = {
    "applicant_kind": "person",
    "applicant_code": RIC,
    "applicant_name": "张三",
    "applicant_phone": "13900001234",
}


def _start(client, item=None, bundle=None, **query):
    url = (
        reverse("cases:guided-item", args=[item.implementation_code])
        if item
        else reverse("cases:guided-bundle", args=[bundle.key])
    )
    r = client.get(url, query)
    assert r.status_code == 302, r
    draft = ApplicationDraft.objects.get(token=r["Location"].split("/")[3])
    return draft


def _step(draft, step):
    return reverse("cases:draft-step", args=[draft.token, step])


def _to_materials(client, draft, applicant=None, details=None):
    r = client.post(_step(draft, "applicant"), applicant or PERSON)
    assert r.status_code == 302 and r["Location"] == _step(draft, "details"), r.content[:2000]
    r = client.post(_step(draft, "details"), details or {"division": draft.target.division_id})
    assert r.status_code == 302 and r["Location"] == _step(draft, "materials"), r.content[:3000]
    draft.refresh_from_db()
    return draft


def _png(width, height, color=(200, 30, 30)):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


# --------------------------------------------------------------------------- steps and errors


def test_applicant_step_errors_beside_each_field(client, catalog, portal_users):
    client.force_login(portal_users["shimin"])
    draft = _start(client, item=catalog["registration"])
    assert draft.step == "applicant"
    r = client.post(_step(draft, "applicant"), {})
    page = r.content.decode()
    assert r.status_code == 200
    for field in ("applicant_kind", "applicant_code", "applicant_name", "applicant_phone"):
        assert f'data-testid="error-{field}"' in page, field
    assert "请填写统一社会信用代码或身份证号。" in page
    r = client.post(
        _step(draft, "applicant"),
        {**PERSON, "applicant_code": RIC[:-1] + ("0" if RIC[-1] != "0" else "1")},
    )
    page = r.content.decode()
    assert "居民身份证号码无效" in page and 'data-testid="error-applicant_code"' in page
    assert 'data-testid="error-applicant_name"' not in page
    r = client.post(
        _step(draft, "applicant"),
        {**PERSON, "applicant_kind": "enterprise", "applicant_code": "91510700MA6ABCDE10"},
    )
    assert "统一社会信用代码无效" in r.content.decode()
    r = client.post(_step(draft, "applicant"), {**PERSON, "applicant_phone": "12345"})
    assert "联系电话格式不正确" in r.content.decode()
    draft.refresh_from_db()
    assert draft.step == "applicant" and "applicant" not in draft.data
    # a later step is not reachable before this one is done
    r = client.get(_step(draft, "review"))
    assert r.status_code == 302 and r["Location"] == _step(draft, "applicant")


def test_step_errors_in_english(client, catalog, portal_users):
    client.force_login(portal_users["shimin"])
    draft = _start(client, item=catalog["registration"])
    r = client.post(_step(draft, "applicant"), {}, HTTP_ACCEPT_LANGUAGE="en")
    page = r.content.decode()
    assert "Enter the unified social credit code or the ID number." in page
    assert "请填写" not in page


def test_details_step_errors(client, catalog, portal_users):
    client.force_login(portal_users["shimin"])
    draft = _start(client, item=catalog["registration"])
    client.post(_step(draft, "applicant"), PERSON)
    r = client.post(_step(draft, "details"), {"division": "999999", "note": "x" * 501})
    page = r.content.decode()
    assert 'data-testid="error-division"' in page and 'data-testid="error-note"' in page
    # a local item (属地办理 in Fucheng) cannot be applied for in Jiangyou
    local = _start(client, item=catalog["local"])
    client.post(_step(local, "applicant"), PERSON)
    r = client.post(_step(local, "details"), {"division": catalog["jiangyou_div"].pk})
    page = r.content.decode()
    assert 'data-testid="error-division"' in page and "事项不在所选区划办理" in page
    r = client.post(_step(local, "details"), {"division": catalog["fucheng"].pk})
    assert r.status_code == 302


def test_prefill_from_account_with_source(client, catalog, portal_users, enterprise_applicant):
    from yingshang.registry.public import issue_elicence

    issue_elicence(
        enterprise_applicant.enterprise,
        catalog["licence_type"],
        catalog["registration"].department,
        number="YYZZ-PREFILL-1",
    )
    client.force_login(portal_users["qiye"])
    draft = _start(client, item=catalog["invoice"])
    page = client.get(_step(draft, "applicant")).content.decode()
    assert USCC in page and "绵阳示例科技有限公司" in page
    assert 'data-testid="source-applicant_code"' in page and "来自电子营业执照" in page
    # changing a value drops its source note
    r = client.post(
        _step(draft, "applicant"),
        {
            "applicant_kind": "enterprise",
            "applicant_code": USCC,
            "applicant_name": "",
            "applicant_phone": "13812345678",
        },
    )
    page = r.content.decode()
    assert 'data-testid="source-applicant_code"' in page
    assert 'data-testid="source-applicant_name"' not in page
    # the 营业执照 is taken from the e-licence (免提交) on the materials step
    _to_materials(
        client,
        draft,
        applicant={
            "applicant_kind": "enterprise",
            "applicant_code": USCC,
            "applicant_name": "绵阳示例科技有限公司",
            "applicant_phone": "13812345678",
        },
    )
    page = client.get(_step(draft, "materials")).content.decode()
    assert "YYZZ-PREFILL-1" in page


# --------------------------------------------------------------------------- materials


def test_files_kept_after_an_error(client, catalog, portal_users):
    client.force_login(portal_users["shimin"])
    draft = _to_materials(client, _start(client, item=catalog["registration"]))
    keys = [s.key for s in drafts.needs_of(draft).slots]
    assert len(keys) == 2
    good, bad = keys
    r = client.post(
        _step(draft, "materials"),
        {
            "go": "next",
            f"material_{good}": upload("申请书.pdf"),
            f"material_{bad}": upload("virus.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert f'data-testid="error-material_{bad}"' in page and "类型不支持" in page
    assert f'data-testid="error-material_{good}"' not in page
    assert f'data-testid="kept-{good}"' in page and "申请书.pdf" in page
    att = DraftAttachment.objects.get(draft=draft)
    assert att.slot_key == good and uploads.storage.exists(att.stored_name.name)
    assert att.stored_name.name.startswith("drafts/")
    # next without the second file: the missing one is named beside its slot
    r = client.post(_step(draft, "materials"), {"go": "next"})
    page = r.content.decode()
    assert r.status_code == 400 and f'data-testid="error-material_{bad}"' in page
    assert f'data-testid="kept-{good}"' in page
    r = client.post(
        _step(draft, "materials"), {"go": "next", f"material_{bad}": upload("住所.pdf")}
    )
    assert r.status_code == 302 and r["Location"] == _step(draft, "review")
    assert DraftAttachment.objects.filter(draft=draft).count() == 2


def test_bad_uploads(client, catalog, portal_users, settings):
    client.force_login(portal_users["shimin"])
    draft = _to_materials(client, _start(client, item=catalog["registration"]))
    key = drafts.needs_of(draft).slots[0].key
    settings.UPLOAD_MAX_BYTES = 100
    r = client.post(
        _step(draft, "materials"), {"go": "save", f"material_{key}": upload("big.pdf", PDF * 10)}
    )
    assert r.status_code == 400 and "超过大小上限" in r.content.decode()
    r = client.post(
        _step(draft, "materials"),
        {"go": "save", f"material_{key}": upload("empty.pdf", b"")},
    )
    assert r.status_code == 400
    # a renamed text file claiming to be an image
    r = client.post(
        _step(draft, "materials"),
        {"go": "save", f"material_{key}": upload("photo.jpg", b"hello world", "image/jpeg")},
    )
    assert r.status_code == 400 and "类型不支持" in r.content.decode()
    assert not DraftAttachment.objects.filter(draft=draft).exists()


def test_large_photo_downscaled(client, catalog, portal_users):
    client.force_login(portal_users["shimin"])
    draft = _to_materials(client, _start(client, item=catalog["registration"]))
    key = drafts.needs_of(draft).slots[0].key
    r = client.post(
        _step(draft, "materials"),
        {"go": "save", f"material_{key}": upload("IMG_0001.png", _png(3600, 2400), "image/png")},
    )
    assert r.status_code == 302
    att = DraftAttachment.objects.get(draft=draft)
    assert att.downscaled and att.content_type == "image/jpeg"
    assert att.original_name == "IMG_0001.jpg"
    from PIL import Image

    with uploads.storage.open(att.stored_name.name) as fh:
        assert Image.open(fh).size == (2400, 1600)
    # a small photo is kept as it is
    small = _png(300, 200)
    client.post(
        _step(draft, "materials"),
        {"go": "save", f"material_{key}": upload("small.png", small, "image/png")},
    )
    att = DraftAttachment.objects.get(draft=draft)
    assert not att.downscaled and att.size == len(small) and att.content_type == "image/png"


def test_camera_offered_beside_files(client, catalog, portal_users):
    """``accept`` with image/* makes a phone's chooser offer 拍照 beside 相册 and 文件; a
    ``capture`` attribute would open the camera instead of the chooser, so a PDF or OFD on
    the phone could not be sent (HTML Media Capture)."""
    client.force_login(portal_users["shimin"])
    draft = _to_materials(client, _start(client, item=catalog["registration"]))
    page = client.get(_step(draft, "materials")).content.decode()
    inputs = re.findall(r"<input[^>]*type=\"file\"[^>]*>", page)
    assert inputs and all('accept="image/*,application/pdf,.ofd"' in i for i in inputs)
    assert not any("capture" in i for i in inputs), inputs
    assert 'aria-current="step"' in page


# --------------------------------------------------------------------------- sessions


def test_draft_resumed_in_a_new_session(client, catalog, portal_users):
    user = portal_users["shimin"]
    client.force_login(user)
    draft = _to_materials(client, _start(client, item=catalog["registration"]))
    key = drafts.needs_of(draft).slots[0].key
    client.post(_step(draft, "materials"), {"go": "save", f"material_{key}": upload("a.pdf")})
    client.logout()
    other = Client()
    other.force_login(user)
    again = _start(other, item=catalog["registration"])
    assert again.pk == draft.pk and again.step == "materials"
    page = other.get(_step(again, "materials")).content.decode()
    assert f'data-testid="kept-{key}"' in page and "a.pdf" in page
    assert RIC in other.get(_step(again, "applicant")).content.decode()
    listing = other.get(reverse("cases:my-drafts")).content.decode()
    assert _step(again, "materials") in listing and "企业设立登记" in listing
    # ?new=1 starts over; the old draft and its file are gone
    name = DraftAttachment.objects.get(draft=draft).stored_name.name
    fresh = _start(other, item=catalog["registration"], new="1")
    assert fresh.pk != draft.pk and not ApplicationDraft.objects.filter(pk=draft.pk).exists()
    assert not DraftAttachment.objects.filter(stored_name=name).exists()


def test_drafts_are_private(client, catalog, portal_users, staff):
    client.force_login(portal_users["shimin"])
    draft = _start(client, item=catalog["registration"])
    client.force_login(portal_users["qiye"])
    assert client.get(_step(draft, "applicant")).status_code == 404
    assert client.post(reverse("cases:draft-discard", args=[draft.token])).status_code == 404
    client.force_login(staff["chuangkou"])
    r = client.get(reverse("cases:guided-item", args=[catalog["registration"].implementation_code]))
    assert r.status_code == 403
    client.logout()
    assert client.get(_step(draft, "applicant")).status_code == 302  # to the login page


# --------------------------------------------------------------------------- submission


def _complete(client, draft):
    for s in drafts.needs_of(draft).slots:
        client.post(
            _step(draft, "materials"), {"go": "save", f"material_{s.key}": upload(f"{s.key}.pdf")}
        )
    r = client.post(_step(draft, "materials"), {"go": "next"})
    assert r.status_code == 302, r.content.decode()[:3000]
    draft.refresh_from_db()
    return draft


def test_idempotent_submit(client, catalog, portal_users, django_capture_on_commit_callbacks):
    client.force_login(portal_users["shimin"])
    draft = _complete(client, _to_materials(client, _start(client, item=catalog["registration"])))
    names = list(DraftAttachment.objects.filter(draft=draft).values_list("stored_name", flat=True))
    # without the promise: an error beside it, nothing made
    r = client.post(_step(draft, "review"), {"submit_key": draft.submit_key})
    assert r.status_code == 400 and 'data-testid="error-confirm"' in r.content.decode()
    # a stale key (another form) is refused
    r = client.post(_step(draft, "review"), {"submit_key": "stale", "confirm": "on"})
    assert r.status_code == 400 and not Case.objects.exists()
    data = {"submit_key": draft.submit_key, "confirm": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(_step(draft, "review"), data)
    second = client.post(_step(draft, "review"), data)
    assert Case.objects.count() == 1
    case = Case.objects.get()
    target = reverse("cases:my-case", args=[case.number])
    assert first["Location"] == target and second["Location"] == target
    assert case.person.id_number == RIC and case.form_data["guided"] is True
    assert case.materials.count() == 2 and all(m.stored_name for m in case.materials.all())
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SUBMITTED and draft.case == case
    assert not draft.files.exists()
    assert not any(uploads.storage.exists(n) for n in names)  # the draft's copies removed
    # submitting the same draft through the service again makes nothing either
    again, created = drafts.submit(
        draft=draft, submit_key=draft.submit_key, actor=portal_users["shimin"]
    )
    assert again == case and not created and Case.objects.count() == 1


def test_draft_expiry(client, catalog, portal_users, django_capture_on_commit_callbacks):
    client.force_login(portal_users["shimin"])
    draft = _to_materials(client, _start(client, item=catalog["registration"]))
    key = drafts.needs_of(draft).slots[0].key
    client.post(_step(draft, "materials"), {"go": "save", f"material_{key}": upload("a.pdf")})
    name = DraftAttachment.objects.get(draft=draft).stored_name.name
    keep = _start(client, item=catalog["invoice"])
    draft.refresh_from_db()
    assert draft.expires_at > timezone.now() + timedelta(days=29)
    with django_capture_on_commit_callbacks(execute=True):
        assert drafts.expire_drafts() == 0
    ApplicationDraft.objects.filter(pk=draft.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert drafts.expire_drafts() == 1
    assert not ApplicationDraft.objects.filter(pk=draft.pk).exists()
    assert ApplicationDraft.objects.filter(pk=keep.pk).exists()
    assert not uploads.storage.exists(name)
    # an expired draft is not resumed: a new one starts
    assert _start(client, item=catalog["registration"]).pk != draft.pk


def test_expiry_job_is_scheduled():
    from yingshang.platform import jobs

    jobs.autodiscover()
    assert "cases.drafts_expire" in [j.name for j in jobs.registry.jobs()]


# --------------------------------------------------------------------------- bundles


def test_founding_bundle_asks_no_uscc_nor_its_outputs(
    client, catalog, founding, portal_users, django_capture_on_commit_callbacks
):
    client.force_login(portal_users["qiye"])
    draft = _start(client, bundle=founding)
    page = client.get(_step(draft, "applicant")).content.decode()
    assert 'value="enterprise"' not in page  # a person (founder or agent) applies
    assert "经办人身份证号" in page
    r = client.post(_step(draft, "applicant"), {**PERSON, "applicant_kind": "enterprise"})
    assert 'data-testid="error-applicant_kind"' in r.content.decode()
    client.post(_step(draft, "applicant"), PERSON)
    # details: the new company, with errors beside its fields
    r = client.post(
        _step(draft, "details"),
        {"division": founding.division_id, "registered_capital": "abc", "company_name": "绵阳"},
    )
    page = r.content.decode()
    for field in ("company_name", "registered_capital", "address", "business_scope"):
        assert f'data-testid="error-{field}"' in page, field
    assert "注册资本应为数字" in page
    details = {
        "division": founding.division_id,
        "company_name": "绵阳新开科技有限公司",
        "company_type": "llc",
        "registered_capital": "100",
        "address": "绵阳市涪城区示例路 1 号",
        "legal_representative": "张三",
        "business_scope": "软件开发",
    }
    r = client.post(_step(draft, "details"), details)
    assert r.status_code == 302
    draft.refresh_from_db()
    needs = drafts.needs_of(draft)
    assert needs.founding
    names = [s.name for s in needs.slots]
    assert "营业执照" not in names and names == ["公司登记申请书", "住所使用证明"]
    page = client.get(_step(draft, "materials")).content.decode()
    assert 'data-testid="outputs"' in page and "营业执照" in page
    draft = _complete(client, draft)
    page = client.get(_step(draft, "review")).content.decode()
    assert "绵阳新开科技有限公司" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(_step(draft, "review"), {"submit_key": draft.submit_key, "confirm": "on"})
    assert r.status_code == 302
    parent = Case.objects.get(parent=None)
    assert parent.bundle == founding and parent.applicant_kind == "person"
    assert parent.enterprise is None and parent.applicant_code == RIC
    assert parent.form_data["new_enterprise"]["company_name"] == "绵阳新开科技有限公司"
    assert parent.children.count() == 3
    assert sorted(m.name for m in parent.materials.all()) == ["住所使用证明", "公司登记申请书"]
    # the market bureau's handler sees the company to register on its sub-case; the public
    # tracking page does not show it
    from yingshang.core.models import User

    reg_case = parent.children.get(item=catalog["registration"])
    assert reg_case.form_data["new_enterprise"]["company_name"] == "绵阳新开科技有限公司"
    handler = User.objects.create_user(
        "h_market",
        password="x" * 12,
        role="handler",
        division=reg_case.department.division,
        department=reg_case.department,
    )
    client.force_login(handler)
    page = client.get(reverse("cases:detail", args=[reg_case.number])).content.decode()
    assert 'data-testid="new-enterprise"' in page and "绵阳新开科技有限公司" in page
    client.logout()
    page = client.get(
        reverse("cases:track"), {"number": parent.number, "code": parent.lookup_code}
    ).content.decode()
    assert parent.number in page and "绵阳新开科技有限公司" not in page


def test_bundle_without_outputs_still_asks_for_the_licence(client, catalog, portal_users):
    client.force_login(portal_users["shimin"])
    draft = _start(client, bundle=catalog["bundle"])
    assert "营业执照" in [s.name for s in drafts.needs_of(draft).slots]
    page = client.get(_step(draft, "applicant")).content.decode()
    assert 'value="enterprise"' in page


def test_old_apply_page_sends_founding_bundles_to_the_guided_form(
    client, catalog, founding, portal_users
):
    client.force_login(portal_users["qiye"])
    r = client.get(reverse("cases:apply-bundle", args=[founding.key]))
    assert r.status_code == 302
    assert r["Location"] == reverse("cases:guided-bundle", args=[founding.key])
    # a POST (an old form still open) is answered as before, without the outputs: sending a
    # file for 营业执照 is an unknown material
    from yingshang.cases.services import material_slots

    slots = material_slots([i.current_version for i in founding.items.all()])
    yyzz = next(s for s in slots if s.licence_type is not None)
    r = client.post(
        reverse("cases:apply-bundle", args=[founding.key]),
        {
            "applicant_kind": "person",
            "applicant_code": RIC,
            "applicant_name": "张三",
            "applicant_phone": "13900001234",
            "division": founding.division_id,
            f"material_{yyzz.key}": upload("yyzz.pdf"),
        },
    )
    page = r.content.decode()
    assert r.status_code == 200 and "未知材料" in page and not Case.objects.exists()


def test_bundle_outputs_validated(catalog):
    from django.core.exceptions import ValidationError

    from yingshang.catalog import services as cat
    from yingshang.registry.models import LicenceType

    yyzz = LicenceType.objects.get(code="yyzz")
    with pytest.raises(ValidationError) as outside:
        cat.save_bundle_outputs(
            bundle=catalog["bundle"],
            outputs=[{"item": catalog["immediate"], "licence_type": yyzz}],
        )
    assert "不在本一件事中" in str(outside.value)
    with pytest.raises(ValidationError) as wrong:
        cat.save_bundle_outputs(
            bundle=catalog["bundle"],
            outputs=[{"item": catalog["invoice"], "licence_type": yyzz}],
        )
    assert "办理结果不是" in str(wrong.value)
    out = [{"item": catalog["registration"], "licence_type": yyzz, "founds_holder": True}]
    assert cat.save_bundle_outputs(bundle=catalog["bundle"], outputs=out) == "created"
    assert cat.save_bundle_outputs(bundle=catalog["bundle"], outputs=out) == "unchanged"


def test_prefill_prefers_the_person_for_personal_items(catalog, portal_users):
    from yingshang.cases.services import resolve_applicant
    from yingshang.registry.public import link_enterprise_user

    user = portal_users["qiye"]
    ent = resolve_applicant(kind="enterprise", code=USCC, name="绵阳示例科技有限公司", user=user)
    link_enterprise_user(ent.enterprise, user)
    resolve_applicant(kind="person", code=RIC, name="王五", phone="13900001234", user=user)
    as_enterprise = drafts.prefill(user)
    assert as_enterprise["applicant_code"]["value"] == USCC
    assert as_enterprise["applicant_code"]["source"] == "来自企业登记信息"  # no e-licence yet
    as_person = drafts.prefill(user, person_first=True)
    assert as_person["applicant_code"] == {"value": RIC, "source": "来自实名认证信息"}
    founding = drafts.prefill(user, founding=True)
    assert founding["applicant_kind"]["value"] == "person"
    assert founding["applicant_code"]["value"] == RIC


def test_refused_submission_keeps_the_draft_open(client, catalog, portal_users):
    client.force_login(portal_users["shimin"])
    draft = _complete(client, _to_materials(client, _start(client, item=catalog["registration"])))
    key = drafts.needs_of(draft).slots[0].key
    drafts.detach(draft=draft, slot_key=key)
    r = client.post(_step(draft, "review"), {"submit_key": draft.submit_key, "confirm": "on"})
    assert r.status_code == 400 and "请上传" in r.content.decode()
    draft.refresh_from_db()
    assert draft.status == DraftStatus.OPEN and draft.case is None and not Case.objects.exists()
    client.post(_step(draft, "materials"), {"go": "save", f"material_{key}": upload("b.pdf")})
    r = client.post(_step(draft, "review"), {"submit_key": draft.submit_key, "confirm": "on"})
    assert r.status_code == 302 and Case.objects.count() == 1


def test_upload_sweep_keeps_draft_files(client, catalog, portal_users):
    client.force_login(portal_users["shimin"])
    draft = _to_materials(client, _start(client, item=catalog["registration"]))
    key = drafts.needs_of(draft).slots[0].key
    client.post(_step(draft, "materials"), {"go": "save", f"material_{key}": upload("a.pdf")})
    name = DraftAttachment.objects.get(draft=draft).stored_name.name
    result = uploads.sweep(older_than=0)
    assert not any(name in r for r in result.removed) and uploads.storage.exists(name)
