"""Excel exports (openpyxl), streamed as a download."""

from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font


def xlsx_bytes(title: str, headers: list, rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(title)[:31])
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append(list(row))
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, title: str, headers: list, rows) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(title, headers, rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- CSV for open data -----------------------------------------------------------------------

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets
# (OWASP "CSV Injection", ASVS V1.2.10): prefixed with an apostrophe it is shown as text.
# (The defusedcsv package wraps such cells in quotes on both sides and ignores tab and CR,
# which changes the data; this is the OWASP rule.)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A CSV cell safe to open in a spreadsheet; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_response(filename: str, headers: list, rows, *, attachment: bool = False) -> HttpResponse:
    """UTF-8 with BOM (Excel opens it as UTF-8), every text cell neutralised."""
    import csv
    import io

    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise_cell(h) for h in headers])
    for row in rows:
        writer.writerow([neutralise_cell(v) for v in row])
    response = HttpResponse(buf.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
