"""Source lookup: who said this, and where? Exact and fuzzy phrase search over stored texts.

Why not the retriever: a reporter checking a quote wants *every* passage that contains it, not
the few most relevant chunks, and wants it found despite a typo or a curly quote pasted from
another article. Both texts are normalised the same way (case, runs of whitespace, curly vs
straight quotes, dashes) with a map back to the stored text, so each hit's ``start``/``end``
are offsets into the document (``text[start:end]`` is what matched). Exact matches rank above
fuzzy ones (rapidfuzz's best partial alignment per paragraph, widened to whole words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from rag.quote_index import QuoteIndex
from rag.retrieval import EmptyIndex
from rag.scope import EmptyScope, Scope
from rag.sentences import sentence_spans
from rag.store import DocRecord, Store
from rag.types import (
    PARAGRAPH_SEPARATOR,
    Document,
    page_fields,
    paragraph_at,
    paragraph_starts,
)

# Characters that are "the same" for a quote: typographic variants folded to ASCII.
_FOLD = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
    "\u00ad": "",  # soft hyphen
}
_MULTI = {k for k, v in _FOLD.items() if len(v) != 1}
_TYPOGRAPHIC = re.compile(
    "[" + "".join(re.escape(k) for k, v in _FOLD.items() if len(v) == 1) + "]"
)
_IS_SPACE = np.array([chr(c).isspace() for c in range(0x3001)])  # no space is above U+3000
_STRIP = " \"'.,;:!?"
FUZZY_CUTOFF = 85.0  # rapidfuzz partial ratio (0-100); below this a passage is not "the quote"
MIN_FUZZY_CHARS = 8  # shorter phrases match too much by accident; they are searched exactly
FUZZY_CEILING = 0.99  # a fuzzy hit's score is below any exact hit's (1.0)
Origin = npt.NDArray[np.int64]  # per normalised character: its offset in the original text


def _normalise_slow(text: str) -> tuple[str, Origin]:
    out: list[str] = []
    origin: list[int] = []
    space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space and out:
                out.append(" ")
                origin.append(i)
            space = True
            continue
        space = False
        for folded in _FOLD.get(ch, ch).casefold():
            out.append(folded)
            origin.append(i)
    return "".join(out), np.asarray(origin, dtype=np.int64)


def normalise(text: str) -> tuple[str, Origin]:
    """Folded text and, for each of its characters, the offset it came from in ``text``.

    Vectorised when every character folds to exactly one (nearly always); otherwise the
    same result, one character at a time.
    """
    folded = _TYPOGRAPHIC.sub(lambda m: _FOLD[m.group()], text).casefold()
    if not text or len(folded) != len(text) or any(c in text for c in _MULTI):
        return _normalise_slow(text)
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = _IS_SPACE[np.minimum(codes, 0x3000)] & (codes <= 0x3000)
    keep = ~(space & np.concatenate(([True], space[:-1])))  # no leading or repeated spaces
    out = np.where(space, np.uint32(32), codes)[keep].astype(np.uint32)
    return out.tobytes().decode("utf-32-le", "surrogatepass"), np.flatnonzero(keep)


def clean_phrase(phrase: str) -> str:
    """The normalised phrase, without quote marks or punctuation around it."""
    folded, _ = normalise(phrase)
    return folded.strip(_STRIP)


@dataclass(frozen=True)
class QuoteHit:
    """One passage containing the phrase; offsets point into the stored document text."""

    doc_id: str
    title: str
    outlet: str | None
    date: str | None
    url: str | None
    reliability: str | None
    paragraph: int
    start: int
    end: int
    text: str  # the sentence(s) around the match
    match_start: int  # the match within ``text``
    match_end: int
    score: float
    exact: bool
    chunk_id: str | None = None  # the indexed chunk that holds the span
    page: int | None = None  # a PDF's page the span starts on
    ocr_confidence: float | None = None  # when that page was read by OCR (0-100)

    @property
    def matched(self) -> str:
        return self.text[self.match_start : self.match_end]

    def to_dict(self) -> dict[str, Any]:
        """The shape of ``rag quote --json``: ``rag search``'s, plus ``exact`` and ``match``;
        ``page`` and ``ocr_confidence`` only when the document has them."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "outlet": self.outlet,
            "date": self.date,
            "url": self.url,
            "reliability": self.reliability,
            "chunk_id": self.chunk_id,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 6),
            "exact": self.exact,
            "match": {"start": self.match_start, "end": self.match_end},
            **page_fields(self.page, self.ocr_confidence),
        }


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _exact_spans(hay: str, needle: str) -> list[tuple[int, int]]:
    """Occurrences of ``needle`` that do not start or end inside a word."""
    spans = []
    pos = hay.find(needle)
    while pos != -1:
        end = pos + len(needle)
        left_ok = pos == 0 or not (_is_word(hay[pos - 1]) and _is_word(needle[0]))
        right_ok = end == len(hay) or not (_is_word(hay[end]) and _is_word(needle[-1]))
        if left_ok and right_ok:
            spans.append((pos, end))
        pos = hay.find(needle, pos + 1)
    return spans


def _widen(hay: str, start: int, end: int) -> tuple[int, int]:
    """Grow a fuzzy alignment to whole words, and trim spaces at its edges."""
    while start > 0 and _is_word(hay[start - 1]) and _is_word(hay[start]):
        start -= 1
    while end < len(hay) and _is_word(hay[end]) and end > 0 and _is_word(hay[end - 1]):
        end += 1
    while start < end and hay[start] == " ":
        start += 1
    while end > start and hay[end - 1] == " ":
        end -= 1
    return start, end


