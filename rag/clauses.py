"""The clauses of a long question, each a condition the answer must meet, read with rules.

Why its own module: a clause is usually met in another source ("X, as reported by TechCrunch,
and is accused of Y by The Verge"), so the retriever uses the clauses to bring each clause's
source into the first passages, and the extractive answerer quotes each clause; neither
should depend on the other.
"""

from __future__ import annotations

import re

# Clause breaks of a long question: ", and is also", ", who was", "and has", "and its"...
_VERB = r"(?:is|was|has|have|had|also|are|were|might|may|could|would|will|can|did|does)\b"
_FACET = re.compile(
    r",(?!\d)(?!\s*\d{4}\b)\s*(?:and\s+|while\s+|but\s+)?"  # not "2,000" nor "November 6, 2023"
    rf"|\s+(?:and|while)\s+(?=(?:who|which|that)\b|{_VERB})"
    r"|\s+and\s+(?=(?:its|his|her|their)\s)"  # "...by Wired and its dominance in..."
    rf"|\s+(?:who|which|that)\s+(?={_VERB})",
    re.IGNORECASE,
)
# "as reported by TechCrunch", "according to The Verge": who said it, not what to look for
_ATTRIBUTION = re.compile(
    r"^(?:(?:is|was|are|were)\s+)?(?:as\s+)?"
    r"(?:reported|mentioned|discussed|covered|featured|noted|highlighted|described)"
    r"\b|^according\s+to\b|^in\s+(?:an?\s+|both\s+)?articles?\b",
    re.IGNORECASE,
)
MAX_ATTRIBUTION_WORDS = 9
# "'The Guardian', 'The Roar', and 'BBC News'": a list of named sources, no condition
_SOURCE_ONLY = re.compile(r"^(?:and\s+)?(?:'[^']+'|\"[^\"]+\"|‘[^’]+’|“[^”]+”)$")
# "Who is the individual that", "Which NFL team": what kind of answer is asked, no condition
_HEAD = re.compile(
    r"^(?:who|which|what)\b(?:\s+(?:is|was|are|were)\s+the)?(?:\s+[\w'-]+){0,3}?"
    r"(?:\s+(?:that|who|whose|which))?$",
    re.IGNORECASE,
)
FACETED_WORDS = 15  # shorter questions are one ask however many commas they have
MIN_FACET_WORDS = 4


def facets(question: str) -> tuple[str, ...]:
    """The clauses of a long question, each a condition the answer must meet ("Who is the
    individual that X, was reported by Y to Z, and is accused of W?": each is usually met in
    another source); one part if it has none. The answerer does not quote a yes/no question
    clause by clause (its clauses make one claim, and the quotes closest to the whole claim
    are the evidence), but the retriever still brings in each clause's source.

    The question's head ("Who is the individual that") is no condition and no part. A clause
    keeps its attribution ("X, as reported by TechCrunch": the one before it, else the next
    one), so the part is quoted from the source it names (``_named_only``)."""
    if len(question.split()) < FACETED_WORDS:
        return (question,)
    kept: list[str] = []
    said = ""  # an attribution before any clause: it goes with the next one
    for piece in (p.strip(" ,;?") for p in _FACET.split(question)):
        if _SOURCE_ONLY.match(piece) or (
            _ATTRIBUTION.match(piece) and len(piece.split()) <= MAX_ATTRIBUTION_WORDS
        ):
            if kept:
                kept[-1] = f"{kept[-1]}, {piece}"
            else:
                said = f"{said}, {piece}" if said else piece
        elif len(piece.split()) >= MIN_FACET_WORDS and not _HEAD.match(piece):
            kept.append(f"{piece}, {said}" if said else piece)
            said = ""
    return tuple(kept) if len(kept) > 1 else (question,)
