"""Files uploaded over HTTP (documents; files to import as tables): received as they stream in.

A multipart body is parsed as it arrives (python-multipart), and each file is
written straight to a staging folder beside its destination; nothing is held
in memory but the chunk at hand. The checks run as the bytes come, so a bad
upload stops at the first part that breaks a rule:

- at most `max_files` files and `max_bytes` bytes of them together (413);
- only the types the route reads (`Accepted`: for documents, what
  knowledge/loaders.py reads: PDF, DOCX, CSV, text, Markdown, HTML; for
  /api/v1/files, what connectors/file_import.py reads); anything else is 415;
- archives (zip, tar, gzip, 7z, rar, ...) are refused with 415, by name and by
  their first bytes (an archive renamed `.txt`): they are not unpacked,
  because what is inside one (how many files, how large, named how) is only
  known after unpacking it, which is where zip bombs and `../` entries live.
  A user uploads the documents inside instead. Zip containers a reader opens
  itself (DOCX, XLSX) are named in `Accepted.containers` and pass.

Names are sanitised: the last path component only, no control or unusual
characters, no leading dots (no hidden files, no `..`), unique within the
upload. A file of the same name as an earlier upload to the same space
replaces it, so a new version of a document replaces the old one's chunks.
Only when every part has arrived are the files moved into place; a failed
or refused upload leaves nothing behind. Small plain form fields sent beside
the files (an import's `name`) are kept too (`receive_form`).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartState, parse_options_header

from knowledge.loaders import KINDS

ARCHIVE_SUFFIXES = frozenset({
    ".zip", ".tar", ".gz", ".tgz", ".bz2", ".tbz", ".tbz2", ".xz", ".txz", ".zst", ".lz", ".lzma", ".z",
    ".7z", ".rar", ".cab", ".arj", ".lzh", ".iso", ".jar", ".war", ".apk", ".cpio", ".xar", ".dmg",
})
# First bytes that mark an archive or a compressed stream, whatever the name says.
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b\x08", b"\xfd7zXZ\x00",
                  b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\x28\xb5\x2f\xfd", b"MSCF\x00\x00\x00\x00", b"LZIP")
_TAR_MAGIC_AT = 257  # "ustar" at this offset in a tar header
_HEAD = 512  # bytes of a file looked at before any is written
_UNSAFE = re.compile(r"[^\w .()+,=@-]")
MAX_NAME = 120
MAX_FIELDS = 8  # plain form fields kept beside the files (a name, an option)
MAX_FIELD_BYTES = 1024


@dataclass(frozen=True)
class Accepted:
    """What a route takes: file suffixes, and which of them are zip containers their reader opens
    itself (a DOCX, an XLSX), so the archive check lets them through."""

    suffixes: frozenset[str]
    containers: frozenset[str] = frozenset()
    what: str = "documents"

    @property
    def listed(self) -> str:
        return ", ".join(sorted(self.suffixes))


DOCUMENTS = Accepted(frozenset(KINDS), frozenset({".docx"}))


class UploadRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def safe_name(filename: str) -> str:
    """A file name that is only a name: the last component of what the client
    sent, without control or unusual characters, leading dots or `..`."""
    name = unicodedata.normalize("NFC", re.split(r"[/\\]", filename)[-1])
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\.{2,}", ".", name).strip(" .")
    stem, suffix = os.path.splitext(name)
    if len(name) > MAX_NAME:
        name = stem[: MAX_NAME - len(suffix[:20])] + suffix[:20]
    return name or "document"


def _unique(name: str, taken: set[str]) -> str:
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    taken.add(candidate.lower())
    return candidate


def is_archive(name: str) -> bool:
    return any(suffix.lower() in ARCHIVE_SUFFIXES for suffix in Path(name).suffixes[-2:])


def _looks_like_archive(head: bytes, name: str, accepted: Accepted = DOCUMENTS) -> bool:
    if Path(name).suffix.lower() in accepted.containers:  # a DOCX is a zip of XML: the loader reads it as one
        return False
    return head.startswith(_ARCHIVE_MAGIC) or head[_TAR_MAGIC_AT:_TAR_MAGIC_AT + 5] == b"ustar" or (
        head.startswith(b"BZh") and head[4:10] == b"1AY&SY")


def _archive_refusal(name: str, accepted: Accepted = DOCUMENTS) -> UploadRefused:
    return UploadRefused(415, f"'{name}' is an archive; archives are not unpacked: upload the {accepted.what} in it "
                              f"({accepted.listed})")


def check_type(name: str, accepted: Accepted = DOCUMENTS) -> None:
    """Refuse a name whose type the route cannot read, archives with their own message."""
    suffix = Path(name).suffix.lower()
    if is_archive(name) and suffix not in accepted.containers:
        raise _archive_refusal(name, accepted)
    if suffix not in accepted.suffixes:
        raise UploadRefused(415, f"'{name}': {suffix or 'no extension'} files are not supported ({accepted.listed})")


@dataclass
class _Part:
    name: str
    staged: Path
    handle: BinaryIO | None = None
    head: bytearray = field(default_factory=bytearray)
    pending: list[bytes] = field(default_factory=list)
    ended: bool = False


class _Receiver:
    """python-multipart callbacks that check each part and queue its bytes; `flush` writes them."""

    def __init__(self, staging: Path, max_bytes: int, max_files: int, accepted: Accepted = DOCUMENTS):
        self.staging = staging
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.accepted = accepted
        self.parts: list[_Part] = []
        self.fields: dict[str, str] = {}
        self._field: str | None = None
        self._field_value = bytearray()
        self.total = 0
        self._current: _Part | None = None
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._taken: set[str] = set()

    def callbacks(self) -> dict:
        return {"on_part_begin": self.on_part_begin, "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished}

    def on_part_begin(self) -> None:
        self._current, self._disposition, self._field = None, b"", None
        self._field_value.clear()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"filename" not in options:
            field_name = options.get(b"name", b"").decode("utf-8", "replace")
            if len(self.fields) >= MAX_FIELDS:
                raise UploadRefused(413, f"an upload holds at most {MAX_FIELDS} form fields besides its files")
            self._field = field_name  # a plain form field: kept, small
            return
        if not options[b"filename"]:
            return  # a file input left empty: not kept
        if len(self.parts) >= self.max_files:
            raise UploadRefused(413, f"an upload holds at most {self.max_files} files")
        name = safe_name(options[b"filename"].decode("utf-8", "replace"))
        check_type(name, self.accepted)
        self._current = _Part(_unique(name, self._taken), self.staging / str(len(self.parts)))
        self.parts.append(self._current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._field is not None:
            self._field_value += data[start:end]
            if len(self._field_value) > MAX_FIELD_BYTES:
                raise UploadRefused(413, f"the form field '{self._field}' is longer than {MAX_FIELD_BYTES} bytes")
            return
        if self._current is None:
            return
        self.total += end - start
        if self.total > self.max_bytes:
            raise UploadRefused(413, f"the files are larger than {self.max_bytes:,} bytes together")
        self._current.pending.append(bytes(data[start:end]))

    def on_part_end(self) -> None:
        if self._field is not None:
            self.fields[self._field] = self._field_value.decode("utf-8", "replace")
            self._field = None
        if self._current is not None:
            self._current.ended = True
        self._current = None

    def flush(self) -> None:
        """Write what has arrived; a file's first bytes are checked before any of it is written."""
        for part in self.parts:
            if part.handle is None:
                part.head.extend(b"".join(part.pending))
                part.pending.clear()
                if len(part.head) < _HEAD and not part.ended:
                    continue
                if _looks_like_archive(bytes(part.head), part.name, self.accepted):
                    raise _archive_refusal(part.name, self.accepted)
                part.handle = open(part.staged, "xb")
                part.pending.append(bytes(part.head))
            for block in part.pending:
                part.handle.write(block)
            part.pending.clear()
            if part.ended and not part.handle.closed:
                part.handle.close()

    def close(self) -> None:
        for part in self.parts:
            if part.handle is not None:
                part.handle.close()


