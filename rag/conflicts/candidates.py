"""Candidate pairs: sentences of different documents, relevant to the question, on one point.

Why a pair is a candidate (every step is one a reader can check):
1. Relevant: the sentences of the retrieved passages that are close in meaning to the question
   (MiniLM cosine), at most a few per document, each embedded once (and cached between
   questions: passages recur in a session).
2. Different documents: two passages of one document are never a disagreement.
3. Same point: two sentences close to each other (cosine and shared content words), or that
   both answer the question closely, or that take opposite verdicts on what the question asks.
Each candidate carries its clues (``rag.conflicts.clues``) for the judges and the card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rag.conflicts.clues import (
    PairEvidence,
    QuestionContext,
    SentenceClues,
    clues,
    pair_evidence,
)
from rag.conflicts.clues.evidence import QUESTION_PAIR_BAR
from rag.conflicts.clues.verdicts import takes_pole
from rag.sentences import not_a_claim, sentence_spans
from rag.types import DocMeta, Passage, paragraph_at, paragraph_starts
from rag.vector_cache import TextEmbedder as TextEmbedder  # re-exported: the detector's seam
from rag.vector_cache import VectorCache

# --- candidate selection (hand-set, see README) ------------------------------------------------
RELEVANCE_BAR = 0.30  # cosine(question, sentence) for a sentence to be considered at all
CARRIER_BAR = 0.20  # ... for one that takes a pole of the assessment the question asks
MAX_PER_DOC = 6  # most relevant sentences kept per document
PAIR_BAR = 0.45  # cosine(a, b) for two sentences to be about the same point ...
MIN_SHARED = 1  # ... with at least this many shared content words
MIN_WORDS = 5  # headings and fragments are not claims
EMBED_BATCH = 64  # sentences per model call (measured: batches of 8 were 2x slower on CPU)


class SentenceVectors(VectorCache):
    """The detector's sentence vectors: the shared cache, with the missing ones embedded in
    short batches of similar length (float32)."""

    def _compute(self, missing: list[str]) -> dict[str, np.ndarray]:
        known: dict[str, np.ndarray] = {}
        ordered = sorted(missing, key=len)
        for i in range(0, len(ordered), EMBED_BATCH):
            batch = ordered[i : i + EMBED_BATCH]
            vectors = np.asarray(self.embeddings.embed_documents(batch), dtype=np.float32)
            known.update(zip(batch, vectors, strict=True))
        return known


@dataclass
class Sentence:
    """A sentence of a retrieved passage: verbatim, with its offsets in the stored text."""

    doc_id: str
    meta: DocMeta
    start: int
    end: int
    text: str
    paragraph: int
    relevance: float = 0.0  # cosine to the question

    @cached_property
    def clues(self) -> SentenceClues:
        """Computed once, and only for the sentences that are paired."""
        return clues(self.text)


@dataclass(frozen=True)
class Candidate:
    """Two sentences of different documents about the same point: what a judge decides on.
    ``i``/``j`` index the question's sentence list (and its vectors); ``context`` is the
    question as read once (its focus, the assessment it asks), shared by all its pairs."""

    context: QuestionContext
    i: int
    j: int
    a: Sentence
    b: Sentence
    similarity: float  # cosine(a, b)
    evidence: PairEvidence

    @property
    def question(self) -> str:
        return self.context.text


def sentences_of(passages: Sequence[Passage], texts: Mapping[str, str]) -> list[Sentence]:
    """The sentences of the passages (each once), as spans of the stored documents."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Sentence] = []
    starts_of: dict[str, list[int]] = {}
    for p in passages:
        text = texts.get(p.doc_id)
        if not text:
            continue  # without the stored text there are no verifiable offsets
        if p.doc_id not in starts_of:
            starts_of[p.doc_id] = paragraph_starts(text)
        for s, e in sentence_spans(text, p.chunk.start, min(p.chunk.end, len(text))):
            key = (p.doc_id, s, e)
            if key in seen or len(text[s:e].split()) < MIN_WORDS or not_a_claim(text[s:e]):
                continue
            seen.add(key)
            paragraph = paragraph_at(starts_of[p.doc_id], s)
            out.append(Sentence(p.doc_id, p.meta, s, e, text[s:e], paragraph))
    return out


