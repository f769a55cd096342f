"""The quote index (SQLite FTS5 beside the store): in step with ingest, delete and other
writers, rebuilt when missing or broken, and giving the same hits as scanning every text."""

from __future__ import annotations

from pathlib import Path

from rag.library import Library
from rag.quote_index import QuoteIndex
from rag.quotes import QuoteSearch
from rag.services import Services

PHRASES = [
    '"The president is determined to not just dismantle - but completely destroy"',
    "the presidnet is determined to not just dismantel",  # a typo: fuzzy
    "cartel",
    "Tren de Aragua",
    "zebra crossing number nine in northern Oslo",  # nowhere
    "of",  # too short for trigrams: scanned
]


def _same_as_scan(services: Services, typo_found: bool = True) -> None:
    scan = QuoteSearch(services.store)
    indexed = QuoteSearch(services.store, services.settings.quote_index_dir)
    for phrase in PHRASES:
        assert indexed.find(phrase, limit=50) == scan.find(phrase, limit=50), phrase
    assert any(not h.exact for h in indexed.find(PHRASES[1])) == typo_found


def _in_step(services: Services) -> dict[str, str]:
    versions = QuoteIndex(services.settings.quote_index_dir).versions()
    assert versions == {d: r.file_sha for d, r in services.store.doc_records().items()}
    return versions


def test_index_follows_the_store(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    assert len(_in_step(services)) == 5  # written by the ingest, before any lookup
    _same_as_scan(services)

    files = sorted(corpus_dir.glob("*.txt"))
    files[0].write_text(files[0].read_text() + "\n\nA late line: the harbour closed at dusk.\n")
    files[1].unlink()
    services.ingestor.ingest([corpus_dir])
    assert len(_in_step(services)) == 4
    hits = QuoteSearch(services.store, services.settings.quote_index_dir).find("harbour closed")
    assert [h.exact for h in hits] == [True]

    Library(services).delete(hits[0].doc_id)
    assert len(_in_step(services)) == 3
    _same_as_scan(services)


def test_index_catches_up_with_another_writer_and_rebuilds(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    search = QuoteSearch(services.store, services.settings.quote_index_dir)
    (gone,) = {h.doc_id for h in search.find(PHRASES[0])}
    services.store.delete_document(gone)  # a colleague, through the shared store
    assert search.find(PHRASES[0]) == []
    assert len(_in_step(services)) == 4

    index_file = QuoteIndex(services.settings.quote_index_dir).path
    index_file.unlink()
    _same_as_scan(services, typo_found=False)  # rebuilt from the store (the quote is gone)
    assert len(_in_step(services)) == 4
    index_file.write_bytes(b"not a database at all" * 100)
    _same_as_scan(services, typo_found=False)
    assert len(_in_step(services)) == 4


def test_a_phrase_is_cut_into_pieces_that_keep_its_order_and_text() -> None:
    """The fuzzy lookup's pigeonhole: a phrase with fewer typos than pieces keeps one piece
    intact, and that piece is an exact substring lookup."""
    from rag.quote_index import _pieces

    for phrase in (
        "the presidnet is determined to not just dismantel",
        "a short one",
        "lopez obrador said the cartels would be fought with hugs, not bullets, in 2019",
    ):
        pieces = _pieces(phrase)
        assert 2 <= len(pieces) <= 6
        assert "".join(pieces).replace(" ", "") == phrase.replace(" ", "")
        assert all(p in phrase for p in pieces)
        assert all(len(p) >= 3 for p in pieces)
