"""A quote index beside the store: SQLite FTS5 (trigram) over each document's normalised text.

Why: scanning every stored text per query grows with the library (~2 s at 622 documents).
The index narrows a query to candidate documents; ``QuoteSearch`` then scores only those,
exactly as it scores a full scan. A trigram index answers "which texts contain this
substring" (the exact candidates: no false negatives, since both sides are normalised the
same way) and ranks texts by how many of the phrase's trigrams they share (the fuzzy
candidates: a typo'd phrase keeps most of its trigrams).

One SQLite file per collection in the data dir, also for a Chroma server: each client keeps
its own and brings it in step with the store's records (doc id + file sha) before a lookup,
so a colleague's ingest, edit or delete through the server is seen at the next query. Ingest
and delete in this process sync it right away, so a query seldom pays for the catch-up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from rapidfuzz import fuzz

from rag.store import DocRecord, Store

FUZZY_CANDIDATES = 200  # texts holding a piece of a phrase (best BM25 first), scored fuzzily
PIECES = 6  # at most; a fuzzy lookup's candidates hold one of the phrase's pieces exactly
_BATCH = 200  # documents read from the store per write
_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, doc_id TEXT UNIQUE, sha TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS hay USING fts5(text, tokenize='trigram');
CREATE TABLE IF NOT EXISTS synced (id INTEGER PRIMARY KEY CHECK (id = 1), version TEXT);
"""


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class QuoteIndex:
    """The trigram index of one collection's texts, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "quotes.sqlite"
        self._ready = False  # the schema exists in the file (checked once per instance)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not (self._ready and self.path.exists()):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=30)) as conn:
                conn.executescript(_SCHEMA)
            self._ready = True
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            yield conn

    def versions(self) -> dict[str, str]:
        """doc id -> file sha of what is indexed."""
        with self._connect() as conn:
            return dict(conn.execute("SELECT doc_id, sha FROM docs").fetchall())

    def _synced(self) -> str | None:
        with self._connect() as conn:
            row = conn.execute("SELECT version FROM synced").fetchone()
            return str(row[0]) if row else None

    def sync(self, store: Store, records: dict[str, DocRecord] | None = None) -> int:
        """Bring the index in line with the store's records; returns how many documents were
        written or removed. Skipped when the store's records version is the one last synced
        to; a missing or corrupt file is rebuilt from the store."""
        from rag.quotes import normalise  # the same folding as the lookup

        version, current = store.versioned_records()
        records = current if records is None else records
        try:
            if version is not None and self._synced() == version:
                return 0
            indexed = self.versions()
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)
            self._ready = False
            indexed = {}
        stale = [d for d in indexed if d not in records]
        stale += [d for d, r in records.items() if d in indexed and indexed[d] != r.file_sha]
        missing = sorted(d for d, r in records.items() if indexed.get(d) != r.file_sha)
        with self._connect() as conn, conn:
            conn.execute("INSERT OR REPLACE INTO synced (id, version) VALUES (1, ?)", (version,))
            for doc_id in stale:
                row = conn.execute("SELECT id FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
                conn.execute("DELETE FROM hay WHERE rowid = ?", (row[0],))
                conn.execute("DELETE FROM docs WHERE id = ?", (row[0],))
        for b in range(0, len(missing), _BATCH):
            docs = list(store.documents(missing[b : b + _BATCH]))
            with self._connect() as conn, conn:
                for doc in docs:
                    cur = conn.execute(
                        "INSERT INTO docs (doc_id, sha) VALUES (?, ?)", (doc.doc_id, doc.file_sha)
                    )
                    conn.execute(
                        "INSERT INTO hay (rowid, text) VALUES (?, ?)",
                        (cur.lastrowid, normalise(doc.text)[0]),
                    )
        return len(stale) + len(missing)

    def containing(self, needle: str) -> set[str]:
        """Documents whose normalised text contains ``needle`` (3 characters or more)."""
        query = "SELECT d.doc_id FROM hay JOIN docs d ON d.id = hay.rowid WHERE hay MATCH ?"
        with self._connect() as conn:
            return {row[0] for row in conn.execute(query, (_quoted(needle),))}

    def resembling(self, needle: str, cutoff: float, limit: int = FUZZY_CANDIDATES) -> set[str]:
        """Documents holding a window at least ``cutoff`` alike to ``needle`` (rapidfuzz
        partial ratio, the test ``QuoteSearch`` makes first), among those that contain one of
        the phrase's pieces exactly.

        Why pieces: a phrase with a typo or two still has most of its pieces intact (a
        pigeonhole), and an exact substring lookup of a piece is an intersection of a few
        trigram lists, fast at any library size; ranking texts by shared trigrams instead reads
        nearly every text (" th" is in all of them) and grows with the library.
        """
        pieces = [p for p in _pieces(needle) if len(p) >= 3]
        if not pieces:
            return set()
        query = (
            "SELECT d.doc_id, hay.text FROM hay JOIN docs d ON d.id = hay.rowid "
            "WHERE hay MATCH ? ORDER BY bm25(hay) LIMIT ?"
        )
        expression = " OR ".join(_quoted(p) for p in pieces)
        with self._connect() as conn:
            rows = conn.execute(query, (expression, limit)).fetchall()
        return {d for d, text in rows if fuzz.partial_ratio(needle, text, score_cutoff=cutoff)}


def _pieces(needle: str) -> list[str]:
    """``needle`` cut into 2-4 pieces of about ten characters, at spaces where one is near."""
    k = max(2, min(PIECES, len(needle) // 6))
    cuts = [0]
    for i in range(1, k):
        at = i * len(needle) // k
        space = needle.rfind(" ", cuts[-1] + 3, at + 3)
        cuts.append(space if space > cuts[-1] + 3 and at - space <= 4 else at)
    cuts.append(len(needle))
    return [needle[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]
