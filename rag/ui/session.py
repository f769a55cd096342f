"""What one browser tab remembers: its collection, its conversation and its audit record.

Kept in a ``gr.State`` (Gradio copies the initial value for every new tab), so nothing of one
reporter's session reaches another's. Handlers treat it as a value: they return a changed copy
(``dataclasses.replace``) rather than change the one they were given; only the audit log is
shared between copies, on purpose, so it survives "clear" and a switch of collection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from rag.audit import AuditLog
from rag.types import Answer

ChatMessage = dict[str, str]  # {"role": "user" | "assistant", "content": html}


@dataclass
class Session:
    """One tab's conversation; ``id`` names its export folder once it has an answer."""

    collection: str = ""
    messages: list[ChatMessage] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    history: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) pairs
    audit: AuditLog = field(default_factory=AuditLog)
    id: str = ""

    @classmethod
    def start(cls, collection: str = "") -> Session:
        """A fresh session on ``collection``, with its own audit log."""
        return cls(collection=collection, audit=AuditLog(collection=collection or None))

    def cleared(self) -> Session:
        """The chat emptied (the audit record and the export folder stay)."""
        return replace(self, messages=[], answers=[], history=[])

    def switched_to(self, collection: str) -> Session:
        """A fresh conversation on another collection, keeping this tab's audit and exports."""
        return replace(Session.start(collection), audit=self.audit, id=self.id)

    def answered(self, question: str, answer: Answer, messages: list[ChatMessage]) -> Session:
        """With ``answer`` added; the first answer gives the session its export id.

        Why not at start: Gradio gives every tab a copy of one initial value, so an id made then
        would be the same for every reporter, and their exports would overwrite each other.
        """
        return replace(
            self,
            messages=messages,
            answers=[*self.answers, answer],
            history=[*self.history, (question, answer.text)],
            id=self.id or uuid.uuid4().hex[:12],
        )
