"""Questions restricted to documents, outlets or a date range, on the real corpus and store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rag.config import Settings
from rag.ingest import doc_id_for
from rag.retrieval import EmptyIndex
from rag.scope import EmptyScope, Scope, date_period

from .conftest import CORPUS

# Dates written into the front matter of a private copy of the corpus (the corpus has none).
DATES = {"000": "2025-01-15", "001": "2024-06", "002": "2025-03-02", "003": None, "004": "2025"}
QUESTIONS = [
    "Who designated the cartels as terrorist organizations?",
    "military strikes on vessels",
    "How much money do cartels move through the financial system?",
]


def _path(corpus: Path, prefix: str) -> Path:
    (path,) = corpus.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory, embeddings):
    """The corpus with dates, indexed once for the module: (services, doc id by file prefix)."""
    from rag.services import build_services

    root = tmp_path_factory.mktemp("scope")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    for prefix, date in DATES.items():
        if date:
            path = _path(corpus, prefix)
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r"^date: null$", f'date: "{date}"', text, count=1, flags=re.M))
    services = build_services(Settings(data_dir=root / "data", corpus_dir=corpus), embeddings)
    services.ingestor.ingest([corpus])
    return services, {p: doc_id_for(_path(corpus, p)) for p in DATES}


def test_scope_validates_and_normalises() -> None:
    assert Scope(doc_ids=["a", "b"]).doc_ids == ("a", "b")
    assert Scope(outlets=[], doc_ids=()).is_everything
    assert Scope(date_from=" 2025-03-01 ").date_from == "2025-03-01"
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        Scope(date_from="March 2025")
    with pytest.raises(ValueError, match="empty"):
        Scope(date_from="2025-03-02", date_to="2025-03-01")
    assert date_period("2024-02") == ("2024-02-01", "2024-02-29")
    assert date_period("2025-03-02T10:00:00Z") == ("2025-03-02", "2025-03-02")
    assert date_period("last spring") is None
    assert date_period(None) is None


def test_one_outlet_only(dated) -> None:
    services, ids = dated
    scope = Scope(outlets=("news nest",))  # case and spacing do not matter
    for question in QUESTIONS:
        for mode in ("hybrid", "dense", "bm25"):
            hits = services.retriever.search(question, k=6, scope=scope, mode=mode)
            assert hits, (question, mode)
            assert {h.doc_id for h in hits} == {ids["001"]}, (question, mode)
            assert all(h.meta.outlet == "NEWS NEST" for h in hits)
    unrestricted = services.retriever.search(QUESTIONS[0], k=6)
    assert len({h.doc_id for h in unrestricted}) > 1  # the filter is what narrowed it


def test_two_outlets_and_chosen_documents(dated) -> None:
    services, ids = dated
    hits = services.retriever.search(
        QUESTIONS[0], k=8, scope=Scope(outlets=("NEWS NEST", "Factually"))
    )
    assert {h.doc_id for h in hits} == {ids["001"], ids["003"]}
    chosen = (ids["000"], ids["004"])
    hits = services.retriever.search(QUESTIONS[1], k=8, scope=Scope(doc_ids=chosen))
    assert {h.doc_id for h in hits} == set(chosen)


def test_date_range(dated) -> None:
    services, ids = dated
    scope = Scope(date_from="2025-02-01", date_to="2025-12-31")
    expected = {ids["002"], ids["004"]}  # "2025" overlaps the range; undated 003 is outside
    for question in QUESTIONS:
        hits = services.retriever.search(question, k=8, scope=scope)
        assert {h.doc_id for h in hits} == expected, question
    open_ended = services.retriever.search(QUESTIONS[0], k=10, scope=Scope(date_to="2024-12-31"))
    assert {h.doc_id for h in open_ended} == {ids["001"]}


def test_pipeline_answers_within_scope(dated) -> None:
    services, ids = dated
    scope = Scope(outlets=("Factually",))
    answer = services.pipeline.ask("How do US authorities coordinate against cartels?", scope=scope)
    assert answer.grounded
    assert answer.citations
    assert {c.doc_id for c in answer.citations} == {ids["003"]}
    assert {p.doc_id for p in answer.passages} == {ids["003"]}
    streamed = list(services.pipeline.stream("How do US authorities coordinate?", scope=scope))
    assert {c.doc_id for c in streamed[-1].citations} <= {ids["003"]}


def test_nothing_in_scope_is_reported(dated, settings: Settings, embeddings) -> None:
    services, _ = dated
    with pytest.raises(EmptyScope, match="outlet Nobody"):
        services.retriever.search(QUESTIONS[0], scope=Scope(outlets=("Nobody",)))
    with pytest.raises(EmptyScope, match="dated 1990-01-01"):
        services.pipeline.ask(
            QUESTIONS[0], scope=Scope(date_from="1990-01-01", date_to="1990-02-01")
        )
    from rag.services import build_services

    empty = build_services(settings, embeddings)
    with pytest.raises(EmptyIndex):  # an empty collection is still "nothing indexed"
        empty.retriever.search(QUESTIONS[0], scope=Scope(outlets=("Nobody",)))
