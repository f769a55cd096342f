"""Answer shapes: the shaped extractive answer against the plain one, same run, same pool.

Both answerers run through the same pipeline parts (store, retriever, citation check, conflict
detector) on each query, one after the other (order alternating), so load changes hit both.

- Gold answer contained: MultiHop-RAG answerable queries whose gold answer is not yes/no (names
  of people, companies, teams...): is the gold answer in the answer text or its quotes?
- Refusal: null queries refused (the answer is not grounded) and answerable ones wrongly refused.
- Citation precision: of the citations of answered answerable queries, the share whose document
  url is one of the query's gold evidence urls.
- Latency: the whole ``Pipeline.ask`` (retrieve, answer, verify, conflicts), p50 and p95 over
  the MultiHop queries and over corpus/ questions.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import ROOT, log, markdown_table, median_p95, temp_services
from bench.corpus import QUESTIONS
from bench.retrieval import load_rows, write_pool

if TYPE_CHECKING:
    from rag.pipeline import Pipeline
    from rag.services import Services
    from rag.types import Answer

YES_NO = frozenset({"yes", "no"})
GOAL_POINTS = 15.0


@dataclass
class Tally:
    """One answerer's outcomes over the same queries."""

    contained: list[bool] = field(default_factory=list)
    null_refused: list[bool] = field(default_factory=list)
    wrongly_refused: list[bool] = field(default_factory=list)
    cited: int = 0
    cited_gold: int = 0
    ms: list[float] = field(default_factory=list)
    corpus_ms: list[float] = field(default_factory=list)

    def share(self, values: list[bool]) -> float:
        return sum(values) / max(1, len(values))


def _kind(row: dict[str, Any]) -> str:
    if row["question_type"] == "null_query":
        return "null"
    gold = str(row["answer"]).strip().rstrip(".").lower()
    return "yes/no" if gold in YES_NO else "names"


