"""Turn raw text into clean paragraphs: split it, and drop the page furniture around the article.

Web pages saved as text carry menus, share buttons, donation pleas and player timestamps. They
are noise for retrieval and, worse, can be quoted as if they were reporting. The rules here are
generic patterns (never per-file rules) and only ever match SHORT paragraphs, so an article
sentence that happens to mention "subscribe" or "donation" survives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_FURNITURE_CHARS = 200
"""Paragraphs at least this long are always content: furniture is short."""

MAX_AUTHOR_BIO_PARAGRAPHS = 3
"""An "About the author" box may carry this many bio paragraphs before it stops being a box."""

_LONG_LINE = 100
_USUAL_WIDTH = 60
_MIN_LINES_FOR_WIDTH = 5
_LIST_ITEM = re.compile(r"^(?:[-*+\u2022]|\d{1,3}[.)])\s")
_TERMINAL = (".", "?", "!", ":", "\u201d", '"')

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_FURNITURE_PATTERNS = (
    rf"{_TIME}(?:\s*/\s*{_TIME})?",  # media-player clock
    r"leave a (?:reply|comment)\b.*",
    r"(?:scroll|back) to top",
    r"skip to (?:main )?content",
    r"subscribe(?:\b.*)?",
    r"continue reading\b.*",
    r"discover more from\b.*",
    r"about the author",
    r"verified by \S+",
    r"keep .{1,60} independent\W*",
    r".*\b(?:an?|your) \$\d+ (?:donation|gift|contribution)\b.*",
    r"(?:please )?(?:donate|make a donation)\b.*",
    r"support (?:our|independent|quality) journalism\b.*",
    r"share(?:\s+(?:this|on|via|the (?:article|story)|article|story|post)\b.*)?\W*",
    r"click to (?:share|print|email)\b.*",
    r"(?:tweet|pin it|email|print|whatsapp|facebook|twitter|linkedin|reddit|telegram)",
    r"related (?:posts|articles|stories|content|news|coverage)\b.*",
    r"you (?:may|might) also like\b.*",
    r"(?:advertisement|sponsored(?: content)?)",
    r"sign up (?:for|to)\b.*newsletters?\b.*",
    r"(?:get|join) our newsletters?\b.*",
    r"follow us\b.*",
    r"read (?:more|also|next)\b.*",
    r".*\b(?:we use cookies|(?:web)?site uses cookies|cookie (?:policy|settings|preferences))\b.*",
    r"(?:accept|reject|manage) (?:all|cookies)\b.*",
    r"privacy policy",
    r"print (?:this )?(?:page|article)",
    r"\d*\s*comments?(?:\s*\(\d+\))?",
    r"(?:no|view|show|load|add|post a) comments?\b.*",
    r"copyright\s*(?:\u00a9|\(c\)|\d{4}\b).*",
    r"(?:\u00a9|\(c\)\s*\d{4}).*",
    r".*\ball rights reserved\W*",
    r"(?:tags?|filed under|posted in|categories)\s*:.*",
    r"(?:previous|next) (?:article|post|story)\b.*",
    r"page \d+(?: of \d+)?",
)
_FURNITURE = re.compile("|".join(f"(?:{p})" for p in _FURNITURE_PATTERNS), re.IGNORECASE)
_AUTHOR_BOX = re.compile(r"about the authors?\W*", re.IGNORECASE)

_OUTLET_PATTERNS = (
    re.compile(r"discover more from\s+(?P<name>.+?)\W*$", re.IGNORECASE),
    re.compile(r"keep\s+(?P<name>.{1,60}?)\s+independent\W*$", re.IGNORECASE),
    re.compile(  # needs a year: "(c) Reuters" under a photo credits the photo, not the page
        r"(?:copyright\s*)?(?:\u00a9|\(c\)|copyright)\s*\d{4}(?:\s*[-\u2013]\s*\d{4})?\s*"
        r"(?P<name>[^.|]+?)\s*(?:[.|].*)?$",
        re.IGNORECASE,
    ),
)


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
    """Rebuild paragraphs from layout lines (PDF text), where blank lines are often missing.

    A paragraph ends at a blank line, or after a line that is clearly shorter than the
    typical line and either ends a sentence (. ? ! : or a closing quote) or is very short
    and unpunctuated (a heading), when the next line starts like a new paragraph
    (capital, digit, quote, list marker).
    """
    paragraphs: list[str] = []
    for block in _blocks(raw):
        width = _typical_width([len(line) for line in block])
        current: list[str] = []
        for index, line in enumerate(block):
            current.append(line)
            following = block[index + 1] if index + 1 < len(block) else ""
            if not following or _breaks_after(line, following, width):
                paragraphs.append(" ".join(current))
                current = []
    return paragraphs


def is_furniture(paragraph: str) -> bool:
    """A short paragraph matching a generic furniture pattern, or one with no letter/digit."""
    text = paragraph.strip()
    if not any(ch.isalnum() for ch in text):
        return True  # rules and bullets ("---", "* * *", "•"): nothing to cite
    return len(text) < MAX_FURNITURE_CHARS and bool(_FURNITURE.fullmatch(text))


def _author_box_start(paragraphs: list[str]) -> int | None:
    """Index of an "About the author" box that runs to the end of the page, if there is one.

    The box is the heading, at most a few short bio paragraphs, and furniture after that.
    """
    for index, paragraph in enumerate(paragraphs):
        if not _AUTHOR_BOX.fullmatch(paragraph.strip()):
            continue
        rest = [p for p in paragraphs[index + 1 :] if not is_furniture(p)]
        bio_fits = all(len(p) < MAX_FURNITURE_CHARS * 2 for p in rest)
        if len(rest) <= MAX_AUTHOR_BIO_PARAGRAPHS and bio_fits:
            return index
    return None


def strip_furniture(paragraphs: list[str]) -> list[str]:
    """Drop furniture paragraphs (and a trailing author box); keep headings and content."""
    box = _author_box_start(paragraphs)
    body = paragraphs if box is None else paragraphs[:box]
    return [p for p in body if p.strip() and not is_furniture(p)]


def guess_outlet(paragraphs: list[str]) -> str | None:
    """The publication's name as the furniture states it ("Discover more from NEWS NEST").

    Call it on the raw paragraphs, before ``strip_furniture`` removes the evidence.
    """
    short = [p.strip() for p in paragraphs if len(p.strip()) < MAX_FURNITURE_CHARS]
    for pattern in _OUTLET_PATTERNS:  # strongest evidence first
        for text in short:
            match = pattern.fullmatch(text)
            name = match.group("name").strip() if match else ""
            if name and not name.isdigit() and len(name) <= 80:
                return name
    return None
