"""Files made into a DuckDB database: one table per file, or per sheet of a workbook.

CSV and TSV go through DuckDB's read_csv with its sniffer (delimiter, quoting,
header and column types detected), Parquet through read_parquet, JSON (an
array of objects or one object a line) through read_json; spreadsheets are
read by python-calamine (connectors/sheets.py) and loaded with the types their
cells carry.

DuckDB is confined while it loads, as connectors/duckdb.py confines it while
it reads: no extensions installed or loaded, external access off except for
the files being imported (`allowed_paths`), the configuration locked before
the first file is read, and its own memory limit and threads. Each table
holds at most `max_rows` rows; a file with more is refused, not cut. A file a
reader cannot read is refused with the reader's own words, the line (and
column) where it says so, and the file's name in place of any server path.

Table names are safe identifiers made from the file or sheet name: lower
case letters, digits and '_', not starting with a digit, not a reserved word,
unique within the database.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .sheets import SHEET_SUFFIXES, SheetError, column_names, read_sheets

READERS = {".csv": "csv", ".tsv": "csv", ".tab": "csv", ".parquet": "parquet", ".json": "json",
           ".jsonl": "json", ".ndjson": "json", **{suffix: "sheet" for suffix in SHEET_SUFFIXES}}
SUFFIXES = frozenset(READERS)
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm", ".ods"})  # zip containers their reader opens itself
MAX_NAME = 63
_HEADER_BYTES = 65_536
_LIKELY_DELIMITERS = (",", "\t", ";", "|")


class FileRejected(Exception):
    """A file that cannot be imported. `kind`: unsupported, malformed, too_many_rows or too_large."""

    def __init__(self, kind: str, file: str, message: str, *, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.file = file
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Source:
    path: Path  # on disk, where DuckDB reads it
    name: str  # as the user named it: what messages say


@dataclass
class ImportedTable:
    name: str
    source: str  # the file, or 'file: sheet'
    rows: int
    columns: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "source": self.source, "rows": self.rows,
                "columns": [{"name": n, "type": t} for n, t in self.columns]}


@dataclass
class _Load:
    raw_name: str
    source: str
    file: str
    path: Path
    sql: str  # a SELECT over the reader, the path its first parameter
    params: list
    csv_options: str | None = None  # a CSV's options for read_csv and sniff_csv: checked first (_csv_reader)


def reader_kind(name: str) -> str | None:
    return READERS.get(Path(name).suffix.lower())


def table_name(raw: str, taken: set[str], reserved: frozenset[str] = frozenset()) -> str:
    """A safe identifier for `raw` (a file's stem or a sheet's name), unique among `taken`."""
    text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:MAX_NAME] or "data"
    if base[0].isdigit():
        base = f"t_{base}"[:MAX_NAME]
    if base in reserved:
        base = f"{base}_data"
    name, n = base, 1
    while name in taken:
        n += 1
        suffix = f"_{n}"
        name = base[: MAX_NAME - len(suffix)] + suffix
    taken.add(name)
    return name


def _quoted(identifier: str) -> str:
    from sqlglot import exp

    return exp.to_identifier(identifier, quoted=True).sql(dialect="duckdb")


def _header_delimiter(path: Path) -> str | None:
    """The delimiter the first line clearly has, if it splits into more than one field."""
    with open(path, "rb") as handle:
        first = handle.read(_HEADER_BYTES).decode("utf-8", "replace").splitlines()[:1]
    if not first:
        return None
    if path.suffix.lower() in (".tsv", ".tab"):
        candidates = ("\t",)
    else:
        candidates = sorted(_LIKELY_DELIMITERS, key=lambda d: -first[0].count(d))
    for delimiter in candidates:
        if len(next(csv.reader([first[0]], delimiter=delimiter))) > 1:
            return delimiter
    return None


def _plan(index: int, source: Source, work: Path, max_rows: int, max_unpacked: int) -> list[_Load]:
    kind = reader_kind(source.name)
    stem = Path(source.name).stem
    if kind is not None and source.path.stat().st_size == 0:
        raise FileRejected("malformed", source.name, f"'{source.name}' is empty")
    if kind in ("csv", "parquet", "json"):
        options = ", delim='\\t'" if source.path.suffix.lower() in (".tsv", ".tab") else ""
        return [_Load(stem, source.name, source.name, source.path, f"SELECT * FROM read_{kind}($1{options})",
                      [str(source.path)], csv_options=options if kind == "csv" else None)]
    if kind == "sheet":
        folder = work / f"sheets-{index}"
        folder.mkdir(exist_ok=True)
        try:
            sheets = read_sheets(source.path, folder, max_rows=max_rows, max_unpacked=max_unpacked)
        except SheetError as exc:
            raise FileRejected(exc.kind, source.name, f"'{source.name}': {exc}") from None
        sql = "SELECT * FROM read_csv($1, header=true, auto_detect=false, delim=',', quote='\"', escape='\"', columns=$2)"
        return [_Load(s.name, f"{source.name}: {s.name}", source.name, s.csv_path, sql,
                      [str(s.csv_path), dict(s.columns)]) for s in sheets]
    raise FileRejected("unsupported", source.name, f"'{source.name}': {Path(source.name).suffix or 'no extension'} "
                                                   f"files cannot be imported ({', '.join(sorted(SUFFIXES))})")


_CUT = re.compile(r"\n\s*\n|\nPossible fixes|\n\s*file\s*=", re.IGNORECASE)


def _rejection(error: duckdb.Error, load: _Load) -> FileRejected:
    """The reader's message with the server's path replaced by the file's name, and its line and column."""
    text = str(error).replace(str(load.path), load.file)
    text = _CUT.split(text, maxsplit=1)[0].strip()
    text = re.sub(r"^[A-Za-z ]*Error: ", "", text)
    line = re.search(r"(?:CSV Error on Line: |in line )(\d+)", text)
    column = re.search(r'converting column "([^"]+)"', text)
    lines = [row[:300] for row in text.splitlines()[:6]]
    where = f" (line {line.group(1)}{', column ' + repr(column.group(1)) if column else ''})" if line else ""
    return FileRejected("malformed", load.file, f"'{load.source}' could not be read{where}: " + "\n".join(lines),
                        line=int(line.group(1)) if line else None, column=column.group(1) if column else None)


