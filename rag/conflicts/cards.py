"""Cards: the flagged pairs as ``Conflict`` objects, and their sentence in the answer.

Flagged pairs that share a side (or a near-identical sentence), or that take opposite poles on
one assessment axis (one point: "cooperative or unilateral"), are one card, with at most one
side per document; at most three cards, best first. Kind: "temporal" when a figure/actor/verdict
conflict comes with different dates on each side and the sources have different publication
dates (the card names the newer source); "factual" for figures, dates, actors, names, negation;
otherwise "assessment". The answer ends with one sentence per card: "Sources disagree on X:
[1] says “…”; [3] says “…”."
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.conflicts.candidates import Candidate, Sentence
from rag.conflicts.clues import PairEvidence, compare_dates
from rag.conflicts.clues.evidence import verdict_axis
from rag.conflicts.clues.verdicts import stance
from rag.types import (
    PARAGRAPH_SEPARATOR,
    Answer,
    AnswerSentence,
    Citation,
    Conflict,
    ConflictKind,
    ConflictSide,
    Passage,
)

MAX_CARDS = 3
MAX_SIDES = 4
DUPLICATE_SIM = 0.92  # sides this similar are the same claim (merged into one card)
MAX_QUOTE_CHARS = 240


@dataclass(frozen=True)
class Flag:
    """A candidate pair judged a contradiction: its score, and the deciding judge's reason
    when it was not the clue scorer ("LLM judge: contradiction")."""

    candidate: Candidate
    score: float
    reason: str | None = None


def group_flags(
    sentences: Sequence[Sentence], vectors: np.ndarray, flags: Sequence[Flag]
) -> list[tuple[Flag, list[int]]]:
    """Cards as (best flag, sentence indices of its sides), from flags sorted best first."""
    cards: list[tuple[Flag, list[int]]] = []
    for flag in flags:
        pair = (flag.candidate.i, flag.candidate.j)
        axis = verdict_axis(flag.candidate.evidence)
        home = next(
            (
                card
                for card in cards
                if (axis is not None and verdict_axis(card[0].candidate.evidence) == axis)
                or any(
                    m in pair or float(vectors[m] @ vectors[x]) >= DUPLICATE_SIM
                    for m in card[1]
                    for x in pair
                )
            ),
            None,
        )
        if home is None:
            if len(cards) < MAX_CARDS:
                cards.append((flag, list(pair)))
            continue
        members = home[1]
        docs = {sentences[m].doc_id for m in members}
        for x in pair:
            if x not in members and sentences[x].doc_id not in docs and len(members) < MAX_SIDES:
                members.append(x)
                docs.add(sentences[x].doc_id)
    return cards


def build_cards(
    question: str,
    sentences: Sequence[Sentence],
    vectors: np.ndarray,
    flags: Sequence[Flag],
    weights: Mapping[str, float],
) -> list[Conflict]:
    """One ``Conflict`` per card; ``weights`` (the clue scorer's) pick the clue that names it."""
    return [
        card(question, sentences, best, members, weights)
        for best, members in group_flags(sentences, vectors, flags)
    ]


def card(
    question: str,
    sentences: Sequence[Sentence],
    best: Flag,
    members: Sequence[int],
    weights: Mapping[str, float],
) -> Conflict:
    pair = best.candidate
    axis = verdict_axis(pair.evidence)
    stances = {m: stance(sentences[m].clues.leans, axis) if axis else None for m in members}
    rank = {x: i for i, x in enumerate(dict.fromkeys(x for x in stances.values() if x))}
    ordered = sorted(members, key=lambda m: rank.get(stances[m] or "", len(rank)))  # by pole
    sides = [
        ConflictSide(
            doc_id=sentences[m].doc_id,
            meta=sentences[m].meta,
            paragraph=sentences[m].paragraph,
            start=sentences[m].start,
            end=sentences[m].end,
            quote=sentences[m].text,
            stance=stances[m],
        )
        for m in ordered
    ]
    kind, point, newer = describe_point(question, pair.a, pair.b, pair.evidence, weights)
    details = pair.evidence.details
    reasons = [f"{f}: {details[f]}" for f in pair.evidence.fired() if f in details]
    if best.reason:
        reasons.append(best.reason)
    return Conflict(
        point=point, kind=kind, score=best.score, sides=sides, reasons=reasons, newer_doc_id=newer
    )


# --- naming the point -------------------------------------------------------------------------


def _topic(question: str, limit: int = 8) -> str:
    """The question itself, quoted, as the point when no clue names one: "Sources disagree on
    “Did the health minister resign?”" (it read "Sources disagree on Did the health minister
    resign"); a long one is cut after ``limit`` words."""
    words = question.strip().split()
    if len(words) > limit:
        words = words[:limit] + ["…"]
    return "“" + " ".join(words) + "”"


def describe_point(
    question: str,
    a: Sentence,
    b: Sentence,
    evidence: PairEvidence,
    weights: Mapping[str, float],
) -> tuple[ConflictKind, str, str | None]:
    """The kind of disagreement, a few words naming the disputed point (from the clue that
    weighs most in the score) and, for a temporal one, the doc_id of the newer source."""
    details = evidence.details
    fired = [f for f in evidence.fired() if f in details]
    top = max(fired, key=lambda f: weights[f] * evidence.values[f], default=None)
    kind: ConflictKind = "assessment" if top in (None, "verdict", "antonym") else "factual"
    labels = {
        "agents": "{}",
        "figures": "the figure: {}",
        "dates": "the date: {}",
        "verdict": "{}",
        "names": "the name: {}",
        "negation": _topic(question) + " ({})",
        "antonym": _topic(question) + " ({})",
    }
    point = labels[top].format(details[top]) if top else _topic(question)
    newer_id = None
    if (
        top in ("figures", "agents", "verdict", "negation", "antonym")
        and compare_dates(a.clues.dates, b.clues.dates) is not None
        and a.meta.date
        and b.meta.date
        and a.meta.date != b.meta.date
    ):
        kind = "temporal"  # each side dated differently, sources published at different dates
        newer = a if str(a.meta.date) > str(b.meta.date) else b
        point += f"; newer source: {newer.meta.title} ({newer.meta.date})"
        newer_id = newer.doc_id
    return kind, point, newer_id


# --- the sentence in the answer ---------------------------------------------------------------


def _short(quote: str) -> str:
    quote = " ".join(quote.split())
    if len(quote) <= MAX_QUOTE_CHARS:
        return quote
    cut = quote.rfind(" ", 0, MAX_QUOTE_CHARS)
    return quote[: cut if cut > 0 else MAX_QUOTE_CHARS].rstrip(",;:") + " …"


def describe(
    conflicts: Sequence[Conflict], citation_numbers: Mapping[tuple[str, int, int], int]
) -> str:
    """One sentence per card for the answer text:
    "Sources disagree on X: [1] says “…”; [3] says “…”." ("[1] (failure) says" on an
    assessment axis; numbers from ``citation_numbers``,
    keyed by (doc_id, start, end) of each side; a side without a number is named by its title)."""
    lines = []
    for c in conflicts:
        parts = []
        for side in c.sides:
            n = citation_numbers.get(side.key)
            who = f"[{n}]" if n is not None else side.meta.title
            pole = f" ({side.stance})" if side.stance else ""
            parts.append(f"{who}{pole} says “{_short(side.quote)}”")
        lines.append(f"Sources disagree on {c.point}: " + "; ".join(parts) + ".")
    return " ".join(lines)


def _passage_of(side: ConflictSide, passages: Sequence[Passage]) -> Passage | None:
    """The retrieved passage that holds a side's sentence (its source card shows that chunk)."""
    for p in passages:
        if p.doc_id == side.doc_id and p.chunk.start <= side.start and side.end <= p.chunk.end:
            return p
    return None


def attach_conflicts(
    answer: Answer, conflicts: Sequence[Conflict], read: Sequence[Passage] | None = None
) -> Answer:
    """The answer with its disagreements: each side becomes a citation (a verbatim quote that
    the footnotes and source cards open, in its passage; an already cited span keeps its
    number), and a last paragraph states each disagreement ("Sources disagree on X: [1] says
    “…”; [3] says “…”."). ``read``: the passages the check read (default: the answer's); a
    side can come from one the answer did not quote from."""
    if not conflicts:
        return answer
    read = answer.passages if read is None else read
    citations = list(answer.citations)
    numbers = {(c.doc_id, c.start, c.end): c.n for c in citations}
    for conflict in conflicts:
        for side in conflict.sides:
            if side.key in numbers:
                continue
            n = max(numbers.values(), default=0) + 1
            numbers[side.key] = n
            citations.append(
                Citation(
                    n=n,
                    doc_id=side.doc_id,
                    meta=side.meta,
                    paragraph=side.paragraph,
                    start=side.start,
                    end=side.end,
                    quote=side.quote,
                    support=1.0,  # the side is the document's own sentence, verbatim
                    passage=_passage_of(side, read),
                )
            )
    paragraph = max((s.paragraph for s in answer.sentences), default=-1) + 1
    sentences = [
        AnswerSentence(
            describe([c], numbers),
            tuple(numbers[s.key] for s in c.sides),
            supported=True,
            paragraph=paragraph,
            conflict=True,
        )
        for c in conflicts
    ]
    text = describe(conflicts, numbers)
    return replace(
        answer,
        text=answer.text + PARAGRAPH_SEPARATOR + text if answer.text else text,
        sentences=[*answer.sentences, *sentences],
        citations=citations,
        conflicts=list(conflicts),
    )
