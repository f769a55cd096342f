"""Hybrid retrieval: dense (MiniLM in Chroma) and BM25, fused by reciprocal rank, diversified
(``rag.selection``).

Why diversified: disagreement can only be seen when several sources sit side by side, so one
long article must not fill every slot while other relevant sources wait below the cut. For
the same reason a source the question names gets a ranking of its own in the fusion.
Only chunks of completely indexed documents are returned (see ``store``), so an ingest running
at the same time never shows half a document.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from rag.chunking import doc_id_of
from rag.clauses import facets
from rag.config import Settings
from rag.embeddings import LocalEmbeddings, same_vectors, vectors_of
from rag.lexical import Bm25Index, fingerprint
from rag.named_sources import outlets_named, sources_named
from rag.scope import EmptyScope, Scope
from rag.selection import CLAUSE_DEPTH, clause_match, diversify
from rag.store import DocRecord, Store
from rag.types import Chunk, Passage

Mode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
# Weight of each named source's rankings in the fusion: chosen on the even-numbered MultiHop
# questions among 0.7 / 1 / 1.5 / 2 (recall@4 0.824 / 0.833 / 0.842 / 0.843); on the odd ones,
# never looked at to choose, 2 gave recall@4 0.821 vs 0.813 at 1, recall@10 0.902 at both.
NAMED_WEIGHT = 2.0


class EmptyIndex(RuntimeError):
    """Nothing is indexed in this collection yet."""


class IndexMismatch(EmptyIndex):
    """Documents were embedded by another model or backend: their vectors are not comparable."""


def check_vectors(records: dict[str, DocRecord], embeddings: LocalEmbeddings, name: str) -> None:
    """Refuse a dense search that would compare vectors of two backends (switching needs a
    re-embed, which ``rag ingest`` does)."""
    chunkers = {r.chunker for r in records.values()}  # a handful of values, 10^4 records
    foreign = {c for c in chunkers if not same_vectors(c, embeddings)}
    if foreign:
        other = [r for r in records.values() if r.chunker in foreign]
        raise IndexMismatch(
            f"{len(other)} of {len(records)} documents in collection '{name}' were embedded "
            f"as {vectors_of(other[0].chunker)}, but this process embeds as "
            f"{embeddings.flavour} (RAG_EMBEDDING_BACKEND, RAG_EMBEDDING_PRECISION: int8 is "
            f"the default since 2026-11-30); re-ingest them to re-embed, or set those two to "
            f"what they were embedded with"
        )


def doc_versions(records: dict[str, DocRecord]) -> dict[str, str]:
    """What the BM25 index depends on; the title is in it because BM25 indexes it too, the
    language because it picks the stemmer."""
    return {
        d: f"{r.file_sha}:{r.chunker}:{r.n_chunks}:{r.meta.title}:{r.meta.language}"
        for d, r in records.items()
    }


def sync_lexical(
    store: Store,
    folder: Path,
    records: dict[str, DocRecord],
    current: Bm25Index | None = None,
    wanted: str | None = None,
) -> Bm25Index:
    """The BM25 index for the store's current state: in memory, on disk, or rebuilt.

    ``wanted`` is the records' fingerprint if the caller already has it."""
    wanted = wanted or fingerprint(doc_versions(records))
    if current is not None and current.fingerprint == wanted:
        return current
    on_disk = Bm25Index.load(folder)
    if on_disk is not None and on_disk.fingerprint == wanted:
        return on_disk
    titles = {d: r.meta.title for d, r in records.items()}
    languages = {d: r.meta.language for d, r in records.items()}
    built = Bm25Index.build(store.live_chunks(records), titles, wanted, languages)
    built.save(folder)
    return built


