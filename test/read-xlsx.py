"""Reads an XLSX workbook from stdin with openpyxl (read-only) and prints every sheet's rows as JSON.

Output: {"sheets": [{"name": str, "rows": [[value, ...], ...]}, ...]}, sheets in workbook order,
rows from row 1 (rows the file leaves out appear as empty lists), each row's cell values from
column A up to its last non-empty cell: numbers as JSON numbers, booleans as true/false, empty
cells as null, dates as ISO text, text with OOXML's _xHHHH_ escapes read.
Exits with status 3 when openpyxl cannot be imported.

Used by src/reports/renderers/xlsx-renderer.test.ts as a reader of the renderer's output that is
not the renderer's own library.
"""

import datetime
import io
import json
import sys

try:
    import openpyxl
    from openpyxl.utils.escape import unescape
except ImportError as error:  # pragma: no cover - reported to the test, which skips
    print(f"openpyxl is not available: {error}", file=sys.stderr)
    sys.exit(3)


def value(cell):
    if isinstance(cell, (datetime.datetime, datetime.date, datetime.time)):
        return cell.isoformat()
    if isinstance(cell, str):
        # openpyxl leaves OOXML's _xHHHH_ escapes (how a cell carries CR and other control
        # characters) in "str" cells; its own unescape reads them, _x005F_ included
        return unescape(cell)
    return cell


def main():
    data = sys.stdin.buffer.read()
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = []
    for sheet in workbook.worksheets:
        # read-only sheets without a stored dimension pad rows only up to their own last cell
        sheet.reset_dimensions()
        rows = []
        for row in sheet.iter_rows(values_only=True):
            cells = [value(cell) for cell in row]
            while cells and cells[-1] is None:
                cells.pop()
            rows.append(cells)
        while rows and not rows[-1]:
            rows.pop()
        sheets.append({"name": sheet.title, "rows": rows})
    workbook.close()
    json.dump({"sheets": sheets}, sys.stdout, ensure_ascii=False, allow_nan=False)


if __name__ == "__main__":
    main()
