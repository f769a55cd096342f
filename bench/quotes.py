"""Quote search ("who said X, and where?"): the full scan vs the quote index, as the library grows.

Why: without an index ``QuoteSearch`` reads every document's text from the store and scans it
(exact, then fuzzy per paragraph), so its cost grows with the library; with the trigram index
(``rag.quote_index``) it scores only candidate documents. Both are timed in the same run on the
same store, and the index's hits are compared with the scan's. The libraries are real text:
VitaminC evidence sentences (Wikipedia) packed into ~5 KB documents of one paragraph per
sentence, written through our ``Store`` (vectors are not used by quote search, so they are
constant). There are ~3 MB of distinct sentences (~600 documents); larger libraries reuse them
in a fresh shuffled order per round (a phrase is then in several documents, as wire copy is).
The scan is timed on ``SCAN_QUERIES`` phrases per kind above 600 documents (it takes seconds).
Queries are phrases cut from those texts (exact), the same with one letter swapped (a typo:
fuzzy), and phrases that occur nowhere.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import log, markdown_table, median_p95

VITAMINC = Path("eval/vitaminc/vitaminc_real_test.jsonl")
SIZES = (100, 600, 2500, 10500)  # documents of ~5 KB: ~0.5 MB to ~52 MB
SCAN_QUERIES = 3  # per kind, above 600 documents
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
    shuffle = random.Random(SEED)
    order = list(sentences)
    while len(docs) < n_docs:
        for s in order:
            current.append(s)
            size += len(s) + 2
            if size >= DOC_CHARS:
                docs.append("\n\n".join(current))
                current, size = [], 0
                if len(docs) == n_docs:
                    break
        shuffle.shuffle(order)  # the next round: the same sentences, other neighbours
    return docs


def _typo(phrase: str, rng: random.Random) -> str:
    letters = [
        i for i in range(1, len(phrase) - 2) if phrase[i].isalpha() and phrase[i + 1].isalpha()
    ]
    i = rng.choice(letters)
    return phrase[:i] + phrase[i + 1] + phrase[i] + phrase[i + 2 :]


def _queries(docs: list[str], rng: random.Random) -> dict[str, list[str]]:
    exact: list[str] = []
    while len(exact) < QUERIES:
        words = rng.choice(docs).split()
        if len(words) < 12:
            continue
        i = rng.randrange(0, len(words) - 6)
        exact.append(" ".join(words[i : i + 6]))
    absent = [f"zebra crossing number {i} in northern Oslo harbour" for i in range(QUERIES)]
    return {"exact": exact, "typo": [_typo(q, rng) for q in exact], "absent": absent}


def _fill(store: Any, docs: list[str]) -> None:
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


def _as_expected(kind: str, hits: list[Any]) -> bool:
    if kind == "absent":
        return not hits
    return bool(hits) and hits[0].exact == (kind == "exact")


def _timed(search: Any, phrases: list[str]) -> tuple[list[float], list[Any]]:
    times, hits = [], []
    for phrase in phrases:
        started = time.perf_counter()
        hits.append(search.find(phrase, limit=20))
        times.append((time.perf_counter() - started) * 1000)
    return times, hits


def _measure(store: Any, docs: list[str], index_dir: Path, rng: random.Random) -> list[list[str]]:
    """Rows for one library: per kind of phrase, the scan and the index on the same phrases."""
    from rag.quote_index import QuoteIndex
    from rag.quotes import QuoteSearch

    queries = _queries(docs, rng)
    started = time.perf_counter()
    QuoteIndex(index_dir).sync(store, store.doc_records())
    build = time.perf_counter() - started
    scan, indexed = QuoteSearch(store), QuoteSearch(store, index_dir)
    scan.find(queries["exact"][0])  # warm-up
    indexed.find(queries["exact"][0])
    mb = sum(len(d) for d in docs) / 1e6
    log(f"quotes: {len(docs)} documents, {mb:.1f} MB of text, index built in {build:.1f} s")
    rows = []
    for kind, phrases in queries.items():
        fast, fast_hits = _timed(indexed, phrases)
        some = phrases if len(docs) <= 600 else phrases[:SCAN_QUERIES]
        slow, slow_hits = _timed(scan, some)
        same = sum(a == b for a, b in zip(fast_hits, slow_hits, strict=False))
        found = sum(_as_expected(kind, h) for h in fast_hits)
        med, p95 = median_p95(fast)
        rows.append(
            [
                str(len(docs)),
                f"{mb:.1f}",
                f"{build:.1f}",
                kind,
                f"{found}/{len(phrases)}",
                f"{median_p95(slow)[0]:.0f} (n={len(slow)})",
                f"{med:.1f}",
                f"{p95:.1f}",
                f"{same}/{len(slow_hits)}",
            ]
        )
        log("quotes: " + " | ".join(rows[-1]))  # a run cut short still shows its sizes
    return rows


def run(args: argparse.Namespace) -> str:
    from rag.config import Settings
    from rag.store import Store, connect

    rng = random.Random(SEED)
    sizes = sorted({min(s, args.limit) for s in SIZES}) if args.limit else list(SIZES)
    sentences = _sentences(args.shared, max(sizes) * DOC_CHARS * 11 // 10)
    rows = []
    for n_docs in sizes:
        docs = _documents(sentences, n_docs)
        with tempfile.TemporaryDirectory(prefix="rag-bench-quotes-") as tmp:
            settings = Settings(data_dir=Path(tmp), collection="bench-quotes", chroma_host=None)
            store = Store(connect(settings), settings.collection)
            _fill(store, docs)
            rows += _measure(store, docs, settings.quote_index_dir, rng)
    table = markdown_table(
        [
            "documents",
            "MB text",
            "index build s",
            "phrase",
            "found as expected (index)",
            "scan p50 ms",
            "index p50 ms",
            "index p95 ms",
            "index hits = scan hits",
        ],
        rows,
    )
    note = (
        "Found as expected: an exact phrase's first hit is exact, a typo'd phrase's first hit "
        "is fuzzy, an absent phrase has no hit. Misses among typos are phrases cut across two "
        "paragraphs (one per sentence here): fuzzy matching looks within a paragraph. "
        "Index hits = scan hits: the same 20 hits, in the same order, on the phrases the scan "
        "was timed on."
    )
    return f"## Quote search\n\n{__doc__.split(chr(10) + chr(10))[0]}\n\n{table}\n\n{note}\n"
