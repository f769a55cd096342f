"""The detector: candidates -> judges -> cards, for one question and its retrieved passages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from rag.conflicts.candidates import (
    PAIR_BAR,
    Candidate,
    SentenceVectors,
    TextEmbedder,
    find_candidates,
    same_point,
)
from rag.conflicts.cards import Flag, build_cards
from rag.conflicts.clues import PairEvidence, QuestionContext, SentenceClues, clues, pair_evidence
from rag.conflicts.judge import (
    CONFLICT_THRESHOLD,
    INTERCEPT,
    JUDGE_FLOOR,
    WEIGHTS,
    ClueJudge,
    ClueWeights,
    PairJudge,
    Verdict,
)
from rag.conflicts.model_judge import (
    ModelJudge,
    closeness,
    has_asked_clue,
    one_government,
    side_probes,
)
from rag.types import Conflict, Passage


def on_one_point(candidate: Candidate) -> bool:
    """Can the classifier's contradiction stand? The rules' pairs (asked assessment, rival
    actors) can; otherwise the two sentences must be close to each other (``PAIR_BAR``) or
    show a clue that they state one thing differently (figures, dates, names, a "not"). Two
    sentences that only share the question's subject misread as contradicting: "The warehouse
    fire killed 21 people" vs "Firefighters fought the blaze for six hours" (P 0.40)."""
    return (
        has_asked_clue(candidate)
        or candidate.similarity >= PAIR_BAR
        or candidate.evidence.has_clue()
    )


