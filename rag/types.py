"""Domain types shared by every stage: load -> chunk -> index -> retrieve -> answer -> check.

Offsets (``start``/``end``) are always character offsets into ``Document.text``, the cleaned
text that is stored with the index, so ``doc.text[start:end]`` is the quoted span, verbatim.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rag.refmarks import show_marks, show_marks_in_quotes


@dataclass(frozen=True)
class DocMeta:
    """What a journalist knows about a source; editable by hand (front matter) or in the UI."""

    title: str
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    reliability: str | None = None
    sender: str | None = None  # an email's From
    recipients: str | None = None  # an email's To
    parent: str | None = None  # an attachment's email (its doc id) ...
    parent_title: str | None = None  # ... and that email's subject, for attribution lines
    attachments: str | None = None  # an email's attachments, names joined by "; "
    pages: str | None = None  # a PDF's page starts in the text: "1:0,2:1834,..."
    language: str | None = None  # ISO 639-1, detected at ingest (None: not detected yet)
    ocr_pages: str | None = None  # pages read by OCR, mean word confidence: "2:94.1,3:88.0"

    def page_of(self, offset: int) -> int | None:
        """The PDF page that ``offset`` of the text is on (None for other formats)."""
        if not self.pages:
            return None
        page = None
        for mark in self.pages.split(","):
            number, _, start = mark.partition(":")
            if int(start) > offset:
                break
            page = int(number)
        return page

    def ocr_confidence(self, offset: int) -> float | None:
        """Tesseract's mean word confidence (0-100) for the page of ``offset`` when that page
        was read by OCR (None for a text page or another format)."""
        if not self.ocr_pages:
            return None
        page = self.page_of(offset)
        for mark in self.ocr_pages.split(","):
            number, _, confidence = mark.partition(":")
            if int(number) == page:
                return float(confidence)
        return None

    def to_dict(self) -> dict[str, Any]:
        """The fields every document has (the language is null until detected), plus the
        email/PDF ones only when set (so the JSON of other documents is unchanged)."""
        fields = asdict(self)
        return {k: v for k, v in fields.items() if k in _ALWAYS or v is not None}


_ALWAYS = ("title", "outlet", "date", "url", "reliability", "language")


@dataclass(frozen=True)
class Document:
    """A cleaned document: its text is what offsets point into."""

    doc_id: str
    source: str
    text: str
    meta: DocMeta
    file_sha: str = ""

    @property
    def paragraph_starts(self) -> list[int]:
        return paragraph_starts(self.text)

    def paragraph_of(self, offset: int) -> int:
        """1-based paragraph number that contains ``offset``."""
        return paragraph_at(self.paragraph_starts, offset)


@dataclass(frozen=True)
class Chunk:
    """A span of a document that is embedded and indexed as one unit."""

    chunk_id: str
    doc_id: str
    index: int
    start: int
    end: int
    paragraph: int
    text: str


@dataclass
class Passage:
    """A retrieved chunk with the metadata of its document and its retrieval scores."""

    chunk: Chunk
    meta: DocMeta
    score: float
    dense_similarity: float | None = None
    bm25_score: float | None = None

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    @property
    def page(self) -> int | None:
        """The PDF page the chunk starts on."""
        return self.meta.page_of(self.chunk.start)

    @property
    def ocr_confidence(self) -> float | None:
        """The OCR confidence of that page, when it was read by OCR."""
        return self.meta.ocr_confidence(self.chunk.start)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.chunk.doc_id,
            "title": self.meta.title,
            "outlet": self.meta.outlet,
            "date": self.meta.date,
            "chunk_id": self.chunk.chunk_id,
            "paragraph": self.chunk.paragraph,
            "start": self.chunk.start,
            "end": self.chunk.end,
            "text": self.chunk.text,
            "score": round(self.score, 6),
            **page_fields(self.page, self.ocr_confidence),
            "language": self.meta.language,
        }


@dataclass
class IngestReport:
    """What an ingest run did, in the shape of ``rag ingest --json``."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    # documents stored without all of their file ({"path", "note"}, e.g. scanned pages over the
    # OCR limit); in JSON only when there are some, so a plain ingest's keys stay the same
    notes: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.notes:
            del data["notes"]
        return data


PARAGRAPH_SEPARATOR = "\n\n"


def paragraph_starts(text: str) -> list[int]:
    """Start offsets of the paragraphs of a stored text (paragraphs are split by blank lines)."""
    starts = [0]
    pos = text.find(PARAGRAPH_SEPARATOR)
    while pos != -1:
        starts.append(pos + len(PARAGRAPH_SEPARATOR))
        pos = text.find(PARAGRAPH_SEPARATOR, pos + len(PARAGRAPH_SEPARATOR))
    return starts


