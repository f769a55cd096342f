"""The retrieval chain: question -> (condense) -> retrieve -> answer -> verify -> conflicts
-> ``Answer``.

The steps are written down once, in ``stream``, which hands out the draft as it is written and
then the verified ``Answer``; ``ask`` is the same run with the draft pieces left unread, so the
CLI, the app and the bench cannot drift apart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

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
    """The state one question builds up as it goes through the steps."""

    question: str
    history: History = ()
    scope: Scope | None = None
    standalone: str = ""
    passages: list[Passage] = field(default_factory=list)
    draft: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # doc_id -> stored text (offsets)


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

    # -- steps ---------------------------------------------------------------------------------
    def _condense(self, turn: Turn) -> None:
        question = turn.question.strip()
        if not question:
            raise ValueError("the question is empty")
        started = time.perf_counter()
        use_history = self.answerer.condenses_followups and turn.history
        turn.standalone = (
            self.answerer.condense(question, turn.history) if use_history else question
        )
        turn.timings["condense"] = time.perf_counter() - started

    def _retrieve(self, turn: Turn) -> None:
        started = time.perf_counter()
        k = self.answerer.passages_for(turn.standalone, self.retriever.settings.k)
        turn.passages = self.retriever.search(
            turn.standalone, k=k, scope=turn.scope, timings=turn.timings
        )  # adds the split: embedding, dense, bm25
        turn.timings["retrieve"] = time.perf_counter() - started

    def _draft(self, turn: Turn) -> Iterator[str]:
        """The answerer's draft, piece by piece, as it is written."""
        started = time.perf_counter()
        for piece in self.answerer.stream(turn.standalone, turn.passages):
            turn.draft += piece
            yield piece
        turn.timings["answer"] = time.perf_counter() - started

    def _verify(self, turn: Turn) -> Answer:
        started = time.perf_counter()
        texts = turn.texts
        for p in turn.passages:
            if p.doc_id not in texts:
                doc = self.store.get_document(p.doc_id)
                texts[p.doc_id] = doc.text if doc else ""
        verified = self.checker.verify(turn.draft, turn.passages, texts)
        turn.timings["verify"] = time.perf_counter() - started
        return Answer(
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

    def _conflicts(self, turn: Turn, answer: Answer) -> Answer:
        """Where the retrieved sources disagree, say so, each side quoted (never pick one).

        The detector reads the first ``k`` passages whatever the answerer asked for: a list or
        two-sided question gathers more passages to quote from (``passages_for``), and more
        candidates there gave more, noisier cards on a question the sources agree on. Retrieval
        picks greedily, so the first ``k`` of the wider search are what ``k`` would have given.
        """
        if self.detector is None or not answer.grounded:
            return answer
        started = time.perf_counter()
        read = turn.passages[: self.retriever.settings.k]
        found = self.detector.find_conflicts(turn.standalone, read, turn.texts)
        answer = marks_shown(attach_conflicts(answer, found))
        answer.timings["conflicts"] = time.perf_counter() - started
        return answer

    # -- entry points ----------------------------------------------------------------------------
    def stream(
        self, question: str, history: History = (), scope: Scope | None = None
    ) -> Iterator[str | Answer]:
        """Yield draft pieces (str) as they are written, then the verified ``Answer``, last."""
        turn = Turn(question, history, scope)
        self._condense(turn)
        self._retrieve(turn)
        yield from self._draft(turn)
        yield self._conflicts(turn, self._verify(turn))

    def ask(self, question: str, history: History = (), scope: Scope | None = None) -> Answer:
        """The verified ``Answer``: ``stream`` run to its end."""
        for item in self.stream(question, history, scope):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream always ends with an Answer")  # pragma: no cover
