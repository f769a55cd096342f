"""Sentence vectors made once, at ingest, so a question embeds only itself.

Why: the extractive answer, the conflict check and the citation check each compare the
sentences of the retrieved passages with the question and with each other; embedding those
sentences at question time was most of the conflict check's cost (measured under load: 1.7 of
2.7 s per question). Ingest already has the model busy; it embeds each chunk's sentences there.

Where: a SQLite file beside the store (like the quote index: derived data, per client also for
a Chroma server), keyed by the sentence's text, so the same sentence in two documents or two
versions is embedded once and an unchanged sentence of an edited document is not embedded
again. Each row names the document versions that own it; ``sweep`` drops rows no current
version owns (a document deleted, updated, or left half-ingested by a crash). The file is
named by the embedder's signature: vectors of two models or backends never mix.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import numpy as np

from rag.sentences import sentence_spans
from rag.types import Chunk, Document
from rag.vector_cache import TextEmbedder

_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS owners (
    doc_id TEXT NOT NULL, sha TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (doc_id, sha, key)
);
CREATE INDEX IF NOT EXISTS owners_key ON owners (key);
"""
_LOOKUP = 500  # keys per SQL lookup (SQLite's variable limit is far above)


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:24]


def chunk_sentences(chunk: Chunk, doc_text: str) -> list[str]:
    """The sentence texts the question-time readers will ask for: split within the chunk's
    own text (the extractive answer) and within its span of the document (the conflict
    check; the two splits agree except where a chunk edge cuts a sentence)."""
    own = [chunk.text[s:e] for s, e in sentence_spans(chunk.text)]
    end = min(chunk.end, len(doc_text))
    in_doc = [doc_text[s:e] for s, e in sentence_spans(doc_text, chunk.start, end)]
    return [t for t in dict.fromkeys([*own, *in_doc]) if t.strip()]


class SentenceVectorStore:
    """The stored sentence vectors of one collection (thread-safe; one connection per call)."""

    def __init__(self, folder: Path, signature: str) -> None:
        tag = hashlib.sha1(signature.encode()).hexdigest()[:12]
        self.path = folder / f"sentences-{tag}.sqlite"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            conn.executescript(_SCHEMA)
            conn.execute("PRAGMA synchronous = NORMAL")  # derived data: rebuilt if lost
            with conn:  # one transaction: all of a write or none of it
                yield conn

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The texts that have no stored vector yet (each once)."""
        unique = list(dict.fromkeys(texts))
        known = self._keys_present([text_key(t) for t in unique])
        return [t for t in unique if text_key(t) not in known]

    def put(
        self,
        owned: Mapping[tuple[str, str], Sequence[str]],
        vectors: Mapping[str, np.ndarray],
    ) -> None:
        """Record that each (doc id, sha) version owns its texts, and store the ``vectors``
        given (text -> vector) for those not stored yet: one transaction."""
        rows = [(text_key(t), np.asarray(v, np.float32).tobytes()) for t, v in vectors.items()]
        owners = [
            (doc_id, sha, text_key(t))
            for (doc_id, sha), texts in owned.items()
            for t in dict.fromkeys(texts)
        ]
        with self._connect() as conn:
            conn.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows)
            conn.executemany("INSERT OR IGNORE INTO owners VALUES (?, ?, ?)", owners)

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of those ``texts`` that have one."""
        by_key = {text_key(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        keys = list(by_key)
        with self._connect() as conn:
            for i in range(0, len(keys), _LOOKUP):
                part = keys[i : i + _LOOKUP]
                marks = ",".join("?" * len(part))
                sql = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"
                for key, blob in conn.execute(sql, part):
                    out[by_key[key]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def _keys_present(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self._connect() as conn:
            for i in range(0, len(keys), _LOOKUP):
                part = list(keys[i : i + _LOOKUP])
                marks = ",".join("?" * len(part))
                sql = f"SELECT key FROM vectors WHERE key IN ({marks})"
                found.update(k for (k,) in conn.execute(sql, part))
        return found

    def sweep(self, versions: Mapping[str, str]) -> int:
        """Drop ownership by versions that are not current (doc id -> file sha), then the
        vectors nobody owns; returns how many vectors went."""
        with self._connect() as conn:
            owned = conn.execute("SELECT DISTINCT doc_id, sha FROM owners").fetchall()
            stale = [(d, s) for d, s in owned if versions.get(d) != s]
            conn.executemany("DELETE FROM owners WHERE doc_id = ? AND sha = ?", stale)
            gone = conn.execute(
                "DELETE FROM vectors WHERE key NOT IN (SELECT key FROM owners)"
            ).rowcount
        return int(gone)

    def counts(self) -> tuple[int, int]:
        """(vectors, owner rows): for tests and the bench."""
        with self._connect() as conn:
            n_vectors = conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
            n_owners = conn.execute("SELECT COUNT(*) FROM owners").fetchone()[0]
        return int(n_vectors), int(n_owners)


def sentences_by_version(
    entries: Iterable[tuple[Document, Chunk]],
) -> dict[tuple[str, str], list[str]]:
    """(doc id, sha) -> the sentence texts of its chunks among ``entries``: what ``put``
    records as owned, so the vectors leave with that version."""
    owned: dict[tuple[str, str], list[str]] = {}
    for doc, chunk in entries:
        owned.setdefault((doc.doc_id, doc.file_sha), []).extend(chunk_sentences(chunk, doc.text))
    return owned


class StoredSentenceEmbeddings:
    """``embed_documents`` that reads stored sentence vectors and runs the model only for the
    rest (the question, a written answer's claims, a pair of sentences). Keeps nothing in
    memory itself: the model caches what it embedded and the readers cache what they read.
    ``model_texts`` counts what reached the model."""

    def __init__(self, model: TextEmbedder, stored: SentenceVectorStore) -> None:
        self.model = model
        self.stored = stored
        self.model_texts = 0
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        known = self.stored.get(list(dict.fromkeys(texts)))
        rest = [t for t in dict.fromkeys(texts) if t not in known]
        if rest:
            vectors = self.model.embed_documents(rest)
            known.update(zip(rest, np.asarray(vectors, dtype=np.float32), strict=True))
            with self._lock:
                self.model_texts += len(rest)
        return [known[t].tolist() for t in texts]
