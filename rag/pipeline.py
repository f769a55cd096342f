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
from rag.config import Settings
from rag.conflicts import ConflictDetector, attach_conflicts
from rag.present import marks_shown
from rag.retrieval import Retriever
from rag.scope import Scope
from rag.store import Store
from rag.types import Answer, Passage

History = Sequence[tuple[str, str]]
PROBE_PASSAGES = 6  # passages each side's probe search adds to what the check reads


@dataclass
class Turn:
    """The state one question builds up as it goes through the steps."""

    question: str
    history: History = ()
    scope: Scope | None = None
    standalone: str = ""
    passages: list[Passage] = field(default_factory=list)
    wider: list[Passage] = field(default_factory=list)  # what the disagreement check reads
    draft: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # doc_id -> stored text (offsets)


def conflict_reach(settings: Settings, detector: ConflictDetector | None) -> int:
    """How many passages the disagreement check reads, whatever the answer quotes from.

    With the trained judge, ``conflict_passages``: one side of a disagreement is often in a
    passage the answer does not need ("Who labelled the cartels terrorists?": the
    Biden-administration claim ranked past the answer's 6); measured on corpus/ (README, *When
    sources disagree*), 12 passages flag 12 of 12 phrasings of the four disagreements against 6
    of 12 with 6, and none of 12 agreeing questions, as with 6. The clue-only engine reads the usual
    ``k``: more candidates gave it more, noisier cards (measured before flags on one assessment
    axis became one card)."""
    if detector is None:
        return 0
    if detector.model is None:
        return settings.k
    return max(settings.k, settings.conflict_passages)


def with_probes(
    retriever: Retriever,
    passages: Sequence[Passage],
    probes: Sequence[str],
    scope: Scope | None = None,
) -> list[Passage]:
    """``passages`` and, after them, the best ``PROBE_PASSAGES`` of each probe search that
    are not among them (``ConflictDetector.probes``: each side of what the question asks),
    for the disagreement check to read.

    Why new ones: a side's search mostly ranks the question's own passages first. Taking its
    top 6 and dropping those already read added nothing when the side's passage ranked 9th
    ("This cooperative framework has yielded concrete results" for "Has the US campaign
    against narco-terrorism worked?", int8 vectors), so that question got no card."""
    out = list(passages)
    seen = {p.chunk.chunk_id for p in out}
    for probe in probes:
        hits = retriever.search(probe, k=len(seen) + PROBE_PASSAGES, scope=scope)
        new = [p for p in hits if p.chunk.chunk_id not in seen][:PROBE_PASSAGES]
        seen.update(p.chunk.chunk_id for p in new)
        out.extend(new)
    return out


def check_passages(
    retriever: Retriever,
    detector: ConflictDetector,
    question: str,
    scope: Scope | None = None,
) -> list[Passage]:
    """What the disagreement check reads for ``question`` (``Pipeline.ask`` gets the same from
    the one search it shares with the answer): the first ``conflict_reach`` passages, then
    its side searches' new ones. For a caller that runs a detector alone."""
    found = retriever.search(question, k=conflict_reach(retriever.settings, detector), scope=scope)
    return with_probes(retriever, found, detector.probes(question), scope)


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
        """The answer's passages, and the wider set the disagreement check reads: one search,
        since retrieval picks greedily and the first ``k`` of a wider search are what ``k``
        would have given."""
        started = time.perf_counter()
        settings = self.retriever.settings
        k = self.answerer.passages_for(turn.standalone, settings.k)
        reach = conflict_reach(settings, self.detector)
        found = self.retriever.search(
            turn.standalone, k=max(k, reach), scope=turn.scope, timings=turn.timings, spread_from=k
        )  # adds the split: embedding, dense, bm25; the answer's k picked per file, as always
        turn.passages = found[:k]
        turn.wider = found[:reach]
        turn.timings["retrieve"] = time.perf_counter() - started

    def _draft(self, turn: Turn) -> Iterator[str]:
        """The answerer's draft, piece by piece, as it is written."""
        started = time.perf_counter()
        for piece in self.answerer.stream(turn.standalone, turn.passages):
            turn.draft += piece
            yield piece
        turn.timings["answer"] = time.perf_counter() - started

    def _texts(self, turn: Turn, passages: Sequence[Passage]) -> dict[str, str]:
        """The stored text of each passage's document (offsets are into it), read once."""
        for p in passages:
            if p.doc_id not in turn.texts:
                doc = self.store.get_document(p.doc_id)
                turn.texts[p.doc_id] = doc.text if doc else ""
        return turn.texts

    def _verify(self, turn: Turn) -> Answer:
        started = time.perf_counter()
        texts = self._texts(turn, turn.passages)
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
        """Where the retrieved sources disagree, say so, each side quoted (never pick one);
        the check reads ``conflict_reach`` passages (``turn.wider``) and those of its side
        searches (``with_probes``), which count in its time."""
        if self.detector is None or not answer.grounded:
            return answer
        started = time.perf_counter()
        probes = self.detector.probes(turn.standalone)
        turn.wider = with_probes(self.retriever, turn.wider, probes, turn.scope)
        texts = self._texts(turn, turn.wider)
        found = self.detector.find_conflicts(turn.standalone, turn.wider, texts)
        answer = marks_shown(attach_conflicts(answer, found, turn.wider))
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
