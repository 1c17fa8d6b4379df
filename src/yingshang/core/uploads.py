"""File types judged by content (magic bytes), shared by every app that accepts uploads.

Each app keeps its own policy (which kinds it accepts, its messages, where it stores files);
what a file *is* is decided here, once.
"""

import io
import zipfile

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