def carries(sentence: Sentence, question: QuestionContext) -> bool:
    """Does the sentence state the kind of thing the question asks for: who acted, how many,
    when, or a clear pole of the assessment it asks ("has yielded concrete results" for "Is
    the US winning ...?")? Nothing for a question of any other kind."""
    if question.focus == "agent":
        return bool(sentence.clues.agents)
    if question.focus == "quantity":
        return bool(sentence.clues.figures())
    if question.focus == "date":
        return bool(sentence.clues.dates)
    return any(takes_pole(sentence.clues.leans, axis) for axis in question.assessed)


def relevant(sentences: Sequence[Sentence], question: QuestionContext) -> list[int]:
    """Indices of the sentences relevant to the question, the best few per document, and
    past that cap those that carry what the question asks for (``carries``): asked "Who
    labelled the cartels terrorists?", the sentence naming "The Biden administration" ranked
    7th of its document by closeness to the question, and the cap hid the other side. In a
    document on the question's subject (one of its sentences clears ``RELEVANCE_BAR``), a
    sentence taking a pole of the assessment asked also counts from ``CARRIER_BAR``: asked "Is
    the US winning the war on narco-terrorism?", the success side ("This cooperative framework
    has yielded concrete results ...", found by the side search) is at 0.29. A document on
    another subject does not lend its verdicts: sports reports' "success" and "failure" were
    paired for a question on Plan Colombia when any document could."""
    on_subject = {s.doc_id for s in sentences if s.relevance >= RELEVANCE_BAR}
    by_doc: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        if s.doc_id not in on_subject:
            continue
        if s.relevance >= RELEVANCE_BAR or (
            s.relevance >= CARRIER_BAR and question.assessed and carries(s, question)
        ):
            by_doc.setdefault(s.doc_id, []).append(i)
    keep: list[int] = []
    for ids in by_doc.values():
        ranked = sorted(ids, key=lambda i: -sentences[i].relevance)
        keep.extend(ranked[:MAX_PER_DOC])
        past = [i for i in ranked[MAX_PER_DOC:] if carries(sentences[i], question)]
        keep.extend(past[:MAX_PER_DOC])
    return sorted(keep)


def same_point(
    a: SentenceClues,
    b: SentenceClues,
    similarity: float,
    qa: float,
    qb: float,
    evidence: PairEvidence,
) -> bool:
    """Are two sentences about the same point? Close to each other with shared words, or both
    close to the question, or opposite verdicts on the axis the question asks about."""
    if similarity >= PAIR_BAR and len(a.stems & b.stems) >= MIN_SHARED:
        return True
    if min(qa, qb) >= QUESTION_PAIR_BAR:
        return True
    return evidence.values["verdict"] > 0


def candidate_pairs(
    ctx: QuestionContext, sentences: Sequence[Sentence], vectors: np.ndarray, keep: Sequence[int]
) -> list[Candidate]:
    """Pairs of kept sentences from different documents that are about the same point."""
    out: list[Candidate] = []
    for x, i in enumerate(keep):
        for j in keep[x + 1 :]:
            si, sj = sentences[i], sentences[j]
            if si.doc_id == sj.doc_id:
                continue  # two passages of one document are never a disagreement
            sim = float(vectors[i] @ vectors[j])
            ev = pair_evidence(si.clues, sj.clues, sim, si.relevance, sj.relevance, ctx)
            if same_point(si.clues, sj.clues, sim, si.relevance, sj.relevance, ev):
                out.append(Candidate(ctx, i, j, si, sj, sim, ev))
    return out


def find_candidates(
    question: str,
    passages: Sequence[Passage],
    texts: Mapping[str, str],
    vectors: SentenceVectors,
) -> tuple[list[Sentence], np.ndarray, list[Candidate]]:
    """The question's sentences, their vectors and its candidate pairs (none unless two
    documents have relevant sentences). ``texts``: doc_id -> stored document text."""
    sentences = sentences_of(passages, texts)
    if len({s.doc_id for s in sentences}) < 2:
        return sentences, np.zeros((0, 0), dtype=np.float32), []
    embedded = vectors.embed([question] + [s.text for s in sentences])
    q, sv = embedded[0], embedded[1:]
    for s, r in zip(sentences, sv @ q, strict=True):
        s.relevance = float(r)
    ctx = QuestionContext.of(question)
    keep = relevant(sentences, ctx)
    if len({sentences[i].doc_id for i in keep}) < 2:
        return sentences, sv, []
    return sentences, sv, candidate_pairs(ctx, sentences, sv, keep)