def select_rows(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """Every query, or the first ``limit`` of each kind (null, yes/no, names)."""
    if not limit:
        return rows
    out: list[dict[str, Any]] = []
    for kind in ("null", "yes/no", "names"):
        out += [r for r in rows if _kind(r) == kind][:limit]
    return out


def contains_gold(answer: Answer, gold: str) -> bool:
    """The gold answer, case-insensitive, in the answer text or one of its quotes."""
    text = " ".join([answer.text, *(c.quote for c in answer.citations)]).lower()
    return gold.strip().rstrip(".").lower() in " ".join(text.split())


def _timed_ask(pipeline: Pipeline, question: str) -> tuple[Answer, float]:
    start = time.perf_counter()
    answer = pipeline.ask(question)
    return answer, (time.perf_counter() - start) * 1000.0


def _record(tally: Tally, row: dict[str, Any], answer: Answer, ms: float) -> None:
    tally.ms.append(ms)
    kind = _kind(row)
    if kind == "null":
        tally.null_refused.append(not answer.grounded)
        return
    tally.wrongly_refused.append(not answer.grounded)
    if kind == "names":
        tally.contained.append(answer.grounded and contains_gold(answer, str(row["answer"])))
    if answer.grounded:
        gold = {e["url"] for e in row["evidence_list"]}
        tally.cited += len(answer.citations)
        tally.cited_gold += sum(c.meta.url in gold for c in answer.citations)


def pipelines(services: Services) -> tuple[Pipeline, Pipeline]:
    """(plain, shaped): the same parts, two extractive answerers."""
    from rag.answerers.extractive import ExtractiveAnswerer
    from rag.pipeline import Pipeline

    shaped = services.pipeline
    assert isinstance(shaped.answerer, ExtractiveAnswerer)
    assert shaped.answerer.shapes
    plain = Pipeline(
        shaped.store,
        shaped.retriever,
        ExtractiveAnswerer(services.embeddings, shapes=False),
        shaped.checker,
        shaped.detector,
    )
    return plain, shaped


def _run_pair(
    pair: tuple[Pipeline, Pipeline], question: str, i: int
) -> tuple[tuple[Answer, float], tuple[Answer, float]]:
    """Both answers to one question, the order alternating with ``i``."""
    if i % 2:
        b = _timed_ask(pair[1], question)
        a = _timed_ask(pair[0], question)
    else:
        a = _timed_ask(pair[0], question)
        b = _timed_ask(pair[1], question)
    return a, b


def measure(args: argparse.Namespace) -> tuple[Tally, Tally, int]:
    rows = select_rows(load_rows(Path(args.shared)), args.limit)
    tallies = (Tally(), Tally())
    with tempfile.TemporaryDirectory(prefix="rag-bench-shapes-") as tmp:
        pool = Path(tmp)
        write_pool(rows, pool)
        with temp_services(pool) as services:
            log(f"answer shapes: ingesting the pool for {len(rows)} queries")
            services.ingestor.ingest([pool])
            pair = pipelines(services)
            for p in pair:
                p.ask(rows[0]["query"])  # warm
            for i, row in enumerate(rows):
                answers = _run_pair(pair, row["query"], i)
                for tally, (answer, ms) in zip(tallies, answers, strict=True):
                    _record(tally, row, answer, ms)
                if i % 25 == 0:
                    log(f"answer shapes: {i + 1}/{len(rows)}")
    with temp_services(ROOT / "corpus") as services:
        services.ingestor.ingest([ROOT / "corpus"])
        pair = pipelines(services)
        questions = list(QUESTIONS[: args.limit] if args.limit else QUESTIONS)
        for p in pair:
            p.ask(questions[0])
        for i, q in enumerate(questions):
            answers = _run_pair(pair, q, i)
            for tally, (_, ms) in zip(tallies, answers, strict=True):
                tally.corpus_ms.append(ms)
    return tallies[0], tallies[1], len(rows)


def run(args: argparse.Namespace) -> str:
    plain, shaped = measure(args)[:2]
    n_names = len(plain.contained)
    gain = 100 * (shaped.share(shaped.contained) - plain.share(plain.contained))

    def row(name: str, goal: str, fn: Any) -> list[str]:
        return [name, fn(plain), fn(shaped), goal]

    def p50(values: list[float]) -> str:
        med, p95 = median_p95(values)
        return f"{med:.0f} / {p95:.0f}"

    def precision(t: Tally) -> str:
        return f"{t.cited_gold / max(1, t.cited):.3f}"

    ratio = median_p95(shaped.ms)[0] / max(1e-9, median_p95(plain.ms)[0])
    corpus_ratio = median_p95(shaped.corpus_ms)[0] / max(1e-9, median_p95(plain.corpus_ms)[0])
    rows = [
        row(
            f"gold answer contained ({n_names} non-yes/no queries)",
            f"+{GOAL_POINTS:.0f} points (got {gain:+.1f})",
            lambda t: f"{t.share(t.contained):.3f}",
        ),
        row("citation precision (gold evidence url)", ">= 0.85", precision),
        row(
            f"null queries refused ({len(plain.null_refused)})",
            ">= 0.95",
            lambda t: f"{t.share(t.null_refused):.3f}",
        ),
        row(
            f"answerable wrongly refused ({len(plain.wrongly_refused)})",
            "<= 0.07",
            lambda t: f"{t.share(t.wrongly_refused):.3f}",
        ),
        row(
            "whole ask, MultiHop pool: p50 / p95 ms",
            f"p50 <= 1.2x (got {ratio:.2f}x)",
            lambda t: p50(t.ms),
        ),
        row(
            f"whole ask, corpus/ ({len(plain.corpus_ms)} questions): p50 / p95 ms",
            f"p50 <= 1.2x (got {corpus_ratio:.2f}x)",
            lambda t: p50(t.corpus_ms),
        ),
    ]
    text = "\n".join(
        [
            "## Answer shapes: shaped extractive answer vs plain (same run)",
            "",
            "MultiHop-RAG (pool as in the retrieval bench) and corpus/; both answerers on every "
            "query through the same retriever, citation check and conflict detector.",
            "",
            markdown_table(["measure", "plain (shapes=False)", "shaped", "goal"], rows),
            "",
        ]
    )
    print(text, flush=True)
    return text
