"""The session audit record and the footnoted Markdown export, from real answers."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from rag.audit import FORMAT, AuditLog, now
from rag.library import Library
from rag.present import footnoted_markdown
from rag.scope import Scope

DOCS = {
    "ministry.md": """---
title: "Ministry statement on the port raid"
outlet: "Ministry of Security"
date: "2025-04-02"
url: "https://example.gov/raid"
reliability: "official statement"
---
The ministry said that police seized 300 kilograms of cocaine in the port of Guayaquil.

The ministry said no one was injured during the raid.
""",
    "column.md": """---
title: "The raid that changed nothing"
outlet: "Harbour Times"
date: "2025-04-05"
url: "https://example.org/column"
reliability: "analysis/opinion"
---
The columnist argues that the seizure of cocaine in Guayaquil was a show for the cameras.

Seizures in the port of Guayaquil have not reduced exports, the columnist writes.
""",
}
QUESTION = "How much cocaine did police seize in the port of Guayaquil?"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, embeddings):
    from rag.config import Settings
    from rag.services import build_services

    root = tmp_path_factory.mktemp("audit")
    services = build_services(Settings(data_dir=root / "data"), embeddings)
    files = []
    for name, text in DOCS.items():
        (root / name).write_text(text, encoding="utf-8")
        files.append((name, root / name))
    assert Library(services).upload(files).added == 2
    return services


def _time(stamp: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(stamp)
    assert parsed.tzinfo is not None
    return parsed


def test_audit_json_records_each_question(small) -> None:
    log = AuditLog(collection=small.settings.collection)
    asked = now()
    first = small.pipeline.ask(QUESTION)
    log.add(first, asked_at=asked)
    scope = Scope(outlets=("Harbour Times",))
    asked_second = now()
    second = small.pipeline.ask("What does the columnist say about the seizure?", scope=scope)
    log.add(second, scope=scope, asked_at=asked_second)
    unanswerable = small.pipeline.ask("Who won the 1998 football world cup?")
    log.add(unanswerable, asked_at=dt.datetime.now(dt.UTC))

    data = json.loads(log.to_json())

    assert data["format"] == FORMAT
    assert data["collection"] == "newsroom"
    assert _time(data["started_at"]) <= _time(data["exported_at"])
    q1, q2, q3 = data["entries"]
    assert [q["question"] for q in data["entries"]] == [
        QUESTION,
        "What does the columnist say about the seizure?",
        "Who won the 1998 football world cup?",
    ]
    assert _time(q1["asked_at"]) <= _time(q1["answered_at"]) <= _time(q2["asked_at"])
    assert q1["answerer"] == "extractive"
    assert "prompt_version" in q1
    assert q1["prompt_version"] is None
    assert q1["scope"] is None
    assert q2["scope"] == {
        "doc_ids": None,
        "outlets": ["Harbour Times"],
        "date_from": None,
        "date_to": None,
    }
    assert q1["answer"] == first.text
    assert q1["grounded"] is True
    assert "300 kilograms" in q1["answer"]
    assert q1["citations"] == [c.to_dict() for c in first.citations]
    assert q1["citations"][0]["reliability"] == "official statement"
    assert q1["citations"][0]["url"] == "https://example.gov/raid"
    assert [r["rank"] for r in q1["retrieved"]] == list(range(1, len(first.passages) + 1))
    for row, passage in zip(q1["retrieved"], first.passages, strict=True):
        assert row["chunk_id"] == passage.chunk.chunk_id
        assert row["text"] == passage.chunk.text
        assert row["score"] == pytest.approx(passage.score, abs=1e-6)
        assert row["dense_similarity"] == pytest.approx(passage.dense_similarity, abs=1e-6)
        assert set(row) >= {"title", "outlet", "date", "url", "reliability", "bm25_score"}
    assert {r["title"] for r in q2["retrieved"]} == {"The raid that changed nothing"}
    assert isinstance(q1["conflicts"], list)
    assert set(q1["timings"]) >= {"retrieve", "answer", "verify"}
    assert q3["grounded"] is False
    assert q3["citations"] == []
    assert len(log) == 3


def test_footnotes_carry_source_url_and_reliability(small) -> None:
    answer = small.pipeline.ask(QUESTION)
    markdown = footnoted_markdown(answer)
    notes = re.findall(r"^\[\^(\d+)\]: (.*)$", markdown, flags=re.M)
    assert [int(n) for n, _ in notes] == [c.n for c in answer.citations]
    for (_, note), c in zip(notes, answer.citations, strict=True):
        assert note.startswith(f"*{c.meta.title}* ({c.meta.reliability}), {c.meta.outlet}, ")
        assert f"{c.meta.date}, para. {c.paragraph}, {c.meta.url}: “{c.quote}”" in note
    body = markdown.split("\n\n[^")[0]
    assert all(f"[^{c.n}]" in body for c in answer.citations)


def test_audit_of_an_empty_session() -> None:
    data = json.loads(AuditLog().to_json())
    assert data["entries"] == []
    assert data["collection"] is None


def test_naive_timestamps_are_refused(small) -> None:
    answer = small.pipeline.ask(QUESTION)
    log = AuditLog()
    with pytest.raises(ValueError, match="time zone"):
        log.add(answer, asked_at=dt.datetime(2025, 1, 1, 12, 0))
    entry = log.add(answer, asked_at=dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC))
    assert entry.asked_at == "2025-01-01T12:00:00.000+00:00"