def _csv_reader(con, load: _Load) -> tuple[str, list]:
    """The reader for a CSV file: DuckDB's sniffer, unless what it found would lose data.

    On a file whose rows do not all have the same number of fields the sniffer
    can settle on a dialect that skips the first lines, or reads each line as
    one column. Such a file is read instead with the first line as the header,
    the delimiter it has and every column text, so a row that breaks the pattern
    is refused with its line rather than dropped or glued together."""
    skip, width = con.execute(f"SELECT SkipRows, len(Columns) FROM sniff_csv($1{load.csv_options})",
                              load.params).fetchone()
    delimiter = _header_delimiter(load.path)
    if not skip and not (width == 1 and delimiter is not None):
        return load.sql, load.params
    delimiter = delimiter or ("\t" if load.path.suffix.lower() in (".tsv", ".tab") else ",")
    with open(load.path, encoding="utf-8", errors="replace", newline="") as handle:
        header = next(csv.reader(handle, delimiter=delimiter), [])
    columns = {name: "VARCHAR" for name in column_names(header)}
    return ("SELECT * FROM read_csv($1, header=true, auto_detect=false, delim=$2, quote='\"', escape='\"', "
            "columns=$3)", [str(load.path), delimiter, columns])


def _connect(target: Path, paths: list[Path], memory_limit: str, threads: int):
    con = duckdb.connect(str(target), config={"autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False,
                                              "memory_limit": memory_limit, "threads": threads})
    try:
        con.execute("SET allowed_paths = $1", [[str(p) for p in paths]])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def build_database(target: Path, sources: list[Source], work: Path, *, max_rows: int, max_unpacked: int,
                   memory_limit: str = "1GB", threads: int = 2) -> list[ImportedTable]:
    """Create the DuckDB database `target` from `sources`; `work` is a scratch folder of the caller's.

    Raises FileRejected for the first file that cannot be imported; `target` is then left for the
    caller to remove with `work`."""
    loads = [load for i, source in enumerate(sources) for load in _plan(i, source, work, max_rows, max_unpacked)]
    if not loads:
        raise FileRejected("malformed", sources[0].name if sources else "", "the files hold no rows to import")
    con = _connect(target, [load.path for load in loads], memory_limit, threads)
    try:
        reserved = frozenset(r[0] for r in con.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'").fetchall())
        taken: set[str] = set()
        tables = []
        for load in loads:
            name = table_name(load.raw_name, taken, reserved)
            tables.append(_load(con, load, name, max_rows))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return tables


def _load(con, load: _Load, name: str, max_rows: int) -> ImportedTable:
    table = _quoted(name)
    try:
        sql, params = _csv_reader(con, load) if load.csv_options is not None else (load.sql, load.params)
        con.execute(f"CREATE TABLE {table} AS {sql} LIMIT {int(max_rows) + 1}", params)
        columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except duckdb.Error as error:
        raise _rejection(error, load) from None
    if rows > max_rows:
        raise FileRejected("too_many_rows", load.file, f"'{load.source}' has more than {max_rows:,} rows")
    return ImportedTable(name, load.source, rows, columns)
