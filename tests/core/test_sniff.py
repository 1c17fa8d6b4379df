import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yingshang.platform.uploads import sniff


def _zip(member: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\xff\xd8\xff\xe0JFIF", "jpg"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (_zip("OFD.xml"), "ofd"),
        (_zip("word/document.xml"), "docx"),
        (_zip("xl/workbook.xml"), "xlsx"),
        (_zip("other.txt"), None),
        (b"PK\x03\x04 broken zip", None),
        (b"MZ\x90\x00 an exe renamed .pdf", None),
        (b"", None),
    ],
)
def test_sniff_by_content(data, kind):
    assert sniff(data) == kind
    upload = SimpleUploadedFile("anything.pdf", data)
    assert sniff(upload) == kind
    assert upload.tell() == 0
