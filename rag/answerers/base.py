"""The answerer seam: one method that streams a draft answer with [n] passage citations.

Every answerer's draft goes through the same citation check (``rag.citations``), so no
answerer, however it writes, can show a claim as sourced that its passage does not support.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from rag.types import Passage

# Shared by the prompt, the extractive answerer and the tests: the "cannot answer" sentinel.
NO_ANSWER = "The documents do not answer this question."


class BackendUnavailable(RuntimeError):
    """The configured LLM server cannot be reached or failed; the message says which."""


class Answerer(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def prompt_version(self) -> str | None:
        """Which prompt file wrote the answer (for the audit record); None without a prompt."""
        ...

    @property
    def condenses_followups(self) -> bool: ...

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """Yield pieces of a draft whose sentences cite passages as [1]..[len(passages)]."""
        ...

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """A standalone version of a follow-up question, given (user, assistant) turns."""
        ...
