"""Ingest against real Chroma and the real model: idempotent, incremental, crash-safe."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.store import Store

from .helpers import assert_consistent


def _chunk_count(store: Store) -> int:
    return store.chunks.count()


def test_first_ingest_then_idempotent_rerun(services, corpus_dir: Path) -> None:
    first = services.ingestor.ingest([corpus_dir])
    assert (first.added, first.updated, first.unchanged, first.removed) == (5, 0, 0, 0)
    assert first.failed == []
    assert first.chunks == _chunk_count(services.store) > 20
    second = services.ingestor.ingest([corpus_dir])
    assert (second.added, second.updated, second.unchanged, second.chunks) == (0, 0, 5, 0)
    assert _chunk_count(services.store) == first.chunks
    assert_consistent(services.store)


def test_changed_and_removed_files(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    files = sorted(corpus_dir.glob("*.txt"))
    changed, removed = files[0], files[1]
    changed.write_text(
        changed.read_text() + "\nA late correction: the alliance meets in Bogotá on Friday.\n"
    )
    removed.unlink()
    report = services.ingestor.ingest([corpus_dir])
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 3, 1)
    assert_consistent(services.store)
    assert len(services.store.doc_records()) == 4
    hits = services.retriever.search("Where does the alliance meet on Friday?", k=3)
    assert "Bogotá" in hits[0].chunk.text
    from rag.ingest import doc_id_for

    assert doc_id_for(removed) not in {h.doc_id for h in hits}
    assert doc_id_for(removed) not in services.store.doc_records()


def test_a_field_taken_out_of_the_front_matter_leaves_the_record(services, tmp_path) -> None:
    """A reporter deletes a wrong url and date from a file's front matter and re-ingests: the
    record loses them (Chroma's upsert keeps the keys it is not given, so they stayed)."""
    from rag.ingest import doc_id_for

    path = tmp_path / "memo.md"
    body = "The port authority confirmed the strike ended on Friday.\n"
    path.write_text(
        "---\ntitle: Port memo\nurl: https://example.org/wrong\ndate: 2024-01-02\n---\n" + body
    )
    services.ingestor.ingest([tmp_path])
    meta = services.store.doc_records()[doc_id_for(path, tmp_path)].meta
    assert (meta.url, meta.date) == ("https://example.org/wrong", "2024-01-02")

    path.write_text("---\ntitle: Port memo\n---\n" + body)
    assert services.ingestor.ingest([tmp_path]).updated == 1
    meta = services.store.doc_records()[doc_id_for(path, tmp_path)].meta
    assert (meta.title, meta.url, meta.date) == ("Port memo", None, None)


def test_bad_files_are_reported_and_skipped(services, corpus_dir: Path) -> None:
    (corpus_dir / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf")
    (corpus_dir / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (corpus_dir / "empty.md").write_text("   \n")
    report = services.ingestor.ingest([corpus_dir])
    assert report.added == 5
    failed = {Path(f["path"]).name: f["reason"] for f in report.failed}
    assert set(failed) == {"broken.pdf", "junk.txt", "empty.md"}
    assert all(reason.strip() for reason in failed.values())
    assert_consistent(services.store)


def test_interrupted_ingest_is_completed_by_rerun(services, corpus_dir: Path) -> None:
    """Ctrl-C in the middle of writing chunks, then a rerun: complete, no duplicates."""
    calls = 0

    def interrupt_after_two_batches(done: int, total: int, title: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt

    services.settings.embedding_batch_size = 4
    with pytest.raises(KeyboardInterrupt):
        services.ingestor.ingest([corpus_dir], progress=interrupt_after_two_batches)
    assert _chunk_count(services.store) > 0  # partial chunks really were written
    rerun = services.ingestor.ingest([corpus_dir])
    assert rerun.added + rerun.unchanged == 5
    assert_consistent(services.store)

    clean = services.settings.model_copy(update={"data_dir": corpus_dir.parent / "clean"})
    from rag.services import build_services

    reference = build_services(clean, services.embeddings)
    reference.ingestor.ingest([corpus_dir])
    assert sorted(services.store.chunk_owners()) == sorted(reference.store.chunk_owners())


def test_changing_chunk_size_rechunks_without_leftovers(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    before = _chunk_count(services.store)
    from rag.ingest import Ingestor

    smaller = services.settings.model_copy(update={"chunk_tokens": 64})
    report = Ingestor(services.store, services.embeddings, smaller).ingest([corpus_dir])
    assert report.updated == 5
    assert _chunk_count(services.store) > before
    assert_consistent(services.store)


def test_single_file_ingest_does_not_prune_others(services, corpus_dir: Path, tmp_path) -> None:
    services.ingestor.ingest([corpus_dir])
    extra = tmp_path / "note.md"
    extra.write_text("# Editor's note\n\nThe desk confirmed the figure with two officials.\n")
    report = services.ingestor.ingest([extra])
    assert (report.added, report.removed) == (1, 0)
    assert len(services.store.doc_records()) == 6
    shutil.rmtree(corpus_dir)
    corpus_dir.mkdir()
    assert services.ingestor.ingest([corpus_dir]).removed == 5
    assert [r.meta.title for r in services.store.doc_records().values()] == ["Editor's note"]


def test_length_sorted_batches_keep_each_documents_own_vectors(services, corpus_dir: Path) -> None:
    """Chunks are embedded longest first across documents, yet every vector lands on its own
    chunk, and a document's record carries its first chunk's vector."""
    import numpy as np

    from rag.ingest import embedding_text

    services.ingestor.ingest([corpus_dir])
    records = services.store.doc_records()
    chunks = services.store.live_chunks(records)
    lengths = [len(c.text) for c in chunks]
    assert lengths != sorted(lengths, reverse=True)  # document order is not length order
    stored = services.store.chunk_embeddings([c.chunk_id for c in chunks])
    for chunk in chunks[::7]:
        alone = services.embeddings.embed_query(embedding_text(chunk))
        assert np.dot(alone, stored[chunk.chunk_id]) > 0.999, chunk.chunk_id
    got = services.store.docs.get(ids=list(records), include=["embeddings"])
    for doc_id, vector in zip(got["ids"], got["embeddings"], strict=True):
        first = next(c for c in chunks if c.doc_id == doc_id and c.index == 0)
        assert np.allclose(vector, stored[first.chunk_id]), doc_id
