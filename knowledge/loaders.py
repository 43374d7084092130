"""Files to sections of text with a location.

The file formats are read by the libraries made for them (pypdf, docx2txt,
BeautifulSoup, the csv module, charset-normalizer for text of unknown
encoding); sections follow headings through LangChain's text splitters.

A section is the unit a citation points at: a Markdown or HTML heading path,
a PDF page, a block of CSV rows, or a whole text/DOCX file. Every failure is
a `DocumentError` with a kind a user can act on: unsupported, empty,
too_large, corrupt or missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

KINDS = {
    ".md": "markdown", ".markdown": "markdown",
    ".txt": "text", ".text": "text", ".rst": "text", ".log": "text",
    ".pdf": "pdf",
    ".html": "html", ".htm": "html",
    ".docx": "docx",
    ".csv": "csv",
}
HEADINGS = 3  # h1-h3 (and #, ##, ###) start a new section
CSV_ROWS_PER_SECTION = 50


class DocumentError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass
class Section:
    text: str
    location: str = ""  # "Intro > Install", "page 3", "rows 1-50"; empty for a whole file
    metadata: dict[str, str | int] = field(default_factory=dict)


@dataclass
class LoadedFile:
    path: Path
    kind: str
    title: str
    sections: list[Section]


def kind_of(path: Path) -> str | None:
    return KINDS.get(path.suffix.lower())


def check_file(path: Path, max_bytes: int) -> str:
    """The file's kind, or a DocumentError saying why it cannot be read."""
    if not path.is_file():
        raise DocumentError("missing", f"{path} is not a file")
    kind = kind_of(path)
    if kind is None:
        supported = ", ".join(sorted(KINDS))
        raise DocumentError("unsupported", f"{path.suffix or 'no extension'} files are not supported ({supported})")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("empty", "the file is empty")
    if size > max_bytes:
        raise DocumentError("too_large", f"the file has {size:,} bytes; the limit is {max_bytes:,}")
    return kind


def _heading_path(metadata: dict, prefix: str) -> str:
    return " > ".join(str(metadata[f"{prefix}{i}"]) for i in range(1, HEADINGS + 1) if metadata.get(f"{prefix}{i}"))


def read_text(path: Path) -> str:
    """A text file's content: UTF-8 (with or without a BOM), else the encoding
    charset-normalizer finds most likely (Windows-1252 exports, Latin-1)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise DocumentError("corrupt", "the file is not text in any encoding that could be recognised")
        return str(best)


def _markdown(path: Path) -> tuple[str, list[Section]]:
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    splitter = MarkdownHeaderTextSplitter([("#" * i, f"h{i}") for i in range(1, HEADINGS + 1)], strip_headers=False)
    docs = splitter.split_text(read_text(path))
    title = next((d.metadata["h1"] for d in docs if d.metadata.get("h1")), path.stem)
    return title, [Section(d.page_content, _heading_path(d.metadata, "h")) for d in docs]


def _text(path: Path) -> tuple[str, list[Section]]:
    return path.stem, [Section(read_text(path))]


def _docx(path: Path) -> tuple[str, list[Section]]:
    import docx2txt

    return path.stem, [Section(docx2txt.process(str(path)))]


def _pdf(path: Path) -> tuple[str, list[Section]]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    title = str(reader.metadata.title) if reader.metadata and reader.metadata.title else path.stem
    return title, [Section(page.extract_text() or "", f"page {number}", {"page": number})
                   for number, page in enumerate(reader.pages, start=1)]


_HTML_DROPPED = ["script", "style", "noscript", "template", "svg",  # svg: syntax diagrams, label soup
                 "form", "select", "button", "nav"]  # page furniture, not content
_HTML_BLOCKS = frozenset("""address article aside blockquote br caption dd details div dl dt figcaption figure footer
    h4 h5 h6 header hr li main ol p pre section summary table tbody td tfoot th thead tr ul""".split())
_HTML_HEADINGS = {f"h{i}": i for i in range(1, HEADINGS + 1)}
_SPACES = re.compile(r"\s+")
_SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?\s+(?=\S)")  # "2.1. " before a heading's words


def _tidy(text: str) -> str:
    """Each line's whitespace runs made one space, blank lines dropped."""
    return "\n".join(line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line)


