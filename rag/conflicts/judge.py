"""The decision: does a candidate pair contradict? One small seam, several judges.

A judge (``PairJudge``) takes a list of candidate pairs and returns, for each, a ``Verdict``
(entails / contradicts / neither, and the probability of contradiction) or ``None`` when it
cannot say. Judges are chosen by name (``make_judge``); a new one is one ``register_judge`` call
and changes neither the candidate nor the card code.
- ``clues`` (``ClueJudge``, always on): a logistic model over the pair's clues and similarity,
  with weights and threshold read from ``clue_weights.json``, which ``python -m bench.conflicts
  --fit`` writes (fitted on VitaminC). A pair without a clue is never a contradiction (similar
  wording alone never is).
- ``llm`` (``LLMJudge``): asks a chat model (prompt ``prompts/judge.v*.md``) for a graded label.
A second judge given to the detector re-decides what the clues found: a judge with a budget
(``max_pairs``) sees the candidates the clues rank highest, one without sees every candidate.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from rag.conflicts.candidates import Candidate
from rag.conflicts.clues import FEATURES, PairEvidence
from rag.prompts import Prompt, load_prompt

if TYPE_CHECKING:  # langchain only when an LLM judge is configured (cold start)
    from langchain_core.language_models import BaseChatModel

Label = Literal["entails", "contradicts", "neither"]
LABELS: tuple[Label, ...] = ("entails", "contradicts", "neither")
JUDGE_FLOOR = 0.2  # a judge with a budget sees candidates the clues score at least this ...
JUDGE_MAX_PAIRS = 6  # ... at most this many per question (the LLM judge: one call each)


@dataclass(frozen=True)
class Verdict:
    """A judge's decision on one pair: a label, the probability that the two sentences
    contradict (the card's score), and the judge's own words for the card's reasons."""

    label: Label
    p_contradiction: float
    note: str = ""


class PairJudge(Protocol):
    """Decides on candidate pairs. ``name`` heads its reason on a card ("LLM judge:
    contradiction"); ``max_pairs`` is how many candidates per question it wants (None: all)."""

    name: str
    max_pairs: int | None

    def judge(self, pairs: Sequence[Candidate]) -> list[Verdict | None]: ...


# --- the clue scorer --------------------------------------------------------------------------

WEIGHTS_FILE = Path(__file__).with_name("clue_weights.json")


@dataclass(frozen=True)
class ClueWeights:
    """The fitted logistic model: one weight per feature (``FEATURES``), an intercept, and the
    threshold a pair's score needs to be a contradiction."""

    intercept: float
    weights: dict[str, float]
    threshold: float

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> ClueWeights:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(f): float(w) for f, w in data["weights"].items()}
        if set(weights) != set(FEATURES):
            raise ValueError(f"{path}: weights for {sorted(weights)}, expected {sorted(FEATURES)}")
        return cls(float(data["intercept"]), weights, float(data["threshold"]))

    def save(self, path: Path, about: str, fitted_on: str) -> None:
        """Write the file ``load`` reads (``about``/``fitted_on`` say how it was made)."""
        data = {
            "about": about,
            "fitted_on": fitted_on,
            "intercept": self.intercept,
            "weights": {f: self.weights[f] for f in FEATURES},
            "threshold": self.threshold,
        }
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


_SHIPPED = ClueWeights.load()
INTERCEPT = _SHIPPED.intercept
WEIGHTS: dict[str, float] = dict(_SHIPPED.weights)
CONFLICT_THRESHOLD = _SHIPPED.threshold


def logistic(values: Mapping[str, float], weights: Mapping[str, float], intercept: float) -> float:
    z = intercept + sum(weights[f] * values.get(f, 0.0) for f in FEATURES)
    return 1.0 / (1.0 + math.exp(-z))


