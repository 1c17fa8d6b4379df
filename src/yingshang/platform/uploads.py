"""The upload service: every file a user sends to the platform comes in here.

One place decides, for every kind of upload (a ``Purpose``: case materials, appeal attachments,
reform evidence, reform task imports…):

* **what a file is** — by its content (magic bytes, ``sniff``), never by its name or the
  Content-Type the client claims; a renamed executable is refused;
* **how much** — a per-file size limit (``UPLOAD_MAX_BYTES`` unless the purpose says
  otherwise), a limit on the number of files per submission and on their total size;
* **where files live** — under ``MEDIA_ROOT`` (``var/uploads``), outside the web root; nothing
  serves that directory by URL, files are read back only by permission-checked views
  (``storage.open``), with random names;
* **no orphan files** — a file is written under a temporary name (``.incoming/<name>``) and
  moved into place by ``transaction.on_commit`` once the row naming it is committed. Inside
  ``cleanup_on_error()`` (every submission service uses it) a block that raises deletes the
  files it staged at once; whatever is left anyway (a process killed mid-request, a rollback
  outside such a block) is removed by ``sweep()`` — the hourly job ``platform.uploads_sweep``
  and the command ``yingshang uploads sweep`` — which deletes files older than an hour that no
  ``FileField`` on ``storage`` names, and moves into place a staged file whose row did commit
  (a process killed between the commit and the move).

Errors are field-level ``ValidationError``s worded in Chinese through gettext (English with
``Accept-Language: en``).

Content sniffing is hand-written on purpose: ``filetype`` and ``puremagic`` know PDF/JPEG/PNG
but not OFD (GB/T 33190), and call any Office package a zip unless it is laid out as Office
writes it; here a zip is classified by the member every valid package of its kind has.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import threading
import time
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger("yingshang.uploads")

# --------------------------------------------------------------------------- sniffing

# Zip-based formats, told apart by a member every valid package has.
ZIP_MARKERS = {
    "ofd": "ofd.xml",  # GB/T 33190 OFD package
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
}
SIGNATURES = {
    "pdf": b"%PDF-",
    "jpg": b"\xff\xd8\xff",
    "png": b"\x89PNG\r\n\x1a\n",
}
ZIP_SIGNATURE = b"PK\x03\x04"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "ofd": "application/ofd",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff(source) -> str | None:
    """The kind of a file — pdf, jpg, png, ofd, docx or xlsx — from its content, or None.

    ``source`` is bytes or a seekable binary file (e.g. an UploadedFile); a file is left at
    position 0."""
    if isinstance(source, bytes | bytearray):
        head, package = bytes(source[:16]), (lambda: io.BytesIO(source))
    else:
        source.seek(0)
        head = source.read(16)
        source.seek(0)
        package = lambda: source  # noqa: E731 - zipfile reads the file in place
    for kind, signature in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if not head.startswith(ZIP_SIGNATURE):
        return None
    try:
        with zipfile.ZipFile(package()) as zf:
            names = {n.lower() for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        if not isinstance(source, bytes | bytearray):
            source.seek(0)
    for kind, marker in ZIP_MARKERS.items():
        if marker in names:
            return kind
    return None


# --------------------------------------------------------------------------- purposes


def _mb(n: int) -> float:
    return n / 1024 / 1024


@dataclass(frozen=True)
class Purpose:
    """What one kind of upload accepts. ``max_bytes``/``max_total_bytes`` of None: the
    ``UPLOAD_MAX_BYTES`` / ``UPLOAD_MAX_TOTAL_BYTES`` settings (read at each check)."""

    key: str
    directory: str  # top directory of the stored names, under MEDIA_ROOT
    kinds: tuple[str, ...]
    field: str  # the form/API field errors are reported on, unless the caller names one
    type_message: object  # lazy text with %(name)s
    too_big_message: object = gettext_lazy("文件“%(name)s”超过大小上限 %(mb).0f MB。")
    max_files: int = 20
    max_bytes: int | None = None
    max_total_bytes: int | None = None
    match_extension: bool = False  # the name's extension must agree with the content

    def limit(self) -> int:
        return self.max_bytes or int(settings.UPLOAD_MAX_BYTES)

    def total_limit(self) -> int:
        return self.max_total_bytes or int(
            getattr(settings, "UPLOAD_MAX_TOTAL_BYTES", 0) or self.limit() * self.max_files
        )


CASE_MATERIAL = Purpose(
    "case_material",
    "cases",
    ("pdf", "jpg", "png", "ofd"),
    field="materials",
    type_message=gettext_lazy(
        "文件“%(name)s”类型不支持：仅接受 PDF、JPG、PNG、OFD 文件（按内容识别）。"
    ),
    max_files=50,
)
APPEAL_ATTACHMENT = Purpose(
    "appeal_attachment",
    "appeals",
    ("pdf", "jpg", "png", "ofd"),
    field="attachments",
    type_message=gettext_lazy("附件“%(name)s”不是 PDF、JPG、PNG 或 OFD 文件。"),
    too_big_message=gettext_lazy("附件“%(name)s”超过大小上限 %(mb).0f MB。"),
    max_files=10,
)
REFORM_EVIDENCE = Purpose(
    "reform_evidence",
    "reforms/evidence",
    ("pdf", "jpg", "png", "ofd", "docx", "xlsx"),
    field="files",
    type_message=gettext_lazy(
        "文件“%(name)s”类型不支持：佐证材料只接受 PDF、JPG、PNG、OFD、DOCX、XLSX。"
    ),
    max_files=20,
    match_extension=True,
)
AUTHORISATION_LETTER = Purpose(
    "authorisation_letter",
    "registry/letters",
    ("pdf", "jpg", "png", "ofd"),
    field="letter",
    type_message=gettext_lazy(
        "授权委托书“%(name)s”类型不支持：仅接受 PDF、JPG、PNG、OFD 文件（按内容识别）。"
    ),
    too_big_message=gettext_lazy("授权委托书“%(name)s”超过大小上限 %(mb).0f MB。"),
    max_files=1,
)
PURPOSES = {
    p.key: p for p in (CASE_MATERIAL, APPEAL_ATTACHMENT, REFORM_EVIDENCE, AUTHORISATION_LETTER)
}


@dataclass
class Checked:
    """An upload that passed its purpose's checks."""

    upload: object
    kind: str
    size: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def original_name(self) -> str:
        return os.path.basename(getattr(self.upload, "name", "") or "")[:200]


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    return size


