"""Source lookup on the real corpus: exact and fuzzy quote search, and `rag quote` as a process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag.config import Settings
from rag.ingest import doc_id_for
from rag.quotes import QuoteSearch, clean_phrase, normalise
from rag.retrieval import EmptyIndex
from rag.scope import EmptyScope, Scope

from .conftest import CORPUS
from .helpers import run_rag

# In 004 the source writes: "The president is determined to not just dismantle – but
# completely destroy – [Venezuelan dictator Nicolas] Maduro’s Cartel de Los Soles ..." (en dashes).
DASHED = '"The president is determined to not just dismantle - but completely destroy"'
TYPO = "the presidnet is determined to not just dismantel"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embeddings):
    from rag.services import build_services

    data = tmp_path_factory.mktemp("quotes")
    services = build_services(Settings(data_dir=data), embeddings)
    services.ingestor.ingest([CORPUS])
    return services, data


def _id(prefix: str) -> str:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return doc_id_for(path)


def _check_offsets(services, hit) -> str:
    """The hit points exactly into the stored text; returns the matched span."""
    doc = services.store.get_document(hit.doc_id)
    span = doc.text[hit.start : hit.end]
    assert hit.text[hit.match_start : hit.match_end] == span
    assert hit.text in doc.text
    assert doc.paragraph_of(hit.start) == hit.paragraph
    chunk = {c.chunk_id: c for c, _ in services.store.chunks_of(hit.doc_id)}[hit.chunk_id]
    assert chunk.start <= hit.start < chunk.end
    return span


def test_normalise_maps_back_to_the_text() -> None:
    text = "He said:  “It’s over” —\n\nthe END…"
    folded, origin = normalise(text)
    assert folded == 'he said: "it\'s over" - the end...'
    assert len(origin) == len(folded)
    assert all(text[i].casefold() == c for i, c in zip(origin, folded, strict=True) if c.isalpha())
    assert clean_phrase("  “Over”. ") == "over"


def test_dashes_quotes_case_and_spacing_still_match_exactly(indexed) -> None:
    services, _ = indexed
    (hit,) = QuoteSearch(services.store).find(DASHED)
    assert (hit.doc_id, hit.exact, hit.score, hit.paragraph) == (_id("004"), True, 1.0, 7)
    span = _check_offsets(services, hit)
    assert span == "The president is determined to not just dismantle – but completely destroy"
    assert hit.text.startswith("A source close to the White House")
    assert hit.reliability == "news report"


def test_every_exact_occurrence_is_returned(indexed) -> None:
    services, _ = indexed
    hits = QuoteSearch(services.store).find("FOREIGN   terrorist\norganizations", limit=100)
    expected = 0
    for path in CORPUS.glob("*.txt"):
        text = services.store.get_document(doc_id_for(path)).text
        expected += len(re.findall(r"(?i)\bforeign terrorist organizations\b", text))
    assert expected >= 5
    exact = [h for h in hits if h.exact]
    assert len(exact) == expected
    for h in exact:
        assert _check_offsets(services, h).casefold() == "foreign terrorist organizations"
    assert len({h.doc_id for h in exact}) == 3


def test_a_typo_finds_the_passage_fuzzily(indexed) -> None:
    services, _ = indexed
    hits = QuoteSearch(services.store).find(TYPO)
    assert hits
    best = hits[0]
    assert (best.doc_id, best.exact, best.paragraph) == (_id("004"), False, 7)
    assert 0.85 < best.score < 1.0
    assert _check_offsets(services, best) == "The president is determined to not just dismantle"


def test_exact_ranks_above_fuzzy(indexed) -> None:
    services, _ = indexed
    hits = QuoteSearch(services.store).find("cartels as foreign terrorist organizations")
    assert hits[0].exact
    assert hits[0].doc_id == _id("003")
    fuzzy = [h for h in hits if not h.exact]
    assert fuzzy  # e.g. "gangs as foreign terrorist organizations" in 004
    kinds = [h.exact for h in hits]
    assert kinds == sorted(kinds, reverse=True)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(h.score < 1.0 for h in fuzzy)
    for h in hits:
        _check_offsets(services, h)


def test_scope_limit_and_nothing_found(indexed) -> None:
    services, _ = indexed
    search = QuoteSearch(services.store)
    everywhere = search.find("foreign terrorist organizations", limit=100)
    assert len({h.doc_id for h in everywhere}) >= 3
    only = search.find("foreign terrorist organizations", scope=Scope(outlets=("NEWS NEST",)))
    assert only
    assert {h.doc_id for h in only} == {_id("001")}
    assert len(search.find("foreign terrorist organizations", limit=2)) == 2
    assert search.find("a phrase that appears in no document whatsoever") == []
    with pytest.raises(EmptyScope):
        search.find("cartels", scope=Scope(outlets=("Nobody",)))
    with pytest.raises(ValueError, match="empty"):
        search.find(" “ ” ")


def test_empty_collection(tmp_path: Path) -> None:
    from rag.store import Store, connect

    settings = Settings(data_dir=tmp_path)
    with pytest.raises(EmptyIndex):
        QuoteSearch(Store(connect(settings), settings.collection)).find("cartels")


def test_cli_quote_json(indexed) -> None:
    services, data = indexed
    result = run_rag(["quote", "cartels as foreign terrorist organizations", "--json"], data)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    search_keys = {"doc_id", "title", "outlet", "chunk_id", "paragraph", "start", "end", "text"}
    assert all(search_keys | {"score", "exact", "match"} <= set(h) for h in hits)
    assert hits[0]["exact"] is True
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert any(not h["exact"] for h in hits)
    for h in hits:
        doc = services.store.get_document(h["doc_id"])
        span = doc.text[h["start"] : h["end"]]
        assert h["text"][h["match"]["start"] : h["match"]["end"]] == span
        assert h["chunk_id"].startswith(h["doc_id"] + ":")

    limited = run_rag(["quote", TYPO, "--limit", "1", "--json"], data)
    assert limited.returncode == 0, limited.stderr
    (hit,) = json.loads(limited.stdout)
    assert (hit["doc_id"], hit["exact"], hit["paragraph"]) == (_id("004"), False, 7)


def test_cli_quote_text_and_errors(indexed, tmp_path: Path) -> None:
    _, data = indexed
    result = run_rag(["quote", "Anna Kelly"], data)
    assert result.returncode == 0, result.stderr
    assert "¶4 [news report]: exact" in result.stdout
    assert "Press Secretary **Anna Kelly** underscored" in result.stdout
    none = run_rag(["quote", "zebra crossing in Oslo"], data)
    assert (none.returncode, none.stdout.strip()) == (
        0,
        "no passage quotes “zebra crossing in Oslo”",
    )
    empty = run_rag(["quote", '""'], data)
    assert (empty.returncode, empty.stderr.strip()) == (1, "error: the phrase is empty")
    nothing = run_rag(["quote", "cartels"], tmp_path / "empty")
    assert nothing.returncode == 1
    assert "run `rag ingest` first" in nothing.stderr
