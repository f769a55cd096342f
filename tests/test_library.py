"""The library on the real store and model: edit, delete, upload (names, sizes, failures)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rag.config import Settings
from rag.ingest import doc_id_for
from rag.library import Library, UploadRefused, safe_name
from rag.present import footnoted_markdown
from rag.types import DocMeta

QUESTION = "Who designated the cartels as foreign terrorist organizations?"
EDIT = DocMeta(
    title="Zanzibarian dossier on cartel designations",
    outlet="Wire Desk",
    date="2025-07-01",
    url="https://example.org/dossier",
    reliability="official statement",
)
# What the store holds after the edit: the edit, and the language detected at ingest (the
# language is the text's, not part of the edit).
EDITED = dataclasses.replace(EDIT, language="en")
GOOD_MD = """---
title: "Harbour authority memo"
outlet: "Port Gazette"
date: "2025-02-03"
---
The harbour authority inspected forty-two containers on Tuesday.

Inspectors found no contraband in the containers from Valparaiso.
"""


def _doc(corpus: Path, prefix: str) -> str:
    (path,) = corpus.glob(f"{prefix}_*.txt")
    return doc_id_for(path)


def _vectors(services, doc_id: str) -> dict[str, list[float]]:
    ids = [c.chunk_id for c, _ in services.store.chunks_of(doc_id)]
    return services.store.chunk_embeddings(ids)


def test_edit_reaches_citations_without_reembedding(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    library = Library(services)
    target = _doc(corpus_dir, "004")
    entries = {e.doc_id: e for e in library.entries()}
    assert len(entries) == 5
    assert entries[target].chunks > 0
    assert entries[target].added_at
    assert entries[target].reliability == "news report"
    before = services.pipeline.ask(QUESTION)
    assert target in {c.doc_id for c in before.citations}
    vectors = _vectors(services, target)
    record = services.store.doc_records()[target]

    stored = library.edit(target, EDIT)

    assert stored == EDITED
    after = services.pipeline.ask(QUESTION)
    cited = [c for c in after.citations if c.doc_id == target]
    assert cited
    assert all(c.meta == EDITED for c in cited)
    markdown = footnoted_markdown(after)
    assert (
        "*Zanzibarian dossier on cartel designations* (official statement), Wire Desk" in markdown
    )
    assert "https://example.org/dossier" in markdown
    assert _vectors(services, target) == vectors  # nothing re-embedded
    now = services.store.doc_records()[target]
    assert (now.file_sha, now.updated_at, now.added_at) == (
        record.file_sha,
        record.updated_at,
        record.added_at,
    )
    assert now.edited
    assert {e.doc_id: e for e in library.entries()}[target].edited
    # BM25 indexes titles: the new title is searchable at once.
    hits = services.retriever.search("Zanzibarian dossier", k=3, mode="bm25")
    assert hits[0].doc_id == target


def test_edit_clears_fields_and_is_validated(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    library = Library(services)
    target = _doc(corpus_dir, "001")
    assert library.edit(
        target, DocMeta(title="  Narco  terrorism\n review ", outlet="")
    ) == DocMeta(title="Narco terrorism review", language="en")  # the language is kept
    record = services.store.doc_records()[target]
    assert record.meta.outlet is None
    assert record.meta.reliability is None
    for bad, message in [
        (DocMeta(title="  "), "needs a title"),
        (DocMeta(title="x", date="next Tuesday"), "YYYY-MM-DD"),
        (DocMeta(title="x", url="javascript:alert(1)"), "http"),
        (DocMeta(title="x" * 600), "longer than"),
    ]:
        with pytest.raises(ValueError, match=message):
            library.edit(target, bad)
    with pytest.raises(KeyError):
        library.edit("d-unknown", DocMeta(title="x"))
    assert services.store.doc_records()[target].meta.title == "Narco terrorism review"


def test_edit_survives_reingest_and_later_front_matter(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    library = Library(services)
    target = _doc(corpus_dir, "001")
    library.edit(target, EDIT)
    again = services.ingestor.ingest([corpus_dir])
    assert again.unchanged == 5
    assert services.store.doc_records()[target].meta == EDITED

    (path,) = corpus_dir.glob("001_*.txt")
    text = path.read_text(encoding="utf-8")
    text = text.replace('outlet: "NEWS NEST"', 'outlet: "Other Outlet"')
    added = "Investigators counted 14 boats in the harbour of Manta last week."
    text = text.replace(
        "\n\nThe United States has waged", f"\n\n{added}\n\nThe United States has waged"
    )
    path.write_text(text, encoding="utf-8")
    changed = services.ingestor.ingest([corpus_dir])
    assert changed.updated == 1
    record = services.store.doc_records()[target]
    assert record.meta == EDITED  # the UI edit wins over the file's new front matter
    assert record.edited
    document = services.store.get_document(target)
    assert added in document.text
    hits = services.retriever.search("How many boats were counted in the harbour of Manta?", k=2)
    assert hits[0].doc_id == target
    assert hits[0].meta == EDITED


def test_delete_removes_exactly_one_document(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    library = Library(services)
    target = _doc(corpus_dir, "004")
    owners = services.store.chunk_owners()
    kept = {cid for cid, (doc, _) in owners.items() if doc != target}
    assert len(kept) < len(owners)
    assert services.retriever.search("Anna Kelly", k=3, mode="bm25")[0].doc_id == target

    library.delete(target)

    assert target not in services.store.doc_records()
    assert len(services.store.doc_records()) == 4
    assert set(services.store.chunk_owners()) == kept  # the others' chunks untouched
    assert services.store.get_document(target) is None
    for mode in ("bm25", "dense", "hybrid"):
        hits = services.retriever.search("Anna Kelly White House press secretary", k=6, mode=mode)
        assert target not in {h.doc_id for h in hits}, mode
    answer = services.pipeline.ask(QUESTION)
    assert target not in {c.doc_id for c in answer.citations}
    (source,) = corpus_dir.glob("004_*.txt")
    assert source.exists()  # files outside the uploads folder are not touched
    with pytest.raises(KeyError):
        library.delete(target)


def test_upload_one_good_one_broken(services, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "tmp1").write_text(GOOD_MD, encoding="utf-8")
    (incoming / "tmp2").write_bytes(b"%PDF-1.7\n\x00\x01 this is not really a pdf \xff\xfe")
    library = Library(services)
    progress: list[tuple[int, int, str]] = []

    report = library.upload(
        [("memo.md", incoming / "tmp1"), ("scan.pdf", incoming / "tmp2")],
        progress=lambda done, total, title: progress.append((done, total, title)),
    )

    assert report.added == 1
    assert len(report.failed) == 1
    assert report.failed[0]["path"] == "scan.pdf"
    assert report.failed[0]["reason"]
    (entry,) = library.entries()
    assert (entry.title, entry.outlet, entry.date) == (
        "Harbour authority memo",
        "Port Gazette",
        "2025-02-03",
    )
    assert Path(entry.source) == (services.settings.upload_dir / "memo.md").resolve()
    assert progress
    assert progress[-1][0] == progress[-1][1]
    assert sorted(p.name for p in services.settings.upload_dir.iterdir()) == ["memo.md"]
    hits = services.retriever.search("How many containers did the harbour authority inspect?")
    assert hits[0].doc_id == entry.doc_id

    # A second upload adds; it never prunes what is there.
    (incoming / "tmp3").write_text(
        "Customs seized 300 kilograms of cocaine in Guayaquil.", encoding="utf-8"
    )
    second = library.upload([("seizure.txt", incoming / "tmp3")])
    assert (second.added, second.failed) == (1, [])
    assert len(library.entries()) == 2


def test_upload_names_are_sanitised_or_refused(services, tmp_path: Path) -> None:
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("a/b\\c.md") == "c.md"
    assert safe_name("..\\..\\Windows\\notes.HTML") == "notes.html"
    assert safe_name(".hidden.txt") == "hidden.txt"
    assert safe_name("Report <script>.docx") == "Report _script_.docx"
    assert safe_name("Informe de la Fiscalía.pdf") == "Informe de la Fiscalía.pdf"
    for name, reason in [
        ("bad\x00.txt", "NUL"),
        ("...", "no usable name"),
        ("..", "no usable name"),
        ("/", "no usable name"),
        ("notes.exe", "'.exe' files are not read"),
        ("README", "'no extension' files are not read"),
    ]:
        with pytest.raises(UploadRefused, match=reason):
            safe_name(name)

    temp = tmp_path / "upload.tmp"
    temp.write_text("Police found 12 boats at the pier in Manta.", encoding="utf-8")
    names = ["../../etc/passwd.txt", "a/b\\c.md", "bad\x00.txt", "...", "x/../../evil.sh"]
    report = Library(services).upload([(n, temp) for n in names])

    assert report.added == 2
    failed = {f["path"]: f["reason"] for f in report.failed}
    assert set(failed) == {"bad\\x00.txt", "...", "x/../../evil.sh"}
    assert "NUL" in failed["bad\\x00.txt"]
    saved = sorted(p.name for p in services.settings.upload_dir.iterdir())
    assert saved == ["c.md", "passwd.txt"]
    assert not (tmp_path / "etc").exists()
    assert not (services.settings.data_dir / "etc").exists()
    sources = {Path(e.source).parent for e in Library(services).entries()}
    assert sources == {services.settings.upload_dir.resolve()}


def test_upload_over_the_size_limit(tmp_path: Path, embeddings) -> None:
    from rag.services import build_services

    settings = Settings(data_dir=tmp_path / "data", upload_max_mb=0.01)  # 10 KB
    services = build_services(settings, embeddings)
    big = tmp_path / "big"
    big.write_text("The shipment was seized. " * 1000, encoding="utf-8")  # 25 KB
    small = tmp_path / "small"
    small.write_text("The shipment was seized in Cartagena.", encoding="utf-8")

    report = Library(services).upload([("big.txt", big), ("small.txt", small)])

    assert report.added == 1
    (failure,) = report.failed
    assert failure["path"] == "big.txt"
    assert failure["reason"] == "the file is 24 KB; the upload limit is 0.01 MB (RAG_UPLOAD_MAX_MB)"
    assert sorted(p.name for p in settings.upload_dir.iterdir()) == ["small.txt"]


def test_reupload_replaces_and_broken_version_keeps_the_old(services, tmp_path: Path) -> None:
    library = Library(services)
    temp = tmp_path / "t"
    temp.write_text("Version one: 10 arrests in Lima.", encoding="utf-8")
    assert library.upload([("case.txt", temp)]).added == 1
    temp.write_text("Version two: 14 arrests in Lima.", encoding="utf-8")
    assert library.upload([("case.txt", temp)]).updated == 1
    (entry,) = library.entries()
    assert "Version two" in services.store.get_document(entry.doc_id).text

    temp.write_bytes(b"")
    broken = library.upload([("case.txt", temp)])
    assert [f["path"] for f in broken.failed] == ["case.txt"]
    saved = services.settings.upload_dir / "case.txt"
    assert saved.read_text(encoding="utf-8") == "Version two: 14 arrests in Lima."
    assert sorted(p.name for p in services.settings.upload_dir.iterdir()) == ["case.txt"]
    assert "Version two" in services.store.get_document(entry.doc_id).text

    library.delete(entry.doc_id)  # an uploaded copy leaves with its document
    assert not saved.exists()
    assert library.entries() == []