def check(upload, purpose: Purpose, field: str | None = None) -> Checked:
    """Check one upload against ``purpose``: not empty, within the size limit, a kind the
    purpose accepts judged by content (and matching its extension where the purpose says so).
    Raises ``ValidationError({field: message})``."""
    field = field or purpose.field
    name = os.path.basename(getattr(upload, "name", "") or "file")
    size = _size(upload)
    limit = purpose.limit()
    if size > limit:
        raise ValidationError({field: purpose.too_big_message % {"name": name, "mb": _mb(limit)}})
    if size == 0:
        raise ValidationError({field: _("文件“%(name)s”为空。") % {"name": name}})
    kind = sniff(upload)
    if kind not in purpose.kinds:
        raise ValidationError({field: purpose.type_message % {"name": name}})
    if purpose.match_extension:
        ext = os.path.splitext(name)[1].lower().lstrip(".")
        if (ext == "jpeg" and kind != "jpg") or (ext != "jpeg" and ext != kind):
            raise ValidationError(
                {
                    field: _("文件“%(name)s”的内容与扩展名不符（实际为 %(kind)s）。")
                    % {"name": name, "kind": kind.upper()}
                }
            )
    return Checked(upload, kind, size)


def check_count(uploads: Iterable, purpose: Purpose, field: str | None = None) -> None:
    """The number of files and their total size for one submission."""
    field = field or purpose.field
    uploads = list(uploads)
    if len(uploads) > purpose.max_files:
        raise ValidationError({field: _("一次最多上传 %(n)d 个文件。") % {"n": purpose.max_files}})
    total, limit = sum(_size(u) for u in uploads), purpose.total_limit()
    if total > limit:
        raise ValidationError({field: _("上传文件合计超过 %(mb).0f MB。") % {"mb": _mb(limit)}})


def check_all(uploads: Iterable, purpose: Purpose, field: str | None = None) -> list[Checked]:
    """``check_count`` then ``check`` of each; all errors of the field together."""
    uploads = list(uploads)
    check_count(uploads, purpose, field)
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(check(upload, purpose, field))
        except ValidationError as exc:
            errors.extend(m for ms in exc.message_dict.values() for m in ms)
    if errors:
        raise ValidationError({field or purpose.field: errors})
    return checked


def max_mb(purpose: Purpose = CASE_MATERIAL) -> int:
    """The per-file limit in MB, for forms' hints."""
    return int(_mb(purpose.limit()))


# --------------------------------------------------------------------------- storage

STAGING = ".incoming"
SCRATCH = ".scratch"


class _Pending:
    """A file staged in this process, waiting for its transaction."""

    __slots__ = ("storage", "name", "done")

    def __init__(self, storage, name):
        self.storage, self.name, self.done = storage, name, False

    def commit(self):
        self.storage.finish(self.name)
        self.done = True

    def discard(self):
        if not self.done:
            self.storage.staged_path(self.name).unlink(missing_ok=True)
            self.done = True


_local = threading.local()


def _read_umask() -> int:
    mask = os.umask(0o022)  # read once, at import (before any thread writes files)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


