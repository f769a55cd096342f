"""The dated claims of an answer's sources, in time order: the data behind the Timeline tab.

Why a module of its own (not the UI): which sentences carry a date, which date that is, and
which of them are a side of a disagreement are decisions about the documents; the Timeline tab
only draws the list this returns. Dates are read by the conflict detector's own reader
(``rag.conflicts.clues.dates``): a day, a month or a year written out ("February 20, 2025",
"in March 2024", "in 2000"). Relative dates ("last year", "recently") and a day without its
year ("on March 3") are not dates here: we would have to guess the year.

A document's own publication date (``DocMeta.date``) is a point too; a side of a disagreement
whose sentence has no date of its own stands at its document's publication date (what the
source said as of then), and is left off the axis when the document has no date either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rag.conflicts.clues.dates import dates_in
from rag.sentences import sentence_spans
from rag.types import Answer, Conflict, ConflictSide, DocMeta, Document, paragraph_at

ClaimKind = Literal["claim", "published", "side"]
"""A sentence with a date ("claim"), a document's publication ("published"), or a side of a
disagreement with no date of its own, placed at its document's publication ("side")."""

_MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_ISO_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T\s].*)?$")
_BOUND_WORDS = {"lower": "after ", "upper": "before ", "exact": ""}


@dataclass(frozen=True)
class When:
    """A point in time as precise as the source wrote it (a year, a month or a day)."""

    year: int
    month: int | None = None
    day: int | None = None
    bound: str = "exact"  # "lower": after this date, "upper": before it

    @property
    def key(self) -> tuple[int, int, int]:
        """For sorting: a year alone comes before its months, a month before its days."""
        return (self.year, self.month or 0, self.day or 0)

    @property
    def label(self) -> str:
        """'20 Feb 2025', 'Feb 2025', '2025'; 'before 2020' for a bound."""
        parts = [str(self.year)]
        if self.month:
            parts.insert(0, _MONTH_NAMES[self.month - 1])
            if self.day:
                parts.insert(0, str(self.day))
        return _BOUND_WORDS.get(self.bound, "") + " ".join(parts)

    @property
    def position(self) -> float:
        """Years as a number, for a proportional axis: a year or a month at its start, so the
        axis runs in the same order as ``key``."""
        month = (self.month or 1) - 1
        day = (self.day or 1) - 1
        return self.year + month / 12 + min(day, 30) / 365


@dataclass(frozen=True)
class DatedClaim:
    """One point of the timeline: a verbatim span of a document and the date it carries."""

    when: When
    doc_id: str
    meta: DocMeta
    start: int  # offsets into the document's text (0, 0 for a publication: the whole text)
    end: int
    text: str  # the verbatim sentence; a publication's is the document's title
    kind: ClaimKind
    paragraph: int = 0
    disputes: tuple[str, ...] = ()  # the points of the disagreements this sentence is a side of

    @property
    def disputed(self) -> bool:
        return bool(self.disputes)


@lru_cache(maxsize=8192)  # a library has few distinct dates; a question may read them all
def parse_doc_date(value: str | None) -> When | None:
    """A document's date: '2025-02-20', '2025-02' or '2025' (as stored), else a written date."""
    if not value:
        return None
    m = _ISO_DATE.match(value)
    if m:
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) and month else None
        if month is None or 1 <= month <= 12:
            return When(int(m.group(1)), month, day if day and 1 <= day <= 31 else None)
    return sentence_date(value)


def sentence_date(sentence: str) -> When | None:
    """The first date of ``sentence`` that has a year (None: the sentence is not dated)."""
    found, _ = dates_in(sentence)
    for d in found:
        if d.year is not None:
            return When(d.year, d.month, d.day if d.month else None, d.bound)
    return None


def source_doc_ids(answer: Answer | None) -> list[str]:
    """The documents of the answer's passages, in the order they were retrieved, once each."""
    if answer is None:
        return []
    return list(dict.fromkeys(p.doc_id for p in answer.passages))


def _sides_by_doc(conflicts: Iterable[Conflict]) -> dict[str, list[tuple[ConflictSide, str]]]:
    by_doc: dict[str, list[tuple[ConflictSide, str]]] = {}
    for conflict in conflicts:
        for side in conflict.sides:
            by_doc.setdefault(side.doc_id, []).append((side, conflict.point))
    return by_doc


def _disputes(start: int, end: int, sides: Sequence[tuple[ConflictSide, str]]) -> tuple[str, ...]:
    """The points of the disagreements whose side overlaps ``start..end`` (once each)."""
    points = (point for side, point in sides if side.start < end and side.end > start)
    return tuple(dict.fromkeys(points))


def document_claims(
    doc: Document, sides: Sequence[tuple[ConflictSide, str]] = ()
) -> list[DatedClaim]:
    """One document's points: its publication, its dated sentences, its undated sides."""
    published = parse_doc_date(doc.meta.date)
    claims: list[DatedClaim] = []
    if published is not None:
        claims.append(
            DatedClaim(published, doc.doc_id, doc.meta, 0, 0, doc.meta.title, "published")
        )
    starts = doc.paragraph_starts
    placed: list[tuple[int, int]] = []
    for start, end in sentence_spans(doc.text):
        when = sentence_date(doc.text[start:end])
        if when is None:
            continue
        placed.append((start, end))
        claims.append(
            DatedClaim(
                when,
                doc.doc_id,
                doc.meta,
                start,
                end,
                doc.text[start:end],
                "claim",
                paragraph_at(starts, start),
                _disputes(start, end, sides),
            )
        )
    if published is not None:
        claims += _undated_sides(doc, published, sides, placed)
    return claims


def _undated_sides(
    doc: Document,
    published: When,
    sides: Sequence[tuple[ConflictSide, str]],
    placed: Sequence[tuple[int, int]],
) -> list[DatedClaim]:
    """Sides with no dated sentence of their own, at the document's publication date."""
    out: dict[tuple[int, int], DatedClaim] = {}
    for side, _ in sides:
        if any(s < side.end and e > side.start for s, e in placed):
            continue
        if (side.start, side.end) in out or doc.text[side.start : side.end] != side.quote:
            continue
        out[(side.start, side.end)] = DatedClaim(
            published,
            doc.doc_id,
            doc.meta,
            side.start,
            side.end,
            side.quote,
            "side",
            side.paragraph,
            _disputes(side.start, side.end, sides),
        )
    return list(out.values())


def build_timeline(
    documents: Sequence[Document], conflicts: Sequence[Conflict] = ()
) -> list[DatedClaim]:
    """Every document's points, oldest first; on the same date, in the documents' order."""
    by_doc = _sides_by_doc(conflicts)
    claims: list[tuple[tuple[int, int, int], int, int, DatedClaim]] = []
    for rank, doc in enumerate(documents):
        for c in document_claims(doc, by_doc.get(doc.doc_id, ())):
            claims.append((c.when.key, rank, c.start, c))
    claims.sort(key=lambda item: item[:3])
    return [c for *_, c in claims]


def sides_off_axis(conflicts: Sequence[Conflict], claims: Sequence[DatedClaim]) -> int:
    """How many sides of the disagreements no point stands for (no date anywhere)."""
    on_axis = [(c.doc_id, c.start, c.end) for c in claims if c.disputed]
    return sum(
        1
        for conflict in conflicts
        for side in conflict.sides
        if not any(d == side.doc_id and s < side.end and e > side.start for d, s, e in on_axis)
    )
