"""Document languages on the real store and model: detected at ingest, kept, and used by BM25."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.ingest import doc_id_for
from rag.language import detect_language, stated_language
from rag.lexical import query_tokens, tokenize
from rag.library import LibraryEntry
from rag.types import DocMeta
from rag.ui.views import library_html

SPANISH_TITLE = "Golpe al contrabando en Manzanillo"
SPANISH_TEXT = (
    "Agentes de la Marina decomisaron cuarenta toneladas de precursores químicos en el puerto "
    "de Manzanillo, según informaron las autoridades federales el jueves por la tarde.\n\n"
    "La carga llegó en tres contenedores procedentes de Asia y estaba declarada como material "
    "para la industria del plástico."
)
# Its key word only in another form than the document's ("decomisó" / "decomisaron"), and no
# other word the document has.
SPANISH_QUESTION = "¿Qué se decomisó?"


def _add_spanish(corpus: Path, front_matter: str = "") -> str:
    path = corpus / "spanish_seizure.md"
    path.write_text(
        f'---\ntitle: "{SPANISH_TITLE}"\n{front_matter}---\n{SPANISH_TEXT}\n', encoding="utf-8"
    )
    return doc_id_for(path)


def _english_id(corpus: Path) -> str:
    (path,) = corpus.glob("000_*.txt")
    return doc_id_for(path)


def test_language_is_detected_stored_and_shown(services, corpus_dir: Path, capsys) -> None:
    spanish = _add_spanish(corpus_dir)
    services.ingestor.ingest([corpus_dir])
    records = services.store.doc_records()
    assert records[spanish].meta.language == "es"
    assert records[_english_id(corpus_dir)].meta.language == "en"
    assert {r.meta.language for r in records.values()} == {"en", "es"}
    # Kept through the store's round trip and shown in `rag docs --json` and the library.
    fresh = services.store.doc_records_of([spanish])[spanish]
    as_json = json.loads(json.dumps(fresh.to_dict()))
    assert as_json["language"] == "es"
    assert {"title", "outlet", "date", "url", "reliability", "source", "chunks"} <= set(as_json)
    html = library_html([LibraryEntry.of(fresh)])
    assert '<td class="col-language">es</td>' in html
    # A search hit and a citation carry it too.
    hit = services.retriever.search(SPANISH_QUESTION, k=4, mode="bm25")[0]
    assert hit.to_dict()["language"] == "es"


def test_spanish_inflection_is_found_by_bm25(services, corpus_dir: Path) -> None:
    spanish = _add_spanish(corpus_dir)
    services.ingestor.ingest([corpus_dir])
    indexed = f"{SPANISH_TITLE}\n{SPANISH_TEXT}"
    # Stemmed as English, the question shares no token with the document; as Spanish, one:
    # the stem of "decomisó" and "decomisaron".
    assert not set(tokenize([SPANISH_QUESTION], "en")[0]) & set(tokenize([indexed], "en")[0])
    assert set(tokenize([SPANISH_QUESTION], "es")[0]) & set(tokenize([indexed], "es")[0]) == {
        "decomis"
    }
    hits = services.retriever.search(SPANISH_QUESTION, k=4, mode="bm25")
    assert hits
    assert hits[0].doc_id == spanish


def test_documents_indexed_before_languages_get_one(services, corpus_dir: Path) -> None:
    """An older store has records without a language: the next ingest (every file unchanged)
    detects and stores it without re-embedding, and BM25 is rebuilt with Spanish stems."""
    spanish = _add_spanish(corpus_dir)
    services.ingestor.ingest([corpus_dir])
    ids = list(services.store.doc_records())
    services.store.docs.update(ids=ids, metadatas=[{"language": None}] * len(ids))
    services.store.records_changed()
    assert {r.meta.language for r in services.store.doc_records().values()} == {None}
    assert services.retriever.search(SPANISH_QUESTION, k=4, mode="bm25") == []  # English stems

    report = services.ingestor.ingest([corpus_dir])
    assert report.unchanged == len(ids)
    assert report.added == report.updated == 0
    assert services.store.doc_records()[spanish].meta.language == "es"
    assert services.retriever.search(SPANISH_QUESTION, k=4, mode="bm25")[0].doc_id == spanish


def test_a_stated_language_wins_and_an_edit_keeps_it(services, corpus_dir: Path) -> None:
    """Front matter ``language: pt-BR`` is taken as "pt" (a journalist correcting detection);
    an edit of the metadata in the app leaves the language alone."""
    doc = _add_spanish(corpus_dir, 'language: "pt-BR"\n')
    services.ingestor.ingest([corpus_dir])
    record = services.store.doc_records()[doc]
    assert record.meta.language == "pt"
    edited = services.store.update_meta(doc, DocMeta(title="Edited title"))
    assert edited.meta.language == "pt"
    assert edited.meta.title == "Edited title"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The cartel's finance chief was arrested in Culiacán on Tuesday.", "en"),
        ("Los detenidos fueron trasladados a la Ciudad de México.", "es"),
        ("¿Quién ordenó el decomiso?", "es"),
        ("Who ordered the seizure?", "en"),
        ("2024 — 15:30", None),
        ("", None),
    ],
)
def test_detect_language(text: str, code: str | None) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [("es", "es"), ("ES-mx", "es"), ("en_GB", "en"), ("Spanish", None), ("", None), (None, None)],
)
def test_stated_language(value: str | None, code: str | None) -> None:
    assert stated_language(value) == code


def test_a_question_is_stemmed_both_ways() -> None:
    tokens = query_tokens("¿Cuántos detenidos hubo en las redadas?")
    assert "deten" in tokens  # Spanish stem of "detenidos"
    assert "detenido" in tokens  # English stem of it
    assert len(tokens) == len(set(tokens))
    # An English question keeps every token it had before languages.
    english = "Who designated the cartels as terrorist organizations?"
    assert set(tokenize([english])[0]) <= set(query_tokens(english))
