"""What embedding every chunk's sentences at ingest costs (``RAG_SENTENCE_VECTORS``).

``python -m bench --only sentences``: the same documents (MultiHop-RAG evidence facts grouped
by article, plus corpus/) ingested into fresh stores with the sentence vectors on and off,
alternately, three times each, one model shared; medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, log, markdown_table

MULTIHOP = Path("eval/multihop_rag/multihop_rag_subset500.jsonl")
ARTICLES = 150
ROUNDS = 3


def write_corpus(shared: Path, folder: Path, articles: int) -> None:
    by_title: dict[str, list[str]] = {}
    with (shared / MULTIHOP).open(encoding="utf-8") as fh:
        for line in fh:
            for ev in json.loads(line)["evidence_list"]:
                by_title.setdefault(ev["title"], []).append(ev["fact"])
    for i, (title, facts) in enumerate(list(by_title.items())[:articles]):
        body = "\n\n".join(dict.fromkeys(facts))
        (folder / f"{i:03d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    shutil.copytree(ROOT / "corpus", folder / "corpus")


def run(args: argparse.Namespace) -> str:
    from rag.config import Settings
    from rag.embeddings import LocalEmbeddings
    from rag.services import build_services

    shared = getattr(args, "shared", None) or ROOT.parent / "shared"
    limit = getattr(args, "limit", None)
    seconds: dict[bool, list[float]] = {True: [], False: []}
    chunks = sentences = 0
    with tempfile.TemporaryDirectory(prefix="rag-sentences-") as tmp:
        corpus = Path(tmp) / "docs"
        corpus.mkdir()
        write_corpus(shared, corpus, min(ARTICLES, limit) if limit else ARTICLES)
        embeddings = LocalEmbeddings.from_settings(Settings(data_dir=Path(tmp) / "model"))
        for r in range(ROUNDS):
            for flag in (False, True):
                settings = Settings(data_dir=Path(tmp) / f"{flag}{r}", sentence_vectors=flag)
                services = build_services(settings, embeddings)
                embeddings.clear_cache()  # every round embeds from scratch
                started = time.perf_counter()
                report = services.ingestor.ingest([corpus])
                seconds[flag].append(time.perf_counter() - started)
                chunks = report.chunks
                if flag:
                    sentences = services.ingestor.sentences.counts()[0]
                state = "on" if flag else "off"
                log(f"sentences: round {r} vectors {state} {seconds[flag][-1]:.1f} s")
    off, on = statistics.median(seconds[False]), statistics.median(seconds[True])
    text = "\n".join(
        [
            f"## Sentence vectors at ingest ({chunks} chunks, {sentences} sentence vectors, "
            f"{embeddings.flavour}; median of {ROUNDS})",
            "",
            markdown_table(
                ["ingest", "median s", "chunks/s", "vs off"],
                [
                    ["sentence vectors off", f"{off:.1f}", f"{chunks / off:.1f}", "1.00"],
                    [
                        "sentence vectors on (default)",
                        f"{on:.1f}",
                        f"{chunks / on:.1f}",
                        f"{on / off:.2f}",
                    ],
                ],
            ),
        ]
    )
    print(text, flush=True)
    return text