def paragraph_at(starts: list[int], offset: int) -> int:
    """1-based number of the paragraph containing ``offset``, given ``paragraph_starts``."""
    return max(1, bisect.bisect_right(starts, offset))


def page_fields(page: int | None, ocr: float | None) -> dict[str, Any]:
    """A PDF's page and an OCR'd page's confidence (0-100), for JSON: each only present when
    there is one (other documents' keys unchanged)."""
    fields: dict[str, Any] = {} if page is None else {"page": page}
    return fields if ocr is None else {**fields, "ocr_confidence": ocr}


def ocr_label(confidence: float) -> str:
    """How every citation marks a passage read by OCR: "OCR 94%" (Tesseract's confidence)."""
    return f"OCR {confidence:.0f}%"


def _links(meta: DocMeta) -> dict[str, str]:
    """An attachment's email, for JSON: only present when there is one (other keys unchanged)."""
    if not meta.parent:
        return {}
    return {"parent": meta.parent, "attachment_of": meta.parent_title or ""}


@dataclass(frozen=True)
class Citation:
    """A numbered pointer from the answer to one verbatim span of a stored document."""

    n: int
    doc_id: str
    meta: DocMeta
    paragraph: int
    start: int
    end: int
    quote: str
    support: float
    passage: Passage | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.meta.title,
            "outlet": self.meta.outlet,
            "date": self.meta.date,
            "url": self.meta.url,
            "reliability": self.meta.reliability,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "support": round(self.support, 4),
            **page_fields(self.page, self.ocr_confidence),
            **_links(self.meta),
            "language": self.meta.language,
        }

    @property
    def page(self) -> int | None:
        """The PDF page the quoted span starts on (None for other formats)."""
        return self.meta.page_of(self.start)

    @property
    def ocr_confidence(self) -> float | None:
        """The OCR confidence of that page, when it was read by OCR."""
        return self.meta.ocr_confidence(self.start)


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of the answer, with the citation numbers that back it (if any).

    ``role``: a verbatim quote ("claim"), the line naming the items a list question asks for
    ("names": ``items`` pairs each name, a verbatim span, with its citation number), or one of
    the answerer's fixed lead lines ("lead", e.g. "The sources differ…", no citation)."""

    text: str
    citations: tuple[int, ...]
    supported: bool
    paragraph: int = 0  # which paragraph of the answer it belongs to
    conflict: bool = False  # a "Sources disagree on ..." sentence: its [n] markers are inline
    role: Literal["claim", "names", "lead"] = "claim"
    items: tuple[tuple[str, int], ...] = ()

    @property
    def display(self) -> str:
        """The text as shown to a reader: a document's own "[5]" becomes "⁽⁵⁾" (``text`` and the
        citation's quote stay verbatim)."""
        if self.conflict:
            return show_marks_in_quotes(self.text)
        return show_marks(self.text) if self.role == "claim" else self.text


ConflictKind = Literal["factual", "assessment", "temporal"]


@dataclass(frozen=True)
class ConflictSide:
    """One side of a disagreement: a verbatim sentence of a stored document, with offsets."""

    doc_id: str
    meta: DocMeta
    paragraph: int
    start: int
    end: int
    quote: str  # == document text[start:end], always
    stance: str | None = None  # the pole it takes on an assessment card's axis ("failure")

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.doc_id, self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.meta.title,
            "outlet": self.meta.outlet,
            "date": self.meta.date,
            "paragraph": self.paragraph,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "stance": self.stance,
        }


@dataclass
class Conflict:
    """One disputed point: what it is about, what kind of disagreement, and each side."""

    point: str
    kind: ConflictKind
    score: float
    sides: list[ConflictSide]
    reasons: list[str] = field(default_factory=list)  # the clues, for people (not in JSON)
    newer_doc_id: str | None = None  # temporal: the side published later (not in JSON)

    def to_dict(self) -> dict[str, Any]:
        return {
            "point": self.point,
            "kind": self.kind,
            "score": round(self.score, 4),
            "sides": [s.to_dict() for s in self.sides],
        }


@dataclass
class Answer:
    """The one result type: the CLI, the UI, the bench and the tests all consume it."""

    question: str
    text: str
    grounded: bool
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    standalone_question: str | None = None
    answerer: str = ""
    prompt_version: str | None = None
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def unsupported(self) -> list[int]:
        """Indices of sentences that are not backed by a retrieved passage."""
        return [i for i, s in enumerate(self.sentences) if not s.supported]

    def to_dict(self) -> dict[str, Any]:
        """The shape of ``rag ask --json``."""
        return {
            "answer": self.text,
            "grounded": self.grounded,
            "citations": [c.to_dict() for c in self.citations],
            "unsupported": self.unsupported,
            "conflicts": [c.to_dict() for c in self.conflicts],
        }
