"""One model call for an ingest window: its chunk texts and their new sentences together.

Why one call: the embedder sorts what it is given by length before batching (a batch pads to
its longest text), so chunks and sentences sorted together leave fewer half-empty batches
than two calls would; and a text that is both a chunk and a sentence (a one-sentence chunk:
most of the MultiHop pool) is embedded once, its one vector serving as both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.vector_cache import TextEmbedder


def embed_window(
    model: TextEmbedder, chunk_texts: Sequence[str], sentences: Sequence[str]
) -> tuple[list[list[float]], dict[str, np.ndarray]]:
    """(one vector per chunk text, in order; sentence text -> vector) from one model call
    over the distinct texts of both."""
    unique = list(dict.fromkeys([*chunk_texts, *sentences]))
    if not unique:
        return [], {}
    embedded = model.embed_documents(unique)
    by_text = dict(zip(unique, embedded, strict=True))
    chunk_vectors = [by_text[t] for t in chunk_texts]
    sentence_vectors = {t: np.asarray(by_text[t], dtype=np.float32) for t in sentences}
    return chunk_vectors, sentence_vectors
