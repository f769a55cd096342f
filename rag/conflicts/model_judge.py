"""The default judge: the trained sentence classifier reads each pair, both ways round.

Why both ways: a disagreement has no premise; P(contradicts) is averaged over (a, b) and (b, a).
The decision is a small logistic model over what the classifier says (P(contradicts),
P(entails)), the clues that make a contradiction checkable (figures, dates, actors, opposite
verdicts) and the pair's own readings of its figures and dates whatever the question asked
(``clues.readings``: the classifier sees that a figure differs, not whether "under 400" admits
392), fitted on pairs the classifier never trained on (``python -m bench.conflicts
--fit-judge`` writes ``judge_weights.json``). The classifier's probability is the main input; a
clue can raise or lower a score but a pair the classifier reads as agreeing (P(entails) high)
is never flagged unless its figures or dates clash, and the clues are what the card shows as
the reason.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.conflicts.candidates import Candidate
from rag.conflicts.clues import PairEvidence, assessment_asked, question_focus
from rag.conflicts.clues.actors import ACT_WORDS, one_government_act
from rag.conflicts.clues.asked import acts_named
from rag.conflicts.clues.readings import READINGS
from rag.conflicts.clues.verdicts import AXIS_BY_NAME, without_poles
from rag.conflicts.judge import Verdict
from rag.conflicts.sentence_model import CONTRADICTS, ENTAILS, SentenceJudge
from rag.lexical import says_something_else

WEIGHTS_FILE = Path(__file__).with_name("judge_weights.json")
CLUE_INPUTS = (  # the pair's clue values the decision reads
    "figures",
    "figures_agree",
    "dates",
    "agents",
    "antonym",
    "verdict",
    "negation",
    *READINGS,
)
STACK_FEATURES = ("p_contradicts", "p_entails", *CLUE_INPUTS)
REREAD_BAR = 0.1  # forward P(contradicts) from which the pair is also read backwards
CACHE_SIZE = 4096  # pair readings kept between questions
MAX_PAIRS = 16  # candidates the classifier reads per question (closest first; latency)
CLASHES = ("figures_clash", "dates_clash")  # readings that overrule the classifier's gates
AGREE_VETO = 0.6  # P(entails) either way round at or above this: the two say the same thing
ASKED_AXIS_SCORE = 0.5  # card score of a flag on the asked axis or act (the classifier is silent)


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
    values = {f: float(clue_values.get(f, 0.0)) for f in CLUE_INPUTS}
    values["p_contradicts"] = float((probs_ab[CONTRADICTS] + probs_ba[CONTRADICTS]) / 2)
    values["p_entails"] = float(max(probs_ab[ENTAILS], probs_ba[ENTAILS]))
    values["p_contradicts_max"] = float(max(probs_ab[CONTRADICTS], probs_ba[CONTRADICTS]))
    return values


def _clashes(values: dict[str, float], details: dict[str, str]) -> str:
    """What clashes, for the card, when the question-gated clue did not say it already."""
    said = [
        f"; {kind} differ: {details[key]}"
        for kind, key in (("figures", "figures_clash"), ("dates", "dates_clash"))
        if values.get(key, 0.0) > 0 and not values.get(kind, 0.0) and key in details
    ]
    return "".join(said)


class ModelJudge:
    """``PairJudge`` backed by the trained classifier (and the fitted stacker)."""

    name = "sentence judge"

    def __init__(
        self,
        model: SentenceJudge | Callable[[], SentenceJudge],
        weights: StackWeights | None = None,
        max_pairs: int | None = MAX_PAIRS,
    ) -> None:
        self._model = model if isinstance(model, SentenceJudge) else None
        self._load = None if isinstance(model, SentenceJudge) else model
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.weights = weights or StackWeights.load()
        self.max_pairs = max_pairs

    def load(self) -> None:
        """Load the classifier now (the app warms it up before the first question)."""
        _ = self.model

    @property
    def model(self) -> SentenceJudge:
        """The classifier, loaded on first use (once, whichever thread asks first)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    assert self._load is not None
                    self._model = self._load()
        return self._model

    def clear_cache(self) -> None:
        """Forget the readings (the bench times a cold question)."""
        with self._lock:
            self._cache.clear()

    def contradicts(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        """Does each (evidence, claim) evidence contradict its claim? For the citation check:
        the classifier's P(contradicts) at its own threshold, premise = the evidence."""
        if not pairs:
            return []
        probs = self.model.probabilities(list(pairs))[:, CONTRADICTS]
        return [bool(p >= self.model.threshold) for p in probs]

    def features(
        self, pairs: Sequence[tuple[str, str, dict[str, float]]]
    ) -> list[dict[str, float]]:
        """Stacker inputs. The classifier reads each pair forwards; backwards only where the
        first reading sees some contradiction (elsewhere the backward reading is taken to be
        the same: it halves the cost per question), and readings are cached between questions
        (passages recur in a session)."""
        texts = [(a, b) for a, b, _ in pairs]
        forward = self._read(texts)
        backward = forward.copy()
        again = [k for k in range(len(texts)) if forward[k][CONTRADICTS] >= REREAD_BAR]
        if again:
            backward[again] = self._read([(texts[k][1], texts[k][0]) for k in again])
        return [pair_features(forward[k], backward[k], pairs[k][2]) for k in range(len(texts))]

    def _read(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        with self._lock:
            known = {p: self._cache[p] for p in pairs if p in self._cache}
        missing = list(dict.fromkeys(p for p in pairs if p not in known))
        if missing:
            known.update(zip(missing, self.model.probabilities(missing), strict=True))
            with self._lock:
                for p in missing:
                    self._cache[p] = known[p]
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return np.stack([known[p] for p in pairs])

    def verdict(
        self, values: dict[str, float], details: dict[str, str], asked: frozenset[str] = frozenset()
    ) -> Verdict:
        """Contradiction when the classifier reads one (its own bar and the fitted decision),
        or when the pair's own figures or dates clash, the classifier sees some contradiction
        (``REREAD_BAR``; at P 0.00 two figures are two events: "five members charged" vs "29
        members extradited") and the fitted decision says so (measured: it reads "The bridge,
        opened in 1932, ..." and "... and opened in 1934" as agreement);
        otherwise, for what it cannot read (measured: opposite assessments in different words,
        another actor named for one act), when the question asks about that axis or act, the
        sides take opposite poles or name rival actors, and the classifier does not read them
        as agreeing. Never when it reads agreement and nothing clashes."""
        p = self.weights.score(values)
        pc = values["p_contradicts"]
        clash = any(values.get(k, 0.0) > 0 for k in CLASHES)
        if values["p_entails"] >= AGREE_VETO and not clash:
            return Verdict("entails", p, f"reads as agreeing (P {values['p_entails']:.2f})")
        reads = values.get("p_contradicts_max", pc)  # the stronger of the two readings
        if (
            (reads >= self.model.threshold or (clash and reads >= REREAD_BAR))
            and p >= self.weights.threshold
            and values.get("differ", 1.0)
        ):
            read = "contradiction" if reads >= self.model.threshold else "a clash it did not read"
            return Verdict("contradicts", p, f"{read} (P {pc:.2f})" + _clashes(values, details))
        for clue in sorted(asked):
            if values.get(clue, 0.0) > 0 and clue in details:
                score = max(p, ASKED_AXIS_SCORE)
                return Verdict("contradicts", score, f"no agreement (P {pc:.2f}); {details[clue]}")
        return Verdict("neither", p, f"no contradiction (P {pc:.2f})")

    def judge(self, pairs: Sequence[Candidate]) -> list[Verdict | None]:
        return list(
            self.decide(
                [(c.a.text, c.b.text, c.evidence) for c in pairs], [asked_clues(c) for c in pairs]
            )
        )

    def decide(
        self,
        pairs: Sequence[tuple[str, str, PairEvidence]],
        asked: Sequence[frozenset[str]] | None = None,
    ) -> list[Verdict]:
        """The verdict on each (sentence, sentence, clues) pair: both readings, the stacker,
        the agreement veto, and a side that only drops a detail of the other never clashes."""
        if not pairs:
            return []
        rows = self.features([(a, b, ev.values) for a, b, ev in pairs])
        for row, (a, b, _) in zip(rows, pairs, strict=True):
            row["differ"] = float(says_something_else(a, b) and says_something_else(b, a))
        wanted = asked if asked is not None else [frozenset()] * len(pairs)
        return [
            self.verdict(v, ev.details, q)
            for v, (_, _, ev), q in zip(rows, pairs, wanted, strict=True)
        ]


def closeness(candidate: Candidate) -> float:
    """Rank for the model's budget: close to each other and both close to the question."""
    return candidate.similarity + min(candidate.a.relevance, candidate.b.relevance)


def one_government(candidate: Candidate) -> bool:
    return one_government_act(candidate.a.clues.agents, candidate.b.clues.agents)


ACTOR_PROBE = "administration government president officials"
# A yes/no question about what something did ("Did the congestion charge cut traffic?") hinges
# on whether it worked when both sides answer it this closely (cosine to the question).
IMPLIED_BAR = 0.5


def side_probes(question: str) -> list[str]:
    """Searches that look for each side of what the question asks, since the side its own
    words do not favour is often past the passages they retrieve: each pole of an asked
    assessment ("Has the war on narco-terror been effective?" + "success results achieved", +
    "failed failure"), and for a who-question the actors sources name ("Who designated the
    cartels ...?" + "administration government ...": the Biden-administration sentence ranks
    12th for the question, 3rd for the probe, and a sixth document on cartels pushed it out);
    with the act the question names in plain words ("designated reclassified ..."), since in
    a store of other news "Which leader made the terrorist designation? administration ..."
    found politics news, not the Biden-administration sentence.
    A pole's search leaves out the question's own pole words: "Has the US policy against the
    cartels been a failure? success results achieved" still found failures only."""
    q = question.strip()
    probes = [
        f"{without_poles(q, name)} {words}"
        for name in sorted(assessment_asked(question))
        for words in AXIS_BY_NAME[name].probes
        if words
    ]
    if question_focus(question) == "agent":
        acts = " ".join(ACT_WORDS[a] for a in sorted(acts_named(question)))
        probes.append(" ".join(filter(None, (q, acts, ACTOR_PROBE))))
    return probes


def asked_clues(candidate: Candidate) -> frozenset[str]:
    """The rule clues that count for this question: "verdict" when it asks about an assessment
    axis ("Has it worked?", "consensual or unilateral?") and the sides take opposite poles on
    that axis; "agents" when it asks who ("Who designated...?")."""
    values, details = candidate.evidence.values, candidate.evidence.details
    out = set()
    question = candidate.context
    axes = set(question.assessed)
    if min(candidate.a.relevance, candidate.b.relevance) >= IMPLIED_BAR:
        axes |= question.implied
    verdict = details.get("verdict", "")
    if values.get("verdict", 0.0) > 0 and any(verdict.startswith(a) for a in axes):
        out.add("verdict")
    if values.get("agents", 0.0) > 0 and question.focus == "agent":
        out.add("agents")
    return frozenset(out)


def has_asked_clue(candidate: Candidate) -> bool:
    return bool(asked_clues(candidate))
