"""Hybrid retrieval finds the right article, embedded and against a real Chroma server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.ingest import doc_id_for
from rag.named_sources import outlets_named, pointed_at, sources_named
from rag.retrieval import Retriever
from rag.scope import Scope
from rag.selection import NAMED_SLOT, diversify
from rag.types import Chunk, DocMeta

from .browser import free_port
from .helpers import run_rag, strike_coverage

# (question, corpus file that answers it): numbers, names, definitions, events.
QUESTIONS = [
    ("How many Marines and sailors were deployed to waters around Latin America?", "003"),
    ("How much money do Latin American cartels move through the US financial system?", "002"),
    ("What is the balloon effect in drug trafficking?", "001"),
    ("How big is the reward for information leading to Maduro's arrest?", "004"),
    ("How many cartel members were extradited after Trump took office?", "004"),
    ("How many fugitives did US and Mexican law enforcement arrest together?", "003"),
    ("In how many countries does Tren de Aragua operate?", "002"),
    ("When was Plan Colombia launched?", "001"),
    ("Who is Anna Kelly?", "004"),
    ("What will the joint intelligence centers allow investigators to do?", "000"),
    ("How is narco-terrorism defined?", "001"),
    ("Who was extradited to face marijuana and cocaine trafficking charges?", "003"),
]


def _expected_id(corpus_dir: Path, prefix: str) -> str:
    (path,) = corpus_dir.glob(f"{prefix}_*.txt")
    return doc_id_for(path)


def _check_questions(services, corpus_dir: Path) -> None:
    misses = []
    for question, prefix in QUESTIONS:
        hits = services.retriever.search(question, k=4)
        if hits[0].doc_id != _expected_id(corpus_dir, prefix):
            misses.append((question, hits[0].meta.title))
    assert misses == []


def test_hybrid_finds_the_right_article(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    _check_questions(services, corpus_dir)


def test_results_are_diversified_across_sources(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    hits = services.retriever.search("Who designated the cartels as terrorist organizations?", k=6)
    assert len({h.doc_id for h in hits}) >= 3
    # Passages point exactly into their stored documents.
    for h in hits:
        doc = services.store.get_document(h.doc_id)
        assert doc.text[h.chunk.start : h.chunk.end] == h.chunk.text


def test_restrict_to_documents(services, corpus_dir: Path) -> None:
    services.ingestor.ingest([corpus_dir])
    only = _expected_id(corpus_dir, "001")
    scope = Scope(doc_ids=(only,))
    hits = services.retriever.search("military strikes on vessels", k=4, scope=scope)
    assert hits
    assert {h.doc_id for h in hits} == {only}


def test_empty_index_is_reported(services) -> None:
    from rag.retrieval import EmptyIndex

    with pytest.raises(EmptyIndex):
        services.retriever.search("anything")


@pytest.mark.server
def test_same_retrieval_against_a_chroma_server(
    chroma_server: int, tmp_path: Path, corpus_dir: Path, embeddings
) -> None:
    from rag.services import build_services

    settings = Settings(
        data_dir=tmp_path / "client-data", chroma_host="127.0.0.1", chroma_port=chroma_server
    )
    services = build_services(settings, embeddings)
    report = services.ingestor.ingest([corpus_dir])
    assert report.added == 5
    assert not (tmp_path / "client-data" / "chroma").exists()  # nothing embedded locally
    _check_questions(services, corpus_dir)
    assert services.ingestor.ingest([corpus_dir]).unchanged == 5

    # A colleague's process adds a memo through the server; this process (which holds the
    # document records it read for the questions above) finds the memo at its next question.
    memo = tmp_path / "colleague" / "memo.md"
    memo.parent.mkdir()
    memo.write_text(
        "# Harbour memo\n\nThe harbour authority logged 17 unregistered fast boats in March.\n"
    )
    server = {"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(chroma_server)}
    done = run_rag(["ingest", str(memo)], tmp_path / "colleague-data", **server)
    assert done.returncode == 0, done.stderr
    question = "How many unregistered fast boats did the harbour authority log?"
    assert services.retriever.search(question, k=3)[0].meta.title == "Harbour memo"


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    from rag.store import StoreUnavailable, connect

    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(
        StoreUnavailable, match="cannot reach the Chroma server at http://127.0.0.1"
    ):
        connect(settings)


def test_records_are_reread_after_any_write(services, corpus_dir: Path) -> None:
    """The records a process keeps between questions follow writes made through another
    client of the same store: an added, an edited and a deleted document."""
    from rag.services import build_services

    services.ingestor.ingest([corpus_dir])
    other = build_services(services.settings, services.embeddings)  # a second client
    before = services.store.doc_records()
    assert services.store.doc_records() == before  # unchanged: served from what it read
    question = "How many passengers did the ferry carry?"
    assert services.retriever.search(question, k=10, mode="bm25")  # BM25 state is now cached

    extra = corpus_dir.parent / "extra.md"
    extra.write_text("# Ferry log\n\nThe ferry carried 212 passengers on Tuesday.\n")
    other.ingestor.ingest([extra])
    added = services.store.doc_records()
    assert set(added) - set(before) == {doc_id_for(extra)}
    assert services.retriever.search(question, k=1, mode="bm25")[0].doc_id == doc_id_for(extra)

    edited = dataclasses.replace(added[doc_id_for(extra)].meta, outlet="Port Desk")
    other.store.update_meta(doc_id_for(extra), edited)
    assert services.store.doc_records()[doc_id_for(extra)].meta.outlet == "Port Desk"

    other.store.delete_document(doc_id_for(extra))
    assert set(services.store.doc_records()) == set(before)
    hits = services.retriever.search(question, k=10)
    assert all(p.doc_id != doc_id_for(extra) for p in hits)


def test_single_retriever_modes(services, corpus_dir: Path) -> None:
    """dense and bm25 alone (as the bench compares them) really use one retriever each."""
    services.ingestor.ingest([corpus_dir])
    question = "How many fugitives were arrested?"
    dense = services.retriever.search(question, k=5, mode="dense")
    bm25 = services.retriever.search(question, k=5, mode="bm25")
    assert all(p.dense_similarity is not None and p.bm25_score is None for p in dense)
    assert all(p.bm25_score is not None for p in bm25)
    assert [p.chunk.chunk_id for p in dense] != [p.chunk.chunk_id for p in bm25]
    assert "26 fugitives" in bm25[0].chunk.text


def test_a_chunk_the_vector_index_missed_is_still_ranked(
    services, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma's HNSW index is approximate and was seen (CI, many stores in one process) to
    miss a chunk ingested a moment before; its stored vector and BM25 still find it, and it
    must rank where its vector puts it, not where BM25 alone would (below the cut)."""
    services.ingestor.ingest([corpus_dir])
    memo = corpus_dir / "memo.md"
    memo.write_text(
        "# Marines memo\n\nThe Marines deployment memo says 9,000 Marines were deployed.\n"
    )
    services.ingestor.ingest([corpus_dir])
    question = "What does the Marines deployment memo say?"
    memo_id = doc_id_for(memo, corpus_dir)
    assert services.retriever.search(question)[0].doc_id == memo_id

    real = services.store.dense_search

    def index_missed_the_memo(vector, n, doc_ids=None):
        return [hit for hit in real(vector, n, doc_ids) if hit[0].doc_id != memo_id]

    monkeypatch.setattr(services.store, "dense_search", index_missed_the_memo)
    missed = services.retriever.search(question)
    assert missed[0].doc_id == memo_id
    assert missed[0].dense_similarity is not None
    assert missed[0].dense_similarity > 0.5


