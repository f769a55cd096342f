"""Chunk vectors from sentence vectors: would embedding only sentences at ingest retrieve as well?

Why: ingest embeds every chunk and every sentence of it (the sentence vectors keep a question
from embedding sentences), so it runs at about 0.7x the tutorial pipeline's chunks/s. If the
normalised mean of a chunk's sentence vectors retrieved as well as the chunk's own vector,
ingest could embed sentences only. This bench answers the retrieval half of that question on
the MultiHop-RAG fact pool: dense recall with each kind of chunk vector, same model, same
questions, and the model time each kind of text costs. The pool's chunks are mostly one
sentence, so the same comparison also runs on a gold set of multi-sentence chunks: ExpertQA's
cited web evidence (one document per distinct excerpt, median 120 words; the query is the
claim an expert marked as completely supported by it, the gold is the cited url). Nothing in
the product uses it yet.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.common import log, markdown_table, temp_services
from bench.corpus import CORPUS, QUESTIONS
from bench.retrieval import Query, load_queries, load_rows, score, write_pool

if TYPE_CHECKING:
    from rag.services import Services
    from rag.types import Chunk


def _vectors(
    services: Services,
) -> tuple[list[tuple[str, Chunk, str]], Any, Any, int, float, float]:
    """Every stored chunk (doc id, chunk, document text), its own vectors and the normalised
    means of its sentence vectors, the number of sentences, and the model seconds of each."""
    from rag.ingest import embedding_text
    from rag.sentence_vectors import chunk_sentences

    store, model = services.store, services.embeddings
    chunks = []
    for doc_id, pairs in store.chunks_of_many(sorted(store.doc_records())).items():
        doc = store.get_document(doc_id)
        chunks += [(doc_id, chunk, doc.text if doc else "") for chunk, _sha in pairs]
    start = time.perf_counter()
    own = np.asarray(model.encode([embedding_text(c) for _, c, _ in chunks]))
    chunk_s = time.perf_counter() - start
    sentences = [chunk_sentences(c, text) for _, c, text in chunks]
    flat = [s for group in sentences for s in group]
    start = time.perf_counter()
    vectors = np.asarray(model.encode(flat))
    sentence_s = time.perf_counter() - start
    means, at = [], 0
    for group in sentences:
        m = vectors[at : at + len(group)].mean(axis=0)
        means.append(m / np.linalg.norm(m))
        at += len(group)
    return chunks, own, np.asarray(means), len(flat), chunk_s, sentence_s


def _corpus_agreement() -> tuple[int, int, float]:
    """corpus/ (multi-sentence chunks, no gold): how many of each question's top 4 chunks
    the two kinds of vector share, on average; and the chunk and sentence counts."""

    with temp_services(CORPUS) as services:
        services.ingestor.ingest([CORPUS])
        chunks, own, means, n_sentences, _, _ = _vectors(services)
        questions = np.asarray(services.embeddings.encode(list(QUESTIONS)))
    shared = [
        len(set(np.argsort(-(own @ q))[:4]) & set(np.argsort(-(means @ q))[:4])) / 4
        for q in questions
    ]
    return len(chunks), n_sentences, float(np.mean(shared))


_EVIDENCE = re.compile(r"\[\d+\] (\S+)\n\n(.*)", re.S)


def write_expertqa(shared: Path, folder: Path) -> list[Query]:
    """ExpertQA's cited evidence as documents (front matter with the url), and its completely
    supported claims (citation marks removed) as queries whose gold is the cited urls."""
    import yaml

    texts: dict[tuple[str, str], int] = {}
    queries = []
    with (shared / "eval/expertqa/rand_val.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    for row in rows:
        for answer in row["answers"].values():
            for claim in answer["claims"]:
                found = [m for e in claim["evidence"] if (m := _EVIDENCE.match(e))]
                for m in found:
                    texts.setdefault((m.group(1), m.group(2).strip()), len(texts))
                if found and claim["support"] == "Complete":
                    question = re.sub(r"\s*\[\d+\]", "", claim["claim_string"]).strip()
                    gold = frozenset(m.group(1) for m in found)
                    queries.append(Query(question, "claim", gold))
    for (url, text), n in texts.items():
        front = yaml.safe_dump({"title": url, "url": url}, sort_keys=False, width=1 << 20)
        (folder / f"evidence_{n:04d}.txt").write_text(f"---\n{front}---\n{text}\n", "utf-8")
    return queries


def _recall_table(services: Services, queries: list[Query]) -> tuple[list[list[str]], int, int]:
    """Dense recall@4/@10 of each kind of chunk vector over the ingested ``services``."""
    records = services.store.doc_records()
    chunks, own, means, n_flat, chunk_s, sentence_s = _vectors(services)
    questions = np.asarray(services.embeddings.encode([q.question for q in queries]))
    urls = [records[d].meta.url for d, _, _ in chunks]
    table = []
    for name, matrix, seconds, n in (
        ("the chunk's own vector (shipped)", own, chunk_s, len(chunks)),
        ("normalised mean of its sentence vectors", means, sentence_s, n_flat),
    ):
        r4, r10 = [], []
        for q, qv in zip(queries, questions, strict=True):
            order = np.argsort(-(matrix @ qv))[:10]
            a, b, _ = score([urls[i] for i in order], q.gold)
            r4.append(a)
            r10.append(b)
        table.append([name, str(n), f"{seconds:.1f}", f"{np.mean(r4):.4f}", f"{np.mean(r10):.4f}"])
    return table, len(chunks), n_flat


def run(args: argparse.Namespace) -> str:
    rows = load_rows(Path(args.shared))
    queries = load_queries(rows, args.limit)
    with tempfile.TemporaryDirectory(prefix="rag-bench-chunkvec-") as tmp:
        pool = Path(tmp)
        write_pool(rows, pool)
        with temp_services(pool) as services:
            log("chunk vectors: ingesting the pool")
            services.ingestor.ingest([pool])
            table, n_pool, _ = _recall_table(services, queries)
    with tempfile.TemporaryDirectory(prefix="rag-bench-chunkvec-eqa-") as tmp:
        folder = Path(tmp)
        claims = write_expertqa(Path(args.shared), folder)
        claims = claims[: args.limit * 4] if args.limit else claims
        with temp_services(folder) as services:
            log("chunk vectors: ingesting ExpertQA evidence")
            services.ingestor.ingest([folder])
            eqa_table, n_eqa, n_eqa_sentences = _recall_table(services, claims)
    n_chunks, n_sentences, agree = _corpus_agreement()
    text = "\n".join(
        [
            "## Chunk vectors from sentence vectors (MultiHop-RAG fact pool, dense only)",
            "",
            f"{n_pool} chunks, {len(queries)} questions; texts embedded = what the model "
            "runs on for that kind of vector (one pass, after a warm ingest).",
            "",
            markdown_table(
                ["chunk vector", "texts embedded", "model s", "dense recall@4", "dense recall@10"],
                table,
            ),
            "",
            f"ExpertQA cited evidence ({n_eqa} chunks, {n_eqa_sentences} sentences; "
            f"{len(claims)} completely supported claims as queries, gold = the cited urls):",
            "",
            markdown_table(
                ["chunk vector", "texts embedded", "model s", "dense recall@4", "dense recall@10"],
                eqa_table,
            ),
            "",
            f"corpus/ ({n_chunks} chunks of several sentences, {n_sentences} sentences; "
            f"{len(QUESTIONS)} questions, "
            "no gold): share of a question's top 4 chunks that both kinds of vector rank "
            f"there: {agree:.3f}.",
            "",
        ]
    )
    print(text, flush=True)
    return text
