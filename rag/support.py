"""How well does a span of a document support a sentence? A score in [0, 1], explained.

No entailment model installs offline here, so the score combines three signals a reader would
check by eye:
- coverage: the share of the sentence's content words (stemmed) that the span contains;
- meaning: cosine similarity of the two (MiniLM) embeddings;
- numbers: every figure in the sentence must appear in the span, or the score is halved
  (a wrong number is the most damaging citation error).
A sentence that appears verbatim in the span scores 1. The threshold is fitted on ExpertQA's
expert support labels (``bench/citations.py`` prints the fit and its precision/recall).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.lexical import says_something_else, tokenize
from rag.sentences import sentence_spans
from rag.vector_cache import TextEmbedder

# Fitted on the ExpertQA fit split (bench/citations.py); see README "How citations are checked".
SUPPORT_THRESHOLD = 0.55  # precision >= 0.85 on the fit split: held P 0.841, R 0.372
COVERAGE_WEIGHT = 0.5
NUMBER_PENALTY = 0.5
PREFILTER_ABOVE = 12  # sentences; beyond this only the closest ones are scored in detail
PREFILTER_KEEP = 4

_MARKER = re.compile(r"\s*\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTES = "\"'“”‘’"


def strip_markers(sentence: str) -> str:
    """The sentence without its [n] markers."""
    return _MARKER.sub("", sentence).strip()


def numbers_in(text: str) -> set[str]:
    """Figures in a text, normalised ("4,000" -> "4000"); single digits are ignored."""
    found = {m.group(0).replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)}
    return {n for n in found if len(n) > 1}


def coverage(claim: str, evidence: str) -> float:
    """Share of the claim's content tokens present in the evidence."""
    claim_tokens, evidence_tokens = tokenize([claim, evidence])
    wanted = set(claim_tokens)
    if not wanted:
        return 0.0
    return len(wanted & set(evidence_tokens)) / len(wanted)


def combine(cov: float, similarity: float, numbers_ok: bool) -> float:
    score = COVERAGE_WEIGHT * cov + (1 - COVERAGE_WEIGHT) * max(0.0, similarity)
    return score if numbers_ok else score * NUMBER_PENALTY


@dataclass(frozen=True)
class SupportMatch:
    """The best supporting span (offsets into the document text) and its score."""

    start: int
    end: int
    score: float


def _adjacent(text: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two sentences that follow each other (nothing but whitespace between them)."""
    return not text[a[1] : b[0]].strip()


def _normalise(text: str) -> str:
    return " ".join(text.strip(_QUOTES + " ").split())


class ContradictionReader(Protocol):
    """What the support check needs of the sentence judge (``rag.conflicts.ModelJudge``)."""

    def contradicts(self, pairs: Sequence[tuple[str, str]]) -> list[bool]: ...


class SupportScorer:
    """Scores sentences against document spans with the shared embedding model; with a
    ``contradiction`` reader (the sentence judge), a span that contradicts the sentence (a
    negation, a swapped figure or name) supports nothing, however many words it shares."""

    def __init__(
        self,
        embeddings: TextEmbedder,
        threshold: float = SUPPORT_THRESHOLD,
        contradiction: ContradictionReader | None = None,
    ):
        self.embeddings = embeddings
        self.threshold = threshold
        self.contradiction = contradiction

    def _unless_contradicted(
        self, claims: Sequence[str], evidences: Sequence[str], scores: list[float]
    ) -> list[float]:
        """Scores that pass the bar but whose evidence contradicts the claim become 0 (verbatim
        text, scored 1, is never read)."""
        if self.contradiction is None:
            return scores
        check = [
            k
            for k, v in enumerate(scores)
            if self.threshold <= v < 1.0 and says_something_else(claims[k], evidences[k])
        ]
        if not check:
            return scores
        # each sentence of the evidence too: a true neighbour must not cover for a contradiction
        asks: list[tuple[int, tuple[str, str]]] = []
        for k in check:
            parts = [
                evidences[k][s:e] for s, e in sentence_spans(evidences[k], 0, len(evidences[k]))
            ]
            for part in dict.fromkeys([evidences[k], *parts]):
                asks.append((k, (part, claims[k])))
        vetoed = self.contradiction.contradicts([pair for _, pair in asks])
        out = list(scores)
        for (k, _), bad in zip(asks, vetoed, strict=True):
            if bad:
                out[k] = 0.0
        return out

    def scores(self, claims: Sequence[str], evidences: Sequence[str]) -> list[float]:
        """Support of each claim by its evidence (pairwise), in one embedding batch."""
        if not claims:
            return []
        unique = list(dict.fromkeys([*claims, *evidences]))
        index = {t: i for i, t in enumerate(unique)}
        vectors = np.asarray(self.embeddings.embed_documents(unique))
        out = []
        for claim, evidence in zip(claims, evidences, strict=True):
            sim = float(vectors[index[claim]] @ vectors[index[evidence]])
            if _normalise(claim) and _normalise(claim) in _normalise(evidence):
                out.append(1.0)
                continue
            ok = numbers_in(claim) <= numbers_in(evidence)
            out.append(combine(coverage(claim, evidence), sim, ok))
        return self._unless_contradicted(claims, evidences, out)

    def best_span(self, claim: str, text: str, start: int, end: int) -> SupportMatch:
        """The sentence (or pair of adjacent sentences) of ``text[start:end]`` that best
        supports ``claim``; a verbatim occurrence wins outright."""
        plain = claim.strip(_QUOTES + " ")  # citation markers are already removed by the caller
        for candidate in dict.fromkeys((plain, strip_markers(plain))):
            found = text.find(candidate, start, end) if candidate else -1
            if found != -1:
                return SupportMatch(found, found + len(candidate), 1.0)
        plain = strip_markers(plain)
        spans = sentence_spans(text, start, end)
        if not spans or not plain:
            return SupportMatch(start, start, 0.0)
        if len(spans) > PREFILTER_ABOVE:
            spans = self._closest(plain, text, spans)
        windows = spans + [
            (a[0], b[1]) for a, b in zip(spans, spans[1:], strict=False) if _adjacent(text, a, b)
        ]
        scores = self.scores([plain] * len(windows), [text[s:e] for s, e in windows])
        best = int(np.argmax(scores))
        return SupportMatch(windows[best][0], windows[best][1], scores[best])

    def _closest(
        self, claim: str, text: str, spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """The few sentences nearest in meaning (long evidence: score windows around them)."""
        vectors = np.asarray(
            self.embeddings.embed_documents([claim] + [text[s:e] for s, e in spans])
        )
        sims = vectors[1:] @ vectors[0]
        keep = sorted(np.argsort(-sims)[:PREFILTER_KEEP].tolist())
        return [spans[i] for i in keep]

    def supports(self, score: float) -> bool:
        return score >= self.threshold