def test_a_three_source_question_gets_all_three_sources_into_the_top_4(
    services, tmp_path: Path
) -> None:
    """One long article about the deployment must not take the slots of two short sources
    that report it too: a disagreement cannot be shown if one side is not retrieved."""
    folder = tmp_path / "three"
    folder.mkdir()
    long = [
        f"The Navy deployed {n} Marines and sailors to the Caribbean this month, officials said."
        for n in range(1000, 9000, 500)
    ]
    (folder / "long.md").write_text("# Deployment report\n\n" + "\n\n".join(long) + "\n")
    (folder / "wire.md").write_text(
        "# Wire brief\n\nA wire service reported that 4,500 Marines and sailors were deployed "
        "to the Caribbean.\n\nMarkets closed higher on Tuesday.\n"
    )
    (folder / "local.md").write_text(
        "# Local paper\n\nA local paper said the deployment of Marines and sailors to the "
        "Caribbean was smaller than announced.\n\nThe city council met on Monday.\n"
    )
    services.ingestor.ingest([folder])
    ids = {doc_id_for(folder / name, folder) for name in ("long.md", "wire.md", "local.md")}
    top = services.retriever.search(
        "How many Marines and sailors were deployed to the Caribbean?", k=4
    )
    assert {p.doc_id for p in top} == ids


