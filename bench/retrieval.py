"""MultiHop-RAG retrieval: recall@4/@10 and MRR@10 of gold urls, ingest speed, query latency.

Why this data: 500 news questions written by others, each with the evidence facts (and their
article urls) needed to answer it. Article bodies are not distributed, so the pool is one small
document per distinct gold fact (title + fact), ingested through the real ``Ingestor``; a query
scores on whether the urls of its evidence come back. Questions need 2-4 articles each, so this
also shows whether diversification brings several sources into the top k.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bench.common import (
    log,
    markdown_table,
    median_p95,
    retriever_without,
    settings_line,
    temp_services,
    time_calls,
    timed,
)
from rag.chunking import doc_id_of

if TYPE_CHECKING:
    from rag.retrieval import Mode
    from rag.services import Services

DATASET = Path("eval/multihop_rag/multihop_rag_subset500.jsonl")
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
K = 10
WARMUP = 3
PAPER_ANCHOR = (
    "paper anchor: MultiHop-RAG best embedding+reranker (Hits@4 / Hits@10 / MRR@10; "
    "article-level pool, not directly comparable)",
    "0.6625",
    "0.7467",
    "0.5860",
    "–",
    "–",
    "–",
)


@dataclass
class Query:
    question: str
    question_type: str
    gold: frozenset[str]


@dataclass
class ModeResult:
    recall4: list[float] = field(default_factory=list)
    recall10: list[float] = field(default_factory=list)
    rr: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    rankings: list[list[str | None]] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    multi: list[bool] = field(default_factory=list)  # the query needs 2+ documents

    def coverage(self) -> float:
        """Multi-document coverage: mean share of a 2+-document query's gold in the top 4."""
        shares = [r for r, m in zip(self.recall4, self.multi, strict=True) if m]
        return statistics.fmean(shares) if shares else float("nan")


def load_rows(shared: Path) -> list[dict[str, Any]]:
    path = shared / DATASET
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_pool(rows: Sequence[dict[str, Any]], folder: Path) -> set[str]:
    """One .txt per distinct (url, fact) with front matter; returns the pool's urls."""
    seen: set[tuple[str, str]] = set()
    urls: set[str] = set()
    for row in rows:
        for ev in row["evidence_list"]:
            key = (ev["url"], ev["fact"])
            if key in seen:
                continue
            seen.add(key)
            urls.add(ev["url"])
            meta = {
                "title": ev["title"],
                "outlet": ev["source"],
                "date": str(ev["published_at"])[:10],
                "url": ev["url"],
            }
            front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1 << 20)
            text = f"---\n{front}---\n{ev['fact'].strip()}\n"
            (folder / f"fact_{len(seen):04d}.txt").write_text(text, encoding="utf-8")
    return urls


def load_queries(rows: Sequence[dict[str, Any]], limit: int | None) -> list[Query]:
    """Questions with gold evidence (null queries have none and are scored elsewhere)."""
    queries = [
        Query(r["query"], r["question_type"], frozenset(e["url"] for e in r["evidence_list"]))
        for r in rows
        if r["evidence_list"] and r["question_type"] != "null_query"
    ]
    return queries[:limit] if limit else queries


def score(ranked: Sequence[str | None], gold: frozenset[str]) -> tuple[float, float, float]:
    """recall@4, recall@10 (share of gold urls found) and reciprocal rank of the first hit."""
    recall4 = len(gold & set(ranked[:4])) / len(gold)
    recall10 = len(gold & set(ranked[:10])) / len(gold)
    rr = next((1.0 / i for i, url in enumerate(ranked[:10], start=1) if url in gold), 0.0)
    return recall4, recall10, rr


Searcher = Callable[[str], list[str | None]]


def _via_search(services: Services, mode: Mode) -> Searcher:
    """Ranked urls from the product's own ``Retriever.search`` in one mode."""

    def search(question: str) -> list[str | None]:
        passages = services.retriever.search(question, k=K, mode=mode)
        return [p.meta.url for p in passages]

    return search


