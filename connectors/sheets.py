"""Spreadsheets (XLSX, XLSM, XLS, ODS) read with python-calamine, one table per sheet.

Each column's type comes from the cells' own types, as the spreadsheet stores
them: all booleans make a BOOLEAN, all whole numbers a BIGINT, numbers a
DOUBLE, dates a DATE, dates with times a TIMESTAMP, times a TIME; anything
mixed, or text, is VARCHAR (a number in a text column keeps the spelling the
sheet shows, so '01234' stays '01234'). Empty cells are NULL. The first row
names the columns when every cell of it is text; otherwise the columns are
named column1, column2, ... and the first row is data.

A sheet is written to a CSV file with those types, which DuckDB loads with
the types given (connectors/file_import.py): no second guess by a sniffer.
A zip-based workbook is refused before it is opened when its parts would
unpack to more than `max_unpacked` bytes (a small file that unpacks to a
huge one).
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

SHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm", ".ods"})
_BIGINT = 2**63


class SheetError(Exception):
    """A workbook that cannot be read, or holds more than the limits allow; `kind` says which."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # malformed | too_many_rows | too_large


@dataclass
class Sheet:
    name: str
    columns: list[tuple[str, str]]  # (name, DuckDB type)
    csv_path: Path
    rows: int


def _empty(value) -> bool:
    return value is None or value == ""


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_whole(value) -> bool:
    return _is_number(value) and float(value).is_integer() and abs(value) < _BIGINT


def column_type(values: list) -> str:
    """The DuckDB type that holds every non-empty value of a column as the sheet typed it."""
    present = [v for v in values if not _empty(v)]
    if not present:
        return "VARCHAR"
    checks = (
        ("BOOLEAN", lambda v: isinstance(v, bool)),
        ("BIGINT", _is_whole),
        ("DOUBLE", _is_number),
        ("TIMESTAMP", lambda v: isinstance(v, dt.datetime)),
        ("DATE", lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime)),
        ("TIME", lambda v: isinstance(v, dt.time)),
    )
    for name, check in checks:
        if all(check(v) for v in present):
            return name
    if all(isinstance(v, dt.date) for v in present):  # dates and date-times together
        return "TIMESTAMP"
    return "VARCHAR"


def _text(value) -> str:
    """A cell as text, a whole number without '.0' (the way a sheet shows it)."""
    if _is_whole(value) and isinstance(value, float):
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _cell(value, kind: str) -> str | None:
    if _empty(value):
        return None
    if kind == "BIGINT":
        return str(int(value))
    if kind == "DOUBLE":
        return repr(float(value))
    if kind == "TIMESTAMP" and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time()).isoformat(sep=" ")
    if kind == "TIMESTAMP":
        return value.isoformat(sep=" ")
    return _text(value)


def column_names(header: list) -> list[str]:
    """Header cells as column names: empty ones named columnN, repeats numbered."""
    names: list[str] = []
    taken: set[str] = set()
    for i, cell in enumerate(header, start=1):
        base = _text(cell).strip() if not _empty(cell) else f"column{i}"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.lower())
        names.append(name)
    return names


def _check_unpacked(path: Path, max_unpacked: int) -> None:
    if path.suffix.lower() not in ZIP_SUFFIXES:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError("malformed", f"not a readable spreadsheet ({exc})") from None
    if unpacked > max_unpacked:
        raise SheetError("too_large", f"the workbook unpacks to {unpacked:,} bytes; the limit is {max_unpacked:,}")


def _trimmed(rows: list[list]) -> list[list]:
    """Rows without columns that are empty from top to bottom."""
    width = max((len(r) for r in rows), default=0)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    keep = [i for i in range(width) if any(not _empty(r[i]) for r in rows)]
    return [[r[i] for i in keep] for r in rows]


def read_sheets(path: Path, work: Path, *, max_rows: int, max_unpacked: int) -> list[Sheet]:
    """Every non-empty worksheet of the workbook at `path`, each written as a typed CSV file in `work`."""
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

    _check_unpacked(path, max_unpacked)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise SheetError("malformed", f"not a readable spreadsheet ({exc})") from None
    sheets = []
    try:
        for index, meta in enumerate(workbook.sheets_metadata):
            if meta.typ not in (SheetTypeEnum.WorkSheet,):
                continue  # chart and macro sheets hold no rows
            try:
                rows = workbook.get_sheet_by_index(index).to_python(skip_empty_area=True, nrows=max_rows + 2)
            except (CalamineError, OSError, ValueError) as exc:
                raise SheetError("malformed", f"sheet '{meta.name}' cannot be read ({exc})") from None
            rows = _trimmed([r for r in rows if any(not _empty(v) for v in r)])
            if not rows or not rows[0]:
                continue
            has_header = all(isinstance(v, str) and v.strip() for v in rows[0])
            header, data = (rows[0], rows[1:]) if has_header else ([""] * len(rows[0]), rows)
            if len(data) > max_rows:
                raise SheetError("too_many_rows", f"sheet '{meta.name}' has more than {max_rows:,} rows")
            names = column_names(header)
            kinds = [column_type([r[i] for r in data]) for i in range(len(names))]
            target = work / f"sheet-{len(sheets)}.csv"
            with open(target, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(names)
                for row in data:
                    writer.writerow([_cell(v, k) for v, k in zip(row, kinds)])
            sheets.append(Sheet(meta.name, list(zip(names, kinds)), target, len(data)))
    finally:
        workbook.close()
    return sheets
