"""Drop the page furniture around the article, and read the outlet's name from it first.

Web pages saved as text carry menus, share buttons, donation pleas and player timestamps. They
are noise for retrieval and, worse, can be quoted as if they were reporting. The rules here are
generic patterns (never per-file rules) and only ever match SHORT paragraphs, so an article
sentence that happens to mention "subscribe" or "donation" survives.
"""

from __future__ import annotations

import re

MAX_FURNITURE_CHARS = 200
"""Paragraphs at least this long are always content: furniture is short."""

MAX_AUTHOR_BIO_PARAGRAPHS = 3
"""An "About the author" box may carry this many bio paragraphs before it stops being a box."""

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
