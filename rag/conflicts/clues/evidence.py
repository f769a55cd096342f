"""All the clues of one sentence, and of a pair of sentences about a question.

The pair's clue values are the scorer's input (``FEATURES``, in the order the fitted weights
use) and its details are the reasons a card shows. A clue counts only if it is about what was
asked: a "how many" question is checked for figures only, "when" for dates, "who" for actors
and names; other questions for everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.conflicts.clues.actors import Agent, agents_in, compare_agents
from rag.conflicts.clues.asked import (
    acts_named,
    assessment_asked,
    outcome_asked,
    question_focus,
)
from rag.conflicts.clues.dates import DateValue, compare_dates, dates_in
from rag.conflicts.clues.figures import Quantity, compare_quantities, quantities_in
from rag.conflicts.clues.names import proper_names
from rag.conflicts.clues.opposites import antonym_pair, negations
from rag.conflicts.clues.readings import readings
from rag.conflicts.clues.text import STOPWORDS, content_stems
from rag.conflicts.clues.verdicts import AXIS_BY_NAME, Lean, axes_asked, leans, opposed_lean

# The scorer's input, in the order of its fitted weights (rag/conflicts/clue_weights.json).
FEATURES = (
    "similarity",
    "overlap",
    "figures",
    "figures_agree",
    "dates",
    "agents",
    "names",
    "negation",
    "antonym",
    "verdict",
)
# The clues that can be a reason for a flag (similarity and overlap only say "same point").
CONFLICT_FEATURES = frozenset(
    {"figures", "dates", "agents", "names", "negation", "antonym", "verdict"}
)
STRONG_PAIR = 0.6  # pairs this close compare single figures even without shared unit words
QUESTION_PAIR_BAR = 0.45  # both sentences this close to the question: about the same point


@dataclass
class SentenceClues:
    """Everything the pair scorer needs from one sentence, computed once."""

    text: str
    stems: frozenset[str]
    quantities: list[Quantity]
    dates: list[DateValue]
    agents: list[Agent]
    names: frozenset[str]
    negations: int
    leans: dict[str, Lean] = field(default_factory=dict)

    def figures(self) -> list[Quantity]:
        """The figures the question-gated clue compares (not the judge-only ones)."""
        return [q for q in self.quantities if not q.judge_only]


def clues(text: str) -> SentenceClues:
    dates, spans = dates_in(text)
    return SentenceClues(
        text=text,
        stems=content_stems(text),
        quantities=quantities_in(text, spans),
        dates=dates,
        agents=agents_in(text),
        names=proper_names(text),
        negations=negations(text),
        leans=leans(text),
    )


@dataclass(frozen=True)
class QuestionContext:
    """What a question asks about: its focus, the assessment axes it names, its words."""

    text: str
    focus: str
    axes: frozenset[str]
    stems: frozenset[str]
    acts: frozenset[str]  # labels of the known acts it names ("designated")
    assessed: frozenset[str] = frozenset()  # the axes it asks to assess (``assessment_asked``)
    implied: frozenset[str] = frozenset()  # ... or may hinge on (``outcome_asked``)

    @classmethod
    def of(cls, question: str) -> QuestionContext:
        """Read once per question: the candidates of its pairs all carry this reading."""
        assessed = assessment_asked(question)
        implied = outcome_asked(question)
        return cls(
            question,
            question_focus(question),
            axes_asked(question) | assessed | implied,
            content_stems(question),
            acts_named(question),
            assessed,
            implied,
        )


@dataclass
class PairEvidence:
    """The clue values of a pair (the model's input) and what each clue found (for the card)."""

    values: dict[str, float]
    details: dict[str, str] = field(default_factory=dict)

    def fired(self) -> list[str]:
        return [f for f in FEATURES if f in CONFLICT_FEATURES and self.values.get(f, 0.0) > 0]

    def has_clue(self) -> bool:
        """A flag needs a reason to show: similarity alone never makes a disagreement."""
        return any(self.values.get(f, 0.0) > 0 for f in CONFLICT_FEATURES)

    def found(self, feature: str, value: float, detail: str) -> None:
        self.values[feature] = value
        self.details[feature] = detail


def _overlap(a: SentenceClues, b: SentenceClues) -> float:
    if not a.stems or not b.stems:
        return 0.0
    return len(a.stems & b.stems) / min(len(a.stems), len(b.stems))


def pair_evidence(
    a: SentenceClues,
    b: SentenceClues,
    similarity: float,
    qa: float,
    qb: float,
    question: QuestionContext,
) -> PairEvidence:
    """Clues for one pair. ``similarity`` is cosine(a, b); ``qa``/``qb`` each side's cosine to
    the question. A clue counts only if it is about what was asked."""
    overlap = _overlap(a, b)
    ev = PairEvidence(dict.fromkeys(FEATURES, 0.0))
    ev.values["similarity"] = max(0.0, similarity, min(qa, qb))
    ev.values["overlap"] = overlap
    close = min(qa, qb) >= QUESTION_PAIR_BAR or similarity >= STRONG_PAIR
    _figure_clues(ev, a, b, question, close, loose=similarity >= STRONG_PAIR)
    _fact_clues(ev, a, b, question, close, overlap)
    _wording_clues(ev, a, b, question, close, overlap)
    if question.focus == "any":  # a verdict counts only on an axis the question asks about
        _verdict_clue(ev, a, b, question)
    values, details = readings(a, b)  # the sentence judge's inputs, whatever was asked
    ev.values.update(values)
    ev.details.update(details)
    return ev


def _figure_clues(
    ev: PairEvidence,
    a: SentenceClues,
    b: SentenceClues,
    question: QuestionContext,
    close: bool,
    loose: bool,
) -> None:
    """Incompatible figures for the same count, if figures are asked about (or count what the
    question names); otherwise figures that agree."""
    figures = compare_quantities(a.figures(), b.figures(), loose=loose)
    focus = question.focus
    asked = focus == "quantity" or (focus == "any" and close)
    if figures.conflict is not None and figures.conflict_with is not None:
        unit = figures.conflict.follow | figures.conflict_with.follow
        if asked or (focus != "date" and unit & question.stems):
            detail = f"{figures.conflict.text} vs {figures.conflict_with.text}"
            counted = _unit_words(a.text, figures.conflict.text)
            ev.found("figures", 1.0, detail + (f" ({counted})" if counted else ""))
    elif figures.agreements:
        ev.values["figures_agree"] = 1.0


def _fact_clues(
    ev: PairEvidence,
    a: SentenceClues,
    b: SentenceClues,
    question: QuestionContext,
    close: bool,
    overlap: float,
) -> None:
    """Different dates, a different agent for the same act, names only one side has."""
    focus = question.focus
    dates = compare_dates(a.dates, b.dates)
    if dates and (focus == "date" or (focus == "any" and close)):
        ev.found("dates", 1.0, f"{dates[0].text} vs {dates[1].text}")
    agents = compare_agents(a.agents, b.agents)
    if agents and (
        (focus == "agent" and _act_asked(question, agents[0].action))
        or (focus == "any" and (close or agents[0].action in question.acts))
    ):
        ev.found("agents", 1.0, f"who {agents[0].action}: {agents[0].name} vs {agents[1].name}")
    names_asked = focus == "agent" or (focus == "any" and close)
    if names_asked and (a.names - b.names) and (b.names - a.names) and (a.names & b.names):
        only_a = sorted(a.names - b.names)[0]
        only_b = sorted(b.names - a.names)[0]
        ev.found("names", overlap, f"{only_a.title()} vs {only_b.title()}")


def _wording_clues(
    ev: PairEvidence,
    a: SentenceClues,
    b: SentenceClues,
    question: QuestionContext,
    close: bool,
    overlap: float,
) -> None:
    """A "not" on one side only; a word on one side and its opposite on the other."""
    focus = question.focus
    if focus in ("any", "agent") and close and (a.negations > 0) != (b.negations > 0):
        ev.found("negation", overlap, "one side says it did not happen")
    antonym = antonym_pair(a.stems, b.stems)
    if antonym and focus == "any" and close:
        ev.found("antonym", overlap, f"{antonym[0]}… vs {antonym[1]}…")


def _verdict_clue(
    ev: PairEvidence, a: SentenceClues, b: SentenceClues, question: QuestionContext
) -> None:
    """Opposite poles on an axis the question asks about ("failed" vs "a success")."""
    lean = opposed_lean(a.leans, b.leans, axes=question.axes)
    if lean:
        axis = AXIS_BY_NAME[lean[0]]
        la, lb = a.leans[lean[0]], b.leans[lean[0]]
        first = axis.plus_label if la.value > 0 else axis.minus_label
        second = axis.plus_label if lb.value > 0 else axis.minus_label
        ev.found("verdict", min(1.0, lean[1] / 2.0), f"{axis.name}: {first} vs {second}")


def verdict_axis(ev: PairEvidence) -> str | None:
    """The axis the verdict clue found the pair at opposite poles on ("whether it works"),
    read back from the detail ``_verdict_clue`` writes; None when it did not fire."""
    if "verdict" not in ev.fired():
        return None
    name = ev.details.get("verdict", "").split(":")[0]
    return name if name in AXIS_BY_NAME else None


def _act_asked(question: QuestionContext, action: str) -> bool:
    """For a who-question: is ``action`` the act it asks about? Any act when it names none of
    the known acts ("Who decided to treat the cartels as terrorists?"); "Who arrested ...?"
    is not answered by two sources naming different designators."""
    return not question.acts or action in question.acts


def _unit_words(text: str, figure: str) -> str:
    """What a figure counts, in the sentence's words: "containers" in "1.2 million containers
    in 2023", "population" in "a population of more than 20,000"."""
    at = text.find(figure)
    if at == -1:
        return ""
    after = re.findall(r"[A-Za-z][A-Za-z'’\-]*|[^\sA-Za-z]", text[at + len(figure) :])
    words: list[str] = []
    for w in after:
        if w.lower() in ("of", "the", "a", "an") and not words:
            continue
        if not w[0].isalpha() or w.lower() in STOPWORDS:
            break
        words.append(w)
        if len(words) == 2:
            break
    if not words:
        before = re.findall(r"[A-Za-z][A-Za-z'’\-]*", text[:at])
        words = [w for w in before[-4:] if w.lower() not in STOPWORDS][-1:]
    return " ".join(words)