def rrf(
    rankings: Sequence[Sequence[str]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> dict[str, float]:
    """Reciprocal-rank fusion of several best-first id lists (each weighted, default 1)."""
    fused: dict[str, float] = {}
    for i, ranking in enumerate(rankings):
        w = 1.0 if weights is None else weights[i]
        for rank, cid in enumerate(ranking, start=1):
            fused[cid] = fused.get(cid, 0.0) + w / (k + rank)
    return fused


class Retriever:
    """Answers ``search(question)`` with passages; keeps the model and BM25 index warm."""

    def __init__(self, store: Store, embeddings: LocalEmbeddings, settings: Settings) -> None:
        self.store = store
        self.embeddings = embeddings
        self.settings = settings
        self._lexical: Bm25Index | None = None
        self._fingerprint: tuple[str, str] | None = None  # (records_version, fingerprint)
        self._lock = threading.Lock()

    def lexical(self, records: dict[str, DocRecord], version: str | None = None) -> Bm25Index:
        """The BM25 index for ``records``; with their ``records_version``, the fingerprint
        (~10 ms at 10^4 documents) is computed once per version instead of per question."""
        with self._lock:
            known = self._fingerprint
            if version is not None and known is not None and known[0] == version:
                wanted = known[1]
            else:
                wanted = fingerprint(doc_versions(records))
                self._fingerprint = (version, wanted) if version is not None else None
            self._lexical = sync_lexical(
                self.store, self.settings.bm25_dir, records, self._lexical, wanted
            )
            return self._lexical

    def _missed_by_index(
        self,
        vector: Sequence[float],
        dense: list[tuple[Chunk, float]],
        candidates: Sequence[str],
        floor: float,
        live: Callable[[Chunk, str], bool],
    ) -> list[tuple[Chunk, float]]:
        """The BM25 candidates Chroma's approximate (HNSW) index missed, with their exact
        similarity, to be put back in the dense ranking where their stored vector ranks them.

        Why: the HNSW index is approximate, and right after an ingest it was seen (in CI, with
        many stores open in one process) to miss a just-added chunk whose stored vector is the
        question's nearest; BM25 alone then cannot lift it into the top k. A candidate counts
        as missed only when its exact similarity beats the index's last hit (``floor``), so an
        exact index leaves the ranking as it was."""
        known = {c.chunk_id for c, _ in dense}
        others = [cid for cid in candidates if cid not in known]
        return self._exactly_scored(vector, others, live, above=floor) if others else []

    def _exactly_scored(
        self,
        vector: Sequence[float],
        ids: Sequence[str],
        live: Callable[[Chunk, str], bool],
        above: float = -1.0,
    ) -> list[tuple[Chunk, float]]:
        """The live chunks of ``ids`` whose stored vector's similarity to ``vector`` is above
        ``above``, with that exact similarity (no index query)."""
        q = np.asarray(vector)
        exact = {
            cid: float(np.dot(q, np.asarray(e)))
            for cid, e in self.store.chunk_embeddings(list(ids)).items()
        }
        keep = sorted(cid for cid, sim in exact.items() if sim > above)
        stored = self.store.get_chunks(keep) if keep else []
        return [(c, exact[c.chunk_id]) for c, sha in stored if live(c, sha)]

    def _named_rankings(
        self,
        question: str,
        inside: dict[str, DocRecord],
        vector: Sequence[float] | None,
        dense: list[tuple[Chunk, float]],
        live: Callable[[Chunk, str], bool],
        lexical: Bm25Index | None,
    ) -> tuple[list[tuple[Chunk, float]], list[list[str]]]:
        """For each source the question names (``rag.named_sources``), rankings of that
        source's own chunks to fuse in, so each comes with its best passage; also the chunks
        newly scored.

        BM25 ranks the named sources' chunks (one search, split by source); their dense
        ranking is the exact similarity of those chunks and of the sources' chunks already
        in the dense hits (stored vectors: no second index query, which with a filter on
        many documents cost more than the rest of the search)."""
        named = (
            sources_named(question, {d: r.meta for d, r in inside.items()})
            if self.settings.named_sources
            else {}
        )
        if not named:
            return [], []
        owner = set().union(*named.values())
        n = self.settings.candidates
        sparse: list[tuple[str, float]] = []
        if lexical is not None:
            sparse = lexical.search(question, n, lexical.chunks_of(owner))
        hits: list[tuple[Chunk, float]] = []
        if vector is not None and lexical is None:  # dense alone (a bench mode)
            found = self.store.dense_search(vector, n, sorted(owner))
            hits = [(c, sim) for c, sha, sim in found if live(c, sha)]
        elif vector is not None:
            hits = [(c, sim) for c, sim in dense if c.doc_id in owner]
            known = {c.chunk_id for c, _ in hits}
            hits += self._exactly_scored(vector, [c for c, _ in sparse if c not in known], live)
            hits.sort(key=lambda p: -p[1])
        rankings: list[list[str]] = []
        for docs in named.values():
            rankings.append([c.chunk_id for c, _ in hits if c.doc_id in docs])
            rankings.append([cid for cid, _ in sparse if doc_id_of(cid) in docs])
        return hits, [r for r in rankings if r]

    def search(
        self,
        question: str,
        k: int | None = None,
        scope: Scope | None = None,
        mode: Mode = "hybrid",
        timings: dict[str, float] | None = None,
        spread_from: int | None = None,
    ) -> list[Passage]:
        """The ``k`` best passages for ``question`` (within ``scope`` if given), best first.

        ``mode`` "dense" or "bm25" uses one retriever alone (for comparison in the bench).
        Raises ``EmptyIndex`` when nothing is indexed, ``EmptyScope`` when nothing is in scope.
        ``timings`` (if given) receives seconds spent in embedding, dense and bm25.
        From the ``spread_from``-th passage on (default: the settings' ``k``, the answer's
        passages), files of one url count as one source (``diversify``).
        """
        spent = timings if timings is not None else {}
        k = k or self.settings.k
        version, all_records = self.store.versioned_records()
        if not all_records:
            raise EmptyIndex(f"nothing is indexed in collection '{self.store.name}' yet")
        restricted = scope is not None and not scope.is_everything
        inside = scope.select(all_records) if scope is not None and restricted else all_records
        if not inside:
            assert scope is not None
            raise EmptyScope(f"no document in this collection matches {scope.describe()}")

        def live(chunk: Chunk, sha: str) -> bool:
            rec = inside.get(chunk.doc_id)
            return rec is not None and rec.file_sha == sha

        n = self.settings.candidates
        started = time.perf_counter()
        vector = None
        if mode != "bm25":
            check_vectors(inside, self.embeddings, self.store.name)
            vector = self.embeddings.embed_query(question)
        spent["embedding"] = time.perf_counter() - started
        dense: list[tuple[Chunk, float]] = []
        floor = -1.0  # the similarity the index's last hit has, if it returned all it could
        if vector is not None:
            hits = self.store.dense_search(vector, n, list(inside) if restricted else None)
            dense = [(c, sim) for c, sha, sim in hits if live(c, sha)]
            floor = hits[-1][2] if len(hits) >= n else -1.0
        spent["dense"] = time.perf_counter() - started - spent["embedding"]
        started = time.perf_counter()
        sparse: list[tuple[str, float]] = []
        lexical = None
        if mode != "dense":
            lexical = self.lexical(all_records, version)
            allowed = None
            if restricted:
                allowed = lexical.chunks_of(inside)
            sparse = lexical.search(question, n, allowed)
        spent["bm25"] = time.perf_counter() - started
        if vector is not None and sparse:
            missed = self._missed_by_index(vector, dense, [c for c, _ in sparse], floor, live)
            dense = sorted([*dense, *missed], key=lambda p: -p[1])

        rankings = [[c.chunk_id for c, _ in dense], [cid for cid, _ in sparse]]
        named, by_source = self._named_rankings(question, inside, vector, dense, live, lexical)
        weights = [1.0, 1.0] + [NAMED_WEIGHT] * len(by_source)
        rankings += by_source
        dense += named
        fused = rrf(rankings, weights=weights)
        chunks = {c.chunk_id: c for c, _ in dense}
        missing = [cid for cid in fused if cid not in chunks]
        chunks.update({c.chunk_id: c for c, sha in self.store.get_chunks(missing) if live(c, sha)})
        ranked = sorted(
            ((chunks[cid], s) for cid, s in fused.items() if cid in chunks), key=lambda p: -p[1]
        )
        urls = {c.doc_id: u for c, _ in ranked if (u := inside[c.doc_id].meta.url)}
        spread = self.settings.k if spread_from is None else spread_from
        clauses = facets(question) if self.settings.clause_coverage else (question,)
        if len(clauses) > 1 and vector is not None and lexical is not None:
            depth = max(k, CLAUSE_DEPTH)
            pool = diversify(ranked, depth, urls, from_rank=depth)  # one per document first
            metas = {c.doc_id: inside[c.doc_id].meta for c, _ in pool}
            match = clause_match(
                clauses, pool, metas, lexical, self.store, self.embeddings, self.settings
            )
            outlets = outlets_named(question, metas) if self.settings.named_sources else {}
            picked = diversify(
                pool, k, urls, from_rank=spread, clauses=match, named=list(outlets.values())
            )
        else:
            picked = diversify(ranked, k, urls, from_rank=spread)

        similarity = {c.chunk_id: s for c, s in dense}
        unscored = [c.chunk_id for c, _ in picked if c.chunk_id not in similarity]
        if vector is not None:
            q = np.asarray(vector)
            for cid, emb in self.store.chunk_embeddings(unscored).items():
                similarity[cid] = float(np.dot(q, np.asarray(emb)))
        bm25 = dict(sparse)
        return [
            Passage(
                chunk=c,
                meta=inside[c.doc_id].meta,
                score=s,
                dense_similarity=similarity.get(c.chunk_id),
                bm25_score=bm25.get(c.chunk_id),
            )
            for c, s in picked
        ]
