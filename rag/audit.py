"""The session's audit record: what was asked, what was retrieved, what was answered, and when.

Why: a reporter (or an editor, or a lawyer) must be able to reconstruct after the fact how an
answer came about — which passages the question found and with what scores, which answerer and
prompt version wrote it, what it cited, which disagreements it flagged. Export is JSON so it
can be archived and diffed; nothing in it is rendered.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.scope import Scope
from rag.types import Answer, Passage

FORMAT = "newsroom-rag-audit/1"


def now() -> str:
    """An ISO 8601 UTC timestamp with milliseconds (questions can come fast)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _stamp(value: dt.datetime | str | None) -> str:
    """ISO UTC text for a timestamp given as text, an aware datetime, or nothing (now)."""
    if value is None:
        return now()
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("audit timestamps must carry a time zone")
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _passage(rank: int, p: Passage) -> dict[str, Any]:
    return {
        "rank": rank,
        **p.to_dict(),
        "url": p.meta.url,
        "reliability": p.meta.reliability,
        "dense_similarity": None if p.dense_similarity is None else round(p.dense_similarity, 6),
        "bm25_score": None if p.bm25_score is None else round(p.bm25_score, 6),
    }


def _conflict(c: Any) -> Any:
    return c.to_dict() if hasattr(c, "to_dict") else c


@dataclass
class AuditEntry:
    """One question and everything that produced its answer."""

    question: str
    asked_at: str
    answered_at: str
    collection: str | None
    scope: dict[str, Any] | None
    standalone_question: str | None
    answerer: str
    prompt_version: str | None
    retrieved: list[dict[str, Any]]
    answer: str
    grounded: bool
    unsupported_sentences: list[int]
    citations: list[dict[str, Any]]
    conflicts: list[Any]
    notes: list[str]
    timings: dict[str, float]

    @classmethod
    def of(
        cls,
        answer: Answer,
        asked_at: str,
        answered_at: str | None = None,
        scope: Scope | None = None,
        collection: str | None = None,
    ) -> AuditEntry:
        return cls(
            question=answer.question,
            asked_at=asked_at,
            answered_at=answered_at or now(),
            collection=collection,
            scope=scope.to_dict() if scope is not None and not scope.is_everything else None,
            standalone_question=answer.standalone_question,
            answerer=answer.answerer,
            prompt_version=answer.prompt_version,
            retrieved=[_passage(i, p) for i, p in enumerate(answer.passages, start=1)],
            answer=answer.text,
            grounded=answer.grounded,
            unsupported_sentences=answer.unsupported,
            citations=[c.to_dict() for c in answer.citations],
            conflicts=[_conflict(c) for c in answer.conflicts],
            notes=list(answer.notes),
            timings={k: round(v, 4) for k, v in answer.timings.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AuditLog:
    """The questions of one session, in the order they were asked."""

    collection: str | None = None
    started_at: str = field(default_factory=now)
    entries: list[AuditEntry] = field(default_factory=list)

    def add(
        self,
        answer: Answer,
        scope: Scope | None = None,
        asked_at: dt.datetime | str | None = None,
        answered_at: dt.datetime | str | None = None,
        collection: str | None = None,
    ) -> AuditEntry:
        """Add an answered question; take ``asked_at`` before asking (default: now)."""
        entry = AuditEntry.of(
            answer,
            _stamp(asked_at),
            _stamp(answered_at),
            scope,
            collection or self.collection,
        )
        self.entries.append(entry)
        return entry

    def __len__(self) -> int:
        return len(self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "collection": self.collection,
            "started_at": self.started_at,
            "exported_at": now(),
            "entries": [e.to_dict() for e in self.entries],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
