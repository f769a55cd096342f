"""Any LangChain chat model as an answerer (Ollama, an OpenAI-compatible server, OpenAI).

The passages go into the prompt as fenced, numbered data; the system prompt says that text
inside is never an instruction, and the fence itself cannot be closed from inside a document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from rag.answerers.base import NO_ANSWER, BackendUnavailable
from rag.prompts import Prompt, load_prompt
from rag.types import Passage

_FENCE = re.compile(r"</?\s*(passages|conversation)\s*>", re.IGNORECASE)


def neutralise(text: str) -> str:
    """Defuse our data fences inside document text (a document cannot end the data block)."""
    return _FENCE.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)


def format_passages(passages: Sequence[Passage]) -> str:
    blocks = []
    for n, p in enumerate(passages, start=1):
        source = ", ".join(x for x in (p.meta.outlet, p.meta.date) if x)
        head = f"[{n}] {p.meta.title}" + (f" ({source})" if source else "")
        blocks.append(f"{neutralise(head)}\n{neutralise(p.chunk.text)}")
    return "\n\n".join(blocks)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


class ChatAnswerer:
    condenses_followups = True

    def __init__(
        self,
        model: BaseChatModel,
        name: str,
        where: str,
        prompt: Prompt | None = None,
        condense_prompt: Prompt | None = None,
    ) -> None:
        self.model = model
        self.name = name
        self.where = where
        self.prompt = prompt or load_prompt("answer")
        self.condense_prompt = condense_prompt or load_prompt("condense")
        self.prompt_version = self.prompt.label

    def _messages(self, prompt: Prompt, **values: str) -> list[SystemMessage | HumanMessage]:
        system, user = prompt.render(**values)
        return [SystemMessage(system), HumanMessage(user)]

    def passages_for(self, question: str, k: int) -> int:
        return k

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        messages = self._messages(
            self.prompt,
            passages=format_passages(passages),
            question=neutralise(question),
            no_answer=NO_ANSWER,
        )
        try:
            for piece in self.model.stream(messages):
                if isinstance(piece.content, str) and piece.content:
                    yield piece.content
        except Exception as exc:  # connection refused, HTTP 5xx, timeouts: all say the same
            raise BackendUnavailable(
                f"the {self.name} answerer at {self.where} failed ({_describe(exc)})"
            ) from exc

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        if not history:
            return question
        turns = "\n".join(f"Journalist: {u}\nAssistant: {a}" for u, a in history[-4:])
        messages = self._messages(
            self.condense_prompt, history=neutralise(turns), question=neutralise(question)
        )
        try:
            reply = self.model.invoke(messages)
        except Exception as exc:
            raise BackendUnavailable(
                f"the {self.name} answerer at {self.where} failed ({_describe(exc)})"
            ) from exc
        text = reply.content if isinstance(reply.content, str) else ""
        return text.strip().splitlines()[0].strip() if text.strip() else question
