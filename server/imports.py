"""Files imported as databases: built into DuckDB, kept with their originals, registered last.

An import named N lives in `imports/N/`: the database `N.duckdb` and the
files it was made from in `original/`. The steps, in order:

1. the name must be a valid connection name that no connection has (409);
2. its folder is made, which reserves the name on disk: two imports of one
   name at once cannot both get it (409 for the second);
3. the database is built from the files in a hidden scratch folder
   (connectors/file_import.py: confined DuckDB, row cap, line-exact errors);
4. the database and the originals move into the reserved folder;
5. the connection is registered, then granted to the analyst who imported it.

A failure at any step removes what the earlier steps made (the grant, the
registration, the folder) and the scratch folder, so nothing half-imported is
left registered or on disk.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.file_import import FileRejected, ImportedTable, Source, build_database, reader_kind
from server.databases import DEMO
from server.metadata.connections import ConnectionExists, ConnectionRegistry, InvalidConnection, check_name, parse_url
from server.private_files import private_dir
from server.settings import Settings

UNPACKED_PER_UPLOAD = 10  # a workbook may unpack to this many times the upload cap


@dataclass
class Imported:
    name: str
    database: Path
    tables: list[ImportedTable]

    def to_dict(self) -> dict:
        return {"name": self.name, "tables": [t.to_dict() for t in self.tables]}


def import_name(requested: str | None, first_file: str) -> str:
    """The connection name: the one asked for, else one made from the first file's name."""
    if requested:
        return check_name(requested)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(first_file).stem).strip("_-") or "file"
    return check_name((stem if stem[0].isalpha() else f"file_{stem}")[:64])


def _claim(settings: Settings, registry: ConnectionRegistry, name: str) -> Path:
    if name == DEMO or name in registry.names():
        raise ConnectionExists(f"a connection named '{name}' already exists; choose another name")
    folder = private_dir(settings.imports_path) / name
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        raise ConnectionExists(f"an import named '{name}' is under way, or its files remain in the data dir "
                               f"(imports/{name}); choose another name") from None
    return folder


def _place(files: list[Path], folder: Path, move: bool) -> list[Source]:
    """The files in `folder`, where DuckDB may read them, each named as the user named it."""
    folder.mkdir(mode=0o700)
    sources = []
    for path in files:
        target = folder / path.name
        if target.exists():
            raise FileRejected("malformed", path.name, f"two files are named '{path.name}'")
        if move:
            os.replace(path, target)
        else:
            shutil.copyfile(path, target)
        sources.append(Source(target, path.name))
    return sources


def import_files(settings: Settings, registry: ConnectionRegistry, files: list[Path], *, name: str | None = None,
                 move: bool = False, grant: Callable[[str], None] | None = None) -> Imported:
    """Make `files` one DuckDB database registered as `name` (see the module's steps).

    move: take the files (an upload's own copies) rather than copy them.
    grant: called with the name once registered (an analyst's grant); its failure undoes the import.
    """
    if not files:
        raise FileRejected("malformed", "", "no files to import")
    for path in files:
        if reader_kind(path.name) is None:
            raise FileRejected("unsupported", path.name, f"'{path.name}': {path.suffix or 'no extension'} files "
                                                         "cannot be imported (CSV, TSV, XLSX, Parquet, JSON)")
    name = import_name(name, files[0].name)
    folder = _claim(settings, registry, name)
    work = settings.imports_path / f".incoming-{uuid.uuid4().hex}"
    registered = False
    try:
        work.mkdir(mode=0o700)
        sources = _place(files, work / "original", move)
        built = work / f"{name}.duckdb"
        tables = build_database(built, sources, work, max_rows=settings.max_import_rows,
                                max_unpacked=UNPACKED_PER_UPLOAD * settings.max_upload_bytes,
                                memory_limit=settings.duckdb_memory_limit, threads=settings.duckdb_threads)
        os.replace(work / "original", folder / "original")
        database = folder / f"{name}.duckdb"
        os.replace(built, database)
        url = parse_url(f"duckdb:///{database.resolve()}").render_as_string(hide_password=False)
        registry.add(name, url, description="imported from " + ", ".join(p.name for p in files), reserved=(DEMO,))
        registered = True
        if grant is not None:
            grant(name)
        return Imported(name, database, tables)
    except BaseException:
        if registered:
            registry.remove(name)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def remove_files(settings: Settings, url: str) -> None:
    """Delete an import's folder when `url` is the database an import made (its connection is gone)."""
    try:
        database = Path(parse_url(url).database or "").resolve()
    except (InvalidConnection, OSError, ValueError):
        return
    imports = settings.imports_path.resolve()
    folder = database.parent
    if folder.parent == imports and database.name == f"{folder.name}.duckdb":
        shutil.rmtree(folder, ignore_errors=True)
