"""Which of the fused candidates a question gets, in which order: sources spread, and each
clause of a long question met.

Why a module of its own: fusion (``rag.retrieval``) ranks every candidate by the whole
question; choosing the passages from that ranking is a job of its own, with its own weights:
one source must not take every slot while others are relevant (a disagreement cannot be shown
if one side is not retrieved), and a long question of several clauses is usually met by a
different article per clause.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from rag.config import Settings
from rag.embeddings import LocalEmbeddings
from rag.lexical import Bm25Index
from rag.named_sources import pointed_at
from rag.store import Store
from rag.types import Chunk, DocMeta

SAME_DOC_DECAY = 0.7
MAX_SPAN_OVERLAP = 0.5
# Clause coverage (``clause_match``): a pick's value is its fused score (relative
# to the best) times the source decay, plus CLAUSE_WEIGHT times the mean over the clauses of
# how much it raises the clause's best match so far. A clause's match is the cosine of its
# vector to the chunk's, plus CLAUSE_LEXICAL times its BM25 score relative to the best
# candidate's, minus ELSEWHERE when the clause names a source the chunk is not from. Chosen
# on the even-numbered MultiHop questions (coverage@4; weights 1 / 2 / 4 / 8, lexical 0 / 0.1
# / 0.2 / 0.4 / 0.8, elsewhere 0 / 0.2 / 0.5 / 1, depth 12 / 20); see the README.
CLAUSE_WEIGHT = 2.0
CLAUSE_LEXICAL = 0.4
ELSEWHERE = 0.5
CLAUSE_DEPTH = 20  # the candidates clause coverage chooses among (one per document first)
CLAUSE_PICKS = 4
# A source the question names ("as reported by The Verge and Wired") that none of the first
# picks is from yet: its candidates get this much more while clause coverage picks, so each
# named outlet is read before a second passage of another. Chosen on the even MultiHop
# questions: 0.1 / 0.2 / 0.4 / 1 gave coverage@4 0.8965 / 0.8965 / 0.8965 / 0.8950 (0 gave
# 0.8934); the smallest of the best.
NAMED_SLOT = 0.1


def _overlap(a: Chunk, b: Chunk) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    return max(0, inter) / max(1, min(a.end - a.start, b.end - b.start))


def diversify(
    ranked: list[tuple[Chunk, float]],
    k: int,
    urls: Mapping[str, str] | None = None,
    from_rank: int = 0,
    clauses: np.ndarray | None = None,
    named: Sequence[set[str]] = (),
) -> list[tuple[Chunk, float]]:
    """Pick ``k`` chunks greedily; each earlier pick from a source lowers its next ones.

    A source is a document; from the ``from_rank``-th pick on, all documents of one url
    (``urls``: doc_id -> url) are one source, so the passages past the answer's own (which
    the disagreement check reads) go to sources not read yet before a saved page's second
    file. Near-duplicate spans (overlapping chunks of one document) are skipped outright.
    ``clauses`` (a row per ranked chunk, a column per clause of the question: how well the
    chunk meets it) adds what a pick raises the clauses' best match so far, so each clause's
    source comes in before another passage for a clause already met.
    """
    by_url = urls or {}

    def source(c: Chunk, wide: bool) -> str:
        return by_url.get(c.doc_id, c.doc_id) if wide else c.doc_id

    best = max((s for _, s in ranked), default=1.0) or 1.0
    columns = np.zeros((len(ranked), 0)) if clauses is None else clauses
    met = np.zeros(columns.shape[1])  # each clause's best match among the picks so far
    chosen: list[tuple[Chunk, float]] = []
    pool = list(range(len(ranked)))
    while pool and len(chosen) < k:
        covering = columns.shape[1] > 0 and len(chosen) < CLAUSE_PICKS
        wide = covering or len(chosen) >= from_rank
        per_source = Counter(source(c, wide) for c, _ in chosen)
        gain = np.zeros(len(ranked))
        if covering:
            gain = CLAUSE_WEIGHT * np.maximum(0.0, columns - met).mean(axis=1)
            unread = [docs for docs in named if not any(c.doc_id in docs for c, _ in chosen)]
            gain += NAMED_SLOT * np.array(
                [any(c.doc_id in docs for docs in unread) for c, _ in ranked], dtype=float
            )
        best_i = max(
            pool,
            key=lambda i: (
                ranked[i][1] / best * SAME_DOC_DECAY ** per_source[source(ranked[i][0], wide)]
                + gain[i]
            ),
        )
        pool.remove(best_i)
        chunk, score = ranked[best_i]
        if any(
            c.doc_id == chunk.doc_id and _overlap(c, chunk) > MAX_SPAN_OVERLAP for c, _ in chosen
        ):
            continue
        chosen.append((chunk, score))
        met = np.maximum(met, columns[best_i])
    return chosen


def clause_match(
    clauses: Sequence[str],
    candidates: list[tuple[Chunk, float]],
    metas: Mapping[str, DocMeta],
    lexical: Bm25Index,
    store: Store,
    embeddings: LocalEmbeddings,
    settings: Settings,
) -> np.ndarray:
    """How well each candidate meets each clause of a long question (``diversify``'s
    ``clauses``): the cosine of the clause's vector to the chunk's stored one, plus its
    BM25 score relative to the best candidate's, less a penalty where the clause names a
    source (``pointed_at`` among the candidates, ``metas``) the chunk is not from.

    Why: a MultiHop-style question ("X, as reported by TechCrunch, and Y according to The
    Verge") is met by a different article per clause, and the whole question's ranking
    fills the first passages with the articles of its best-met clause. Meaning as well as
    words, because a reporter's clause paraphrases its source (on MultiHop, whose
    questions were written from the facts, BM25 alone did about as well: coverage@4 0.869
    vs 0.872). Only the clauses are embedded; the chunks' vectors are the stored ones."""
    ids = [c.chunk_id for c, _ in candidates]
    stored = store.chunk_embeddings(ids)
    asked = np.asarray(embeddings.embed_documents(list(clauses)))
    vectors = np.asarray([stored.get(cid, np.zeros(asked.shape[1])) for cid in ids])
    match = vectors @ asked.T
    row = {cid: i for i, cid in enumerate(ids)}
    allowed = set(ids)
    for j, clause in enumerate(clauses):
        found = lexical.search(clause, len(ids), allowed)
        top = max((s for _, s in found), default=0.0)
        for cid, s in found if top > 0 else ():
            match[row[cid], j] += CLAUSE_LEXICAL * s / top
        named = pointed_at(clause, metas) if settings.named_sources else set()
        if named:
            match[[c.doc_id not in named for c, _ in candidates], j] -= ELSEWHERE
    return match
