"""Ours against the LangChain RAG tutorial baseline, same process run, same corpora, as ratios.

The baseline is the tutorial exactly as named: ``RecursiveCharacterTextSplitter(chunk_size=1000,
chunk_overlap=200)``, ``langchain_chroma.Chroma`` with ``HuggingFaceEmbeddings`` on the same local
MiniLM (torch), ``similarity_search`` with k=4 (and k=10 for recall@10). Both read files with our
reader, so the comparison is about chunking, embedding and retrieval, not file parsing.
Retrieval scoring is bench.retrieval's (the MultiHop fact pool, recall and MRR of gold urls).

Memory: peak resident memory of this process during each phase (ingest + queries), sampled from
/proc/self/statm every 10 ms, minus the resident memory at the phase start; both models are
loaded before any phase. Ours runs first, so the baseline may reuse memory ours freed (the
allocator keeps it): the comparison errs in the baseline's favour.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ROOT, log, markdown_table, median_p95, shared_embeddings, temp_services
from bench.corpus import QUESTIONS
from bench.retrieval import Query, load_queries, load_rows, score, write_pool

CORPUS = ROOT / "corpus"
WARMUP = 3
_PAGE = os.sysconf("SC_PAGE_SIZE")


# --- memory -----------------------------------------------------------------------------------


def rss_mb(pid: str = "self") -> float:
    """Current resident memory of a process in MB (from /proc)."""
    with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * _PAGE / 1e6


@dataclass
class Peak:
    start_mb: float = 0.0
    peak_mb: float = 0.0

    @property
    def added_mb(self) -> float:
        return self.peak_mb - self.start_mb


@contextmanager
def peak_rss(pid: str = "self", every: float = 0.01) -> Iterator[Peak]:
    """Sample a process's RSS while the block runs; keep the start and the peak."""
    peak = Peak(rss_mb(pid), rss_mb(pid))
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            try:
                peak.peak_mb = max(peak.peak_mb, rss_mb(pid))
            except OSError:
                return

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()
        peak.peak_mb = max(peak.peak_mb, rss_mb(pid))


# --- the two systems --------------------------------------------------------------------------


@dataclass
class Run:
    """What one system did on one corpus."""

    documents: int = 0
    chars: int = 0
    chunks: int = 0
    ingest_s: float = 0.0
    latency_ms: list[float] = field(default_factory=list)
    recall4: list[float] = field(default_factory=list)
    recall10: list[float] = field(default_factory=list)
    rr: list[float] = field(default_factory=list)
    memory: Peak = field(default_factory=Peak)


# A system: ingest(folder) -> (documents, chunks); chars() -> characters of document text
# indexed (counted after the timer: reading texts back is the bench's bookkeeping, not ingest);
# search(question, k) -> ranked urls.
Ingest = Callable[[Path], tuple[int, int]]
Chars = Callable[[], int]
Search = Callable[[str, int], list[str | None]]


@contextmanager
def ours(folder: Path) -> Iterator[tuple[Ingest, Chars, Search]]:
    """Our Ingestor and hybrid Retriever on a fresh embedded store, default backend; its
    models loaded before the timer, as the tutorial's is (the language identifier too, which
    the app loads at start)."""
    from rag import language

    language.load()
    with temp_services(folder) as services:

        def ingest(folder: Path) -> tuple[int, int]:
            report = services.ingestor.ingest([folder])
            return report.added, report.chunks

        def chars() -> int:
            docs = [services.store.get_document(d) for d in services.store.doc_records()]
            return sum(len(d.text) for d in docs if d)

        def search(question: str, k: int) -> list[str | None]:
            return [p.meta.url for p in services.retriever.search(question, k=k)]

        yield ingest, chars, search


def tutorial_embeddings() -> Any:
    """HuggingFaceEmbeddings on the same local MiniLM folder (torch), loaded once."""
    from langchain_huggingface import HuggingFaceEmbeddings

    from rag.embeddings import default_model_path

    return HuggingFaceEmbeddings(
        model_name=str(default_model_path()), model_kwargs={"device": "cpu"}
    )


