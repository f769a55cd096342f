"""Sentence vectors are made at ingest, owned by document versions, and read at question time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.sentence_vectors import chunk_sentences
from rag.sentences import split_sentences

QUESTIONS = (
    "Who designated the cartels as foreign terrorist organizations?",
    "Has the US campaign against narco-terrorism been a success?",
    "How many fugitives were arrested?",
)


def _stored_sentences(services) -> set[str]:
    records = services.store.doc_records()
    texts: set[str] = set()
    for chunk in services.store.live_chunks(records):
        document = services.store.get_document(chunk.doc_id)
        assert document is not None
        texts.update(chunk_sentences(chunk, document.text))
    return texts


def test_vectors_are_written_at_ingest_and_equal_the_models(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    texts = sorted(_stored_sentences(services))
    stored = services.ingestor.sentences.get(texts)
    assert set(stored) == set(texts)  # every sentence of every chunk
    sample = texts[:: max(1, len(texts) // 25)]
    model = np.asarray(services.embeddings.embed_documents(sample))
    for text, vector in zip(sample, model, strict=True):
        np.testing.assert_allclose(stored[text], vector, atol=1e-4)


def test_questions_embed_no_stored_sentence(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    sentences = _stored_sentences(services)
    asked: list[str] = []
    model = services.sentences.model
    real = model.embed_documents

    def counting(texts: list[str]) -> list[list[float]]:
        asked.extend(texts)
        return real(texts)

    services.sentences.model = type("Counting", (), {"embed_documents": staticmethod(counting)})()
    for question in QUESTIONS:
        answer = services.pipeline.ask(question)
        assert answer.citations, question
    assert not [t for t in asked if t in sentences]  # no sentence of a document reached it
    assert set(QUESTIONS) <= set(asked)  # the questions themselves did


def test_vectors_go_with_their_document_and_version(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    store = services.ingestor.sentences
    before, owners_before = store.counts()
    (path,) = corpus_dir.glob("001_*.txt")
    added = "Investigators counted 14 boats in the harbour of Manta last week."
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n\nThe United States", f"\n\n{added}\n\nThe United States"))
    services.ingestor.ingest([corpus_dir])
    assert added in store.get([added])  # the new version's sentence is there
    after, _ = store.counts()
    assert after >= before + 1
    path.unlink()
    services.ingestor.ingest([corpus_dir])
    assert store.get([added]) == {}  # gone with the document
    remaining = _stored_sentences(services)
    n_vectors, _ = store.counts()
    assert n_vectors == len(remaining)
    assert owners_before > 0


def test_a_crash_mid_ingest_leaves_nothing_a_rerun_duplicates(
    services, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sentences are stored before their document's record; a crash in between leaves rows
    owned by a version that never completed: the rerun neither embeds them again nor keeps
    those of a version that changed meanwhile."""
    real = services.store.put_documents

    def crash(*args, **kwargs):
        raise RuntimeError("killed mid-ingest")

    monkeypatch.setattr(services.store, "put_documents", crash)
    with pytest.raises(RuntimeError, match="killed"):
        services.ingestor.ingest([corpus_dir])
    store = services.ingestor.sentences
    orphans, _ = store.counts()
    assert orphans > 0  # written before the crash, owned by no finished version
    (path,) = corpus_dir.glob("002_*.txt")
    dropped = next(t for t in store.get(sorted(_sentences_of_file(path))))
    path.write_text(path.read_text(encoding="utf-8").replace(dropped, "A new sentence here."))
    monkeypatch.setattr(services.store, "put_documents", real)
    services.ingestor.ingest([corpus_dir])
    n_vectors, _ = store.counts()
    assert n_vectors == len(_stored_sentences(services))
    assert len(services.store.doc_records()) == 5
    assert store.get([dropped]) == {} or dropped in _stored_sentences(services)


def _sentences_of_file(path: Path) -> set[str]:
    """Sentences of a corpus file long enough to be one quote (for picking one to change)."""
    text = path.read_text(encoding="utf-8")
    return {s for s in split_sentences(text) if len(s.split()) > 12 and "\n" not in s}


def test_turned_off_ingest_stores_none_and_answers_still(tmp_path: Path, corpus_dir, embeddings):
    from rag.config import Settings
    from rag.services import build_services

    services = build_services(
        Settings(data_dir=tmp_path / "off", sentence_vectors=False), embeddings
    )
    services.ingestor.ingest([corpus_dir])
    assert services.ingestor.sentences.counts() == (0, 0)
    answer = services.pipeline.ask(QUESTIONS[2])
    assert answer.citations


def test_a_one_sentence_chunk_is_embedded_once_for_both_vectors(
    services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk of one sentence is embedded with exactly that sentence's text (most of the
    MultiHop pool): one model run gives its chunk vector and its stored sentence vector, and
    that vector is the model's own for the sentence."""
    sentence = "The harbour master of Manta counted 14 fishing boats on Tuesday."
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "fact.txt").write_text(f"---\ntitle: One fact\n---\n{sentence}\n", encoding="utf-8")
    model = services.embeddings
    model.clear_cache()
    monkeypatch.setattr(model._recent, "size", 0)  # the reuse must not hang on that cache
    real = model.encode
    calls: list[list[str]] = []

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(model, "encode", counting)
    services.ingestor.ingest([folder])
    (chunk,) = services.store.live_chunks(services.store.doc_records())
    assert chunk.text == sentence
    assert calls == [[sentence]]  # one model call, the text once
    stored = services.ingestor.sentences.get([sentence])[sentence]
    np.testing.assert_allclose(stored, real([sentence])[0], atol=1e-4)
    chunk_vector = services.store.chunk_embeddings([chunk.chunk_id])[chunk.chunk_id]
    np.testing.assert_allclose(stored, chunk_vector, atol=1e-6)
