"""The upload service as the cases app uses it: hostile files through the API and the portal,
no file left by a rolled-back submission (single, bundle, batch with bundles), and the sweep."""

import base64
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingshang.cases import services
from yingshang.cases.models import Case, CaseMaterial
from yingshang.platform import uploads

from .conftest import PDF, USCC, upload

B64 = base64.b64encode(PDF).decode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def files_on_disk() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def system(staff):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff['chuangkou']).key}"
    )
    return client


def _slots(item):
    return services.material_slots([item.current_version])


def _payload(item, content=PDF, filename=None, **extra):
    data = {
        "item": item.implementation_code,
        "applicant_kind": "enterprise",
        "applicant_code": USCC,
        "applicant_name": "绵阳示例科技有限公司",
        "materials": [
            {
                "key": s.key,
                "filename": filename or f"{s.key}.pdf",
                "content_base64": base64.b64encode(content).decode(),
            }
            for s in _slots(item)
        ],
    }
    data.update(extra)
    return data


# --------------------------------------------------------------------------- hostile files


@pytest.mark.parametrize(
    "content, filename, zh, en",
    [
        (EXE, "申请书.pdf", "类型不支持", "unsupported type"),  # renamed executable
        (b"GIF89a\x01\x00", "a.pdf", "类型不支持", "unsupported type"),  # wrong magic
        (b"PK\x03\x04 not a real zip", "a.ofd", "类型不支持", "unsupported type"),
    ],
)
def test_api_refuses_hostile_files_with_field_errors(system, catalog, content, filename, zh, en):
    item = catalog["registration"]
    key = _slots(item)[0].key
    r = system.post("/api/cases/", _payload(item, content, filename), format="json")
    assert r.status_code == 400
    assert zh in " ".join(r.json()[f"material_{key}"])
    r = system.post(
        "/api/cases/", _payload(item, content, filename), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 400
    assert en in " ".join(r.json()[f"material_{key}"])
    assert Case.objects.count() == 0 and files_on_disk() == []


def _submit(item, files):
    return services.submit(
        item=item,
        applicant_kind="enterprise",
        applicant_code=USCC,
        applicant_name="绵阳示例科技有限公司",
        files=files,
    )


def test_zero_bytes_refused(catalog):
    item = catalog["registration"]
    key = _slots(item)[0].key
    with pytest.raises(ValidationError) as exc:
        _submit(item, {s.key: upload("empty.pdf", b"") for s in _slots(item)})
    assert "为空" in exc.value.message_dict[f"material_{key}"][0]
    assert Case.objects.count() == 0 and files_on_disk() == []


def test_oversize_and_too_many_files(system, catalog, settings):
    item = catalog["registration"]
    key = _slots(item)[0].key
    settings.UPLOAD_MAX_BYTES = len(PDF) - 1
    r = system.post("/api/cases/", _payload(item), format="json")
    assert r.status_code == 400 and "超过大小上限" in " ".join(r.json()[f"material_{key}"])
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    # more files than a submission may carry: refused before anything is looked at
    many = {f"m{i}": upload(f"{i}.pdf") for i in range(uploads.CASE_MATERIAL.max_files + 1)}
    with pytest.raises(ValidationError) as exc:
        _submit(item, many)
    assert "最多上传" in exc.value.message_dict["materials"][0]
    assert Case.objects.count() == 0 and files_on_disk() == []


def test_total_size_limit(settings):
    settings.UPLOAD_MAX_TOTAL_BYTES = len(PDF) * 2
    files = [upload(f"{i}.pdf") for i in range(3)]
    with pytest.raises(ValidationError) as exc:
        uploads.check_all(files, uploads.CASE_MATERIAL)
    assert "合计超过" in exc.value.message_dict["materials"][0]
    assert len(uploads.check_all(files[:2], uploads.CASE_MATERIAL)) == 2


# --------------------------------------------------------------------------- no orphan files


def test_committed_submission_moves_files_into_place(
    catalog, enterprise_applicant, django_capture_on_commit_callbacks
):
    item = catalog["registration"]
    files = {s.key: upload() for s in _slots(item)}
    with django_capture_on_commit_callbacks() as callbacks:
        case = services.submit_case(item=item, applicant=enterprise_applicant, files=files)
        names = [m.stored_name.name for m in case.materials.filter(source="upload")]
        # before the commit: staged under a temporary name, not in place, but readable
        assert files_on_disk() == sorted(f"{uploads.STAGING}/{n}" for n in names)
        assert all(m.stored_name.open("rb").read() == PDF for m in case.materials.all())
    for callback in callbacks:
        callback()
    assert files_on_disk() == sorted(names)


def test_rollback_leaves_no_file(catalog, enterprise_applicant):
    item = catalog["registration"]
    files = {s.key: upload() for s in _slots(item)}

    class Boom(Exception):
        pass

    with pytest.raises(Boom), uploads.cleanup_on_error(), transaction.atomic():
        services.submit_case(item=item, applicant=enterprise_applicant, files=files)
        assert len(files_on_disk()) == len(files)
        raise Boom  # e.g. a later step of the same request fails
    assert Case.objects.count() == 0 and files_on_disk() == []


def test_failed_bundle_leaves_no_file(catalog, enterprise_applicant, monkeypatch):
    slots = services.material_slots(
        [bi.item.current_version for bi in catalog["bundle"].bundle_items.all()]
    )
    files = {s.key: upload() for s in slots}

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure after the parent's materials were stored")

    monkeypatch.setattr(services, "_record_submission", broken)
    with pytest.raises(RuntimeError):
        services.submit_bundle(
            bundle=catalog["bundle"], applicant=enterprise_applicant, files=files
        )
    assert Case.objects.count() == 0 and files_on_disk() == []


def test_batch_with_bundles_rolled_back_leaves_no_file(system, catalog):
    """The batch-endpoint orphan: a bundle of the batch is written (its files stored), a later
    entry fails, the batch rolls back — the bundle's files go too."""
    bundle_slots = services.material_slots(
        [bi.item.current_version for bi in catalog["bundle"].bundle_items.all()]
    )
    good_bundle = {
        "bundle": "qiye-kaiban",
        "applicant_kind": "enterprise",
        "applicant_code": USCC,
        "applicant_name": "绵阳示例科技有限公司",
        "materials": [
            {"key": s.key, "filename": "a.pdf", "content_base64": B64} for s in bundle_slots
        ],
    }
    # the second bundle lacks its materials: it fails inside submit_bundle, after the first
    # bundle was written
    bad_bundle = {**good_bundle, "materials": []}
    r = system.post(
        "/api/cases/batch/",
        {"submissions": [good_bundle, bad_bundle, _payload(catalog["registration"])]},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert any(k.startswith("submissions[1].") for k in r.json())
    assert Case.objects.count() == 0 and CaseMaterial.objects.count() == 0
    assert files_on_disk() == []


# --------------------------------------------------------------------------- sweep


def _age(path: Path, seconds: float):
    t = time.time() - seconds
    os.utime(path, (t, t))


def _plant(name: str, age: float) -> Path:
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    _age(path, age)
    return path


def test_sweep_removes_only_old_unreferenced_files(
    catalog, enterprise_applicant, django_capture_on_commit_callbacks, capsys
):
    item = catalog["registration"]
    with django_capture_on_commit_callbacks(execute=True):
        case = services.submit_case(
            item=item, applicant=enterprise_applicant, files={s.key: upload() for s in _slots(item)}
        )
    kept = [Path(m.stored_name.path) for m in case.materials.filter(source="upload")]
    for p in kept:
        _age(p, 7200)  # old, but referenced
    # a committed row whose file was still staged when the process died: moved into place
    first = case.materials.filter(source="upload").first()
    staged_ref = uploads.storage.staged_path(first.stored_name.name)
    Path(first.stored_name.path).rename(staged_ref)
    _age(staged_ref, 7200)
    old_orphan = _plant("cases/ab/" + "a" * 32 + ".pdf", 7200)
    old_staged = _plant(f"{uploads.STAGING}/cases/cd/" + "c" * 32 + ".pdf", 7200)
    new_orphan = _plant("cases/ef/" + "e" * 32 + ".pdf", 60)  # its transaction may be open
    new_staged = _plant(f"{uploads.STAGING}/appeals/01/" + "1" * 32 + ".png", 60)
    old_scratch = _plant(f"{uploads.SCRATCH}/" + "d" * 32 + ".xlsx", 7200)

    dry = uploads.sweep(dry_run=True)
    assert len(dry.removed) == 3 and old_orphan.exists()

    call_command("uploads", "sweep")
    assert "removed 3" in capsys.readouterr().out
    assert not old_orphan.exists() and not old_staged.exists() and not old_scratch.exists()
    assert new_orphan.exists() and new_staged.exists()
    assert all(p.exists() for p in kept) and not staged_ref.exists()
    # every upload row still reads its file
    assert all(
        m.stored_name.open("rb").read() == PDF for m in case.materials.filter(source="upload")
    )

    call_command("uploads", "sweep", "--older-than", "0")
    assert not new_orphan.exists() and not new_staged.exists()
    assert all(p.exists() for p in kept)


def test_references_cover_every_upload_field_and_stream(catalog, enterprise_applicant):
    fields = {(m._meta.label, f.name) for m, f in uploads.reference_fields()}
    assert {
        ("cases.CaseMaterial", "stored_name"),
        ("appeals.AppealAttachment", "file"),
        ("reforms.EvidenceFile", "file"),
    } <= fields
    item = catalog["registration"]
    case = services.submit_case(
        item=item, applicant=enterprise_applicant, files={s.key: upload() for s in _slots(item)}
    )
    refs = uploads.References(chunk=1)  # one row at a time still builds the whole set
    names = [m.stored_name.name for m in case.materials.filter(source="upload")]
    assert len(refs) == len(names) and all(n in refs for n in names)
    assert "cases/00/" + "0" * 32 + ".pdf" not in refs
