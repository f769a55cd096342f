"""Document identity a team can share: the id is the file's place under the ingested folder.

Two checkouts of the same folder at different absolute paths, ingested into one store
(embedded, or a real Chroma server from two "machines"), hold each document once; a store
written with the old absolute-path ids is migrated on the next ingest with no duplicates.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import rag.ingest
from rag.config import Settings
from rag.ingest import corpus_root, doc_id_for, legacy_doc_id
from rag.library import Library
from rag.store import Store
from rag.types import DocMeta

from .helpers import assert_consistent

NESTED = "desk/2025/harbour.md"
HARBOUR = "# Harbour memo\n\nThe harbour authority logged 17 unregistered fast boats in March.\n"


def _checkout(corpus_dir: Path, where: Path) -> Path:
    """A copy of the corpus (plus a file in a subfolder) at another absolute path."""
    shutil.copytree(corpus_dir, where)
    nested = where / NESTED
    nested.parent.mkdir(parents=True)
    nested.write_text(HARBOUR)
    return where


@pytest.fixture
def checkouts(corpus_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    return (
        _checkout(corpus_dir, tmp_path / "alice" / "work" / "corpus"),
        _checkout(corpus_dir, tmp_path / "bob" / "newsroom-files"),
    )


def test_id_is_the_place_under_the_root(checkouts: tuple[Path, Path]) -> None:
    a, b = checkouts
    assert doc_id_for(a / NESTED, a) == doc_id_for(b / NESTED, b)
    assert doc_id_for(a / NESTED, a) != doc_id_for(a / NESTED, a / "desk")
    assert doc_id_for(a / NESTED, a) != doc_id_for(a / NESTED, a, namespace="uploads/")
    assert corpus_root(a / NESTED, [a / "desk", a]) == a
    assert corpus_root(a / NESTED, []) == a / "desk" / "2025"
    assert legacy_doc_id(a / NESTED) != legacy_doc_id(b / NESTED)


def _assert_once(store: Store, checkout: Path) -> None:
    files = sorted(p for p in checkout.rglob("*") if p.suffix in {".txt", ".md"})
    expected = {doc_id_for(p, checkout) for p in files}
    assert set(store.doc_records()) == expected
    assert {doc for doc, _ in store.chunk_owners().values()} == expected
    assert_consistent(store)


def test_two_checkouts_one_embedded_store(services, checkouts: tuple[Path, Path]) -> None:
    a, b = checkouts
    first = services.ingestor.ingest([a])
    assert (first.added, first.failed) == (6, [])
    chunks = len(services.store.chunk_owners())
    second = services.ingestor.ingest([b])
    assert (second.added, second.updated, second.unchanged, second.removed) == (0, 0, 6, 0)
    assert len(services.store.chunk_owners()) == chunks
    _assert_once(services.store, b)
    # Incremental ingest still works from either checkout.
    (b / NESTED).write_text(HARBOUR + "\nA correction: 18 boats, not 17.\n")
    changed = services.ingestor.ingest([b])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 5)
    # Bob deletes a file whose record names Alice's copy: his records of her other files
    # show where her copy is, so it goes.
    removed = sorted(b.glob("*.txt"))[0]
    removed.unlink()
    gone = services.ingestor.ingest([b])
    assert (gone.added, gone.updated, gone.unchanged, gone.removed) == (0, 0, 5, 1)
    assert doc_id_for(removed, b) not in services.store.doc_records()
    assert_consistent(services.store)


def test_old_absolute_path_ids_are_migrated(
    services, checkouts: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = checkouts
    with monkeypatch.context() as old:
        old.setattr(rag.ingest, "doc_id_for", lambda p, root=None, namespace="": legacy_doc_id(p))
        assert services.ingestor.ingest([a]).added == 6
    legacy = {legacy_doc_id(p) for p in a.rglob("*.txt")}
    assert legacy < set(services.store.doc_records())
    edited_old = legacy_doc_id(sorted(a.glob("*.txt"))[0])
    services.store.update_meta(edited_old, DocMeta(title="Edited by the desk", outlet="Wire"))

    report = services.ingestor.ingest([a])
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 6, 0, 0)
    _assert_once(services.store, a)
    new_id = doc_id_for(sorted(a.glob("*.txt"))[0], a)
    assert services.store.doc_records()[new_id].meta.title == "Edited by the desk"
    again = services.ingestor.ingest([a])
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 6, 0)


def test_migration_interrupted_before_the_old_ids_went(
    services, checkouts: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the new records were written but before the old ones were deleted."""
    a, _ = checkouts
    with monkeypatch.context() as old:
        old.setattr(rag.ingest, "doc_id_for", lambda p, root=None, namespace="": legacy_doc_id(p))
        services.ingestor.ingest([a])
    with monkeypatch.context() as crash:
        crash.setattr(rag.ingest.Ingestor, "_retire", lambda self, legacy, records: None)
        crash.setattr(rag.ingest.Ingestor, "_prune", lambda self, paths, records, seen, others: 0)
        services.ingestor.ingest([a])
    assert len(services.store.doc_records()) == 12  # both ids, for now
    report = services.ingestor.ingest([a])
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 0, 6, 0)
    _assert_once(services.store, a)


def test_an_upload_does_not_take_over_a_corpus_file(
    services, corpus_dir: Path, tmp_path: Path
) -> None:
    services.ingestor.ingest([corpus_dir])
    name = sorted(corpus_dir.glob("*.txt"))[0].name
    temp = tmp_path / "sent"
    temp.write_text(HARBOUR)
    assert Library(services).upload([(name, temp)]).added == 1
    assert len(services.store.doc_records()) == 6
    assert services.ingestor.ingest([corpus_dir]).unchanged == 5


@pytest.mark.server
def test_two_machines_one_chroma_server(
    chroma_server: int, tmp_path: Path, checkouts: tuple[Path, Path], embeddings
) -> None:
    from rag.services import build_services

    a, b = checkouts
    machines = [
        build_services(
            Settings(data_dir=tmp_path / who, chroma_host="127.0.0.1", chroma_port=chroma_server),
            embeddings,
        )
        for who in ("alice-data", "bob-data")
    ]
    assert machines[0].ingestor.ingest([a]).added == 6
    second = machines[1].ingestor.ingest([b])
    assert (second.added, second.updated, second.unchanged, second.removed) == (0, 0, 6, 0)
    for services in machines:
        _assert_once(services.store, b)


def test_a_shared_file_name_does_not_make_another_corpus_a_copy(
    services, corpus_dir: Path, tmp_path: Path
) -> None:
    """Corpus B holds one file of the same name as corpus A's: ingesting B prunes none of A."""
    services.ingestor.ingest([corpus_dir])
    other = tmp_path / "other-corpus"
    other.mkdir()
    shutil.copy(sorted(corpus_dir.glob("*.txt"))[0], other)
    (other / "memo.md").write_text(HARBOUR)
    report = services.ingestor.ingest([other])
    assert (report.added, report.unchanged, report.removed) == (1, 1, 0)
    assert len(services.store.doc_records()) == 6
