"""Scale: >= 10,000 chunks in embedded Chroma and in a Chroma server, side by side.

Why: a newsroom's archive is far bigger than corpus/. The chunks are real text: distinct
VitaminC evidence sentences (Wikipedia) plus the MultiHop-RAG facts, one short document each,
so the MultiHop questions still have their answers in the haystack. The corpus is embedded once
(default backend) and the same vectors are written into both stores through our ``Store``, so
the two columns differ only in where Chroma runs. The server is ``chroma run`` on 127.0.0.1,
started and stopped here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.baseline import Peak, peak_rss
from bench.common import (
    ROOT,
    free_port,
    log,
    markdown_table,
    median_p95,
    retriever_without,
    running,
    shared_embeddings,
)
from bench.retrieval import load_queries, load_rows

if TYPE_CHECKING:
    from rag.services import Services
    from rag.types import Chunk, Document

VITAMINC = Path("eval/vitaminc/vitaminc_real_test.jsonl")
TARGET_CHUNKS = 10_500
PORTS = range(8120, 8140)
WRITE_BATCH = 500
QUERIES = 200  # the first 200 MultiHop questions: enough for p95, bounded in time
CHROMA = ROOT / ".venv" / "bin" / "chroma"


@dataclass
class Corpus:
    docs: list[Document]
    chunks: list[Chunk]
    texts: list[str]  # what the model embeds, as the Ingestor does


def build_corpus(shared: Path, target: int) -> Corpus:
    """One single-chunk document per MultiHop fact, then VitaminC evidence up to ``target``."""
    from rag.chunking import chunk_id
    from rag.ingest import embedding_text
    from rag.types import Chunk, DocMeta, Document

    items: list[tuple[str, str, str | None]] = []  # (title, text, url)
    seen: set[str] = set()
    for row in load_rows(shared):
        for ev in row["evidence_list"]:
            if ev["fact"] not in seen:
                seen.add(ev["fact"])
                items.append((ev["title"], ev["fact"].strip(), ev["url"]))
    with (shared / VITAMINC).open(encoding="utf-8") as fh:
        for line in fh:
            if len(items) >= target:
                break
            row = json.loads(line)
            text = " ".join(row["evidence"].split())
            if text and text not in seen:
                seen.add(text)
                items.append((row["page"], text, None))
    corpus = Corpus([], [], [])
    for i, (title, text, url) in enumerate(items):
        sha = hashlib.sha256(text.encode()).hexdigest()
        doc = Document(f"s{i:06d}", f"scale://{i}", text, DocMeta(title=title, url=url), sha)
        chunk = Chunk(chunk_id(doc.doc_id, sha, 0, len(text)), doc.doc_id, 0, 0, len(text), 1, text)
        corpus.docs.append(doc)
        corpus.chunks.append(chunk)
        corpus.texts.append(embedding_text(chunk))
    return corpus


# --- the Chroma server ------------------------------------------------------------------------


@contextmanager
def chroma_server(path: Path, log_file: Path) -> Iterator[tuple[int, int]]:
    """``chroma run`` on 127.0.0.1 (port, pid), stopped on exit."""
    port = free_port(PORTS)
    cmd = [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    ready = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    with running(cmd, ready, "chroma run", log_file, startup_seconds=60) as proc:
        yield port, proc.pid


def vm_kb(pid: int, key: str) -> float:
    """VmRSS / VmHWM of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Side:
    name: str
    services: Services
    chroma_dir: Path
    pid: int | None = None
    write_s: float = 0.0
    first_query_s: float = 0.0
    dense_ms: list[float] = field(default_factory=list)
    hybrid_ms: list[float] = field(default_factory=list)
    hybrid_plain_ms: list[float] = field(default_factory=list)  # clause coverage off
    ask_ms: list[float] = field(default_factory=list)
    dense_ids: list[list[str]] = field(default_factory=list)
    memory: Peak = field(default_factory=Peak)
    server_rss: tuple[float, float] = (float("nan"), float("nan"))


