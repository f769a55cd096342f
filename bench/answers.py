"""Answers: when to refuse, whether citations name the right sources, and how fast.

Refusal. MultiHop-RAG has "null" queries whose answer is not in the pool ("Insufficient
information"). The extractive answerer refuses when its most relevant sentence scores below
``REFUSAL_THRESHOLD``. The threshold is fitted here on a fit split (even query id) to maximise
balanced accuracy (null queries refused, answerable queries answered) and reported on the
held-back split (odd id) beside the product's constant.

Cited sources. For answered, answerable queries: the share of citations whose document url is one
of the query's gold evidence urls, and the share of queries with at least one gold citation.

Latency. Warm end-to-end ``Pipeline.ask`` (retrieve, answer, verify) on the repo's corpus.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT, log, markdown_table, median_p95, temp_services, timed
from bench.corpus import QUESTIONS
from bench.retrieval import load_rows, write_pool


@dataclass
class Outcome:
    query_id: int
    is_null: bool
    best: float
    gold: frozenset[str]
    cited_urls: list[str | None]


def _best_relevance(services: Any, question: str) -> tuple[float, list[Any]]:
    from rag.answerers.extractive import ExtractiveAnswerer
    from rag.answerers.picks import candidate_sentences

    answerer = services.pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    passages = services.retriever.search(question)
    picks = candidate_sentences(passages)
    if not picks:
        return 0.0, passages
    scored, _ = answerer.relevance(question, picks)
    return max(p.relevance for p in scored), passages


def _rates(outcomes: list[Outcome], threshold: float) -> tuple[float, float, float]:
    """(share of null queries refused, share of answerable refused, balanced accuracy)."""
    nulls = [o for o in outcomes if o.is_null]
    answerable = [o for o in outcomes if not o.is_null]
    null_refused = sum(o.best < threshold for o in nulls) / max(1, len(nulls))
    wrongly = sum(o.best < threshold for o in answerable) / max(1, len(answerable))
    return null_refused, wrongly, (null_refused + 1 - wrongly) / 2


def run(args: argparse.Namespace) -> str:
    from rag.answerers.extractive import REFUSAL_THRESHOLD

    rows = load_rows(Path(args.shared))
    if args.limit:
        nulls = [r for r in rows if r["question_type"] == "null_query"][: args.limit]
        rows = nulls + [r for r in rows if r["question_type"] != "null_query"][: args.limit]
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="rag-bench-answers-") as tmp:
        pool = Path(tmp)
        write_pool(rows, pool)
        with temp_services(pool) as services:
            log(f"answers: ingesting the pool for {len(rows)} queries")
            services.ingestor.ingest([pool])
            for row in rows:
                best, _ = _best_relevance(services, row["query"])
                is_null = row["question_type"] == "null_query"
                cited: list[str | None] = []
                if not is_null and best >= REFUSAL_THRESHOLD:
                    answer = services.pipeline.ask(row["query"])
                    cited = [c.meta.url for c in answer.citations]
                gold = frozenset(e["url"] for e in row["evidence_list"])
                outcomes.append(Outcome(int(row["id"]), is_null, best, gold, cited))

    fit = [o for o in outcomes if o.query_id % 2 == 0]
    held = [o for o in outcomes if o.query_id % 2 == 1]
    grid = np.round(np.arange(0.10, 0.90, 0.01), 2)
    fitted = float(max(grid, key=lambda t: _rates(fit, float(t))[2]))
    table_rows = []
    for name, t in (
        (f"product constant (REFUSAL_THRESHOLD={REFUSAL_THRESHOLD})", REFUSAL_THRESHOLD),
        ("fitted on fit split (max balanced accuracy)", fitted),
    ):
        nr, wr, ba = _rates(held, t)
        table_rows.append([name, f"{t:.2f}", f"{nr:.3f}", f"{wr:.3f}", f"{ba:.3f}"])

    answered = [o for o in outcomes if not o.is_null and o.cited_urls]
    cited = [u for o in answered for u in o.cited_urls]
    precision = sum(u in o.gold for o in answered for u in o.cited_urls) / max(1, len(cited))
    any_gold = sum(any(u in o.gold for u in o.cited_urls) for o in answered) / max(1, len(answered))

    with temp_services(ROOT / "corpus") as services:
        services.ingestor.ingest([ROOT / "corpus"])
        questions = list(QUESTIONS[: args.limit] if args.limit else QUESTIONS)
        for q in questions[:3]:
            services.pipeline.ask(q)
        latencies = []
        for _ in range(3):
            for q in questions:
                _, ms = timed(partial(services.pipeline.ask, q))
                latencies.append(ms)
    med, p95 = median_p95(latencies)

    n_null = sum(o.is_null for o in held)
    mean_null = statistics.fmean([o.best for o in outcomes if o.is_null] or [0.0])
    mean_answerable = statistics.fmean([o.best for o in outcomes if not o.is_null] or [0.0])
    text = "\n".join(
        [
            "## Answers: refusal, cited sources, latency (extractive answerer)",
            "",
            f"MultiHop-RAG held-back split: {n_null} null queries, {len(held) - n_null} "
            "answerable (pool as in the retrieval bench).",
            "",
            markdown_table(
                [
                    "threshold",
                    "value",
                    "null refused",
                    "answerable wrongly refused",
                    "balanced acc.",
                ],
                table_rows,
            ),
            "",
            markdown_table(
                ["cited sources (answered answerable queries, all splits)", "value"],
                [
                    ["answers", len(answered)],
                    ["citations naming a gold evidence url", f"{precision:.3f}"],
                    ["answers with at least one gold citation", f"{any_gold:.3f}"],
                    ["mean citations per answer", f"{len(cited) / max(1, len(answered)):.2f}"],
                ],
            ),
            "",
            markdown_table(
                ["end-to-end `Pipeline.ask` on corpus/ (warm)", "questions", "median ms", "p95 ms"],
                [
                    [
                        "retrieve + extractive answer + citation check",
                        len(latencies),
                        f"{med:.0f}",
                        f"{p95:.0f}",
                    ]
                ],
            ),
            "",
            f"(mean relevance of the best sentence: null {mean_null:.3f}, "
            f"answerable {mean_answerable:.3f})",
            "",
        ]
    )
    print(text, flush=True)
    return text
