"""The `rag` command's contract, run as a user runs it: a real process, real store, real model."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from .helpers import SIDE_KEYS, run_rag


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> tuple[Path, Path, dict]:
    """One ingested store shared by the read-only CLI tests of this module."""
    from .conftest import CORPUS

    data = tmp_path_factory.mktemp("data")
    corpus = tmp_path_factory.mktemp("corpus")
    for f in CORPUS.iterdir():
        (corpus / f.name).write_bytes(f.read_bytes())
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    result = run_rag(["ingest", str(corpus), "--json"], data)
    assert result.returncode == 0, result.stderr
    return data, corpus, json.loads(result.stdout)


def test_ingest_json(indexed) -> None:
    _, _, report = indexed
    assert set(report) == {"added", "updated", "unchanged", "removed", "chunks", "failed"}
    assert report["added"] == 5
    assert report["chunks"] > 20
    assert [Path(f["path"]).name for f in report["failed"]] == ["broken.pdf"]
    assert report["failed"][0]["reason"]


def test_search_json(indexed) -> None:
    data, _, _ = indexed
    result = run_rag(["search", "How many Marines were deployed?", "--k", "3", "--json"], data)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    keys = {"doc_id", "title", "outlet", "chunk_id", "paragraph", "start", "end", "text", "score"}
    assert all(keys <= set(h) for h in hits)
    assert "4,000 Marines" in hits[0]["text"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_docs_json(indexed) -> None:
    data, _, _ = indexed
    result = run_rag(["docs", "--json"], data)
    docs = json.loads(result.stdout)
    assert len(docs) == 5
    by_outlet = {d["outlet"] for d in docs}
    assert {"NEWS NEST", "Factually"} <= by_outlet
    assert all(d["chunks"] > 0 and d["title"] for d in docs)


def test_second_ingest_changes_nothing(indexed) -> None:
    data, corpus, first = indexed
    result = run_rag(["ingest", str(corpus), "--json"], data)
    again = json.loads(result.stdout)
    assert (again["added"], again["unchanged"], again["chunks"]) == (0, 5, 0)


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_refused(indexed, question: str) -> None:
    data, _, _ = indexed
    result = run_rag(["search", question], data)
    assert result.returncode != 0
    assert result.stderr.strip() == "error: the question is empty"


def test_search_before_ingest(tmp_path: Path) -> None:
    result = run_rag(["search", "anything"], tmp_path)
    assert result.returncode != 0
    assert "run `rag ingest` first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_chroma_server(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_rag(
        ["search", "anything"], tmp_path, RAG_CHROMA_HOST="127.0.0.1", RAG_CHROMA_PORT=str(port)
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: cannot reach the Chroma server at http://127.0.0.1:{port}")


def test_ask_json(indexed) -> None:
    data, _, _ = indexed
    result = run_rag(["ask", "How big is the reward for information on Maduro?", "--json"], data)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"answer", "grounded", "citations", "unsupported", "conflicts"}
    assert answer["grounded"] is True
    assert answer["unsupported"] == []
    first = answer["citations"][0]
    keys = {"n", "doc_id", "title", "outlet", "date", "paragraph", "start", "end", "quote"}
    assert keys <= set(first)
    assert "$50 million" in first["quote"]
    assert "[1]" in answer["answer"]


def test_ask_json_with_an_llm_keeps_its_fields(indexed, fake_llm) -> None:
    """With an LLM server: the quotes, the label, the checked written answer; the same fields."""
    from rag.answerers.base import WRITTEN_LEAD

    from .helpers import passage_number

    def reply(body: dict) -> str:
        n = passage_number(body, "$50 million")
        return f"A $50 million reward has been announced for information on Maduro [{n}]."

    fake_llm.enqueue(reply)
    data, _, _ = indexed
    llm = {"RAG_ANSWERER": "openai", "RAG_LLM_BASE_URL": fake_llm.base_url}
    result = run_rag(
        ["ask", "How big is the reward for information on Maduro?", "--json"], data, **llm
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"answer", "grounded", "citations", "unsupported", "conflicts"}
    assert (answer["grounded"], answer["unsupported"]) == (True, [])
    quotes, written = answer["answer"].split(f"\n\n{WRITTEN_LEAD}\n\n")
    assert "$50 million" in quotes
    assert written.startswith("A $50 million reward has been announced for information on Maduro")
    assert len(fake_llm.chat_requests) == 1


def test_ask_unanswerable_is_not_grounded(indexed) -> None:
    data, _, _ = indexed
    result = run_rag(["ask", "What is the capital of Norway?", "--json"], data)
    answer = json.loads(result.stdout)
    assert (answer["grounded"], answer["citations"]) == (False, [])
    assert answer["answer"] == "The documents do not answer this question."


def test_ask_json_flags_sources_that_disagree(indexed) -> None:
    """Who designated the cartels: the corpus names the Biden administration and Trump / the
    White House. Each side is quoted verbatim at its offsets and cited in the answer text."""
    from rag.config import Settings
    from rag.store import Store, connect

    data, _, _ = indexed
    question = "Who designated the Latin American cartels as foreign terrorist organizations?"
    result = run_rag(["ask", question, "--json"], data)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["conflicts"], answer
    settings = Settings(data_dir=data)
    store = Store(connect(settings), settings.collection)
    cited = {(c["doc_id"], c["start"], c["end"]): c for c in answer["citations"]}
    for conflict in answer["conflicts"]:
        assert list(conflict) == ["point", "kind", "score", "sides"]
        assert conflict["kind"] in ("factual", "assessment", "temporal")
        assert conflict["point"]
        assert 0.0 <= conflict["score"] <= 1.0
        assert len(conflict["sides"]) >= 2
        assert len({s["doc_id"] for s in conflict["sides"]}) == len(conflict["sides"])
        numbers = []
        for side in conflict["sides"]:
            assert list(side) == SIDE_KEYS
            doc = store.get_document(side["doc_id"])
            assert doc is not None
            assert doc.text[side["start"] : side["end"]] == side["quote"]
            assert side["title"] == doc.meta.title
            citation = cited[(side["doc_id"], side["start"], side["end"])]
            assert citation["quote"] == side["quote"]
            numbers.append(citation["n"])
        line = "Sources disagree on " + conflict["point"] + ": "
        assert line in answer["answer"]
        said = answer["answer"].split(line, 1)[1]
        assert all(f"[{n}] says “" in said for n in numbers)
    biden = [
        s for c in answer["conflicts"] for s in c["sides"] if "Biden administration" in s["quote"]
    ]
    assert biden, answer["conflicts"]
