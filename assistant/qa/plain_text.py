"""Text as a reader sees it, for comparing a model's quote with its source.

A source is Markdown, text pulled out of HTML or a PDF; the model quotes it
back with the markup dropped or changed, curly quotes straightened, lines
joined and case changed. `plain` removes those differences from both sides:
HTML entities, Unicode compatibility forms, typographic quotes and dashes,
Markdown headings, block quotes, list bullets and numbers, emphasis, code and
link markers, double quotes, whitespace and case.
"""

from __future__ import annotations

import html
import re
import unicodedata

_TYPOGRAPHY = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...",
})
_LINE_MARKERS = re.compile(
    r"^[ \t]*(?:>[ \t]*)*"  # block quotes
    r"(?:#{1,6}[ \t]+"  # a heading
    r"|(?:[-*+\u2022\u00b7\u25aa\u25e6\u2023\u2043][ \t]+)"  # a bullet
    r"|(?:\d{1,3}[.)][ \t]+))?",  # a numbered item
    re.M)
_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*\)")
_EMPHASIS = re.compile(r"\*\*|__|~~|(?<![\w*])[*_]+(?=\S)|(?<=\S)[*_]+(?![\w*])")
_DROPPED = str.maketrans("", "", '`"')


_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=\S)")
_BLOCK_START = re.compile(r"[ \t]*(?:#{1,6}[ \t]|[-*+\u2022][ \t]|\d{1,3}[.)][ \t]|>)")
_ITEM_NUMBER = re.compile(r"\d{1,3}[.)]")


def without_line_markers(text: str) -> str:
    """`text` without the heading, quote, bullet and item-number markers that open its lines."""
    return _LINE_MARKERS.sub("", text)


def readable(text: str) -> str:
    """`text` as a reader sees it, on one line: entities decoded, Markdown
    markers dropped, case and typography kept."""
    text = without_line_markers(unicodedata.normalize("NFKC", html.unescape(text)))
    text = _EMPHASIS.sub("", _LINK.sub(r"\1", text)).replace("`", "")
    return " ".join(text.split())


def plain(text: str) -> str:
    """`text` without markup, in lower case, its whitespace runs made one space."""
    text = unicodedata.normalize("NFKC", html.unescape(text)).translate(_TYPOGRAPHY)
    text = without_line_markers(text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text).translate(_DROPPED)
    return " ".join(text.lower().split())


def _wrapped(previous: str, line: str) -> bool:
    """Whether `line` continues `previous`, hard-wrapped: a long line that ends
    no sentence and is no heading, then one that opens no heading or item."""
    previous = previous.strip()
    return (len(previous) >= 40 and not previous.endswith((".", "!", "?", ":", ";")) and not previous.startswith("#")
            and bool(line.strip()) and not _BLOCK_START.match(line))


def _paragraphs(text: str) -> list[str]:
    """Lines, with a hard-wrapped line joined to the one it continues."""
    lines: list[str] = []
    for line in text.splitlines():
        if lines and _wrapped(lines[-1], line):
            lines[-1] = lines[-1].rstrip() + " " + line.strip()
        else:
            lines.append(line)
    return lines


def sentences(text: str) -> list[tuple[str, str]]:
    """(sentence, what joins it to the next: " " or a line break), in order;
    a hard-wrapped sentence is one sentence."""
    units: list[tuple[str, str]] = []
    for line in _paragraphs(text):
        parts: list[str] = []
        for part in _SENTENCE_END.split(line.strip()):
            if parts and _ITEM_NUMBER.fullmatch(parts[-1]):  # "1." opens an item, it ends no sentence
                parts[-1] += " " + part
            elif part:
                parts.append(part)
        units += [(s, " ") for s in parts[:-1]] + [(s, "\n") for s in parts[-1:]]
    return units