class ClueJudge:
    """The explainable scorer: the fitted logistic model over a pair's clues."""

    name = "clues"
    max_pairs: int | None = None

    def __init__(self, weights: ClueWeights | None = None) -> None:
        self.weights = weights or _SHIPPED

    def score(self, evidence: PairEvidence) -> float:
        """The model's probability, clue or not (ranks the pairs a second judge sees)."""
        w = self.weights
        return logistic(evidence.values, w.weights, w.intercept)

    def verdict(self, evidence: PairEvidence) -> Verdict:
        if not evidence.has_clue():  # a flag needs a reason to show
            return Verdict("neither", 0.0)
        p = self.score(evidence)
        return Verdict("contradicts" if p >= self.weights.threshold else "neither", p)

    def judge(self, pairs: Sequence[Candidate]) -> list[Verdict | None]:
        return [self.verdict(p.evidence) for p in pairs]


# --- the LLM judge ----------------------------------------------------------------------------

# The prompt's graded labels: probability of contradiction, and the three-way label.
JUDGE_LABELS: dict[str, float] = {
    "partial contradiction": 0.7,
    "contradiction": 1.0,
    "unrelated": 0.0,
    "compatible": 0.1,
    "agreement": 0.0,
}
_THREE_WAY: dict[str, Label] = {
    "partial contradiction": "contradicts",
    "contradiction": "contradicts",
    "unrelated": "neither",
    "compatible": "neither",
    "agreement": "entails",
}
_JUDGE_FENCE = re.compile(r"</?\s*(statement_a|statement_b|question)\s*>", re.IGNORECASE)


def _fence_safe(text: str) -> str:
    return _JUDGE_FENCE.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)


def parse_judge_label(reply: str) -> str | None:
    """The graded label in a judge reply ("label: partial contradiction"), or None."""
    low = reply.lower()
    match = re.search(r"label\s*[:=]\s*\**\s*([a-z ]+)", low)
    candidates = [match.group(1)] if match else []
    candidates.append(low)
    for text in candidates:
        for label in sorted(JUDGE_LABELS, key=len, reverse=True):
            if re.search(rf"\b{label}\b", text):
                return label
    return None


class LLMJudge:
    """Asks a chat model for a graded label for each pair of statements (one call per pair)."""

    name = "LLM judge"
    max_pairs: int | None = JUDGE_MAX_PAIRS

    def __init__(self, chat_model: BaseChatModel, prompt: Prompt | None = None) -> None:
        self.model = chat_model
        self.prompt = prompt or load_prompt("judge")

    def ask(self, question: str, a: str, b: str) -> Verdict | None:
        """The model's verdict, or None when it fails or answers off-format."""
        system, user = self.prompt.render(
            a=_fence_safe(a), b=_fence_safe(b), question=_fence_safe(question)
        )
        try:
            from langchain_core.messages import HumanMessage, SystemMessage

            reply = self.model.invoke([SystemMessage(system), HumanMessage(user)])
        except Exception:  # a judge is optional: a failing server leaves the clue verdict
            return None
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        label = parse_judge_label(text)
        if label is None:
            return None
        return Verdict(_THREE_WAY[label], JUDGE_LABELS[label], label)

    def judge(self, pairs: Sequence[Candidate]) -> list[Verdict | None]:
        return [self.ask(p.question, p.a.text, p.b.text) for p in pairs]


# --- judges by name ---------------------------------------------------------------------------

JudgeFactory = Callable[..., PairJudge]
JUDGES: dict[str, JudgeFactory] = {"clues": ClueJudge, "llm": LLMJudge}


def register_judge(name: str, factory: JudgeFactory) -> None:
    """Make a judge available by name (e.g. a trained sentence-pair classifier)."""
    JUDGES[name] = factory


def make_judge(name: str, **options: object) -> PairJudge:
    """The judge registered as ``name``, built with ``options`` (``make_judge("llm",
    chat_model=model)``)."""
    factory = JUDGES.get(name)
    if factory is None:
        raise ValueError(f"no conflict judge named {name!r}; known: {', '.join(sorted(JUDGES))}")
    return factory(**options)
