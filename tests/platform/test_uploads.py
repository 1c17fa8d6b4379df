"""The upload service on its own: purposes, hostile files, staging and the move on commit,
cleanup on error, scratch files."""

import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from yingshang.platform import uploads

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
EXE = b"MZ\x90\x00" + b"\x00" * 60
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 40


def _zip(member: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, "<x/>")
    return buf.getvalue()


def f(name, data):
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    "purpose, name, data, fragment",
    [
        (uploads.CASE_MATERIAL, "setup.pdf", EXE, "类型不支持"),
        (uploads.CASE_MATERIAL, "a.png", ELF, "类型不支持"),
        (uploads.CASE_MATERIAL, "a.docx", _zip("word/document.xml"), "类型不支持"),
        (uploads.CASE_MATERIAL, "a.pdf", b"", "为空"),
        (uploads.APPEAL_ATTACHMENT, "virus.pdf", EXE, "不是 PDF、JPG、PNG 或 OFD 文件"),
        (uploads.APPEAL_ATTACHMENT, "a.zip", _zip("other.txt"), "不是 PDF、JPG、PNG 或 OFD"),
        (uploads.REFORM_EVIDENCE, "纪要.pdf", PNG, "内容与扩展名不符"),
        (uploads.REFORM_EVIDENCE, "run.exe", EXE, "佐证材料只接受"),
    ],
)
def test_hostile_files_refused_on_the_purpose_field(purpose, name, data, fragment):
    with pytest.raises(ValidationError) as exc:
        uploads.check(f(name, data), purpose)
    assert fragment in exc.value.message_dict[purpose.field][0]


def test_accepted_kinds_and_size_limit(settings):
    assert uploads.check(f("a.ofd", _zip("OFD.xml")), uploads.APPEAL_ATTACHMENT).kind == "ofd"
    assert uploads.check(f("a.xlsx", _zip("xl/workbook.xml")), uploads.REFORM_EVIDENCE).kind == (
        "xlsx"
    )
    assert (
        uploads.check(f("a.jpeg", b"\xff\xd8\xff\xe0JFIF"), uploads.REFORM_EVIDENCE).kind == "jpg"
    )
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        uploads.check(f("big.png", PNG), uploads.APPEAL_ATTACHMENT, field="attachments")
    assert "附件“big.png”超过大小上限" in exc.value.message_dict["attachments"][0]


def test_too_many_attachments():
    many = [f(f"{i}.png", PNG) for i in range(uploads.APPEAL_ATTACHMENT.max_files + 1)]
    with pytest.raises(ValidationError) as exc:
        uploads.check_all(many, uploads.APPEAL_ATTACHMENT)
    assert "最多上传 10 个文件" in exc.value.message_dict["attachments"][0]
    assert len(uploads.check_all(many[:10], uploads.APPEAL_ATTACHMENT)) == 10


def test_check_all_reports_every_bad_file():
    with pytest.raises(ValidationError) as exc:
        uploads.check_all(
            [f("a.pdf", EXE), f("b.pdf", PDF), f("c.pdf", b"")], uploads.CASE_MATERIAL
        )
    messages = exc.value.message_dict["materials"]
    assert len(messages) == 2 and "a.pdf" in messages[0] and "c.pdf" in messages[1]


