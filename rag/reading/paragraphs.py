"""Raw text -> one-line paragraphs: normalise lines, find paragraph ends, undo hard wrapping.

Every format reader ends here, so the stored text has the one shape citations rely on: one
clean line per paragraph, whatever the file's own wrapping was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LONG_LINE = 100
_USUAL_WIDTH = 60
_MIN_LINES_FOR_WIDTH = 5
_LIST_ITEM = re.compile(r"^(?:[-*+\u2022]|\d{1,3}[.)])\s")
_TERMINAL = (".", "?", "!", ":", "\u201d", '"')

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def normalize_paragraph(text: str) -> str:
    """One clean line: NBSP/tabs/controls become spaces, runs collapse, invisibles go.

    Invisible characters (zero-width, soft hyphen, stray BOM) would make a quoted span
    differ from what the reader sees, so they are removed rather than kept.
    """
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", text))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _blocks(raw: str) -> list[list[str]]:
    """Blank-line separated blocks of non-empty, space-normalised lines."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [normalize_paragraph(line) for line in chunk.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            blocks.append(lines)
    return blocks


def is_hard_wrapped(raw: str) -> bool:
    """True when ``raw`` wraps paragraphs over several short lines, blank lines between them.

    Needs at least two multi-line blocks, multi-line blocks to be at least half of all blocks,
    and 80% of their lines under 100 chars; the corpus style (one long line per paragraph)
    never qualifies, and a lone block of short lines stays one paragraph per line.
    """
    blocks = _blocks(raw)
    multi = [block for block in blocks if len(block) > 1]
    if len(multi) < 2 or len(multi) * 2 < len(blocks):
        return False
    lines = [line for block in multi for line in block]
    short = sum(1 for line in lines if len(line) < _LONG_LINE)
    return short >= 0.8 * len(lines)


def _join_block(lines: list[str]) -> list[str]:
    """Join a wrapped block into paragraphs; a list item always starts a new one."""
    paragraphs: list[list[str]] = []
    for line in lines:
        if not paragraphs or _LIST_ITEM.match(line):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return [" ".join(parts) for parts in paragraphs]


def split_paragraphs(raw: str, hard_wrapped: bool | None = None) -> list[str]:
    """Raw text -> one-line paragraphs; ``hard_wrapped`` None means detect it.

    Hard-wrapped text: a paragraph is a blank-line block with its lines joined. Otherwise
    (the corpus style) every non-empty line is a paragraph.
    """
    if hard_wrapped is None:
        hard_wrapped = is_hard_wrapped(raw)
    blocks = _blocks(raw)
    if hard_wrapped:
        return [para for block in blocks for para in _join_block(block)]
    return [line for block in blocks for line in block]


def _typical_width(lengths: Sequence[int]) -> int:
    """The 80th percentile line length: full lines, ignoring paragraph-final short ones.

    A handful of lines says little about the page width, so a few short lines (a title
    page) are measured against a usual body line of 60 characters instead.
    """
    ordered = sorted(lengths)
    width = ordered[int(0.8 * (len(ordered) - 1))]
    return width if len(ordered) >= _MIN_LINES_FOR_WIDTH else max(width, _USUAL_WIDTH)


def _starts_paragraph(line: str) -> bool:
    return bool(line) and (line[0].isupper() or line[0].isdigit() or line[0] in "\"\u201c'\u2018(")


def _breaks_after(line: str, following: str, width: int) -> bool:
    """Whether a layout line ends its paragraph (see ``reflow_lines``)."""
    if not _starts_paragraph(following) and not _LIST_ITEM.match(following):
        return False
    if line.endswith(_TERMINAL):
        return len(line) < 0.85 * width
    return len(line) < 0.6 * width and not line.endswith((",", ";", "-", "\u2013", "\u2014"))


def reflow_lines(raw: str) -> list[str]:
    """Paragraphs of layout lines (see ``reflow_counted``)."""
    return [paragraph for paragraph, _ in reflow_counted(raw)]


def reflow_counted(raw: str) -> list[tuple[str, list[int]]]:
    """Each paragraph with the lengths of the non-blank lines it was joined from (with one
    space), so a PDF can tell at which character of a paragraph a new page starts.

    Rebuild paragraphs from layout lines (PDF text), where blank lines are often missing.

    A paragraph ends at a blank line, or after a line that is clearly shorter than the
    typical line and either ends a sentence (. ? ! : or a closing quote) or is very short
    and unpunctuated (a heading), when the next line starts like a new paragraph
    (capital, digit, quote, list marker).
    """
    paragraphs: list[tuple[str, list[int]]] = []
    for block in _blocks(raw):
        width = _typical_width([len(line) for line in block])
        current: list[str] = []
        for index, line in enumerate(block):
            current.append(line)
            following = block[index + 1] if index + 1 < len(block) else ""
            if not following or _breaks_after(line, following, width):
                paragraphs.append((" ".join(current), [len(x) for x in current]))
                current = []
    return paragraphs
