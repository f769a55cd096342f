"""The retrieval chain: question -> (condense) -> retrieve -> answer -> verify -> conflicts
-> ``Answer``.

Built as a LangChain runnable so each step is a plain function that can be invoked, streamed
or traced the same way; ``stream`` runs the same steps but hands out the draft as it is
written, then the verified ``Answer``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from rag.answerers.base import Answerer
from rag.citations import CitationChecker
from rag.conflicts import ConflictDetector, attach_conflicts
from rag.present import marks_shown
from rag.retrieval import Retriever
from rag.scope import Scope
from rag.store import Store
from rag.types import Answer, Passage

History = Sequence[tuple[str, str]]


@dataclass
class Turn:
    """The state that flows through the chain."""

    question: str
    history: History = ()
    scope: Scope | None = None
    standalone: str = ""
    passages: list[Passage] = field(default_factory=list)
    draft: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # doc_id -> stored text (offsets)
    answer: Answer | None = None


class Pipeline:
    def __init__(
        self,
        store: Store,
        retriever: Retriever,
        answerer: Answerer,
        checker: CitationChecker,
        detector: ConflictDetector | None = None,
    ) -> None:
        self.store = store
        self.retriever = retriever
        self.answerer = answerer
        self.checker = checker
        self.detector = detector
        self.chain: Runnable[Turn, Answer] = (
            RunnableLambda(self._condense)
            | RunnableLambda(self._retrieve)
            | RunnableLambda(self._draft)
            | RunnableLambda(self._verify)
            | RunnableLambda(self._conflicts)
        )

    # -- steps ---------------------------------------------------------------------------------
    def _condense(self, turn: Turn) -> Turn:
        question = turn.question.strip()
        if not question:
            raise ValueError("the question is empty")
        started = time.perf_counter()
        use_history = self.answerer.condenses_followups and turn.history
        turn.standalone = (
            self.answerer.condense(question, turn.history) if use_history else question
        )
        turn.timings["condense"] = time.perf_counter() - started
        return turn

    def _retrieve(self, turn: Turn) -> Turn:
        started = time.perf_counter()
        k = self.answerer.passages_for(turn.standalone, self.retriever.settings.k)
        turn.passages = self.retriever.search(
            turn.standalone, k=k, scope=turn.scope, timings=turn.timings
        )  # adds the split: embedding, dense, bm25
        turn.timings["retrieve"] = time.perf_counter() - started
        return turn

    def _draft_pieces(self, turn: Turn) -> Iterator[str]:
        started = time.perf_counter()
        for piece in self.answerer.stream(turn.standalone, turn.passages):
            turn.draft += piece
            yield piece
        turn.timings["answer"] = time.perf_counter() - started

    def _draft(self, turn: Turn) -> Turn:
        for _ in self._draft_pieces(turn):
            pass
        return turn

    def _verify(self, turn: Turn) -> Turn:
        started = time.perf_counter()
        texts = turn.texts
        for p in turn.passages:
            if p.doc_id not in texts:
                doc = self.store.get_document(p.doc_id)
                texts[p.doc_id] = doc.text if doc else ""
        verified = self.checker.verify(turn.draft, turn.passages, texts)
        turn.timings["verify"] = time.perf_counter() - started
        turn.answer = Answer(
            question=turn.question,
            standalone_question=turn.standalone,
            text=verified.text,
            grounded=verified.grounded,
            sentences=verified.sentences,
            citations=verified.citations,
            passages=turn.passages,
            answerer=self.answerer.name,
            prompt_version=self.answerer.prompt_version,
            notes=verified.notes,
            timings=dict(turn.timings),
        )
        return turn

    def _conflicts(self, turn: Turn) -> Answer:
        """Where the retrieved sources disagree, say so, each side quoted (never pick one)."""
        answer = turn.answer
        assert answer is not None, "verify runs first"
        if self.detector is None or not answer.grounded:
            return answer
        started = time.perf_counter()
        found = self.detector.find_conflicts(turn.standalone, turn.passages, turn.texts)
        answer = marks_shown(attach_conflicts(answer, found))
        answer.timings["conflicts"] = time.perf_counter() - started
        return answer

    # -- entry points ----------------------------------------------------------------------------
    def ask(self, question: str, history: History = (), scope: Scope | None = None) -> Answer:
        return self.chain.invoke(Turn(question, history, scope))

    def stream(
        self, question: str, history: History = (), scope: Scope | None = None
    ) -> Iterator[Any]:
        """Yield draft pieces (str) as they are written, then the verified ``Answer``."""
        turn = self._retrieve(self._condense(Turn(question, history, scope)))
        yield from self._draft_pieces(turn)
        yield self._conflicts(self._verify(turn))
