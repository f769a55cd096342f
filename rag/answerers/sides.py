"""Two-sided questions ("Has it worked?", "Is it A or B?"): the strongest quote for each side,
from different sources.

Why: quoting the sentences closest to the question quotes whichever side writes more like the
question, and a reader takes one side for the answer. Here each side gets its best quote.

Sides are told apart by rules a reader can check: the verdict words of each sentence on the
axis the question asks about (``rag.conflicts.clues``: "failed", "remains lost" vs "yielded
concrete results", with negation and concession handled), or, for "A or B", which alternative
a sentence is closer to. A judge (anything with ``judge(question, a, b) -> (label, score)``, such
as the trained disagreement judge or ``rag.conflicts.LLMJudge``) can confirm a pair: then only
a pair it labels "contradicts" is shown as two sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.conflicts.clues import axes_asked, leans

CONTRADICTS = "contradicts"
SIDE_KEEP = 0.5  # of the best sentence's relevance: weaker sentences do not speak for a side
MIN_LEAN = 0.5  # verdict weight a sentence needs to stand on a side
MAX_JUDGED = 4  # pairs a judge is asked about, strongest first
DEFAULT_AXIS = "whether it works"


class PairJudge(Protocol):
    """The seam for a disagreement judge: a label ("contradicts", ...) and a score, or Nones."""

    def judge(self, question: str, a: str, b: str) -> tuple[str | None, float | None]: ...


@dataclass(frozen=True)
class Candidate:
    """What sides needs to know of a sentence: its text, source and relevance."""

    text: str
    doc_id: str
    relevance: float


def verdict(question: str, text: str) -> float:
    """Where a sentence stands on the axes the question asks about: > 0 for (success, ...),
    < 0 for (failure, ...), 0 when it takes no side."""
    asked = axes_asked(question)
    if DEFAULT_AXIS in asked or not asked:
        asked = frozenset({DEFAULT_AXIS})  # "narco-terrorism" in a has-it-worked question is topic
    return sum(lean.value for axis, lean in leans(text).items() if axis in asked)


def _pairs(
    plus: list[int], minus: list[int], candidates: Sequence[Candidate]
) -> list[tuple[int, int]]:
    """(plus, minus) pairs from different sources, strongest (summed relevance) first."""
    pairs = [(i, j) for i in plus for j in minus if candidates[i].doc_id != candidates[j].doc_id]
    return sorted(pairs, key=lambda p: -(candidates[p[0]].relevance + candidates[p[1]].relevance))


def _confirmed(
    question: str,
    pairs: list[tuple[int, int]],
    candidates: Sequence[Candidate],
    judge: PairJudge | None,
) -> tuple[int, int] | None:
    if not pairs:
        return None
    if judge is None:
        return pairs[0]
    for i, j in pairs[:MAX_JUDGED]:
        label, _ = judge.judge(question, candidates[i].text, candidates[j].text)
        if label == CONTRADICTS:
            return i, j
    return None


def pick_sides(
    question: str,
    candidates: Sequence[Candidate],
    floor: float,
    judge: PairJudge | None = None,
) -> tuple[int, int] | None:
    """Indices of the strongest sentence on each side of an evaluative question, from two
    different sources, stronger side first; None when the sources do not take both sides."""
    best = max((c.relevance for c in candidates), default=0.0)
    bar = max(floor, SIDE_KEEP * best)
    plus: list[int] = []
    minus: list[int] = []
    for i, c in enumerate(candidates):
        if c.relevance < bar:
            continue
        v = verdict(question, c.text)
        if v >= MIN_LEAN:
            plus.append(i)
        elif v <= -MIN_LEAN:
            minus.append(i)
    pair = _confirmed(question, _pairs(plus, minus, candidates), candidates, judge)
    if pair is None:
        return None
    return pair if candidates[pair[0]].relevance >= candidates[pair[1]].relevance else pair[::-1]


def pick_options(
    question: str,
    candidates: Sequence[Candidate],
    toward_a: np.ndarray,
    toward_b: np.ndarray,
    floor: float,
    judge: PairJudge | None = None,
) -> tuple[int, int] | None:
    """ "Is it A or B?": the best sentence closer to A and the best closer to B (relevance to
    each alternative's question), from two different sources, in the order asked."""
    best = max((c.relevance for c in candidates), default=0.0)
    bar = max(floor, SIDE_KEEP * best)
    keep = [i for i, c in enumerate(candidates) if c.relevance >= bar]
    side_a = sorted((i for i in keep if toward_a[i] > toward_b[i]), key=lambda i: -toward_a[i])
    side_b = sorted((i for i in keep if toward_b[i] > toward_a[i]), key=lambda i: -toward_b[i])
    pairs = [(i, j) for i in side_a for j in side_b if candidates[i].doc_id != candidates[j].doc_id]
    pairs.sort(key=lambda p: -(toward_a[p[0]] + toward_b[p[1]]))
    return _confirmed(question, pairs, candidates, judge)
