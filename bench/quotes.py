"""Quote search ("who said X, and where?"): latency as the library grows.

Why: ``QuoteSearch`` reads every document's text from the store and scans it (exact, then
fuzzy per paragraph), so its cost grows with the library, unlike the indexed retriever. The
libraries are real text: distinct VitaminC evidence sentences (Wikipedia) packed into ~5 KB
documents of one paragraph per sentence, written through our ``Store`` (vectors are not used by
quote search, so they are constant). Queries are phrases cut from those texts (exact), the same
with one letter swapped (a typo: fuzzy), and phrases that occur nowhere.

Baseline, measured in the same run on the same texts: a case-folded ``str.find`` over texts
already in memory — the floor for finding exact occurrences; the ratio is what normalisation,
fuzzy matching, offsets and reading the store cost on top.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
import time
from pathlib import Path

from bench.common import log, markdown_table, median_p95

VITAMINC = Path("eval/vitaminc/vitaminc_real_test.jsonl")
SIZES = (100, 600)  # documents of ~5 KB: ~0.5 MB and ~3 MB (all distinct VitaminC evidence)
DOC_CHARS = 5000
QUERIES = 20  # per kind; each kind x size is timed on all of them
SEED = 7


def _sentences(shared: Path, need_chars: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    total = 0
    with (shared / VITAMINC).open(encoding="utf-8") as fh:
        for line in fh:
            text = " ".join(json.loads(line)["evidence"].split())
            if text and text not in seen:
                seen.add(text)
                out.append(text)
                total += len(text)
                if total >= need_chars:
                    break
    return out


def _documents(sentences: list[str], n_docs: int) -> list[str]:
    docs: list[str] = []
    current: list[str] = []
    size = 0
    for s in sentences:
        current.append(s)
        size += len(s) + 2
        if size >= DOC_CHARS:
            docs.append("\n\n".join(current))
            current, size = [], 0
            if len(docs) == n_docs:
                break
    return docs


def _typo(phrase: str, rng: random.Random) -> str:
    letters = [
        i for i in range(1, len(phrase) - 2) if phrase[i].isalpha() and phrase[i + 1].isalpha()
    ]
    i = rng.choice(letters)
    return phrase[:i] + phrase[i + 1] + phrase[i] + phrase[i + 2 :]


def _queries(docs: list[str], rng: random.Random) -> dict[str, list[str]]:
    exact = []
    while len(exact) < QUERIES:
        words = rng.choice(docs).split()
        if len(words) < 12:
            continue
        i = rng.randrange(0, len(words) - 6)
        exact.append(" ".join(words[i : i + 6]))
    absent = [f"zebra crossing number {i} in northern Oslo harbour" for i in range(QUERIES)]
    return {"exact": exact, "typo": [_typo(q, rng) for q in exact], "absent": absent}


def _fill(store, docs: list[str]) -> None:  # type: ignore[no-untyped-def]
    from rag.chunking import chunk_id
    from rag.types import Chunk, DocMeta, Document

    batch = 100
    for b in range(0, len(docs), batch):
        part = docs[b : b + batch]
        documents, chunks = [], []
        for i, text in enumerate(part, start=b):
            sha = hashlib.sha256(text.encode()).hexdigest()
            doc = Document(f"q{i:06d}", f"bench://{i}", text, DocMeta(title=f"Doc {i}"), sha)
            documents.append(doc)
            chunks.append(
                Chunk(chunk_id(doc.doc_id, sha, 0, len(text)), doc.doc_id, 0, 0, len(text), 1, text)
            )
        vectors = [[1.0, 0.0, 0.0]] * len(part)
        store.add_chunks(chunks, [d.file_sha for d in documents], vectors)
        store.put_documents(documents, "bench", [1] * len(part), vectors)


def _as_expected(kind: str, hits: list) -> bool:  # type: ignore[type-arg]
    if kind == "absent":
        return not hits
    return bool(hits) and hits[0].exact == (kind == "exact")


def run(args: argparse.Namespace) -> str:
    from rag.config import Settings
    from rag.quotes import QuoteSearch
    from rag.store import Store, connect

    rng = random.Random(SEED)
    sizes = sorted({min(s, args.limit) for s in SIZES}) if args.limit else list(SIZES)
    sentences = _sentences(args.shared, max(sizes) * DOC_CHARS * 11 // 10)
    rows = []
    for n_docs in sizes:
        docs = _documents(sentences, n_docs)
        queries = _queries(docs, rng)
        with tempfile.TemporaryDirectory(prefix="rag-bench-quotes-") as tmp:
            settings = Settings(data_dir=Path(tmp), collection="bench-quotes", chroma_host=None)
            store = Store(connect(settings), settings.collection)
            _fill(store, docs)
            search = QuoteSearch(store)
            search.find(queries["exact"][0])  # warm-up
            folded = [d.casefold() for d in docs]
            mb = sum(len(d) for d in docs) / 1e6
            log(f"quotes: {len(docs)} documents, {mb:.1f} MB of text")
            for kind, phrases in queries.items():
                ours, floor, found = [], [], 0
                for phrase in phrases:
                    started = time.perf_counter()
                    hits = search.find(phrase, limit=20)
                    ours.append((time.perf_counter() - started) * 1000)
                    found += _as_expected(kind, hits)
                    started = time.perf_counter()
                    needle = phrase.casefold()
                    [t.find(needle) for t in folded]
                    floor.append((time.perf_counter() - started) * 1000)
                med, p95 = median_p95(ours)
                base, _ = median_p95(floor)
                rows.append(
                    [
                        len(docs),
                        f"{mb:.1f}",
                        kind,
                        f"{found}/{len(phrases)}",
                        f"{med:.0f}",
                        f"{p95:.0f}",
                        f"{base:.2f}",
                        f"{med / max(base, 1e-6):.0f}x",
                    ]
                )
    table = markdown_table(
        [
            "documents",
            "MB text",
            "phrase",
            "found as expected",
            "median ms",
            "p95 ms",
            "baseline str.find ms",
            "ratio",
        ],
        rows,
    )
    note = (
        "Found as expected: an exact phrase's first hit is exact, a typo'd phrase's first hit "
        "is fuzzy, an absent phrase has no hit. Misses among typos are phrases cut across two "
        "paragraphs (one per sentence here): fuzzy matching looks within a paragraph."
    )
    return f"## Quote search\n\n{__doc__.split(chr(10) + chr(10))[0]}\n\n{table}\n\n{note}\n"