class UploadStorage(FileSystemStorage):
    """``MEDIA_ROOT`` storage whose writes are staged: ``save`` writes ``.incoming/<name>``
    (mode 0640, never over an existing file) and moves it to ``<name>`` when the current
    transaction commits (at once outside a transaction). Reads find a staged file whose move
    has not happened yet, so a committed row never points at nothing."""

    def __init__(self):
        super().__init__(location=None, base_url=None, file_permissions_mode=0o640)

    def deconstruct(self):  # the callable ``upload_storage`` is what migrations record
        return ("yingshang.platform.uploads.UploadStorage", (), {})

    def staged_path(self, name: str) -> Path:
        return Path(self.path(f"{STAGING}/{name}"))

    def _save(self, name, content):
        self.path(name)  # refuses names outside the root
        if hasattr(content, "seek"):
            content.seek(0)
        self.write_staged(
            name, content.chunks() if hasattr(content, "chunks") else [content.read()]
        )
        return name

    def write_staged(self, name: str, chunks, digest=None) -> int:
        """Write ``.incoming/<name>`` (mode 0640, never over an existing file) and move it into
        place when the transaction commits; returns the size. ``digest`` (a hashlib object)
        is fed the bytes on the way. ``name``: a valid relative name (``_save`` checks names
        that come from elsewhere)."""
        staged = os.path.join(self.location, STAGING, name)
        try:
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        except FileNotFoundError:  # first file of its directory
            os.makedirs(os.path.dirname(staged), exist_ok=True)
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        size = 0
        with open(fd, "wb") as fh:
            if _UMASK & 0o640:  # the umask took bits of 0640 away: put them back
                os.fchmod(fd, 0o640)
            for chunk in chunks:
                if digest is not None:
                    digest.update(chunk)
                size += len(chunk)
                fh.write(chunk)
        _track(_Pending(self, name))
        return size

    def finish(self, name: str) -> bool:
        """Move a staged file into place (idempotent); False if it was not staged."""
        staged = os.path.join(self.location, STAGING, name)
        final = os.path.join(self.location, name)
        try:
            os.replace(staged, final)
        except FileNotFoundError:
            if not os.path.exists(staged):
                return False
            os.makedirs(os.path.dirname(final), exist_ok=True)
            os.replace(staged, final)
        return True

    def _open(self, name, mode="rb"):
        if not os.path.exists(self.path(name)) and self.staged_path(name).exists():
            return super()._open(f"{STAGING}/{name}", mode)
        return super()._open(name, mode)

    def exists(self, name):
        return super().exists(name) or self.staged_path(name).exists()

    def size(self, name):
        if not os.path.exists(self.path(name)):
            return super().size(f"{STAGING}/{name}")
        return super().size(name)

    def delete(self, name):
        super().delete(name)
        self.staged_path(name).unlink(missing_ok=True)


storage = UploadStorage()


def upload_storage():
    """The storage of every model FileField holding uploads (``storage=upload_storage``):
    the sweep treats exactly those fields as references."""
    return storage


def _track(entry: _Pending) -> None:
    stack = getattr(_local, "stack", None)
    if stack:
        stack[-1].append(entry)
    # robust: a failed move is logged, not raised after the commit; reads find the staged
    # file and the sweep moves it into place
    transaction.on_commit(entry.commit, robust=True)


@contextmanager
def cleanup_on_error():
    """Files stored inside the block are deleted at once if the block raises before their
    transaction commits; nested blocks hand their files to the enclosing one (so a batch that
    fails after a bundle of it was written removes the bundle's files too)."""
    stack = _local.__dict__.setdefault("stack", [])
    mine: list[_Pending] = []
    stack.append(mine)
    try:
        yield
    except BaseException:
        for entry in mine:
            try:
                entry.discard()
            except OSError:  # pragma: no cover - the sweep removes it later
                logger.exception("could not remove staged upload %s", entry.name)
        raise
    finally:
        stack.pop()
    if stack:
        stack[-1].extend(e for e in mine if not e.done)


@dataclass
class StoredFile:
    name: str
    original_name: str
    content_type: str
    kind: str
    size: int
    sha256: str


def new_name(purpose: Purpose, kind: str) -> str:
    """``<directory>/<2 hex>/<32 hex>.<ext>``: random, sharded in 256 directories."""
    token = secrets.token_hex(16)
    return f"{purpose.directory}/{token[:2]}/{token}.{kind}"


def store(checked: Checked, purpose: Purpose) -> StoredFile:
    """Store a checked upload (staged until commit, see the module); what a row keeps."""
    upload = checked.upload
    upload.seek(0)
    digest = hashlib.sha256()
    # random 128-bit names: no look-up for a free name (O_EXCL still refuses a clash)
    name = new_name(purpose, checked.kind)
    size = storage.write_staged(name, upload.chunks(), digest)
    return StoredFile(
        name=name,
        original_name=checked.original_name,
        content_type=checked.content_type,
        kind=checked.kind,
        size=size,
        sha256=digest.hexdigest(),
    )


