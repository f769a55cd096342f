"""The default judge: the trained sentence classifier reads each pair, both ways round.

Why both ways: a disagreement has no premise; P(contradicts) is averaged over (a, b) and (b, a).
The decision is a small logistic model over what the classifier says (P(contradicts),
P(entails)) and the clues that make a contradiction checkable (figures, dates, actors, opposite
verdicts), fitted on pairs the classifier never trained on (``python -m bench.conflicts
--fit-judge`` writes ``judge_weights.json``). The classifier's probability is the main input; a
clue can raise or lower a score but a pair the classifier reads as agreeing (P(entails) high)
is never flagged, and the clues are what the card shows as the reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.conflicts.candidates import Candidate
from rag.conflicts.clues.actors import one_government_act
from rag.conflicts.judge import Verdict
from rag.conflicts.sentence_model import CONTRADICTS, ENTAILS, SentenceJudge

WEIGHTS_FILE = Path(__file__).with_name("judge_weights.json")
STACK_FEATURES = (
    "p_contradicts",
    "p_entails",
    "figures",
    "figures_agree",
    "dates",
    "agents",
    "antonym",
    "verdict",
    "negation",
)
AGREE_VETO = 0.6  # P(entails) either way round at or above this: the two say the same thing


@dataclass(frozen=True)
class StackWeights:
    intercept: float
    weights: dict[str, float]
    threshold: float
    about: str = ""

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> StackWeights:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            float(data["intercept"]),
            {k: float(v) for k, v in data["weights"].items()},
            float(data["threshold"]),
            str(data.get("about", "")),
        )

    def save(self, path: Path, about: str, scores: dict[str, object]) -> None:
        data = {
            "about": about,
            "intercept": self.intercept,
            "weights": self.weights,
            "threshold": self.threshold,
            "scores": scores,
        }
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    def score(self, values: dict[str, float]) -> float:
        z = self.intercept + sum(w * values.get(f, 0.0) for f, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))


def pair_features(
    probs_ab: np.ndarray, probs_ba: np.ndarray, clue_values: dict[str, float]
) -> dict[str, float]:
    """The stacker's inputs for one pair."""
    values = {f: float(clue_values.get(f, 0.0)) for f in STACK_FEATURES[2:]}
    values["p_contradicts"] = float((probs_ab[CONTRADICTS] + probs_ba[CONTRADICTS]) / 2)
    values["p_entails"] = float(max(probs_ab[ENTAILS], probs_ba[ENTAILS]))
    return values


class ModelJudge:
    """``PairJudge`` backed by the trained classifier (and the fitted stacker)."""

    name = "sentence judge"

    def __init__(
        self,
        model: SentenceJudge,
        weights: StackWeights | None = None,
        max_pairs: int | None = 24,
    ) -> None:
        self.model = model
        self.weights = weights or StackWeights.load()
        self.max_pairs = max_pairs

    def features(
        self, pairs: Sequence[tuple[str, str, dict[str, float]]]
    ) -> list[dict[str, float]]:
        texts = [(a, b) for a, b, _ in pairs]
        probs = self.model.probabilities([*texts, *[(b, a) for a, b in texts]])
        n = len(texts)
        return [pair_features(probs[k], probs[n + k], pairs[k][2]) for k in range(n)]

    def verdict(self, values: dict[str, float]) -> Verdict:
        p = self.weights.score(values)
        if values["p_entails"] >= AGREE_VETO:
            return Verdict("entails", p, f"reads as agreeing (P {values['p_entails']:.2f})")
        label = "contradicts" if p >= self.weights.threshold else "neither"
        return Verdict(label, p, f"P(contradicts) {values['p_contradicts']:.2f}")

    def judge(self, pairs: Sequence[Candidate]) -> list[Verdict | None]:
        if not pairs:
            return []
        rows = self.features([(c.a.text, c.b.text, c.evidence.values) for c in pairs])
        return [self.verdict(v) for v in rows]


def closeness(candidate: Candidate) -> float:
    """Rank for the model's budget: close to each other and both close to the question."""
    return candidate.similarity + min(candidate.a.relevance, candidate.b.relevance)


def one_government(candidate: Candidate) -> bool:
    return one_government_act(candidate.a.clues.agents, candidate.b.clues.agents)