def _component(services: Services, mode: Mode) -> Searcher:
    """Ranked urls of one retriever alone, read from the store / BM25 index directly.

    Used only when ``Retriever.search`` ignores ``mode``: no fusion and no diversification,
    which hardly matters here since almost every pool document is a single chunk.
    """
    store, retriever = services.store, services.retriever
    n = max(K, services.settings.candidates)

    def search(question: str) -> list[str | None]:
        records = store.doc_records()
        if mode == "dense":
            vector = services.embeddings.embed_query(question)
            doc_ids = [c.doc_id for c, _sha, _sim in store.dense_search(vector, n)]
        else:
            hits = retriever.lexical(records).search(question, n)
            doc_ids = [doc_id_of(cid) for cid, _ in hits]
        return [records[d].meta.url if d in records else None for d in doc_ids][:K]

    return search


UNNAMED = "hybrid, named sources off (before)"
NO_CLAUSES = "hybrid, clause coverage off (before)"


def _hybrid_without(services: Services, setting: str) -> Searcher:
    """The hybrid search with one of its refinements off (``setting``): the baseline it is
    measured against in the same run."""
    retriever = retriever_without(services, setting)

    def search(question: str) -> list[str | None]:
        return [p.meta.url for p in retriever.search(question, k=K)]

    return search


def headroom(services: Services, queries: Sequence[Query]) -> float:
    """The best coverage@4 any choice among clause coverage's candidates could reach: the
    share of each question's gold urls (at most 4) among those candidates, averaged over
    every question (a one-clause question's first 4 come from the same first candidates).

    Why: it tells whether a miss is the candidates' (recall) or the choice's (ranking). The
    candidates are the clause-off search's first ``CLAUSE_DEPTH`` passages, one per document
    first: the same pool ``Retriever.search`` chooses a long question's first 4 from.
    """
    from rag.selection import CLAUSE_DEPTH

    retriever = retriever_without(services, "clause_coverage")
    shares = []
    for q in queries:
        found = retriever.search(q.question, k=CLAUSE_DEPTH, spread_from=CLAUSE_DEPTH)
        shares.append(min(len(q.gold & {p.meta.url for p in found}), 4) / len(q.gold))
    return statistics.fmean(shares)


def evaluate(searchers: dict[str, Searcher], queries: Sequence[Query]) -> dict[str, ModeResult]:
    """Warm up, then run every query once per searcher, timed.

    Searchers take turns on each query (not one full pass each), so a burst of load from
    other processes on the machine hits every row alike.
    """
    for q in queries[:WARMUP]:
        for search in searchers.values():
            search(q.question)
    results = {label: ModeResult() for label in searchers}
    for q in queries:
        for label, search in searchers.items():
            ranked, ms = timed(partial(search, q.question))
            r4, r10, rr = score(ranked, q.gold)
            result = results[label]
            result.recall4.append(r4)
            result.recall10.append(r10)
            result.rr.append(rr)
            result.latency_ms.append(ms)
            result.rankings.append(ranked)
            result.types.append(q.question_type)
            result.multi.append(len(q.gold) > 1)
    return results


def ignores_mode(services: Services, queries: Sequence[Query]) -> bool:
    """True when the three modes rank the first few queries identically (``mode`` unused)."""
    probe = [[_via_search(services, mode)(q.question) for mode in MODES] for q in queries[:WARMUP]]
    return all(r[0] == r[1] == r[2] for r in probe)


def _row(label: str, r: ModeResult) -> list[str]:
    med, p95 = median_p95(r.latency_ms)
    return [
        label,
        f"{statistics.fmean(r.recall4):.4f}",
        f"{statistics.fmean(r.recall10):.4f}",
        f"{statistics.fmean(r.rr):.4f}",
        f"{r.coverage():.4f}",
        f"{med:.1f}",
        f"{p95:.1f}",
    ]


def _by_type(r: ModeResult) -> str:
    rows = []
    for qtype in sorted(set(r.types)):
        idx = [i for i, t in enumerate(r.types) if t == qtype]
        rows.append(
            [
                qtype,
                len(idx),
                f"{statistics.fmean(r.recall4[i] for i in idx):.4f}",
                f"{statistics.fmean(r.recall10[i] for i in idx):.4f}",
                f"{statistics.fmean(r.rr[i] for i in idx):.4f}",
            ]
        )
    return markdown_table(
        ["hybrid, by question type", "n", "recall@4", "recall@10", "MRR@10"], rows
    )


