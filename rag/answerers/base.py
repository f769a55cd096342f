"""The answerer seam: one method that streams a draft answer with [n] passage citations.

Every answerer's draft goes through the same citation check (``rag.citations``), so no
answerer, however it writes, can show a claim as sourced that its passage does not support.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from rag.types import Passage

# Shared by the prompt, the extractive answerer and the tests: the "cannot answer" sentinel.
NO_ANSWER = "The documents do not answer this question."

# The answerers' own lines (the citation check knows them; nothing else is ours): the names a
# list question asks for, each a verbatim span with its citation, the lead of a two-sided
# answer, and the label over an LLM's written answer.
NAMES_LEAD = "Named in the sources:"
SIDES_LEAD = "The sources differ; the strongest quote for each side:"
# Under the quotes, the LLM's written answer (``rag.answerers.layered``) starts with this line.
WRITTEN_LEAD = "Written answer (LLM, checked against the quotes):"
LEADS = frozenset({SIDES_LEAD, WRITTEN_LEAD})
_NAME_ITEM = re.compile(r"\s*([^\[\],;]+?)\s*\[(\d+)\]\s*(?:,|\.$|$)")


def names_line(items: Sequence[tuple[str, str]]) -> str:
    """ "Named in the sources: A [1], B [2]." from (name, marker) pairs ("" for no marker)."""
    return f"{NAMES_LEAD} " + ", ".join(f"{name}{mark}" for name, mark in items) + "."


def parse_names_line(line: str) -> list[tuple[str, int]] | None:
    """The (name, passage number) pairs of a names line; None if the line is not one."""
    line = " ".join(line.split())
    if not line.startswith(NAMES_LEAD):
        return None
    body = line[len(NAMES_LEAD) :]
    items: list[tuple[str, int]] = []
    pos = 0
    while pos < len(body):
        match = _NAME_ITEM.match(body, pos)
        if not match or match.end() == pos:
            return None
        items.append((match.group(1), int(match.group(2))))
        pos = match.end()
    return items or None


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

    def passages_for(self, question: str, k: int) -> int:
        """How many passages to retrieve for this question: ``k`` (the setting), or more when
        the answer must gather from many sources (every item of a list, each side)."""
        ...

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """Yield pieces of a draft whose sentences cite passages as [1]..[len(passages)]."""
        ...

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """A standalone version of a follow-up question, given (user, assistant) turns."""
        ...