def test_past_the_answers_passages_two_files_of_one_article_are_one_source(
    services, tmp_path: Path
) -> None:
    """A saved page and its copy (one url) take two places among the answer's passages,
    picked per file as always; past them (``spread_from``: what the disagreement check reads
    beyond the answer) they are one source, and two other reports come first. Without the
    url the same files are two sources there too (the control)."""
    folder = tmp_path / "strike"
    folder.mkdir()
    story = "The dock workers' strike at the port halted container traffic for a third day."

    def write_copies(url: str) -> None:
        for name, extra in (("story.md", "Pickets stayed."), ("story-copy.md", "Talks failed.")):
            (folder / name).write_text(f"---\ntitle: Port strike\n{url}---\n{story} {extra}\n")

    (folder / "wire.md").write_text(
        "---\ntitle: Wire brief\n---\nShipping lines rerouted vessels as the stoppage at the "
        "port went on, a wire service said.\n"
    )
    (folder / "local.md").write_text(
        "---\ntitle: Local paper\n---\nThe local paper said the port was quiet as the "
        "walkout by dock workers continued.\n"
    )
    question = "Did the dock workers' strike at the port halt container traffic?"
    copies = {doc_id_for(folder / n, folder) for n in ("story.md", "story-copy.md")}
    others = {doc_id_for(folder / n, folder) for n in ("wire.md", "local.md")}

    def top3(spread_from: int | None = None) -> set[str]:
        found = services.retriever.search(question, k=3, spread_from=spread_from)
        return {p.doc_id for p in found}

    write_copies("url: https://example.org/strike\n")
    services.ingestor.ingest([folder])
    assert copies <= top3()  # the answer's passages (the default k is 6): per file
    assert others <= top3(spread_from=1)

    write_copies("")  # the same two files without their url: two sources
    services.ingestor.ingest([folder])
    assert copies <= top3(spread_from=1)


def test_an_outlet_the_question_names_gets_its_passage_into_the_top_4(
    services, tmp_path: Path
) -> None:
    """ "What did The Harbour Courier report ...?": ten wire copies of the strike story share
    more words with the question, yet the named outlet's own passage must be among the top 4.
    The same search with named sources off is the control (it is not)."""
    folder = strike_coverage(
        tmp_path / "outlets",
        [
            f"The dock workers' strike at the port entered its {i + 2}nd day; the strike at "
            f"the port halted container traffic, dock workers said.\n\nOther news {i}."
            for i in range(10)
        ],
        "Union leaders walked out of talks on Monday, saying the shipping lines had offered "
        "nothing on pay.\n\nThe mayor opened a new library.",
    )
    services.ingestor.ingest([folder])
    courier = doc_id_for(folder / "courier.md", folder)
    question = "What did The Harbour Courier report about the dock workers' strike at the port?"

    top = services.retriever.search(question, k=4)
    assert courier in [p.doc_id for p in top]
    assert "Union leaders walked out" in next(p.chunk.text for p in top if p.doc_id == courier)

    plain = Retriever(
        services.store,
        services.embeddings,
        services.settings.model_copy(update={"named_sources": False}),
    )
    assert courier not in [p.doc_id for p in plain.search(question, k=4)]


