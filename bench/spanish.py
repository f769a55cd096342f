"""Spanish documents: language detection accuracy, and what retrieval a Spanish source gets.

Why: reporters on this beat get many sources in Spanish, while the embedder (all-MiniLM-L6-v2)
was trained on English and BM25 stemmed everything as English. The pool is the bundled English
corpus plus ten Spanish paragraphs on the same beat (``bench/spanish_set.yaml``, written for
this bench), each its own file, ingested through the real ``Ingestor``; each of 30 questions,
asked in Spanish and again in English, has one Spanish gold document. The query policy table
checks on the MultiHop pool (500 English news questions) that stemming a question both ways
costs English questions nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bench.common import ROOT, log, markdown_table, temp_services
from bench.retrieval import load_rows
from rag.chunking import doc_id_of

if TYPE_CHECKING:
    from rag.services import Services

SET = Path(__file__).resolve().parent / "spanish_set.yaml"
FEVER = Path("eval/fever/fever_symmetric_dev.jsonl")
FEVER_CLAIMS = 300
K = 4
Search = Callable[[str], list[str]]  # a question -> doc ids, best first


def load_set() -> dict[str, Any]:
    with SET.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text) if s]


def detection_samples(data: dict[str, Any], shared: Path) -> list[tuple[str, str, list[str]]]:
    """(what, expected language, texts) for the detection accuracy table; the expected
    language "*" means each text's own (the set's sentences in other languages)."""
    corpus_paras = [
        line
        for path in sorted((ROOT / "corpus").glob("*.txt"))
        for line in path.read_text(encoding="utf-8").split("---", 2)[-1].splitlines()
        if len(line.split()) >= 8
    ]
    multihop = [str(r["query"]) for r in load_rows(shared)]
    with (shared / FEVER).open(encoding="utf-8") as fh:
        claims = [str(json.loads(line)["claim"]) for line in fh][:FEVER_CLAIMS]
    docs = [str(d["text"]) for d in data["documents"]]
    return [
        ("English corpus/ paragraphs (lines of 8+ words)", "en", corpus_paras),
        ("English MultiHop-RAG questions", "en", multihop),
        (f"English FEVER claims (first {FEVER_CLAIMS})", "en", claims),
        ("English questions of the Spanish set", "en", [q["en"] for q in data["questions"]]),
        ("Spanish paragraphs (the set's documents)", "es", docs),
        ("Spanish sentences of those paragraphs", "es", [s for d in docs for s in _sentences(d)]),
        ("Spanish questions of the set", "es", [q["es"] for q in data["questions"]]),
        ("Spanish headline/wire sentences of the set", "es", list(data["sentences"])),
    ]


def _other_languages(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(text, code) for code, texts in data["other_languages"].items() for text in texts]


def detection_table(data: dict[str, Any], shared: Path) -> str:
    """Accuracy of ``detect_language`` (with the prior for the beat's languages) and of the
    bare model (no prior), on the same texts in the same run."""
    from rag import language

    started = time.perf_counter()
    model = language._model()
    load_s = time.perf_counter() - started
    samples = [
        (what, [(t, want) for t in texts]) for what, want, texts in detection_samples(data, shared)
    ]
    samples.append(("Other languages of the set (fr pt it ca gl de)", _other_languages(data)))
    rows: list[list[Any]] = []
    wrong_all: list[tuple[str, str | None]] = []
    n_all = bare_right_all = 0
    for what, pairs in samples:
        started = time.perf_counter()
        got = [language.detect_language(t) for t, _ in pairs]
        ms = (time.perf_counter() - started) * 1000 / len(pairs)
        wrong = [(t, g) for (t, want), g in zip(pairs, got, strict=True) if g != want]
        bare_right = sum(model.classify(t)[0] == want for t, want in pairs)
        wrong_all += wrong
        n_all += len(pairs)
        bare_right_all += bare_right
        right = 1 - len(wrong) / len(pairs)
        rows.append(
            [what, len(pairs), f"{right:.3f}", f"{bare_right / len(pairs):.3f}", f"{ms:.2f}"]
        )
    right_all = 1 - len(wrong_all) / n_all
    rows.append(["all", n_all, f"{right_all:.3f}", f"{bare_right_all / n_all:.3f}", ""])
    misses = "; ".join(f"{t[:60]!r} -> {g}" for t, g in wrong_all[:8]) or "none"
    headers = ["texts", "n", "accuracy", "without the en/es prior", "ms/text"]
    return "\n".join(
        [
            "### Language detection (py3langid, 97 languages, en/es prior x100)",
            "",
            markdown_table(headers, rows),
            "",
            f"model load {load_s:.1f} s; still misdetected: {misses}",
        ]
    )


def _write_pool(data: dict[str, Any], folder: Path) -> dict[str, str]:
    """The English corpus plus one file per Spanish paragraph; returns set id -> doc id."""
    import shutil

    from rag.ingest import doc_id_for

    shutil.copytree(ROOT / "corpus", folder)
    ids = {}
    for doc in data["documents"]:
        path = folder / f"{doc['id']}.md"
        front = yaml.safe_dump({"title": doc["title"]}, allow_unicode=True, width=1 << 20)
        path.write_text(f"---\n{front}---\n{doc['text']}\n", encoding="utf-8")
        ids[doc["id"]] = doc_id_for(path)
    return ids


def _english_only(services: Services) -> None:
    """Make ``services.retriever`` do BM25 as before languages: every chunk and every question
    stemmed as English (the rest of ``Retriever.search``, fusion included, unchanged)."""
    from rag.lexical import Bm25Index, fingerprint
    from rag.retrieval import doc_versions

    class EnglishIndex(Bm25Index):
        def search(
            self,
            query: str,
            n: int,
            allowed: set[str] | None = None,
            languages: Sequence[str] = ("en",),
        ) -> list[tuple[str, float]]:
            return super().search(query, n, allowed, ("en",))

    store = services.store
    records = store.doc_records()
    titles = {d: r.meta.title for d, r in records.items()}
    built = Bm25Index.build(store.live_chunks(records), titles, "english-only")
    index = EnglishIndex(built.retriever, built.chunk_ids, built.fingerprint)
    services.retriever.lexical = lambda records, version=None: index  # type: ignore[method-assign]
    assert fingerprint(doc_versions(records)) != index.fingerprint


def _searcher(services: Services, mode: str, languages: Sequence[str] | None = None) -> Search:
    from rag.language import detect_language

    def search(question: str) -> list[str]:
        if languages is None and mode != "bm25-detected":
            hits = services.retriever.search(question, k=K, mode=mode)  # type: ignore[arg-type]
            return [p.doc_id for p in hits]
        lexical = services.retriever.lexical(services.store.doc_records())
        detected = detect_language(question)
        langs = languages or ((detected,) if detected in ("en", "es") else ("en", "es"))
        hits_ = lexical.search(question, services.settings.candidates, None, langs)
        return list(dict.fromkeys(doc_id_of(cid) for cid, _ in hits_))[:K]

    return search


def _recall(search: Search, questions: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """recall@1 and recall@4 of the gold document (one per question)."""
    ranked = [(search(q), gold) for q, gold in questions]
    at1 = statistics.fmean(1.0 if r[:1] == [g] else 0.0 for r, g in ranked)
    at4 = statistics.fmean(1.0 if g in r[:K] else 0.0 for r, g in ranked)
    return at1, at4


def retrieval_table(data: dict[str, Any], limit: int | None) -> str:
    questions = data["questions"][:limit] if limit else data["questions"]
    with tempfile.TemporaryDirectory(prefix="rag-spanish-") as tmp:
        ids = _write_pool(data, Path(tmp) / "corpus")
        es = [(q["es"], ids[q["gold"]]) for q in questions]
        en = [(q["en"], ids[q["gold"]]) for q in questions]
        rows_of: list[tuple[str, Search]] = []
        with temp_services(Path(tmp) / "corpus") as services:
            log("spanish: ingesting the pool")
            services.ingestor.ingest([Path(tmp) / "corpus"])
            langs = {r.meta.language for r in services.store.doc_records().values()}
            log(f"spanish: languages stored {sorted(str(x) for x in langs)}")
            rows_of = [
                ("dense (all-MiniLM-L6-v2)", _searcher(services, "dense")),
                ("bm25, each document's language, question both ways", _searcher(services, "bm25")),
                (
                    "bm25, question stemmed in its detected language",
                    _searcher(services, "bm25-detected"),
                ),
                ("bm25, question stemmed as Spanish only", _searcher(services, "bm25", ("es",))),
                ("hybrid (this change)", _searcher(services, "hybrid")),
            ]
            rows = [[label, *_both(search, es, en)] for label, search in rows_of]
            _english_only(services)  # before this change: everything stemmed as English
            for label, mode in (
                ("bm25, English stemming (before)", "bm25"),
                ("hybrid (before)", "hybrid"),
            ):
                rows.append([label, *_both(_searcher(services, mode), es, en)])
    headers = ["retriever", "es q R@1", "es q R@4", "en q R@1", "en q R@4"]
    return "\n".join(
        [
            f"### Spanish gold documents: {len(es)} questions in Spanish, the same in English",
            "",
            f"Pool: 5 English corpus articles + {len(ids)} Spanish paragraphs; recall@k = the gold "
            "document among the top k passages' documents.",
            "",
            markdown_table(headers, rows),
        ]
    )


def _both(
    search: Search, es: Sequence[tuple[str, str]], en: Sequence[tuple[str, str]]
) -> list[str]:
    r1, r4 = _recall(search, es)
    e1, e4 = _recall(search, en)
    return [f"{r1:.3f}", f"{r4:.3f}", f"{e1:.3f}", f"{e4:.3f}"]


def english_policy_table(shared: Path, limit: int | None) -> str:
    """BM25 alone on the MultiHop pool (English): does stemming questions both ways cost?"""
    from bench.retrieval import load_queries, score
    from rag.lexical import Bm25Index
    from rag.types import Chunk

    rows = load_rows(shared)
    facts: dict[tuple[str, str], str] = {}
    for row in rows:
        for ev in row["evidence_list"]:
            facts.setdefault((ev["url"], ev["fact"]), ev["title"])
    chunks, urls, titles = [], {}, {}
    for i, ((url, fact), title) in enumerate(facts.items()):
        doc = f"d{i}"
        chunks.append(Chunk(f"{doc}:0", doc, 0, 0, len(fact), 1, fact))
        urls[doc], titles[doc] = url, title
    index = Bm25Index.build(chunks, titles, "multihop", {d: "en" for d in urls})
    queries = load_queries(rows, limit)
    out = []
    for label, langs in (
        ("English only (before)", ("en",)),
        ("both ways (this change)", ("en", "es")),
    ):
        r4, r10 = [], []
        for q in queries:
            ranked = [urls[doc_id_of(cid)] for cid, _ in index.search(q.question, 10, None, langs)]
            a, b, _ = score(list(dict.fromkeys(ranked)), q.gold)
            r4.append(a)
            r10.append(b)
        out.append([label, f"{statistics.fmean(r4):.4f}", f"{statistics.fmean(r10):.4f}"])
    return "\n".join(
        [
            "### Query stemming policy on English: BM25 alone, MultiHop pool, "
            f"{len(queries)} questions",
            "",
            markdown_table(["question stemmed", "recall@4", "recall@10"], out),
        ]
    )


def run(args: argparse.Namespace) -> str:
    data = load_set()
    parts = [
        "## Spanish documents",
        "",
        detection_table(data, args.shared),
        "",
        retrieval_table(data, args.limit),
        "",
        english_policy_table(args.shared, args.limit),
    ]
    text = "\n".join(parts)
    print(text + "\n", flush=True)
    return text
