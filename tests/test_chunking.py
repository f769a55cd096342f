"""Chunks fit the model window, align to sentences, and point exactly into the stored text."""

from __future__ import annotations

import pytest

from rag.chunking import ChunkLimits, split_document
from rag.reading import read_file
from rag.types import DocMeta, Document, paragraph_starts

from .conftest import CORPUS


def _doc(text: str, doc_id: str = "d1") -> Document:
    return Document(doc_id, "/x", text, DocMeta(title="t"), "sha")


def _chunks(doc: Document, embeddings, **limits) -> list:
    return split_document(
        doc, embeddings.count_tokens, embeddings.token_char_ends, ChunkLimits(**limits)
    )


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_corpus_chunks_round_trip_and_fit(path, embeddings) -> None:
    loaded = read_file(path)
    doc = _doc(loaded.text)
    chunks = _chunks(doc, embeddings, target_tokens=160, max_tokens=embeddings.max_tokens)
    assert chunks
    starts = paragraph_starts(doc.text)
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert embeddings.count_tokens([c.text])[0] <= embeddings.max_tokens
        assert starts[c.paragraph - 1] <= c.start
        assert c.paragraph == len(starts) or c.start < starts[c.paragraph]
    # Every sentence of the document is in some chunk: nothing is dropped.
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    body = [i for i, ch in enumerate(doc.text) if not ch.isspace()]
    assert all(i in covered for i in body)


def test_overlap_repeats_one_sentence(embeddings) -> None:
    text = " ".join(f"Sentence number {i} talks about cartels and policy." for i in range(60))
    chunks = _chunks(_doc(text), embeddings, target_tokens=60, overlap_sentences=1)
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end  # overlap
        assert b.start > a.start  # progress


def test_overlong_sentence_is_cut_within_window(embeddings) -> None:
    text = "Intro. " + " ".join(["cartel"] * 700) + " end. Outro."
    doc = _doc(text)
    chunks = _chunks(doc, embeddings, target_tokens=160, max_tokens=embeddings.max_tokens)
    assert all(embeddings.count_tokens([c.text])[0] <= embeddings.max_tokens for c in chunks)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)
    assert chunks[-1].text.endswith("Outro.")


def test_ids_are_stable_and_versioned(embeddings) -> None:
    doc = _doc("Alpha one. Beta two.\n\nGamma three.")
    first = [c.chunk_id for c in _chunks(doc, embeddings)]
    again = [c.chunk_id for c in _chunks(doc, embeddings)]
    other_version = Document("d1", "/x", doc.text, doc.meta, "sha2")
    assert first == again
    assert set(first).isdisjoint(c.chunk_id for c in _chunks(other_version, embeddings))


def test_empty_document_has_no_chunks(embeddings) -> None:
    assert _chunks(_doc(""), embeddings) == []