class ConflictDetector:
    """Finds disagreements between the retrieved passages of different documents.

    With a ``model`` (the trained sentence judge, the default in the app) the model decides on
    the closest candidates and the clues only explain; without one (the "clues" engine, kept
    for the bench) the clue scorer decides. An optional second ``judge`` (the LLM judge, or any
    ``PairJudge``) re-decides the strongest candidates, and its verdict wins where it has one
    (a failing judge leaves the first verdict)."""

    def __init__(
        self,
        embeddings: TextEmbedder,
        threshold: float = CONFLICT_THRESHOLD,
        judge: PairJudge | None = None,
        weights: Mapping[str, float] | None = None,
        intercept: float | None = None,
        model: ModelJudge | None = None,
    ) -> None:
        self.embeddings = embeddings
        self.judge = judge
        self.model = model
        self.scorer = ClueJudge(
            ClueWeights(
                INTERCEPT if intercept is None else intercept,
                dict(weights or WEIGHTS),
                threshold,
            )
        )
        self._vectors = SentenceVectors(embeddings)

    @property
    def threshold(self) -> float:
        return self.scorer.weights.threshold

    @property
    def weights(self) -> dict[str, float]:
        return self.scorer.weights.weights

    @property
    def intercept(self) -> float:
        return self.scorer.weights.intercept

    def clear_cache(self) -> None:
        self._vectors.clear()

    def score(self, evidence: PairEvidence) -> float:
        return self.scorer.score(evidence)

    # -- scoring pairs of texts (also what the bench measures) --------------------------------
    def score_pairs(
        self, questions: Sequence[str], a_texts: Sequence[str], b_texts: Sequence[str]
    ) -> list[tuple[float, PairEvidence]]:
        """Score (a, b) pairs, each with its own question, with the product's clues, "same
        point" gate and clue scorer (the bench's entry point; one embedding batch)."""
        unique = list(dict.fromkeys([*questions, *a_texts, *b_texts]))
        vectors = np.asarray(self.embeddings.embed_documents(unique))
        index = {t: i for i, t in enumerate(unique)}
        cache: dict[str, SentenceClues] = {}
        contexts: dict[str, QuestionContext] = {}
        out = []
        for q, a, b in zip(questions, a_texts, b_texts, strict=True):
            ca = cache.setdefault(a, clues(a))
            cb = cache.setdefault(b, clues(b))
            ctx = contexts.setdefault(q, QuestionContext.of(q))
            vq, va, vb = vectors[index[q]], vectors[index[a]], vectors[index[b]]
            sim, qa, qb = float(va @ vb), float(vq @ va), float(vq @ vb)
            ev = pair_evidence(ca, cb, sim, qa, qb, ctx)
            gate = same_point(ca, cb, sim, qa, qb, ev) and ev.has_clue()
            out.append((self.score(ev) if gate else 0.0, ev))
        return out

    # -- the product entry point --------------------------------------------------------------
    def probes(self, question: str) -> list[str]:
        """Extra searches whose passages the check should read as well (``side_probes``: each
        pole of an asked assessment, the actors of a who-question), for either engine."""
        return side_probes(question)

    def find_conflicts(
        self, question: str, passages: Sequence[Passage], texts: Mapping[str, str]
    ) -> list[Conflict]:
        """Disagreements between passages of different documents about ``question``, best
        first (at most ``MAX_CARDS``). ``texts``: doc_id -> stored document text."""
        sentences, vectors, candidates = find_candidates(question, passages, texts, self._vectors)
        if not candidates:
            return []
        reasons: list[str | None] = [None] * len(candidates)
        if self.model is not None:
            verdicts = self._model_verdicts(self.model, candidates, reasons)
        else:
            verdicts = [self.scorer.verdict(c.evidence) for c in candidates]
        if self.judge is not None:
            self._second_opinion(self.judge, candidates, verdicts, reasons)
        flags = [
            Flag(c, v.p_contradiction, why)
            for c, v, why in zip(candidates, verdicts, reasons, strict=True)
            if v.label == "contradicts"
        ]
        # ties (every flag of the asked-axis rule scores the same) go to the closest pair:
        # the card opens with the two sentences most on the question's point
        flags.sort(key=lambda f: (-f.score, -closeness(f.candidate)))
        return build_cards(question, sentences, vectors, flags, self.weights)

    @staticmethod
    def _model_verdicts(
        model: ModelJudge, candidates: Sequence[Candidate], reasons: list[str | None]
    ) -> list[Verdict]:
        """The model reads the closest candidates (its budget; the rest are "neither"): closest
        to each other and to the question first. One act named at two levels of one government
        ("the Secretary of State designated" vs "the White House has designated") is never a
        disagreement, whatever the model reads."""
        verdicts = [Verdict("neither", 0.0)] * len(candidates)
        order = sorted(range(len(candidates)), key=lambda k: -closeness(candidates[k]))
        eligible = [k for k in order if not one_government(candidates[k])]
        asked = [k for k in eligible if has_asked_clue(candidates[k])]
        chosen = list(dict.fromkeys([*asked, *eligible]))[: max(model.max_pairs or 0, len(asked))]
        for k, verdict in zip(chosen, model.judge([candidates[k] for k in chosen]), strict=True):
            if verdict is None:
                continue
            if verdict.label == "contradicts" and not on_one_point(candidates[k]):
                verdict = Verdict("neither", verdict.p_contradiction, "not on one point")
            verdicts[k] = verdict
            reasons[k] = f"{model.name}: {verdict.note}"
        return verdicts

    def _second_opinion(
        self,
        judge: PairJudge,
        candidates: Sequence[Candidate],
        verdicts: list[Verdict],
        reasons: list[str | None],
    ) -> None:
        """Let ``judge`` re-decide the candidates it wants: with a budget, those the clue
        scorer ranks highest (from ``JUDGE_FLOOR`` up); without one, all of them."""
        chosen = list(range(len(candidates)))
        if judge.max_pairs is not None:
            raw = [
                v.p_contradiction if self.model else self.score(c.evidence)
                for c, v in zip(candidates, verdicts, strict=True)
            ]
            ranked = sorted((k for k in chosen if raw[k] >= JUDGE_FLOOR), key=lambda k: -raw[k])
            chosen = ranked[: judge.max_pairs]
        if not chosen:
            return
        second = judge.judge([candidates[k] for k in chosen])
        for k, verdict in zip(chosen, second, strict=True):
            if verdict is not None:
                verdicts[k] = verdict
                reasons[k] = f"{judge.name}: {verdict.note or verdict.label}"
