"""Sentence vectors kept between questions.

Why: within a session the same passages come back question after question (a journalist asks
around one story), so most sentences an answerer scores it has embedded before; embedding is
most of an extractive answer's time. Bounded (least recently used out) and thread-safe (the
app answers several questions at once). The conflict detector keeps the same kind of cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from rag.embeddings import LocalEmbeddings

CACHE_SIZE = 4096  # vectors (384 floats each: ~12 MB)


class VectorCache:
    """``embed(texts)``: unit vectors of the texts, cached ones reused, the rest embedded in one
    call."""

    def __init__(self, embeddings: LocalEmbeddings, size: int = CACHE_SIZE) -> None:
        self.embeddings = embeddings
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            vectors = np.asarray(self.embeddings.embed_documents(missing))
            known.update(zip(missing, vectors, strict=True))
            with self._lock:
                for t in missing:
                    self._vectors[t] = known[t]
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 0))
