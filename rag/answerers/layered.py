"""Quotes first, then the LLM's written answer under them.

Why: the extractive quotes are ready in about a second, an LLM's answer takes many; a reporter
reads the verbatim quotes while the model writes. Both parts cite the same numbered passages
([n] is the n-th passage for each), so the one citation check that follows numbers them
consistently (a span quoted above and cited below keeps one number) and checks the written
sentences one by one as it does for any answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from rag.answerers.base import NO_ANSWER, WRITTEN_LEAD
from rag.answerers.extractive import ExtractiveAnswerer
from rag.types import Passage

if TYPE_CHECKING:  # langchain is imported only when a chat model is configured
    from rag.answerers.chat import ChatAnswerer


class QuotesThenWritten:
    """The extractive answer's draft, then ``WRITTEN_LEAD`` and the chat answerer's draft.

    When the quotes refuse (nothing relevant enough) the written answer stands alone, as it
    would without quotes: the model may still find it, and the check still decides."""

    condenses_followups = True

    def __init__(self, quotes: ExtractiveAnswerer, written: ChatAnswerer) -> None:
        self.quotes = quotes
        self.written = written

    @property
    def name(self) -> str:
        return self.written.name

    @property
    def prompt_version(self) -> str | None:
        return self.written.prompt_version

    def passages_for(self, question: str, k: int) -> int:
        return self.quotes.passages_for(question, k)

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        quoted = "".join(self.quotes.stream(question, passages))
        if quoted.strip() != NO_ANSWER:
            yield quoted
            yield f"\n\n{WRITTEN_LEAD}\n\n"
        yield from self.written.stream(question, passages)

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        return self.written.condense(question, history)
