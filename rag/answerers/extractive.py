"""The default answerer: quotes the most relevant sentences verbatim, no LLM, offline, fast.

Why: a journalist can trust a quote more than a paraphrase, and it runs on any laptop. It
answers each question on its own (no follow-up rewriting). When no sentence is relevant enough
it says the documents do not answer, instead of quoting noise; the threshold is fitted on the
MultiHop-RAG null vs answerable queries (``bench/answers.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from rag.answerers.base import NO_ANSWER
from rag.embeddings import LocalEmbeddings
from rag.sentences import sentence_spans
from rag.support import coverage
from rag.types import Passage

# Fitted in bench/answers.py on the MultiHop-RAG fit split (null vs answerable queries).
REFUSAL_THRESHOLD = 0.34  # held-back: 95% of null queries refused, 7% of answerable ones
SIMILARITY_WEIGHT = 0.7
KEEP_WITHIN = 0.8  # of the best sentence's relevance
REDUNDANT = 0.9  # cosine between two picks above which the second adds nothing
MIN_WORDS = 6
_ENDS_LIKE_SENTENCE = re.compile(r"""[.!?]["'”’)\]]*$""")


@dataclass(frozen=True)
class Pick:
    """A candidate sentence: passage number, offsets in its document, relevance."""

    n: int
    doc_id: str
    start: int
    end: int
    text: str
    relevance: float


def candidate_sentences(passages: Sequence[Passage]) -> list[Pick]:
    """Each distinct claim-like sentence of the passages, tagged with its first passage."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Pick] = []
    for n, p in enumerate(passages, start=1):
        for s, e in sentence_spans(p.chunk.text):
            text = p.chunk.text[s:e]
            key = (p.doc_id, p.chunk.start + s, p.chunk.start + e)
            if key in seen or len(text.split()) < MIN_WORDS:
                continue
            if not _ENDS_LIKE_SENTENCE.search(text):
                continue  # headings and captions are not claims
            seen.add(key)
            out.append(Pick(n, p.doc_id, key[1], key[2], text, 0.0))
    return out


class ExtractiveAnswerer:
    name = "extractive"
    prompt_version = None
    condenses_followups = False

    def __init__(
        self,
        embeddings: LocalEmbeddings,
        max_sentences: int = 5,
        threshold: float = REFUSAL_THRESHOLD,
    ) -> None:
        self.embeddings = embeddings
        self.max_sentences = max_sentences
        self.threshold = threshold

    def relevance(self, question: str, picks: list[Pick]) -> tuple[list[Pick], np.ndarray]:
        """Picks scored by meaning and word overlap with the question; and their vectors."""
        vectors = np.asarray(self.embeddings.embed_documents([question] + [p.text for p in picks]))
        q, sents = vectors[0], vectors[1:]
        scored = [
            Pick(
                p.n,
                p.doc_id,
                p.start,
                p.end,
                p.text,
                SIMILARITY_WEIGHT * float(q @ v)
                + (1 - SIMILARITY_WEIGHT) * coverage(question, p.text),
            )
            for p, v in zip(picks, sents, strict=True)
        ]
        return scored, sents

    def select(self, question: str, passages: Sequence[Passage]) -> list[Pick]:
        """The sentences to quote, in reading order; empty when nothing is relevant enough."""
        picks = candidate_sentences(passages)
        if not picks:
            return []
        scored, vectors = self.relevance(question, picks)
        order = sorted(range(len(scored)), key=lambda i: -scored[i].relevance)
        best = scored[order[0]].relevance
        if best < self.threshold:
            return []
        chosen: list[int] = []
        for i in order:
            if scored[i].relevance < max(self.threshold, KEEP_WITHIN * best):
                break
            if any(float(vectors[i] @ vectors[j]) > REDUNDANT for j in chosen):
                continue
            chosen.append(i)
            if len(chosen) == self.max_sentences:
                break
        result = [scored[i] for i in chosen]
        return sorted(result, key=lambda p: (p.n, p.start))

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        picks = self.select(question, passages)
        if not picks:
            yield NO_ANSWER
            return
        paragraphs: list[str] = []
        current = -1
        for pick in picks:
            piece = f"{pick.text} [{pick.n}]"
            if pick.n != current:
                paragraphs.append(piece)
                current = pick.n
            else:
                paragraphs[-1] += " " + piece
        for i, para in enumerate(paragraphs):
            yield ("\n\n" if i else "") + para

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        return question