def write(side: Side, corpus: Corpus, vectors: list[list[float]]) -> None:
    """Chunks, then their document records, in batches: what the Ingestor writes."""
    from rag.ingest import chunker_signature

    store = side.services.store
    signature = chunker_signature(side.services.settings, side.services.embeddings)
    start = time.perf_counter()
    for i in range(0, len(corpus.chunks), WRITE_BATCH):
        part = slice(i, i + WRITE_BATCH)
        docs = corpus.docs[part]
        store.add_chunks(corpus.chunks[part], [d.file_sha for d in docs], vectors[part])
        store.put_documents(docs, signature, [1] * len(docs), vectors[part])
    side.write_s = time.perf_counter() - start


def sentence_vectors(corpus: Corpus, model: Any) -> tuple[dict, dict, float]:
    """What the Ingestor stores beside the chunks: each chunk's sentences and their vectors
    (embedded once here, put into each side's store), and the seconds it took."""
    import numpy as np

    from rag.sentence_vectors import chunk_sentences

    owned = {
        (d.doc_id, d.file_sha): chunk_sentences(c, d.text)
        for d, c in zip(corpus.docs, corpus.chunks, strict=True)
    }
    texts = sorted({t for ts in owned.values() for t in ts}, key=len)
    start = time.perf_counter()
    vectors = np.asarray(model.embed_documents(texts), dtype=np.float32)
    return owned, dict(zip(texts, vectors, strict=True)), time.perf_counter() - start


def services_for(data_dir: Path, port: int | None) -> Services:
    from rag.config import Settings
    from rag.services import build_services

    settings = Settings(
        data_dir=data_dir,
        collection="scale",
        chroma_host="127.0.0.1" if port else None,
        chroma_port=port or 8000,
        answerer="extractive",
    )
    return build_services(settings, shared_embeddings().embeddings)