def run(args: argparse.Namespace) -> str:
    """Build the pool, ingest it, score every mode; print and return the markdown."""
    from rag.selection import CLAUSE_DEPTH

    rows = load_rows(Path(args.shared))
    queries = load_queries(rows, args.limit)
    out: list[str] = ["## Retrieval: MultiHop-RAG (subset of 500 questions)", ""]
    with tempfile.TemporaryDirectory(prefix="rag-bench-pool-") as tmp:
        pool_dir = Path(tmp)
        pool_urls = write_pool(rows, pool_dir)
        n_files = len(list(pool_dir.glob("*.txt")))
        with temp_services(pool_dir) as services:
            log(f"retrieval: ingesting {n_files} fact documents")
            with time_calls(services.embeddings, "embed_documents") as model_calls:
                start = time.perf_counter()
                report = services.ingestor.ingest([pool_dir])
                seconds = time.perf_counter() - start
            model_s = sum(model_calls)
            records = services.store.doc_records()
            stored_urls = {r.meta.url for r in records.values()}
            missing_urls = pool_urls - stored_urls

            searchers: dict[str, Searcher] = {m: _via_search(services, m) for m in MODES}
            searchers[NO_CLAUSES] = _hybrid_without(services, "clause_coverage")
            searchers[UNNAMED] = _hybrid_without(services, "named_sources")
            components: list[str] = []
            if ignores_mode(services, queries):
                components = [f"{m} (component, bench-side)¹" for m in MODES[:2]]
                for label, mode in zip(components, MODES[:2], strict=True):
                    searchers[label] = _component(services, mode)
            log(f"retrieval: {len(queries)} queries x {len(searchers)} searchers")
            results = evaluate(searchers, queries)
            reachable = headroom(services, queries)
            mode_ignored = all(
                results["dense"].rankings[i]
                == results["bm25"].rankings[i]
                == results["hybrid"].rankings[i]
                for i in range(len(queries))
            )
            settings = settings_line(services)

    headers = [
        "mode",
        "recall@4",
        "recall@10",
        "MRR@10",
        "multi-doc coverage@4",
        "median ms",
        "p95 ms",
    ]
    table_rows = [_row(label, r) for label, r in results.items()]
    table_rows.append(list(PAPER_ANCHOR))
    out += [
        f"{len(queries)} questions with gold evidence (null queries excluded), "
        f"k={K}, warm (first {WARMUP} queries run untimed); rows take turns on each query; "
        "latency = one `Retriever.search` call (embedding the question included).",
        "",
        markdown_table(headers, table_rows),
        "",
    ]
    if mode_ignored:
        out += [
            "⚠ `Retriever.search` returned identical rankings for dense, bm25 and hybrid on every "
            "question: it ignores `mode` (all three rows are hybrid).",
            "¹ Bench-side single-retriever rankings (`Store.dense_search` / `Bm25Index.search`, "
            "no fusion, no diversification) so the comparison is still visible.",
            "",
        ]
    out += [
        f"Headroom: over all {len(queries)} questions, the first {CLAUSE_DEPTH} candidates "
        f"(the pool a long question's first 4 are chosen from) hold {reachable:.4f} of the "
        f"gold a top 4 could hold (the best coverage@4 any choice among them reaches; hybrid "
        f"gets {statistics.fmean(results['hybrid'].recall4):.4f}).",
        "",
        _by_type(results["hybrid"]),
        "",
    ]
    chunks_per_s = report.chunks / seconds if seconds else float("nan")
    out += [
        markdown_table(
            [
                "ingest (MultiHop facts)",
                "documents",
                "chunks",
                "failed",
                "seconds",
                "chunks/s",
                "of which model s",
            ],
            [
                [
                    "Ingestor.ingest, fresh store",
                    report.added,
                    report.chunks,
                    len(report.failed),
                    f"{seconds:.2f}",
                    f"{chunks_per_s:.1f}",
                    f"{model_s:.2f} ({model_s / seconds:.0%})" if seconds else "–",
                ],
            ],
        ),
        "",
        settings,
    ]
    if missing_urls:
        out.append(f"⚠ {len(missing_urls)} pool urls are missing from the store after ingest.")
    if report.failed:
        out.append(f"⚠ failed files (first 3): {report.failed[:3]}")
    text = "\n".join(out) + "\n"
    print(text, flush=True)
    return text
