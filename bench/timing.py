"""Speed: torch fp32 vs ONNX int8 embeddings in the same run, and where a question's time goes.

Why in one run: the machine is shared and its load moves, so the two backends take turns on
every batch and every query (the same texts, the same moment), and only their ratio is quoted.
The backend decision in ``Settings`` (onnx is the default only if it is >= 3x faster at ingest
and loses <= 1 point of recall@10) is read off this table.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import (
    ROOT,
    log,
    markdown_table,
    median_p95,
    shared_embeddings,
    temp_services,
    time_calls,
)
from bench.corpus import QUESTIONS
from bench.retrieval import _via_search, evaluate, load_queries, load_rows, write_pool

if TYPE_CHECKING:
    from rag.embeddings import LocalEmbeddings

CORPUS = ROOT / "corpus"
BATCH_ROUNDS = 2
STAGES = ("embedding", "dense", "bm25", "retrieve", "answer", "verify", "conflicts")


def load_backends() -> dict[str, tuple[LocalEmbeddings, float]]:
    """Both backends of the configured model, with their load (and first-export) seconds."""
    from rag.config import Settings
    from rag.embeddings import LocalEmbeddings

    settings = Settings()
    out: dict[str, tuple[LocalEmbeddings, float]] = {}
    for backend in ("torch", "onnx"):
        loaded = shared_embeddings()
        shared = loaded.embeddings
        start = time.perf_counter() - (loaded.seconds if shared.backend == backend else 0.0)
        if shared.backend == backend:
            model = shared
        else:
            model = LocalEmbeddings(
                settings.embedding_model_path,
                settings.embedding_batch_size,
                backend=backend,
                cache_dir=settings.models_dir,
                threads=settings.embedding_threads,
                precision=settings.embedding_precision,
            )
        out[backend] = (model, time.perf_counter() - start)
    return out


def _model_throughput(models: dict[str, LocalEmbeddings], texts: list[str]) -> dict[str, float]:
    """Texts/s of the bare model; backends alternate batch by batch (same load for both)."""
    spent = dict.fromkeys(models, 0.0)
    batch = 32
    for model in models.values():  # warm-up (``encode``: the model, not the vector cache)
        model.encode(texts[:batch])
    for _ in range(BATCH_ROUNDS):
        for i in range(0, len(texts), batch):
            part = texts[i : i + batch]
            for name, model in models.items():
                start = time.perf_counter()
                model.encode(part)
                spent[name] += time.perf_counter() - start
    return {name: BATCH_ROUNDS * len(texts) / s for name, s in spent.items()}


def _corpus_texts() -> list[str]:
    """Chunk-sized texts (about 120 words) cut from corpus/, the shape ingest embeds."""
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))).split()
    return [" ".join(words[i : i + 120]) for i in range(0, len(words) - 120, 120)]


def backends_table(args: argparse.Namespace) -> str:
    backends = load_backends()
    models = {name: model for name, (model, _) in backends.items()}
    texts = _corpus_texts()
    log(f"speed: bare model throughput on {len(texts)} corpus chunks x {BATCH_ROUNDS}")
    throughput = _model_throughput(models, texts)

    rows = load_rows(Path(args.shared))
    queries = load_queries(rows, args.limit)
    results = {}
    with tempfile.TemporaryDirectory(prefix="rag-bench-speed-") as tmp:
        pool = Path(tmp)
        write_pool(rows, pool)
        for name, model in models.items():
            with temp_services(pool, model) as services:
                log(f"speed: ingest the MultiHop pool with {name}")
                with time_calls(model, "embed_documents") as calls:
                    start = time.perf_counter()
                    report = services.ingestor.ingest([pool])
                    seconds = time.perf_counter() - start
                scored = evaluate({name: _via_search(services, "hybrid")}, queries)[name]
                results[name] = (report.chunks, seconds, sum(calls), scored)

    table_rows = []
    for name in models:
        chunks, seconds, model_s, scored = results[name]
        med, p95 = median_p95(scored.latency_ms)
        table_rows.append(
            [
                name,
                f"{backends[name][1]:.1f}",
                f"{throughput[name]:.1f}",
                f"{chunks / seconds:.1f}",
                f"{model_s:.1f} / {seconds:.1f}",
                f"{statistics.fmean(scored.recall4):.4f}",
                f"{statistics.fmean(scored.recall10):.4f}",
                f"{statistics.fmean(scored.rr):.4f}",
                f"{med:.1f} / {p95:.1f}",
            ]
        )
    t_chunks, t_seconds, _, t_scored = results["torch"]
    o_chunks, o_seconds, _, o_scored = results["onnx"]
    ingest_ratio = (o_chunks / o_seconds) / (t_chunks / t_seconds)
    model_ratio = throughput["onnx"] / throughput["torch"]
    recall_gap = statistics.fmean(o_scored.recall10) - statistics.fmean(t_scored.recall10)
    table_rows.append(
        [
            "onnx / torch",
            "",
            f"{model_ratio:.2f}x",
            f"{ingest_ratio:.2f}x",
            "",
            "",
            f"{recall_gap * 100:+.2f} pt",
            "",
            "",
        ]
    )
    wins = ingest_ratio >= 3.0 and recall_gap >= -0.01
    verdict = (
        "onnx meets the bar (ingest >= 3x, recall@10 within 1 point)"
        if wins
        else "onnx does not meet the bar (ingest >= 3x and recall@10 within 1 point): "
        "torch stays the default"
    )
    return "\n".join(
        [
            "### Embedding backends (same run, same texts)",
            "",
            markdown_table(
                [
                    "backend",
                    "load s (first export incl.)",
                    "model texts/s (corpus chunks)",
                    "ingest chunks/s (MultiHop pool)",
                    "model s / ingest s",
                    "recall@4",
                    "recall@10",
                    "MRR@10",
                    "query median / p95 ms",
                ],
                table_rows,
            ),
            "",
            f"Model texts/s: {len(texts)} chunk-sized (120-word) texts from corpus/, batches of "
            f"32, the backends taking turns on each batch, {BATCH_ROUNDS} rounds. Ingest: the "
            f"MultiHop fact pool into a fresh store per backend; recall on {len(queries)} "
            f"questions, hybrid retrieval. Verdict: {verdict}.",
            "",
        ]
    )


def stages_table(args: argparse.Namespace) -> str:
    """Median seconds of each stage of ``Pipeline.ask`` over the corpus questions."""
    questions = list(QUESTIONS[: args.limit] if args.limit else QUESTIONS)
    with temp_services(CORPUS) as services:
        services.ingestor.ingest([CORPUS])
        for q in questions[:3]:
            services.pipeline.ask(q)
        log(f"speed: {len(questions)} questions through Pipeline.ask")
        timings = []
        totals = []
        for q in questions:
            start = time.perf_counter()
            answer = services.pipeline.ask(q)
            totals.append((time.perf_counter() - start) * 1000)
            timings.append(answer.timings)
        backend = services.embeddings.flavour
    rows = []
    for stage in STAGES:
        values = [t[stage] * 1000 for t in timings if stage in t]
        if values:
            med, p95 = median_p95(values)
            rows.append([stage, len(values), f"{med:.1f}", f"{p95:.1f}"])
    med, p95 = median_p95(totals)
    rows.append(["whole `Pipeline.ask`", len(totals), f"{med:.1f}", f"{p95:.1f}"])
    return "\n".join(
        [
            f"### Where a question's time goes (corpus/, extractive answerer, {backend})",
            "",
            markdown_table(["stage", "questions", "median ms", "p95 ms"], rows),
            "",
            "`retrieve` contains embedding (the question), dense (Chroma) and bm25; "
            "`verify` is the citation check; the model is loaded once per process and the "
            "BM25 index is kept in memory while the store is unchanged (never re-read per "
            "question).",
            "",
        ]
    )


def run(args: argparse.Namespace) -> str:
    text = "\n".join(["## Speed", "", backends_table(args), stages_table(args)])
    print(text, flush=True)
    return text