def run(args: argparse.Namespace) -> str:
    shared = Path(args.shared)
    target = TARGET_CHUNKS  # --limit caps the questions only: the size is the point
    corpus = build_corpus(shared, target)
    queries = load_queries(load_rows(shared), args.limit or QUERIES)
    model = shared_embeddings().embeddings
    log(f"scale: embedding {len(corpus.texts)} chunks once ({model.flavour})")
    start = time.perf_counter()
    vectors = model.embed_documents(corpus.texts)
    embed_s = time.perf_counter() - start
    query_vectors = model.embed_documents([q.question for q in queries])

    with tempfile.TemporaryDirectory(prefix="rag-bench-scale-") as tmp:
        root = Path(tmp)
        server_dir = root / "server-chroma"
        with chroma_server(server_dir, root / "chroma.log") as (port, pid):
            embedded = Side("embedded", services_for(root / "embedded", None), root / "embedded")
            server = Side("server", services_for(root / "server", port), server_dir, pid)
            sides = [embedded, server]
            for side in sides:
                log(f"scale: writing {len(corpus.chunks)} chunks into the {side.name} store")
                with peak_rss() as memory:
                    write(side, corpus, vectors)
                    start = time.perf_counter()
                    side.services.retriever.search(queries[0].question)  # builds BM25
                    side.first_query_s = time.perf_counter() - start
                side.memory = memory
            owned, sentence_vecs, sentences_s = sentence_vectors(corpus, model)
            for side in sides:
                side.services.sentences.stored.put(owned, sentence_vecs)
                side.services.pipeline.ask(queries[0].question)  # loads the sentence judge
            plain = {s.name: retriever_without(s.services, "clause_coverage") for s in sides}
            for retriever in plain.values():
                retriever.search(queries[0].question)  # loads its BM25 index
            log(f"scale: {len(queries)} questions, stores taking turns")
            n = embedded.services.settings.candidates
            for q, vector in zip(queries, query_vectors, strict=True):
                for side in sides:
                    start = time.perf_counter()
                    hits = side.services.store.dense_search(vector, n)
                    side.dense_ms.append((time.perf_counter() - start) * 1000)
                    side.dense_ids.append([c.chunk_id for c, _, _ in hits[:10]])
                    # the two searches alternate first: the first embeds the question, and
                    # the second finds it in the embedder's cache
                    searches = [
                        (side.services.retriever, side.hybrid_ms),
                        (plain[side.name], side.hybrid_plain_ms),
                    ]
                    for retriever, times in searches[:: 1 if len(side.hybrid_ms) % 2 else -1]:
                        start = time.perf_counter()
                        retriever.search(q.question)
                        times.append((time.perf_counter() - start) * 1000)
                    start = time.perf_counter()
                    side.services.pipeline.ask(q.question)
                    side.ask_ms.append((time.perf_counter() - start) * 1000)
            server.server_rss = (vm_kb(pid, "VmRSS"), vm_kb(pid, "VmHWM"))
            sizes = {s.name: du_mb(s.chroma_dir) for s in sides}
            bm25_mb = du_mb(embedded.services.settings.bm25_dir)
            count = {s.name: s.services.store.chunks.count() for s in sides}

    same = sum(a == b for a, b in zip(embedded.dense_ids, server.dense_ids, strict=True))
    rows: list[list[Any]] = [
        ["chunks stored", count["embedded"], count["server"]],
        [
            "write s (same vectors, batches of 500)",
            f"{embedded.write_s:.1f}",
            f"{server.write_s:.1f}",
        ],
        [
            "write chunks/s",
            f"{len(corpus.chunks) / embedded.write_s:.0f}",
            f"{len(corpus.chunks) / server.write_s:.0f}",
        ],
        ["Chroma on disk, MB", f"{sizes['embedded']:.0f}", f"{sizes['server']:.0f}"],
        ["BM25 index on disk, MB (client side)", f"{bm25_mb:.1f}", f"{bm25_mb:.1f}"],
        [
            "first question s (builds BM25)",
            f"{embedded.first_query_s:.1f}",
            f"{server.first_query_s:.1f}",
        ],
    ]
    measured = (
        ("dense search", "dense_ms"),
        ("hybrid Retriever.search", "hybrid_ms"),
        ("... with clause coverage off (before; the two alternate going first)", "hybrid_plain_ms"),
        ("whole extractive Pipeline.ask (retrieve, answer, verify, conflicts)", "ask_ms"),
    )
    for label, attr in measured:
        e_med, e_p95 = median_p95(getattr(embedded, attr))
        s_med, s_p95 = median_p95(getattr(server, attr))
        rows.append(
            [f"{label} p50 / p95 ms", f"{e_med:.1f} / {e_p95:.1f}", f"{s_med:.1f} / {s_p95:.1f}"]
        )
    rows += [
        [
            "app process: peak RSS added while writing + BM25, MB",
            f"{embedded.memory.added_mb:.0f}",
            f"{server.memory.added_mb:.0f}",
        ],
        [
            "chroma server process RSS now / peak, MB",
            "(in the app process)",
            f"{server.server_rss[0]:.0f} / {server.server_rss[1]:.0f}",
        ],
    ]
    text = "\n".join(
        [
            f"## Scale: {len(corpus.chunks):,} chunks, embedded Chroma vs Chroma server",
            "",
            f"Chunks: {_facts(corpus)} MultiHop facts "
            f"+ VitaminC evidence sentences, one document each. Embedded once with "
            f"{model.flavour}: {embed_s:.0f} s ({len(corpus.texts) / embed_s:.0f} chunks/s, "
            "the same for both columns); the same vectors are then written into each store. "
            f"{len(queries)} MultiHop questions; dense = `Store.dense_search` with a "
            "precomputed query vector (top 40); hybrid = the whole `Retriever.search` (query "
            "embedding + dense + BM25 + fusion); whole ask = `Pipeline.ask` with the "
            f"default extractive answerer and sentence judge, over the chunks' "
            f"{len(sentence_vecs):,} sentence vectors (embedded once: {sentences_s:.0f} s, "
            "put into each side's store as the Ingestor does). Stores take turns on each "
            "question. "
            f"Identical dense top-10 in both stores: {same}/{len(queries)} questions.",
            "",
            markdown_table(["", "embedded (PersistentClient)", "server (chroma run, HTTP)"], rows),
            "",
        ]
    )
    print(text, flush=True)
    return text


def _facts(corpus: Corpus) -> int:
    return sum(1 for d in corpus.docs if d.meta.url)