def _disk():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db(transaction=True)
def test_staged_until_commit_then_in_place():
    from django.db import transaction

    checked = uploads.check(f("a.pdf", PDF), uploads.CASE_MATERIAL)
    with transaction.atomic():
        stored = uploads.store(checked, uploads.CASE_MATERIAL)
        assert _disk() == [f"{uploads.STAGING}/{stored.name}"]
        assert uploads.storage.open(stored.name).read() == PDF  # readable meanwhile
        assert os.stat(uploads.storage.staged_path(stored.name)).st_mode & 0o777 == 0o640
    assert _disk() == [stored.name]
    assert stored.size == len(PDF) and len(stored.sha256) == 64
    # a transaction that rolls back inside cleanup_on_error leaves nothing
    with pytest.raises(ZeroDivisionError), uploads.cleanup_on_error(), transaction.atomic():
        uploads.store(checked, uploads.CASE_MATERIAL)
        1 / 0  # noqa: B018
    assert _disk() == [stored.name]
    # a rollback outside it: the staged file is never moved into place, the sweep takes it
    try:
        with transaction.atomic():
            orphan = uploads.store(checked, uploads.CASE_MATERIAL)
            raise RuntimeError
    except RuntimeError:
        pass
    staged = uploads.storage.staged_path(orphan.name)
    assert staged.exists() and not Path(uploads.storage.path(orphan.name)).exists()
    old = time.time() - 7200
    os.utime(staged, (old, old))
    os.utime(uploads.storage.path(stored.name), (old, old))
    result = uploads.sweep()
    # the first file is named by no row either: it goes too; the staged orphan goes
    assert sorted(result.removed) == sorted([stored.name, f"{uploads.STAGING}/{orphan.name}"])
    assert _disk() == []


def test_names_outside_the_root_refused():
    from django.core.exceptions import SuspiciousFileOperation

    with pytest.raises(SuspiciousFileOperation):
        uploads.storage.save("../../etc/x.pdf", io.BytesIO(PDF))


def test_scratch_files():
    token = uploads.scratch_save(b"a,b\n1,2\n", ".CSV")
    assert token.endswith(".csv") and uploads.scratch_read(token) == b"a,b\n1,2\n"
    assert uploads.scratch_read("../secret_key") is None
    assert uploads.scratch_read(".hidden") is None
    uploads.scratch_delete(token)
    assert uploads.scratch_read(token) is None


def test_the_total_of_one_submission_is_limited(settings):
    settings.UPLOAD_MAX_TOTAL_BYTES = 2 * len(PDF)
    two = [f("a.pdf", PDF), f("b.pdf", PDF)]
    uploads.check_count(two, uploads.CASE_MATERIAL)  # exactly the limit passes
    with pytest.raises(ValidationError) as exc:
        uploads.check_count([*two, f("c.pdf", PDF)], uploads.CASE_MATERIAL, field="files")
    assert list(exc.value.message_dict) == ["files"]
    assert "上传文件合计超过" in exc.value.message_dict["files"][0]


def test_the_size_of_a_file_without_a_size_is_measured():
    class Bare(io.BytesIO):
        name = "bare.pdf"

    bare = Bare(PDF * 3)
    bare.seek(5)
    uploads.check_count([bare], uploads.CASE_MATERIAL)
    assert bare.tell() == 0  # measured and rewound


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\x00" * 40,  # a zip signature, then garbage
        b"PK\x03\x04",
        b"",
        b"GIF89a" + b"\x00" * 10,
    ],
)
def test_sniff_unknown_or_broken_content_is_no_kind(data):
    assert uploads.sniff(data) is None
    handle = io.BytesIO(data)
    assert uploads.sniff(handle) is None
    assert handle.tell() == 0  # a file is left at its start


def test_sniff_reads_a_file_from_its_start_whatever_its_position():
    handle = io.BytesIO(_zip("OFD.xml"))
    handle.seek(10)
    assert uploads.sniff(handle) == "ofd"
    assert handle.tell() == 0


@pytest.mark.django_db
def test_a_staged_file_exists_and_has_its_size_before_the_commit():
    checked = uploads.check(f("a.pdf", PDF), uploads.CASE_MATERIAL)
    stored = uploads.store(checked, uploads.CASE_MATERIAL)  # the test's transaction never commits
    assert not Path(uploads.storage.path(stored.name)).exists()
    assert uploads.storage.exists(stored.name)
    assert uploads.storage.size(stored.name) == len(PDF)
    assert not uploads.storage.exists("cases/00/" + "0" * 32 + ".pdf")
    # a staged file moved into place once only: the second call has nothing to move
    assert uploads.storage.finish(stored.name) is True
    assert uploads.storage.finish(stored.name) is False
    assert uploads.storage.size(stored.name) == len(PDF)
