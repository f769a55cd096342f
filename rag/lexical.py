"""BM25 over the same chunks as the vectors, kept on disk in the data dir.

Why BM25 beside the embeddings: names, numbers and rare terms ("CJNG", "$50 million") are
where a small embedding model is weakest and where journalists' questions are most exact.
The index is derived from the store and stamped with a fingerprint of the indexed documents;
a stale or missing index is rebuilt from Chroma, so it can never disagree with it for long.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.tokenization import Tokenizer

from rag.types import Chunk

_STEMMER = Stemmer.Stemmer("english")


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, stemmed word tokens; "4,000" and "4000" are one token."""
    tokenizer = Tokenizer(stopwords="english", stemmer=_STEMMER.stemWord)
    texts = [_THOUSANDS.sub("", t) for t in texts]
    tokens = tokenizer.tokenize(texts, return_as="string", show_progress=False)
    return [list(t) for t in tokens]


class Bm25Index:
    """An in-memory BM25 index over chunk ids, with the fingerprint it was built for."""

    def __init__(self, retriever: bm25s.BM25 | None, chunk_ids: list[str], fingerprint: str):
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.fingerprint = fingerprint
        self._position = {cid: i for i, cid in enumerate(chunk_ids)}

    @classmethod
    def build(cls, chunks: Sequence[Chunk], titles: dict[str, str], fingerprint: str) -> Bm25Index:
        if not chunks:
            return cls(None, [], fingerprint)
        texts = [f"{titles.get(c.doc_id, '')}\n{c.text}" for c in chunks]
        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, [c.chunk_id for c in chunks], fingerprint)

    def save(self, folder: Path) -> None:
        """Write atomically: a reader never sees half an index.

        Several writers may race (the app rebuilding after an ingest while ``rag ingest``
        finishes in another process), so each writes its own temporary folder; if another
        one's index lands first, ours is dropped: the index is a cache, the next reader
        rebuilds it if its fingerprint is not the one it needs.
        """
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
        old = tmp.with_suffix(".old")
        try:
            if self.retriever is not None:
                self.retriever.save(str(tmp), show_progress=False)
            # A fresh id per save: a reader that sees the same manifest text before and after
            # loading knows no swap happened in between, even if one index replaced another
            # and then came back (same fingerprint, written again).
            manifest = {
                "fingerprint": self.fingerprint,
                "chunk_ids": self.chunk_ids,
                "write_id": uuid.uuid4().hex,
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest))
            with contextlib.suppress(FileNotFoundError):
                folder.rename(old)
            with contextlib.suppress(OSError):  # another writer's index landed first
                tmp.rename(folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> Bm25Index | None:
        manifest_path = folder / "manifest.json"
        if not manifest_path.exists():
            return None
        try:
            text = manifest_path.read_text()
            manifest = json.loads(text)
            ids = list(manifest["chunk_ids"])
            retriever = bm25s.BM25.load(str(folder), show_progress=False) if ids else None
            if manifest_path.read_text() != text:
                return None  # swapped by a writer while we read: parts may not match
        except (OSError, ValueError, KeyError):
            return None  # a damaged index is rebuilt from the store
        return cls(retriever, ids, str(manifest["fingerprint"]))

    def search(
        self, query: str, n: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) for chunks sharing terms with ``query``, best first."""
        if self.retriever is None:
            return []
        vocab = self.retriever.vocab_dict
        tokens = [t for t in tokenize([query])[0] if t in vocab]
        if not tokens:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.chunk_ids), dtype=np.float32)
            for cid in allowed:
                pos = self._position.get(cid)
                if pos is not None:
                    mask[pos] = 1.0
        k = min(n, len(self.chunk_ids))
        docs, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, weight_mask=mask)
        return [
            (self.chunk_ids[int(i)], float(s))
            for i, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]


def fingerprint(doc_versions: dict[str, str]) -> str:
    """Identity of an index state: which documents, at which version (file sha + chunker)."""
    import hashlib

    joined = "\n".join(f"{k}:{v}" for k, v in sorted(doc_versions.items()))
    return hashlib.sha1(joined.encode()).hexdigest()


_NEGATION = re.compile(r"\b(?:not|no|never|none|nor)\b|n't\b", re.IGNORECASE)


# Figures ("3.5mm", "4-9", "2") and capitalised words ("IT", "GMT") as written: the BM25
# tokens drop one-character numbers and stop words, so "3.5mm" vs "4.5mm" or "The Springboks"
# vs "The IT" looked like the same words (measured: 15 of 18 swaps the judge read missed).
_DETAIL = re.compile(r"\d[\w.,/-]*|\b[A-Z][\w’'-]*")


def _details(text: str) -> Counter[str]:
    """Counted: "Google hid ... Google will counter" vs "Vulture hid ... Google will counter"
    differ by one "google"."""
    return Counter(m.group(0).rstrip(".,").lower() for m in _DETAIL.finditer(text))


def says_something_else(claim: str, evidence: str) -> bool:
    """A claim can only be contradicted by what it says beyond the evidence: a word, figure
    or name the evidence lacks, or a negation it does not have (a claim that drops a detail of
    its evidence is read by the judge as a contradiction at times: measured, "on Tuesday"
    dropped)."""
    if len(_NEGATION.findall(claim)) != len(_NEGATION.findall(evidence)):
        return True
    if _details(claim) - _details(evidence):
        return True
    claim_tokens, evidence_tokens = tokenize([claim, evidence])
    return bool(set(claim_tokens) - set(evidence_tokens))
