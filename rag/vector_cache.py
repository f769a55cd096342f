"""Sentence vectors kept between questions, for the answerer and the conflict detector.

Why: within a session the same passages come back question after question (a journalist asks
around one story), so most sentences are ones embedded before; embedding is most of an
extractive answer's time and much of the disagreement check's. Bounded (least recently used
out) and thread-safe (the app answers several questions at once).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

CACHE_SIZE = 4096  # vectors (384 floats each: ~12 MB)


class TextEmbedder(Protocol):
    """What a cache needs of an embedding model (LangChain ``Embeddings`` has it): normalised
    vectors, so a dot product is a cosine."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...


class VectorCache:
    """``embed(texts)``: the texts' vectors, cached ones reused, the rest embedded (one call;
    a subclass may batch differently through ``_compute``). ``size=0`` keeps nothing."""

    def __init__(self, embeddings: TextEmbedder, size: int = CACHE_SIZE) -> None:
        self.embeddings = embeddings
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()

    def _compute(self, missing: list[str]) -> dict[str, np.ndarray]:
        vectors = np.asarray(self.embeddings.embed_documents(missing))
        return dict(zip(missing, vectors, strict=True))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(self._compute(missing))
            with self._lock:
                for t in missing:
                    self._vectors[t] = known[t]
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 0))