@contextmanager
def baseline(embeddings: Any) -> Iterator[tuple[Ingest, Chars, Search]]:
    """The tutorial: 1000/200 character splitter, Chroma, MiniLM, similarity search."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.reading import iter_corpus_files, read_file

    with tempfile.TemporaryDirectory(prefix="rag-bench-baseline-") as tmp:
        client = chromadb.PersistentClient(
            path=tmp, settings=ChromaSettings(anonymized_telemetry=False)
        )
        store = Chroma(collection_name="baseline", embedding_function=embeddings, client=client)

        indexed: list[int] = []

        def ingest(folder: Path) -> tuple[int, int]:
            docs = []
            for path in iter_corpus_files([folder]):
                loaded = read_file(path)
                docs.append(
                    Document(
                        page_content=loaded.text,
                        metadata={"source": str(path), "url": loaded.meta.url or ""},
                    )
                )
            splitter = RecursiveCharacterTextSplitter(
                chunk_size=1000, chunk_overlap=200, add_start_index=True
            )
            splits = splitter.split_documents(docs)
            store.add_documents(splits)
            indexed.append(sum(len(d.page_content) for d in docs))
            return len(docs), len(splits)

        def search(question: str, k: int) -> list[str | None]:
            return [d.metadata.get("url") or None for d in store.similarity_search(question, k=k)]

        yield ingest, lambda: sum(indexed), search


# --- measuring --------------------------------------------------------------------------------


def measure(
    system: Any, folder: Path, questions: Sequence[str], gold: Sequence[frozenset[str]] | None
) -> Run:
    """Ingest ``folder``, then ask every question at k=4 (timed) and, with gold, k=10."""
    run = Run()
    with system as (ingest, chars, search), peak_rss() as memory:
        start = time.perf_counter()
        run.documents, run.chunks = ingest(folder)
        run.ingest_s = time.perf_counter() - start
        run.chars = chars()
        for q in questions[:WARMUP]:
            search(q, 4)
        for i, q in enumerate(questions):
            start = time.perf_counter()
            top4 = search(q, 4)
            run.latency_ms.append((time.perf_counter() - start) * 1000)
            if gold is not None:
                top10 = search(q, 10)
                r4, _, _ = score(top4, gold[i])
                _, r10, rr = score(top10, gold[i])
                run.recall4.append(r4)
                run.recall10.append(r10)
                run.rr.append(rr)
    run.memory = memory
    return run


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "–"


def table(title: str, ours_run: Run, base_run: Run, with_recall: bool) -> str:
    rows: list[list[str]] = []

    def add(label: str, a: float, b: float, digits: int = 1) -> None:
        rows.append([label, f"{a:.{digits}f}", f"{b:.{digits}f}", _ratio(a, b)])

    if with_recall:
        add("recall@4", statistics.fmean(ours_run.recall4), statistics.fmean(base_run.recall4), 4)
        add(
            "recall@10", statistics.fmean(ours_run.recall10), statistics.fmean(base_run.recall10), 4
        )
        add("MRR@10", statistics.fmean(ours_run.rr), statistics.fmean(base_run.rr), 4)
    rows.append(
        [
            "documents / chunks",
            f"{ours_run.documents} / {ours_run.chunks}",
            f"{base_run.documents} / {base_run.chunks}",
            "",
        ]
    )
    add("ingest s", ours_run.ingest_s, base_run.ingest_s, 2)
    add(
        "ingest documents/s",
        ours_run.documents / ours_run.ingest_s,
        base_run.documents / base_run.ingest_s,
    )
    add(
        "ingest chars/s (document text)",
        ours_run.chars / ours_run.ingest_s,
        base_run.chars / base_run.ingest_s,
        0,
    )
    add("ingest chunks/s", ours_run.chunks / ours_run.ingest_s, base_run.chunks / base_run.ingest_s)
    o_med, o_p95 = median_p95(ours_run.latency_ms)
    b_med, b_p95 = median_p95(base_run.latency_ms)
    add("query p50 ms (k=4)", o_med, b_med)
    add("query p95 ms (k=4)", o_p95, b_p95)
    add("peak RSS added, MB", ours_run.memory.added_mb, base_run.memory.added_mb, 0)
    add("peak RSS, MB", ours_run.memory.peak_mb, base_run.memory.peak_mb, 0)
    return "\n".join(
        [title, "", markdown_table(["", "ours", "tutorial baseline", "ours / baseline"], rows), ""]
    )


def run(args: argparse.Namespace) -> str:
    rows = load_rows(Path(args.shared))
    queries: list[Query] = load_queries(rows, args.limit)
    ours_model = shared_embeddings().embeddings
    log("baseline: loading the tutorial's HuggingFaceEmbeddings")
    base_model = tutorial_embeddings()
    out = [
        "## Ours vs the LangChain tutorial baseline (same run)",
        "",
        f"Ours: `Ingestor` + hybrid `Retriever` (diversified), {ours_model.flavour}, "
        "chunks of ~160 tokens. Baseline: RecursiveCharacterTextSplitter 1000/200 characters, "
        "Chroma, HuggingFaceEmbeddings(MiniLM, torch), similarity_search. Latency = one search "
        "call at k=4, warm; recall@10 and MRR@10 from a k=10 call. Chunk sizes differ (1000 "
        "characters, about 200 tokens, vs our ~160 tokens), so documents/s and chars/s are the "
        "fair ingest ratios.",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="rag-bench-pool-") as tmp:
        pool = Path(tmp)
        write_pool(rows, pool)
        questions = [q.question for q in queries]
        gold = [q.gold for q in queries]
        log(f"baseline: MultiHop pool, ours then baseline, {len(queries)} questions")
        ours_pool = measure(ours(pool), pool, questions, gold)
        base_pool = measure(baseline(base_model), pool, questions, gold)
    out.append(
        table(f"### MultiHop-RAG fact pool ({len(queries)} questions)", ours_pool, base_pool, True)
    )
    corpus_q = list(QUESTIONS[: args.limit] if args.limit else QUESTIONS)
    log(f"baseline: corpus/, ours then baseline, {len(corpus_q)} questions")
    ours_corpus = measure(ours(CORPUS), CORPUS, corpus_q, None)
    base_corpus = measure(baseline(base_model), CORPUS, corpus_q, None)
    out.append(
        table("### corpus/ (no gold: speed and memory only)", ours_corpus, base_corpus, False)
    )
    out.append(
        "Peak RSS added = highest resident memory during the phase (ingest + queries), sampled "
        "every 10 ms from /proc/self/statm, minus the resident memory at its start (models "
        "already loaded). Ours runs first in each pair."
    )
    text = "\n".join(out) + "\n"
    print(text, flush=True)
    return text