class QuoteSearch:
    """Every passage of the library that quotes a phrase, best first."""

    def __init__(self, store: Store, index_dir: Path | None = None) -> None:
        """``index_dir`` holds the collection's quote index (see ``rag.quote_index``);
        without one every stored text is scanned."""
        self.store = store
        self.index = QuoteIndex(index_dir) if index_dir is not None else None

    def find(self, phrase: str, limit: int = 20, scope: Scope | None = None) -> list[QuoteHit]:
        """Hits for ``phrase`` (exact ones first), at most ``limit``; ``scope`` narrows the
        documents searched. Raises ``ValueError`` for an empty phrase, ``EmptyIndex`` and
        ``EmptyScope`` like the retriever."""
        needle = clean_phrase(phrase)
        if not needle:
            raise ValueError("the phrase is empty")
        records = self.store.doc_records()
        if not records:
            raise EmptyIndex(f"nothing is indexed in collection '{self.store.name}' yet")
        if scope is not None and not scope.is_everything:
            records = scope.select(records)
            if not records:
                raise EmptyScope(f"no document in this collection matches {scope.describe()}")
        hits: list[QuoteHit] = []
        shas: dict[str, str] = {}
        for doc in self.store.documents(self._candidates(needle, records)):
            shas[doc.doc_id] = doc.file_sha
            hits.extend(self._in_document(doc, needle))
        hits.sort(key=lambda h: (not h.exact, -h.score, h.title.casefold(), h.doc_id, h.start))
        return self._with_chunks(hits[:limit], shas) if hits else []

    def _candidates(self, needle: str, records: dict[str, DocRecord]) -> list[str]:
        """The documents worth scoring: those the index says contain the phrase, plus (for
        a fuzzy lookup) those sharing the most of its trigrams; all of them without an index
        or for a phrase too short for trigrams."""
        if self.index is None or len(needle) < 3:
            return sorted(records)
        self.index.sync(self.store)
        found = self.index.containing(needle)
        if len(needle) >= MIN_FUZZY_CHARS:
            found |= self.index.resembling(needle, FUZZY_CUTOFF)
        return sorted(found & records.keys())

    def _in_document(self, doc: Document, needle: str) -> list[QuoteHit]:
        hay, origin = normalise(doc.text)
        found = [(s, e, 1.0, True) for s, e in _exact_spans(hay, needle)]
        if len(needle) >= MIN_FUZZY_CHARS:
            found += self._fuzzy(doc.text, hay, origin, needle, [(s, e) for s, e, _, _ in found])
        return [self._hit(doc, origin, s, e, score, exact) for s, e, score, exact in found]

    def _fuzzy(
        self,
        text: str,
        hay: str,
        origin: Origin,
        needle: str,
        taken: list[tuple[int, int]],
    ) -> list[tuple[int, int, float, bool]]:
        """The best fuzzy alignment in each paragraph that has no exact hit."""
        out: list[tuple[int, int, float, bool]] = []
        if fuzz.partial_ratio(needle, hay, score_cutoff=FUZZY_CUTOFF) == 0:
            return out  # no window of the whole text is close: no paragraph can be
        starts = paragraph_starts(text)
        ends = [s - len(PARAGRAPH_SEPARATOR) for s in starts[1:]] + [len(text)]
        los = np.searchsorted(origin, starts).tolist()
        his = np.searchsorted(origin, ends).tolist()
        for lo, hi in zip(los, his, strict=True):
            if hi <= lo or any(s < hi and e > lo for s, e in taken):
                continue
            got = fuzz.partial_ratio_alignment(needle, hay[lo:hi], score_cutoff=FUZZY_CUTOFF)
            if got is None:
                continue
            start, end = _widen(hay, lo + got.dest_start, lo + got.dest_end)
            if end > start:
                out.append((start, end, FUZZY_CEILING * got.score / 100, False))
        return out

    @staticmethod
    def _hit(
        doc: Document, origin: Origin, start: int, end: int, score: float, exact: bool
    ) -> QuoteHit:
        first, last = int(origin[start]), int(origin[end - 1]) + 1
        starts = paragraph_starts(doc.text)
        paragraph = paragraph_at(starts, first)
        para_start = starts[paragraph - 1]
        para_end = doc.text.find(PARAGRAPH_SEPARATOR, para_start)
        para_end = len(doc.text) if para_end == -1 else para_end
        around = [
            (s, e)
            for s, e in sentence_spans(doc.text, para_start, para_end)
            if s < last and e > first
        ]
        ctx_start = min([first, *(s for s, _ in around)])
        ctx_end = max([last, *(e for _, e in around)])
        m = doc.meta
        return QuoteHit(
            doc_id=doc.doc_id,
            title=m.title,
            outlet=m.outlet,
            date=m.date,
            url=m.url,
            reliability=m.reliability,
            paragraph=paragraph,
            start=first,
            end=last,
            text=doc.text[ctx_start:ctx_end],
            match_start=first - ctx_start,
            match_end=last - ctx_start,
            score=score,
            exact=exact,
            page=m.page_of(first),
            ocr_confidence=m.ocr_confidence(first),
        )

    def _with_chunks(self, hits: list[QuoteHit], shas: dict[str, str]) -> list[QuoteHit]:
        """Name the indexed chunk holding each span (the one overlapping it most) of the
        document version that was searched (``shas``: doc id -> file sha)."""
        stored = self.store.chunks_of_many(sorted({h.doc_id for h in hits}))
        chunks_by_doc = {
            d: [c for c, sha in pairs if sha == shas.get(d)] for d, pairs in stored.items()
        }
        out = []
        for h in hits:
            best = max(
                chunks_by_doc.get(h.doc_id, []),
                key=lambda c: min(c.end, h.end) - max(c.start, h.start),
                default=None,
            )
            out.append(replace(h, chunk_id=best.chunk_id if best else None))
        return out
