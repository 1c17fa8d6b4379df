"""Helpers for the Excel template tests: open an exported file, find a column by its header
and an item's row by its 实施编码, change one cell and save the file again."""

from io import BytesIO

from openpyxl import load_workbook


def open_book(content: bytes):
    return load_workbook(BytesIO(content))


def save_book(wb) -> bytes:
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def col_of(ws, header) -> int:
    return [c.value for c in ws[1]].index(header) + 1


def row_of(ws, code) -> int:
    col = col_of(ws, "实施编码")
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, col).value == code:
            return row
    raise KeyError(code)


def set_cell(content: bytes, sheet, code, header, value) -> bytes:
    """The file with the cell of column ``header`` on the row of item ``code`` set to ``value``."""
    wb = open_book(content)
    ws = wb[sheet]
    ws.cell(row_of(ws, code), col_of(ws, header), value)
    return save_book(wb)