def _html_sections(body) -> list[Section]:
    """One section per h1-h3 heading (the heading's own text first), each
    paragraph's links, code and emphasis kept in their place in its text."""
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    sections: list[Section] = []
    headings = [""] * HEADINGS
    text: list[str] = []

    def close() -> None:
        body_text = _tidy("".join(text))
        if body_text:
            sections.append(Section(body_text, " > ".join(h for h in headings if h)))
        text.clear()

    stack = [(iter(body.children), True)]  # (children left, whether they end a block)
    while stack:
        node = next(stack[-1][0], None)
        if node is None:
            if stack.pop()[1]:
                text.append("\n")
            continue
        if isinstance(node, PreformattedString):  # comments, doctypes, CDATA
            continue
        if isinstance(node, NavigableString):
            # Line breaks in HTML source are spaces, except in preformatted text.
            text.append(str(node) if node.find_parent("pre") else _SPACES.sub(" ", str(node)))
        elif isinstance(node, Tag) and node.name in _HTML_HEADINGS:
            close()
            level = _HTML_HEADINGS[node.name]
            heading = " ".join(node.get_text(" ").split())
            text.append(heading + "\n")
            headings[level - 1:] = [_SECTION_NUMBER.sub("", heading)] + [""] * (HEADINGS - level)
        elif isinstance(node, Tag):
            block = node.name in _HTML_BLOCKS  # an inline element's text stays within its sentence
            if block:
                text.append("\n")
            stack.append((iter(node.children), block))
    close()
    return sections


def _html(path: Path) -> tuple[str, list[Section]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    title = " ".join(soup.title.get_text().split()) if soup.title and soup.title.get_text().strip() else path.stem
    for tag in soup(_HTML_DROPPED):
        tag.decompose()
    return title, _html_sections(soup.body or soup)


def _csv(path: Path) -> tuple[str, list[Section]]:
    """Each row as `column: value` lines, so a row reads on its own in a citation."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    rows = ["\n".join(f"{name}: {(value or '').strip()}" for name, value in row.items() if name is not None)
            for row in reader]
    sections = []
    for start in range(0, len(rows), CSV_ROWS_PER_SECTION):
        block = rows[start : start + CSV_ROWS_PER_SECTION]
        first, last = start + 1, start + len(block)
        sections.append(Section("\n\n".join(block), f"rows {first}-{last}"))
    return path.stem, sections


_LOADERS = {"markdown": _markdown, "text": _text, "docx": _docx, "pdf": _pdf, "html": _html, "csv": _csv}


def _merge_runs(sections: list[Section]) -> list[Section]:
    """One section per run of the same location: the HTML splitter gives a
    heading and the paragraphs under it as separate pieces."""
    merged: list[Section] = []
    last_heading = ""
    for section in sections:
        # Text the splitter left without headings (its DOM-depth rule drops
        # them for nested markup) belongs to the last heading seen.
        if not section.location and last_heading and not section.metadata:
            section = Section(section.text, last_heading)
        last_heading = section.location or last_heading
        if merged and merged[-1].location == section.location and not section.metadata:
            merged[-1].text += "\n" + section.text
        else:
            merged.append(Section(section.text, section.location, dict(section.metadata)))
    return merged


def load_file(path: Path, *, max_bytes: int) -> LoadedFile:
    path = Path(path)
    kind = check_file(path, max_bytes)
    try:
        title, sections = _LOADERS[kind](path)
    except (DocumentError, MemoryError):
        raise
    except Exception as exc:  # each library fails its own way on a damaged file
        raise DocumentError("corrupt", f"cannot read the {kind} file: {type(exc).__name__}: {exc}") from exc
    sections = _merge_runs([s for s in sections if s.text.strip()])
    if not sections:
        raise DocumentError("empty", f"no text could be extracted from the {kind} file")
    return LoadedFile(path=path, kind=kind, title=title, sections=sections)
