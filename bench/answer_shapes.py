"""Answer shapes: the shaped extractive answer against the plain one, same run, same pool.

The answerers run through the same pipeline parts (store, retriever, citation check, conflict
detector) on each query, one after the other (in a random order per query), so load changes
and warm caches hit each alike.

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
import random
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


def pipelines(services: Services) -> tuple[Pipeline, Pipeline, Pipeline, Pipeline]:
    """(plain, shaped, shaped without its sentence-vector cache, before): the same parts,
    three extractive answerers (the third shows what the cache is worth), and the plain one
    on the retrieval without named sources (the product when the answers issue was filed)."""
    from rag.answerers.extractive import ExtractiveAnswerer
    from rag.pipeline import Pipeline
    from rag.retrieval import Retriever

    shaped = services.pipeline
    assert isinstance(shaped.answerer, ExtractiveAnswerer)
    assert shaped.answerer.shapes

    def like_shaped(answerer: ExtractiveAnswerer) -> Pipeline:
        return Pipeline(shaped.store, shaped.retriever, answerer, shaped.checker, shaped.detector)

    # every answerer reads the sentence vectors stored at ingest, as the product's does
    plain = like_shaped(ExtractiveAnswerer(services.sentences, shapes=False))
    uncached = like_shaped(ExtractiveAnswerer(services.sentences, vector_cache=0))
    unnamed = services.settings.model_copy(update={"named_sources": False})
    before = Pipeline(
        shaped.store,
        Retriever(services.store, services.embeddings, unnamed),
        ExtractiveAnswerer(services.sentences, shapes=False),
        shaped.checker,
        shaped.detector,
    )
    return plain, shaped, uncached, before


def _run_all(pipes: tuple[Pipeline, ...], question: str, i: int) -> list[tuple[Answer, float]]:
    """Every pipeline's answer to one question, in a seeded random order per question.

    Why random, not rotating: a pipeline that runs right after another on the same question
    finds the passages' readings warm (the judge's cache, the stored sentence vectors' pages);
    with a fixed cyclic order each pipeline always follows the same one, and a pipeline that
    follows the shaped answerer looked faster than the shaped answerer itself."""
    order = random.Random(i).sample(range(len(pipes)), len(pipes))
    out: dict[int, tuple[Answer, float]] = {}
    for k in order:
        out[k] = _timed_ask(pipes[k], question)
    return [out[k] for k in range(len(pipes))]


def measure(args: argparse.Namespace) -> tuple[Tally, Tally, Tally, Tally]:
    rows = select_rows(load_rows(Path(args.shared)), args.limit)
    tallies = (Tally(), Tally(), Tally(), Tally())
    with tempfile.TemporaryDirectory(prefix="rag-bench-shapes-") as tmp:
        pool = Path(tmp)
        write_pool(rows, pool)
        with temp_services(pool) as services:
            log(f"answer shapes: ingesting the pool for {len(rows)} queries")
            services.ingestor.ingest([pool])
            pipes = pipelines(services)
            for p in pipes:
                p.ask(rows[0]["query"])  # warm
            for i, row in enumerate(rows):
                answers = _run_all(pipes, row["query"], i)
                for tally, (answer, ms) in zip(tallies, answers, strict=True):
                    _record(tally, row, answer, ms)
                if i % 25 == 0:
                    log(f"answer shapes: {i + 1}/{len(rows)}")
    with temp_services(ROOT / "corpus") as services:
        services.ingestor.ingest([ROOT / "corpus"])
        pipes = pipelines(services)
        questions = list(QUESTIONS[: args.limit] if args.limit else QUESTIONS)
        for p in pipes:
            p.ask(questions[0])
        for i, q in enumerate(questions):
            answers = _run_all(pipes, q, i)
            for tally, (_, ms) in zip(tallies, answers, strict=True):
                tally.corpus_ms.append(ms)
    return tallies


def _ratio(a: list[float], b: list[float]) -> float:
    return median_p95(b)[0] / max(1e-9, median_p95(a)[0])


def run(args: argparse.Namespace) -> str:
    plain, shaped, uncached, before = measure(args)
    n_names = len(plain.contained)
    gain = 100 * (shaped.share(shaped.contained) - plain.share(plain.contained))
    gain_before = 100 * (shaped.share(shaped.contained) - before.share(before.contained))

    def row(name: str, goal: str, fn: Any, other: Tally = shaped) -> list[str]:
        return [name, fn(before), fn(plain), fn(other), goal]

    def p50(values: list[float]) -> str:
        med, p95 = median_p95(values)
        return f"{med:.0f} / {p95:.0f}"

    def precision(t: Tally) -> str:
        return f"{t.cited_gold / max(1, t.cited):.3f}"

    def share(values: str) -> Any:
        return lambda t: f"{t.share(getattr(t, values)):.3f}"

    n_corpus = len(plain.corpus_ms)
    rows = [
        row(
            f"gold answer contained ({n_names} non-yes/no queries)",
            f"+{GOAL_POINTS:.0f} points (got {gain:+.1f} vs plain, {gain_before:+.1f} vs before)",
            share("contained"),
        ),
        row("citation precision (gold evidence url)", ">= 0.85", precision),
        row(f"null queries refused ({len(plain.null_refused)})", ">= 0.95", share("null_refused")),
        row(
            f"answerable wrongly refused ({len(plain.wrongly_refused)})",
            "<= 0.07",
            share("wrongly_refused"),
        ),
        row(
            "whole ask, MultiHop pool: p50 / p95 ms",
            f"p50 <= 1.2x (got {_ratio(plain.ms, shaped.ms):.2f}x)",
            lambda t: p50(t.ms),
        ),
        row(
            f"whole ask, corpus/ ({n_corpus} questions): p50 / p95 ms",
            f"p50 <= 1.2x (got {_ratio(plain.corpus_ms, shaped.corpus_ms):.2f}x)",
            lambda t: p50(t.corpus_ms),
        ),
        row(
            "... MultiHop pool, shaped with its sentence cache off",
            f"({_ratio(plain.ms, uncached.ms):.2f}x)",
            lambda t: p50(t.ms),
            uncached,
        ),
        row(
            "... corpus/, shaped with its sentence cache off",
            f"({_ratio(plain.corpus_ms, uncached.corpus_ms):.2f}x)",
            lambda t: p50(t.corpus_ms),
            uncached,
        ),
    ]
    text = "\n".join(
        [
            "## Answer shapes: shaped extractive answer vs plain (same run)",
            "",
            "MultiHop-RAG (pool as in the retrieval bench) and corpus/; the answerers take turns "
            "on every query, through the same retriever, citation check and conflict detector.",
            "",
            markdown_table(
                [
                    "measure",
                    "before (plain, named sources off)",
                    "plain (shapes=False)",
                    "shaped",
                    "goal",
                ],
                rows,
            ),
            "",
        ]
    )
    print(text, flush=True)
    return text
