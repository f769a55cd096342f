"""The repo's own corpus/: ingest speed into a fresh store and warm query latency.

Why: this is the size and shape of what a journalist actually loads (a handful of long, messy
web articles), so it is the latency a user feels, unlike the many tiny MultiHop fact documents.
Questions are the ones a reporter on the cartel-policy story would type.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

from bench.common import (
    ROOT,
    log,
    markdown_table,
    median_p95,
    settings_line,
    temp_services,
    time_calls,
    timed,
)

CORPUS = ROOT / "corpus"
RUNS = 5

QUESTIONS = (
    "Who designated the Latin American cartels as foreign terrorist organizations?",
    "Which cartels were designated as FTOs in 2025?",
    "How many Marines and sailors did the US deploy to waters around Latin America?",
    "What reward has been offered for information leading to Maduro's arrest?",
    "Who announced the $50 million reward for Nicolas Maduro?",
    "How many fugitives did US and Mexican law enforcement arrest together?",
    "Which cartels were the 26 fugitives associated with?",
    "How many cartel members were extradited after Trump took office?",
    "What is the balloon effect in drug trafficking?",
    "What did Plan Colombia achieve against coca cultivation?",
    "Where does Tren de Aragua operate in the United States?",
    "What did Claudia Sheinbaum say about Mexican sovereignty and US military action?",
    "What is Cartel de Los Soles accused of?",
    "Did Trump secretly approve military action against cartels?",
    "Why do critics say militarizing the drug war has failed?",
    "How much money do Latin American cartels move through the US financial system each year?",
    "What would a terrorist designation mean for asylum seekers who paid cartel extortion?",
    "Who was extradited to the US for marijuana and cocaine trafficking?",
    "What role will financial investigators play in the new anti-cartel alliance?",
    "Which US departments will coordinate the actions against the cartels?",
)


def run(args: argparse.Namespace) -> str:
    """Ingest corpus/ into a temp store, then time each question RUNS times, warm."""
    questions = list(QUESTIONS[: args.limit] if args.limit else QUESTIONS)
    with temp_services(CORPUS) as services:
        log(f"corpus: ingesting {CORPUS}")
        with time_calls(services.embeddings, "embed_documents") as model_calls:
            start = time.perf_counter()
            report = services.ingestor.ingest([CORPUS])
            seconds = time.perf_counter() - start
        model_s = sum(model_calls)
        retriever = services.retriever
        _, cold_ms = timed(partial(retriever.search, questions[0]))
        for q in questions[:3]:
            retriever.search(q)
        log(f"corpus: {len(questions)} questions x {RUNS} runs")
        latencies = [timed(partial(retriever.search, q))[1] for _ in range(RUNS) for q in questions]
        settings = settings_line(services)
        k = services.settings.k
    med, p95 = median_p95(latencies)
    chunks_per_s = report.chunks / seconds if seconds else float("nan")
    table = markdown_table(
        [
            "corpus/",
            "documents",
            "chunks",
            "ingest s",
            "chunks/s",
            "of which model s",
            "first query ms (cold)",
            "queries",
            "median ms",
            "p95 ms",
        ],
        [
            [
                f"hybrid, k={k}",
                report.added,
                report.chunks,
                f"{seconds:.2f}",
                f"{chunks_per_s:.1f}",
                f"{model_s:.2f} ({model_s / seconds:.0%})" if seconds else "–",
                f"{cold_ms:.1f}",
                f"{len(questions)} x {RUNS}",
                f"{med:.1f}",
                f"{p95:.1f}",
            ]
        ],
    )
    lines = [
        "## Corpus: the repo's own corpus/",
        "",
        "Ingest into a fresh temp store (model already loaded); latency = one "
        "`Retriever.search` call, warm (3 untimed warm-up queries after the cold one).",
        "",
        table,
        "",
        settings,
    ]
    if report.failed:
        lines.append(f"⚠ failed files: {report.failed}")
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text