# --------------------------------------------------------------------------- scratch files


def scratch_save(data: bytes, suffix: str) -> str:
    """Keep bytes for a later step of the same user (an import preview, then its
    confirmation); a token to read them back. Removed by the sweep after an hour."""
    token = secrets.token_hex(16)
    suffix = "".join(ch for ch in suffix.lower() if ch.isalnum() or ch == ".")[:8]
    path = Path(storage.path(f"{SCRATCH}/{token}{suffix}"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with open(fd, "wb") as fh:
        fh.write(data)
    return path.name


def _scratch_path(token: str) -> Path | None:
    if not token or "/" in token or token.startswith("."):
        return None
    return Path(storage.path(f"{SCRATCH}/{token}"))


def scratch_read(token: str) -> bytes | None:
    """The bytes kept under ``token``, or None when they are gone (expired)."""
    path = _scratch_path(token)
    try:
        return path.read_bytes() if path else None
    except OSError:
        return None


def scratch_delete(token: str) -> None:
    path = _scratch_path(token)
    if path:
        path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- sweep


def reference_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every model FileField storing on the upload storage: what may name a stored file."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField) and isinstance(f.storage, UploadStorage):
                found.append((model, f))
    return found


def _hash(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class References:
    """The names every reference field holds, as a sorted array of 64-bit hashes: the rows
    are streamed (server-side cursor, ``chunk`` rows at a time), never all loaded; memory is
    8 bytes a file (80 MB for 10 million). A hash collision can only keep an orphan, never
    delete a referenced file."""

    def __init__(self, chunk: int = 20000):
        import numpy as np

        parts = []
        for model, f in reference_fields():
            names = (
                model._base_manager.exclude(**{f.attname: ""})
                .exclude(**{f"{f.attname}__isnull": True})
                .values_list(f.attname, flat=True)
                .iterator(chunk_size=chunk)
            )
            buf = []
            for name in names:
                buf.append(_hash(name))
                if len(buf) >= chunk:
                    parts.append(np.fromiter(buf, dtype=np.uint64, count=len(buf)))
                    buf = []
            if buf:
                parts.append(np.fromiter(buf, dtype=np.uint64, count=len(buf)))
        self._np = np
        self.hashes = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.uint64)

    def __len__(self):
        return len(self.hashes)

    def __contains__(self, name: str) -> bool:
        h = self._np.uint64(_hash(name))
        i = int(self._np.searchsorted(self.hashes, h))
        return i < len(self.hashes) and self.hashes[i] == h


@dataclass
class SweepResult:
    removed: list[str]
    recovered: list[str]
    kept: int

    def __str__(self):
        return (
            f"removed {len(self.removed)} unreferenced file(s), moved {len(self.recovered)} "
            f"committed staged file(s) into place, kept {self.kept}"
        )


def _files(root: Path, skip=()):
    """(relative name, path, mtime) of every file under ``root``, directory by directory
    (streamed; top-level directories named in ``skip`` left out)."""
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            entries = list(os.scandir(d))
        except FileNotFoundError:
            continue
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                if not (d == root and e.name in skip):
                    stack.append(Path(e.path))
            elif e.is_file(follow_symlinks=False):
                try:
                    mtime = e.stat(follow_symlinks=False).st_mtime
                except FileNotFoundError:
                    continue
                yield Path(e.path).relative_to(root).as_posix(), Path(e.path), mtime


def sweep(*, older_than: float = 3600, dry_run: bool = False, now: float | None = None):
    """Remove stored files older than ``older_than`` seconds that no reference field names
    (the leftovers of transactions that rolled back or processes that died), and scratch
    files of that age; move staged files whose row committed into place. Newer files are
    left alone: their transaction may still be open."""
    root = Path(storage.location)
    cutoff = (now if now is not None else time.time()) - older_than
    refs = References()
    result = SweepResult([], [], 0)
    for name, path, mtime in _files(root / STAGING):
        if mtime > cutoff:
            result.kept += 1
        elif name in refs:
            result.recovered.append(name)
            if not dry_run:
                storage.finish(name)
        else:
            result.removed.append(f"{STAGING}/{name}")
            if not dry_run:
                path.unlink(missing_ok=True)
    for name, path, mtime in _files(root, skip=(STAGING,)):
        if mtime > cutoff or (not name.startswith(f"{SCRATCH}/") and name in refs):
            result.kept += 1
            continue
        result.removed.append(name)
        if not dry_run:
            path.unlink(missing_ok=True)
    if result.removed or result.recovered:
        logger.info("uploads sweep at %s: %s", timezone.now().isoformat(), result)
    return result
