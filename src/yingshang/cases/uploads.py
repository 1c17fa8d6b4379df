"""Uploaded materials: type checked by content (magic bytes), size-limited, stored under
MEDIA_ROOT (outside the web root) with random names, read back only by permission-checked views.
"""

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yingshang.core import uploads

ALLOWED = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/ofd": ".ofd",
}


# Kinds judged by core.uploads.sniff → the content types a case accepts.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "ofd": "application/ofd",
}


@dataclass
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "cases"


def check(upload, field: str) -> str:
    """Validate an UploadedFile; return its content type or raise a field-level error."""
    max_bytes = int(settings.UPLOAD_MAX_BYTES)
    if upload.size > max_bytes:
        raise ValidationError(
            {
                field: _("文件“%(name)s”超过大小上限 %(mb).0f MB。")
                % {"name": upload.name, "mb": max_bytes / 1024 / 1024}
            }
        )
    if upload.size == 0:
        raise ValidationError({field: _("文件“%(name)s”为空。") % {"name": upload.name}})
    kind = CONTENT_TYPES.get(uploads.sniff(upload))
    if kind is None:
        raise ValidationError(
            {
                field: _("文件“%(name)s”类型不支持:仅接受 PDF、JPG、PNG、OFD 文件(按内容识别)。")
                % {"name": upload.name}
            }
        )
    return kind


_made_dirs: set[str] = set()


def store(upload, content_type: str) -> StoredFile:
    """Write the file under MEDIA_ROOT/cases/ab/<random><ext> (mode 0640, never over an
    existing file); returns what the row keeps."""
    token = secrets.token_hex(16)
    rel = f"cases/{token[:2]}/{token}{ALLOWED[content_type]}"
    directory = os.path.join(settings.MEDIA_ROOT, "cases", token[:2])
    if directory not in _made_dirs:
        os.makedirs(directory, exist_ok=True)
        _made_dirs.add(directory)
    path = os.path.join(directory, token + ALLOWED[content_type])
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    except FileNotFoundError:  # the directory was removed since: make it again
        os.makedirs(directory, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with open(fd, "wb") as fh:
        os.fchmod(fd, 0o640)  # whatever the umask
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            fh.write(chunk)
    return StoredFile(
        stored_name=rel,
        original_name=Path(upload.name).name[:200],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def path_of(stored_name: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / stored_name).resolve()
    if not path.is_relative_to(root):
        raise ValueError("path outside MEDIA_ROOT")
    return path
