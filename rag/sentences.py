"""Sentence spans with exact offsets.

A rule-based splitter (no model, no download) that returns ``(start, end)`` character spans, so
every sentence we quote is ``text[start:end]`` verbatim. Sentences never cross a paragraph break.
"""

from __future__ import annotations

import re

from rag.types import PARAGRAPH_SEPARATOR

# Words that end with a period but rarely end a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st sr jr gen col lt sgt capt cmdr adm gov sen rep pres amb
    nos vol pp fig al approx est dept inc corp ltd co bros vs etc e.g i.e cf
    jan feb mar apr jun jul aug sep sept oct nov dec mt ft""".split()
)
# After a dotted acronym like "U.S." a new sentence starts only with one of these words.
_SENTENCE_STARTERS = frozenset(
    """the a an this that these those it its he she they we i in on at but and or so yet
    however meanwhile for as if when while after before despite since under there here
    officials critics experts analysts his her their our mexico""".split()
)

_BOUNDARY = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9$¿¡])""")
_TOKEN_BEFORE = re.compile(r"([A-Za-z.]+)\.$")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")


def _is_false_boundary(text: str, boundary_end: int, next_word: str) -> bool:
    """True when the period at the boundary belongs to an abbreviation or an initial."""
    head = text[max(0, boundary_end - 20) : boundary_end].rstrip("\"'”’)]")
    if not head.endswith("."):
        return False
    match = _TOKEN_BEFORE.search(head)
    if not match:
        return False
    token = match.group(1)
    if token.lower() == "no":  # "No. 5" but "he said no."
        return next_word[:1].isdigit()
    if token.lower() in _ABBREVIATIONS:
        return True
    if len(token) == 1 and token.isupper():  # an initial: "J. Smith"
        return True
    if _DOTTED_ACRONYM.match(token + "."):  # "U.S." ends a sentence only before a starter
        return next_word.lower().strip("\"'“‘([") not in _SENTENCE_STARTERS
    return False


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        boundary = match.end()
        following = text[boundary:end].lstrip()
        next_word = following.split(" ", 1)[0] if following else ""
        if _is_false_boundary(text, boundary, next_word):
            continue
        spans.append((cursor, boundary))
        cursor = boundary
    spans.append((cursor, end))
    return [_strip_span(text, s, e) for s, e in spans if text[s:e].strip()]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]``, as offsets into ``text``."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    while cursor < end:
        brk = text.find(PARAGRAPH_SEPARATOR, cursor, end)
        para_end = end if brk == -1 else brk
        if para_end > cursor:
            spans.extend(_split_paragraph(text, cursor, para_end))
        cursor = para_end + len(PARAGRAPH_SEPARATOR) if brk != -1 else end
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings (convenience over ``sentence_spans``)."""
    return [text[s:e] for s, e in sentence_spans(text)]


def not_a_claim(sentence: str) -> bool:
    """Headlines and questions state nothing a source can be held to: a sentence that asks
    ("...?"), or that has no closing stop and is mostly capitalised words ("War on
    Narco-Terror: Americas Unite in Unprecedented Crackdown")."""
    text = sentence.strip().rstrip("\"'”’)")
    if text.endswith("?"):
        return True
    if text.endswith((".", "!", ";")):
        return False
    words = [w for w in text.split() if w[:1].isalpha()]
    capitalised = sum(w[0].isupper() for w in words)
    return not words or capitalised / len(words) >= 0.5