def test_each_clause_of_a_long_question_gets_its_source_into_the_top_4(
    services, tmp_path: Path
) -> None:
    """A question of three clauses, each met by another report: six wire copies meet the
    first clause in more of the question's words than the other two reports meet theirs, yet
    the report on the walkout and the one on the mayor's speech must be among the top 4. The
    same search with clause coverage off is the control (it fills the top 4 with wires)."""
    folder = tmp_path / "clauses"
    folder.mkdir()
    for i in range(6):
        (folder / f"wire-{i}.md").write_text(
            f"---\ntitle: Port strike, day {i + 2}\n---\nThe dock workers' union strike at the "
            f"port halted container traffic for a {i + 2}nd day, the dock workers' union said."
            f"\n\nOther news {i}.\n"
        )
    (folder / "talks.md").write_text(
        "---\ntitle: Talks collapse\n---\nUnion negotiators walked out of the pay talks with "
        "the shipping lines on Monday, calling the offer an insult.\n"
    )
    (folder / "mayor.md").write_text(
        "---\ntitle: Council session\n---\nAddressing the city council, the mayor praised the "
        "dockers for keeping the picket lines peaceful.\n"
    )
    services.ingestor.ingest([folder])
    wanted = {doc_id_for(folder / n, folder) for n in ("talks.md", "mayor.md")}
    question = (
        "Which union, whose strike at the port halted container traffic, walked out of the "
        "pay talks with the shipping lines on Monday, and was praised by the mayor before "
        "the city council?"
    )

    top = services.retriever.search(question, k=4)
    assert wanted <= {p.doc_id for p in top}

    plain = Retriever(
        services.store,
        services.embeddings,
        services.settings.model_copy(update={"clause_coverage": False}),
    )
    assert not wanted <= {p.doc_id for p in plain.search(question, k=4)}


def test_an_outlet_the_question_names_is_read_before_more_of_the_others() -> None:
    """While clause coverage picks, a candidate from a named outlet that no pick is from yet
    counts ``NAMED_SLOT`` more: "...as reported by The Verge" gets The Verge's passage into
    the top 4 although four others score a little higher; once it is read, the outlet's
    other passages get nothing extra. Without the named outlet the top 4 are the four."""

    def chunk(doc_id: str) -> Chunk:
        return Chunk(f"{doc_id}:0", doc_id, 0, 0, 10, 0, f"text of {doc_id}")

    gap = NAMED_SLOT / 2
    scores = {"a1": 1.0, "a2": 0.99, "a3": 0.98, "a4": 0.97}
    scores |= {"verge1": 0.97 - gap, "verge2": 0.97 - 2 * gap}
    ranked = [(chunk(d), s) for d, s in scores.items()]
    clauses = np.zeros((len(ranked), 2))  # two clauses no candidate meets better than another

    plain = diversify(ranked, 4, clauses=clauses)
    assert [c.doc_id for c, _ in plain] == ["a1", "a2", "a3", "a4"]
    named = diversify(ranked, 4, clauses=clauses, named=[{"verge1", "verge2"}])
    assert {c.doc_id for c, _ in named} == {"verge1", "a1", "a2", "a3"}


def test_outlets_named_matches_whole_names_and_prefers_the_longer_one() -> None:
    records = {
        "a": _record("a", "The Verge"),
        "b": _record("b", "New York"),
        "c": _record("c", "The New York Times"),
        "d": _record("d", "The Age"),
        "e": _record("e", "AP"),
    }
    named = outlets_named("Does The Verge agree with The New York Times about AP?", records)
    assert named == {"The Verge": {"a"}, "The New York Times": {"c"}}
    assert outlets_named("the age of consent in The Vergeland", records) == {}
    assert outlets_named("what did the verge say?", records) == {"The Verge": {"a"}}


def test_a_named_day_is_a_source_and_so_is_a_named_outlet_on_that_day() -> None:
    records = {
        "a": _record("a", "TechCrunch", "2023-10-07"),
        "b": _record("b", "TechCrunch", "2023-10-06"),
        "c": _record("c", "The Verge", "2023-10-07"),
        "d": _record("d", "The Verge"),
    }
    question = (
        "Between the TechCrunch report published on October 7, 2023 and the one of "
        "6 October 2023, did the reporting change?"
    )
    assert sources_named(question, records) == {
        "TechCrunch": {"a", "b"},
        "2023-10-07": {"a", "c"},
        "2023-10-06": {"b"},
        "TechCrunch on 2023-10-07": {"a"},
        "TechCrunch on 2023-10-06": {"b"},
    }
    assert sources_named("What happened in October 2023?", records) == {}  # not a day
    assert pointed_at(question, records) == {"a", "b"}  # TechCrunch on either named day
    assert pointed_at("What did The Verge say on October 7, 2023?", records) == {"c"}
    assert pointed_at("What did The Verge say?", records) == {"c", "d"}
    assert pointed_at("What was reported on 7 October 2023?", records) == {"a", "c"}
    assert pointed_at("What was reported?", records) == set()


def _record(doc_id: str, outlet: str, date: str | None = None) -> DocMeta:
    return DocMeta(title=doc_id, outlet=outlet, date=date)
