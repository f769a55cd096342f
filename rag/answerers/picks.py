"""The candidate sentences an extractive answer quotes from, and how quotes are laid out.

Why a module of its own: the answerer and its refusal bench (``bench/answers.py``) read the same
candidates, cut the same way (claim-like sentences, each once), and the answerer stays short.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answerers.question import QuestionShape
from rag.refmarks import show_marks
from rag.sentences import not_a_claim, sentence_spans
from rag.types import Passage

MIN_WORDS = 6
_ENDS_LIKE_SENTENCE = re.compile(r"""[.!?]["'”’)\]]*$""")


@dataclass(frozen=True)
class Pick:
    """A candidate sentence: passage number, offsets in its document, relevance.

    ``standing``: how far below the search's best passage its passage was ranked, as the log of
    their fused scores' ratio (0 for the best; 0 for all when the scores are equal)."""

    n: int
    doc_id: str
    start: int
    end: int
    text: str
    relevance: float
    standing: float = 0.0


def candidate_sentences(passages: Sequence[Passage]) -> list[Pick]:
    """Each distinct claim-like sentence of the passages, tagged with its first passage."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Pick] = []
    top = max((p.score for p in passages), default=0.0)
    for n, p in enumerate(passages, start=1):
        standing = math.log(top / p.score) if 0 < p.score < top else 0.0
        for s, e in sentence_spans(p.chunk.text):
            text = p.chunk.text[s:e]
            key = (p.doc_id, p.chunk.start + s, p.chunk.start + e)
            if key in seen or len(text.split()) < MIN_WORDS:
                continue
            if not _ENDS_LIKE_SENTENCE.search(text) or not_a_claim(text):
                continue  # headings, captions and questions are not claims: they answer nothing
            seen.add(key)
            out.append(Pick(n, p.doc_id, key[1], key[2], text, 0.0, standing))
    return out


def quote_paragraphs(picks: Sequence[Pick]) -> list[str]:
    """Quotes with their markers, one paragraph per run of the same passage; a document's own
    reference marks are shown as "⁽⁵⁾" so they cannot pass for our [n]."""
    paragraphs: list[str] = []
    current = -1
    for pick in picks:
        piece = f"{show_marks(pick.text)} [{pick.n}]"
        if pick.n != current:
            paragraphs.append(piece)
            current = pick.n
        else:
            paragraphs[-1] += " " + piece
    return paragraphs


def reading(p: Pick) -> tuple[int, int]:
    """Reading order: passage, then place in the document."""
    return p.n, p.start


@dataclass
class Scored:
    """The question's shape and every candidate scored once (one embedding call)."""

    shape: QuestionShape
    picks: list[Pick]
    vectors: np.ndarray  # of the picks
    extra: dict[str, np.ndarray]  # vectors of the parts, options and a list's subject
    words: list[frozenset[str]]  # tokens of the picks (word overlap with each part)
