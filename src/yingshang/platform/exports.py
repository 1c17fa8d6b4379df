"""Safe CSV and Excel exports: the one way every download of the platform is written.

Every cell passes through :func:`safe_cell`:

- text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
  single quote, so a spreadsheet shows it as text and never runs it as a formula (OWASP "CSV
  injection"); a leading quote is doubled the same way, so :func:`unescape` restores the
  original exactly (importers that read back what was exported — the catalog template — call it);
- characters XML 1.0 forbids (control characters other than tab, newline and carriage return),
  on which openpyxl raises and an export would fail with a server error, become U+FFFD;
- numbers, dates, times and booleans stay what they are: a negative number is a number.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
REPLACEMENT = "\ufffd"
_PLAIN = (bool, int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)
# Excel forbids these in sheet titles; openpyxl raises on them.
_SHEET_TITLE_RE = re.compile(r"[\\/*?:\[\]]")


def safe_text(text: str) -> str:
    """``text`` with XML-illegal characters replaced and a formula trigger neutralised."""
    text = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, text)
    if text.startswith(FORMULA_TRIGGERS) or text.startswith(QUOTE):
        return QUOTE + text
    return text


def safe_cell(value):
    """The value to write into a cell: numbers, dates and booleans as they are, None empty,
    anything else as neutralised text."""
    if value is None or isinstance(value, _PLAIN):
        return value
    return safe_text(str(value))


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]


def unescape(value):
    """The inverse of :func:`safe_cell` for a value read back from an exported file."""
    if (
        isinstance(value, str)
        and value.startswith(QUOTE)
        and value[1:].startswith((*FORMULA_TRIGGERS, QUOTE))
    ):
        return value[1:]
    return value


def sheet_title(title) -> str:
    """A title Excel accepts: no ``\\ / * ? : [ ]``, no control characters, at most 31 long."""
    text = ILLEGAL_CHARACTERS_RE.sub("", _SHEET_TITLE_RE.sub("_", str(title))).strip("'")
    return text[:31] or "Sheet"


def write_xlsx(fh, title, headers, rows) -> None:
    """One sheet into the binary file ``fh``: a bold header row, then ``rows``, every cell
    through :func:`safe_cell`. ``rows`` may be a generator (streamed into openpyxl's
    write-only workbook)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title(title))
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=safe_cell(str(h)))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append(safe_row(row))
    wb.save(fh)


def xlsx_bytes(title, headers, rows) -> bytes:
    """:func:`write_xlsx` into memory."""
    buf = io.BytesIO()
    write_xlsx(buf, title, headers, rows)
    return buf.getvalue()


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, title, headers, rows) -> HttpResponse:
    return _attachment(
        HttpResponse(xlsx_bytes(title, headers, rows), content_type=XLSX_CONTENT_TYPE), filename
    )


def workbook_response(filename: str, content: bytes) -> HttpResponse:
    """A workbook built elsewhere (with :func:`safe_cell` on every value) as a download."""
    return _attachment(HttpResponse(content, content_type=XLSX_CONTENT_TYPE), filename)


def write_csv(text, headers, rows) -> None:
    """CSV into the text stream ``text``: a byte-order mark (Excel then reads it as UTF-8),
    every cell neutralised."""
    text.write("\ufeff")
    writer = csv.writer(text)
    writer.writerow(safe_row(str(h) for h in headers))
    for row in rows:
        writer.writerow(["" if v is None else v for v in safe_row(row)])


def csv_text(headers, rows) -> str:
    buf = io.StringIO()
    write_csv(buf, headers, rows)
    return buf.getvalue()


def csv_response(filename: str, headers, rows) -> HttpResponse:
    return _attachment(
        HttpResponse(csv_text(headers, rows), content_type="text/csv; charset=utf-8"), filename
    )