def _boundary(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        raise UploadRefused(415, "send the documents as multipart/form-data, one file part each")
    if not options.get(b"boundary"):
        raise UploadRefused(400, "the multipart body has no boundary")
    return options[b"boundary"]


@dataclass
class Form:
    files: list[Path]  # where they were stored, in the order sent
    fields: dict[str, str]  # the plain form fields sent beside them


async def receive(content_type: str, chunks: AsyncIterator[bytes], folder: Path, *, max_bytes: int,
                  max_files: int) -> list[Path]:
    """Store the documents of a multipart body in `folder`; their paths, in the order sent."""
    form = await receive_form(content_type, chunks, folder, max_bytes=max_bytes, max_files=max_files)
    return form.files


async def receive_form(content_type: str, chunks: AsyncIterator[bytes], folder: Path, *, max_bytes: int,
                       max_files: int, accepted: Accepted = DOCUMENTS) -> Form:
    """Store the files of a multipart body in `folder`, taking only the `accepted` types; also
    the small plain form fields sent beside them."""
    boundary = _boundary(content_type)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = folder / f".incoming-{uuid.uuid4().hex}"  # hidden: no folder walk picks it up
    staging.mkdir(mode=0o700)
    receiver = _Receiver(staging, max_bytes, max_files, accepted)
    try:
        parser = MultipartParser(boundary, receiver.callbacks())
        try:
            async for chunk in chunks:
                parser.write(chunk)
                await asyncio.to_thread(receiver.flush)
            parser.finalize()
        except FormParserError as exc:
            raise UploadRefused(400, "the multipart body is malformed") from exc
        if parser.state != MultipartState.END:
            raise UploadRefused(400, "the multipart body ended before its closing boundary")
        await asyncio.to_thread(receiver.flush)
        receiver.close()
        if not receiver.parts:
            raise UploadRefused(422, f"the upload holds no files; send each of the {accepted.what} as a file part")
        stored = []
        for part in receiver.parts:
            os.replace(part.staged, folder / part.name)
            stored.append(folder / part.name)
        return Form(stored, receiver.fields)
    finally:
        receiver.close()
        shutil.rmtree(staging, ignore_errors=True)
