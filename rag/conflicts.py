"""When sources disagree: find incompatible claims in the retrieved passages, point by point.

Why a flag appears (no NLI model runs offline, so every step is one a reader can check):
1. Candidates: the sentences of the retrieved passages that are close in meaning to the question
   (MiniLM cosine), each embedded once.
2. Same point: two sentences from *different* documents that are close to each other (cosine
   and shared content words), or that both answer the question closely.
3. Clues (``rag.conflict_features``): the same count with incompatible figures, the same event
   with different dates, a different named agent for the same act, a "not" on one side only,
   opposite words, opposite verdicts or framings (failed vs success, unilateral vs joint,
   terrorists vs criminal organisations). A "how many" question is checked for figures only,
   "when" for dates, "who" for actors and names; other questions for everything.
4. A logistic model weighs the clues and the similarity into a score in [0, 1]; its weights are
   fitted on VitaminC (``python -m bench.conflicts --fit``), the threshold too. A pair with at
   least one clue and a score at or above the threshold is a disagreement (similar wording alone
   never is); pairs that share a side are one card; at most three cards.
Kind: "temporal" when a figure/actor/verdict conflict comes with different dates on each side
and the sources have different publication dates (the card names the newer source); "factual"
for figures, dates, actors, names, negation; otherwise "assessment".
An optional LLM judge (``LLMJudge``, prompt ``prompts/judge.v*.md``) re-scores the candidates.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from rag.conflict_features import (
    AXIS_BY_NAME,
    STOPWORDS,
    SentenceClues,
    action_label,
    antonym_pair,
    axes_asked,
    clues,
    compare_agents,
    compare_dates,
    compare_quantities,
    content_stems,
    opposed_lean,
)
from rag.sentences import sentence_spans
from rag.types import (
    PARAGRAPH_SEPARATOR,
    Answer,
    AnswerSentence,
    Citation,
    DocMeta,
    Passage,
    paragraph_at,
    paragraph_starts,
)

Kind = Literal["factual", "assessment", "temporal"]

# --- the scorer: fitted constants -------------------------------------------------------------
# Pasted from ``python -m bench.conflicts --fit``: a logistic regression on the VitaminC fit split
# (70% of case_ids by hash; the pairs about the same point with at least one clue), checked on
# the held-back 30% and on FEVER-symmetric dev (``python -m bench --only conflicts``). "agents"
# and "verdict" almost never fire on VitaminC, so the fit gives them the fitted "figures" weight.
# The threshold: best F1 on the fit split, the most precise within 0.01 of it. Negative weights
# ("names", "negation") are clues that, on VitaminC, go with agreement more often than not.
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
INTERCEPT = -0.309
WEIGHTS: dict[str, float] = {
    "similarity": -0.499,
    "overlap": 0.660,
    "figures": 1.802,
    "figures_agree": -1.112,
    "dates": 0.505,
    "agents": 1.802,
    "names": -1.492,
    "negation": -1.381,
    "antonym": 1.277,
    "verdict": 1.802,
}
CONFLICT_THRESHOLD = 0.50

# --- candidate selection (hand-set, see README) ------------------------------------------------
RELEVANCE_BAR = 0.30  # cosine(question, sentence) for a sentence to be considered at all
MAX_PER_DOC = 6  # most relevant sentences kept per document
STRONG_PAIR = 0.6  # pairs this close compare single figures even without shared unit words
PAIR_BAR = 0.45  # cosine(a, b) for two sentences to be about the same point ...
MIN_SHARED = 1  # ... with at least this many shared content words
QUESTION_PAIR_BAR = 0.45  # or: both sentences this close to the question
MIN_WORDS = 5  # headings and fragments are not claims
MAX_CARDS = 3
MAX_SIDES = 4
DUPLICATE_SIM = 0.92  # sides this similar are the same claim (merged into one card)
EMBED_BATCH = 64  # sentences per model call (measured: batches of 8 were 2x slower on CPU)
CACHE_SIZE = 4096  # sentence vectors kept between questions (passages recur in a session)
JUDGE_FLOOR = 0.2  # candidates scoring at least this are sent to the LLM judge ...
JUDGE_MAX_PAIRS = 6  # ... at most this many per question

_CONFLICT_FEATURES = frozenset(
    {"figures", "dates", "agents", "names", "negation", "antonym", "verdict"}
)


def question_focus(question: str) -> str:
    """What kind of answer the question wants: quantity, date, agent, or any."""
    q = question.strip().lower()
    if re.match(r"(how (many|much)|what (number|percentage|share|amount|proportion))\b", q):
        return "quantity"
    if re.match(r"(when|what (year|date|day|month)|in (what|which) year|since when)\b", q):
        return "date"
    if re.match(r"(who|whom|whose)\b", q):
        return "agent"
    return "any"


# --- result types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictSide:
    """One side of a disagreement: a verbatim sentence of a stored document, with offsets."""

    doc_id: str
    meta: DocMeta
    paragraph: int
    start: int
    end: int
    quote: str  # == document text[start:end], always

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.doc_id, self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.meta.title,
            "outlet": self.meta.outlet,
            "date": self.meta.date,
            "paragraph": self.paragraph,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class Conflict:
    """One disputed point: what it is about, what kind of disagreement, and each side."""

    point: str
    kind: Kind
    score: float
    sides: list[ConflictSide]
    reasons: list[str] = field(default_factory=list)  # the clues, for people (not in JSON)
    newer_doc_id: str | None = None  # temporal: the side published later (not in JSON)

    def to_dict(self) -> dict[str, Any]:
        return {
            "point": self.point,
            "kind": self.kind,
            "score": round(self.score, 4),
            "sides": [s.to_dict() for s in self.sides],
        }


# --- pair features ----------------------------------------------------------------------------


@dataclass
class PairEvidence:
    """The clue values of a pair (the model's input) and what each clue found (for the card)."""

    values: dict[str, float]
    details: dict[str, str] = field(default_factory=dict)

    def fired(self) -> list[str]:
        return [f for f in FEATURES if f in _CONFLICT_FEATURES and self.values.get(f, 0.0) > 0]

    def has_clue(self) -> bool:
        """A flag needs a reason to show: similarity alone never makes a disagreement."""
        return any(self.values.get(f, 0.0) > 0 for f in _CONFLICT_FEATURES)


def _overlap(a: SentenceClues, b: SentenceClues) -> float:
    if not a.stems or not b.stems:
        return 0.0
    return len(a.stems & b.stems) / min(len(a.stems), len(b.stems))


@dataclass(frozen=True)
class QuestionContext:
    """What a question asks about: its focus, the assessment axes it names, its words."""

    text: str
    focus: str
    axes: frozenset[str]
    stems: frozenset[str]

    @classmethod
    def of(cls, question: str) -> QuestionContext:
        return cls(
            question, question_focus(question), axes_asked(question), content_stems(question)
        )


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
    values = dict.fromkeys(FEATURES, 0.0)
    details: dict[str, str] = {}
    values["similarity"] = max(0.0, similarity, min(qa, qb))
    values["overlap"] = overlap
    close = min(qa, qb) >= QUESTION_PAIR_BAR or similarity >= STRONG_PAIR
    focus = question.focus

    figures = compare_quantities(a.quantities, b.quantities, loose=similarity >= STRONG_PAIR)
    figures_asked = focus == "quantity" or (focus == "any" and close)
    if figures.conflict is not None and figures.conflict_with is not None:
        unit = figures.conflict.follow | figures.conflict_with.follow
        if figures_asked or (focus != "date" and unit & question.stems):
            values["figures"] = 1.0
            details["figures"] = f"{figures.conflict.text} vs {figures.conflict_with.text}"
            counted = _unit_words(a.text, figures.conflict.text)
            if counted:
                details["figures"] += f" ({counted})"
    elif figures.agreements:
        values["figures_agree"] = 1.0
    dates = compare_dates(a.dates, b.dates)
    if dates and (focus == "date" or (focus == "any" and close)):
        values["dates"] = 1.0
        details["dates"] = f"{dates[0].text} vs {dates[1].text}"
    agents = compare_agents(a.agents, b.agents)
    if agents and (
        focus == "agent" or (focus == "any" and (close or _names_act(question, agents[0].action)))
    ):
        values["agents"] = 1.0
        details["agents"] = f"who {agents[0].action}: {agents[0].name} vs {agents[1].name}"
    names_asked = focus == "agent" or (focus == "any" and close)
    if names_asked and (a.names - b.names) and (b.names - a.names) and (a.names & b.names):
        values["names"] = overlap
        only_a = sorted(a.names - b.names)[0]
        only_b = sorted(b.names - a.names)[0]
        details["names"] = f"{only_a.title()} vs {only_b.title()}"
    if focus in ("any", "agent") and close and (a.negations > 0) != (b.negations > 0):
        values["negation"] = overlap
        details["negation"] = "one side says it did not happen"
    antonym = antonym_pair(a.stems, b.stems)
    if antonym and focus == "any" and close:
        values["antonym"] = overlap
        details["antonym"] = f"{antonym[0]}… vs {antonym[1]}…"
    if focus == "any":  # a verdict counts only on an axis the question asks about
        lean = opposed_lean(a.leans, b.leans, axes=question.axes)
        if lean:
            axis = AXIS_BY_NAME[lean[0]]
            values["verdict"] = min(1.0, lean[1] / 2.0)
            la, lb = a.leans[lean[0]], b.leans[lean[0]]
            first = axis.plus_label if la.value > 0 else axis.minus_label
            second = axis.plus_label if lb.value > 0 else axis.minus_label
            details["verdict"] = f"{axis.name}: {first} vs {second}"
    return PairEvidence(values, details)


def _names_act(question: QuestionContext, action: str) -> bool:
    """Does the question name the act ("... designated the cartels ...")?"""
    return any(action_label(w) == action for w in re.findall(r"[A-Za-z]+", question.text))


def same_point(
    a: SentenceClues,
    b: SentenceClues,
    similarity: float,
    qa: float,
    qb: float,
    evidence: PairEvidence,
) -> bool:
    """Are two sentences about the same point? Close to each other with shared words, or both
    close to the question, or opposite verdicts on the axis the question asks about."""
    if similarity >= PAIR_BAR and len(a.stems & b.stems) >= MIN_SHARED:
        return True
    if min(qa, qb) >= QUESTION_PAIR_BAR:
        return True
    return evidence.values["verdict"] > 0


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


def logistic(values: Mapping[str, float], weights: Mapping[str, float], intercept: float) -> float:
    z = intercept + sum(weights[f] * values.get(f, 0.0) for f in FEATURES)
    return 1.0 / (1.0 + math.exp(-z))


# --- the LLM judge ----------------------------------------------------------------------------

JUDGE_LABELS: dict[str, float] = {
    "partial contradiction": 0.7,
    "contradiction": 1.0,
    "unrelated": 0.0,
    "compatible": 0.1,
    "agreement": 0.0,
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
    """Asks a chat model for a graded label for one pair of statements; maps it to a score."""

    def __init__(self, chat_model: Any, prompt: Any = None) -> None:
        from rag.prompts import load_prompt

        self.model = chat_model
        self.prompt = prompt or load_prompt("judge")

    def judge(self, question: str, a: str, b: str) -> tuple[str | None, float | None]:
        """(label, score), or (None, None) when the model fails or answers off-format."""
        from langchain_core.messages import HumanMessage, SystemMessage

        system, user = self.prompt.render(
            a=_fence_safe(a), b=_fence_safe(b), question=_fence_safe(question)
        )
        try:
            reply = self.model.invoke([SystemMessage(system), HumanMessage(user)])
        except Exception:  # a judge is optional: a failing server leaves the feature score
            return None, None
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        label = parse_judge_label(text)
        return (label, JUDGE_LABELS[label]) if label else (None, None)


# --- the detector -----------------------------------------------------------------------------


@dataclass
class _Sentence:
    doc_id: str
    meta: DocMeta
    start: int
    end: int
    text: str
    paragraph: int
    relevance: float = 0.0
    clues: SentenceClues | None = None


@dataclass
class _Pair:
    a: int
    b: int
    score: float
    evidence: PairEvidence
    label: str | None = None
    raw: float = 0.0  # the feature score before the "needs a clue" gate (ranks judge calls)


Embedder = Callable[[list[str]], list[list[float]]]


class ConflictDetector:
    """Finds disagreements between the retrieved passages of different documents."""

    def __init__(
        self,
        embeddings: Any,
        threshold: float = CONFLICT_THRESHOLD,
        judge: LLMJudge | None = None,
        weights: Mapping[str, float] | None = None,
        intercept: float | None = None,
    ) -> None:
        self.embeddings = embeddings
        self.threshold = threshold
        self.judge = judge
        self.weights = dict(weights or WEIGHTS)
        self.intercept = INTERCEPT if intercept is None else intercept
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts``: cached ones reused, the rest embedded in short batches of
        similar length."""
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
            for t in known:
                self._cache.move_to_end(t)
        missing = sorted({t for t in texts if t not in known}, key=len)
        for i in range(0, len(missing), EMBED_BATCH):
            batch = missing[i : i + EMBED_BATCH]
            vectors = np.asarray(self.embeddings.embed_documents(batch), dtype=np.float32)
            known.update(zip(batch, vectors, strict=True))
        with self._lock:
            for t in missing:
                self._cache[t] = known[t]
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return np.stack([known[t] for t in texts])

    # -- scoring pairs of texts (also what the bench measures) --------------------------------
    def score(self, evidence: PairEvidence) -> float:
        return logistic(evidence.values, self.weights, self.intercept)

    def score_pairs(
        self, questions: Sequence[str], a_texts: Sequence[str], b_texts: Sequence[str]
    ) -> list[tuple[float, PairEvidence]]:
        """Score (a, b) pairs, each with its own question, with the product's features, gate
        and weights (the bench's entry point; one embedding batch)."""
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
    def find_conflicts(
        self, question: str, passages: Sequence[Passage], texts: Mapping[str, str]
    ) -> list[Conflict]:
        """Disagreements between passages of different documents about ``question``, best
        first (at most ``MAX_CARDS``). ``texts``: doc_id -> stored document text."""
        sentences = self._sentences(passages, texts)
        if len({s.doc_id for s in sentences}) < 2:
            return []
        vectors = self._embed([question] + [s.text for s in sentences])
        q, sv = vectors[0], vectors[1:]
        relevance = sv @ q
        for s, r in zip(sentences, relevance, strict=True):
            s.relevance = float(r)
        keep = self._relevant(sentences)
        if len({sentences[i].doc_id for i in keep}) < 2:
            return []
        for i in keep:
            sentences[i].clues = clues(sentences[i].text)
        ctx = QuestionContext.of(question)
        pairs: list[_Pair] = []
        for x, i in enumerate(keep):
            for j in keep[x + 1 :]:
                si, sj = sentences[i], sentences[j]
                if si.doc_id == sj.doc_id:
                    continue  # two passages of one document are never a disagreement
                ca, cb = si.clues, sj.clues
                assert ca is not None
                assert cb is not None
                sim = float(sv[i] @ sv[j])
                ev = pair_evidence(ca, cb, sim, si.relevance, sj.relevance, ctx)
                if same_point(ca, cb, sim, si.relevance, sj.relevance, ev):
                    raw = self.score(ev)
                    pairs.append(_Pair(i, j, raw if ev.has_clue() else 0.0, ev, raw=raw))
        if self.judge is not None:
            self._judge(question, sentences, pairs)
        flagged = [p for p in pairs if p.score >= self.threshold]
        flagged.sort(key=lambda p: -p.score)
        return self._cards(question, sentences, sv, flagged)

    def _sentences(self, passages: Sequence[Passage], texts: Mapping[str, str]) -> list[_Sentence]:
        seen: set[tuple[str, int, int]] = set()
        out: list[_Sentence] = []
        starts_of: dict[str, list[int]] = {}
        for p in passages:
            text = texts.get(p.doc_id)
            if not text:
                continue  # without the stored text there are no verifiable offsets
            if p.doc_id not in starts_of:
                starts_of[p.doc_id] = paragraph_starts(text)
            for s, e in sentence_spans(text, p.chunk.start, min(p.chunk.end, len(text))):
                key = (p.doc_id, s, e)
                if key in seen or len(text[s:e].split()) < MIN_WORDS:
                    continue
                seen.add(key)
                paragraph = paragraph_at(starts_of[p.doc_id], s)
                out.append(_Sentence(p.doc_id, p.meta, s, e, text[s:e], paragraph))
        return out

    @staticmethod
    def _relevant(sentences: list[_Sentence]) -> list[int]:
        by_doc: dict[str, list[int]] = {}
        for i, s in enumerate(sentences):
            if s.relevance >= RELEVANCE_BAR:
                by_doc.setdefault(s.doc_id, []).append(i)
        keep: list[int] = []
        for ids in by_doc.values():
            keep.extend(sorted(ids, key=lambda i: -sentences[i].relevance)[:MAX_PER_DOC])
        return sorted(keep)

    def _judge(self, question: str, sentences: list[_Sentence], pairs: list[_Pair]) -> None:
        assert self.judge is not None
        ranked = sorted((p for p in pairs if p.raw >= JUDGE_FLOOR), key=lambda p: -p.raw)
        for p in ranked[:JUDGE_MAX_PAIRS]:
            label, score = self.judge.judge(question, sentences[p.a].text, sentences[p.b].text)
            if label is not None and score is not None:
                p.label, p.score = label, score

    def _cards(
        self, question: str, sentences: list[_Sentence], vectors: np.ndarray, pairs: list[_Pair]
    ) -> list[Conflict]:
        cards: list[tuple[_Pair, list[int]]] = []
        for p in pairs:
            home = None
            for card in cards:
                members = card[1]
                if any(
                    m in (p.a, p.b) or float(vectors[m] @ vectors[x]) >= DUPLICATE_SIM
                    for m in members
                    for x in (p.a, p.b)
                ):
                    home = card
                    break
            if home is None:
                if len(cards) < MAX_CARDS:
                    cards.append((p, [p.a, p.b]))
                continue
            members = home[1]
            docs = {sentences[m].doc_id for m in members}
            for x in (p.a, p.b):
                if (
                    x not in members
                    and sentences[x].doc_id not in docs
                    and len(members) < MAX_SIDES
                ):
                    members.append(x)
                    docs.add(sentences[x].doc_id)
        return [self._card(question, sentences, best, members) for best, members in cards]

    def _card(
        self, question: str, sentences: list[_Sentence], best: _Pair, members: list[int]
    ) -> Conflict:
        sides = [
            ConflictSide(
                doc_id=sentences[m].doc_id,
                meta=sentences[m].meta,
                paragraph=sentences[m].paragraph,
                start=sentences[m].start,
                end=sentences[m].end,
                quote=sentences[m].text,
            )
            for m in members
        ]
        a, b = sentences[best.a], sentences[best.b]
        kind, point, newer = describe_point(question, a, b, best.evidence, self.weights)
        details = best.evidence.details
        reasons = [f"{f}: {details[f]}" for f in best.evidence.fired() if f in details]
        if best.label:
            reasons.append(f"LLM judge: {best.label}")
        return Conflict(
            point=point,
            kind=kind,
            score=best.score,
            sides=sides,
            reasons=reasons,
            newer_doc_id=newer,
        )


# --- naming the point -------------------------------------------------------------------------

_WH = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how(?: many| much)?|did|does|do|is|are|was|"
    r"were|has|have|had|can|could|will|would|should)\b\s*",
    re.I,
)


def _topic(question: str, limit: int = 8) -> str:
    """The question as a short noun phrase: "Has the campaign worked?" -> "the campaign worked"."""
    q = question.strip().rstrip("?!. ").strip()
    words = q.split()
    if len(words) > limit:
        words = words[:limit] + ["…"]
    return " ".join(words)


def describe_point(
    question: str,
    a: _Sentence,
    b: _Sentence,
    evidence: PairEvidence,
    weights: Mapping[str, float] = WEIGHTS,
) -> tuple[Kind, str, str | None]:
    """The kind of disagreement, a few words naming the disputed point (from the clue that
    weighs most in the score) and, for a temporal one, the doc_id of the newer source."""
    details = evidence.details
    fired = [f for f in evidence.fired() if f in details]
    top = max(fired, key=lambda f: weights[f] * evidence.values[f], default=None)
    kind: Kind = "assessment" if top in (None, "verdict", "antonym") else "factual"
    labels = {
        "agents": "{}",
        "figures": "the figure: {}",
        "dates": "the date: {}",
        "verdict": "{}",
        "names": "the name: {}",
        "negation": _topic(question) + " ({})",
        "antonym": _topic(question) + " ({})",
    }
    point = labels[top].format(details[top]) if top else _topic(question)
    newer_id = None
    ca, cb = a.clues, b.clues
    if (
        top in ("figures", "agents", "verdict", "negation", "antonym")
        and ca is not None
        and cb is not None
        and compare_dates(ca.dates, cb.dates) is not None
        and a.meta.date
        and b.meta.date
        and a.meta.date != b.meta.date
    ):
        kind = "temporal"  # each side dated differently, sources published at different dates
        newer = a if str(a.meta.date) > str(b.meta.date) else b
        point += f"; newer source: {newer.meta.title} ({newer.meta.date})"
        newer_id = newer.doc_id
    return kind, point, newer_id


# --- the sentence in the answer ---------------------------------------------------------------

MAX_QUOTE_CHARS = 240


def _short(quote: str) -> str:
    quote = " ".join(quote.split())
    if len(quote) <= MAX_QUOTE_CHARS:
        return quote
    cut = quote.rfind(" ", 0, MAX_QUOTE_CHARS)
    return quote[: cut if cut > 0 else MAX_QUOTE_CHARS].rstrip(",;:") + " …"


def describe(
    conflicts: Sequence[Conflict], citation_numbers: Mapping[tuple[str, int, int], int]
) -> str:
    """One sentence per card for the answer text:
    "Sources disagree on X: [1] says “…”; [3] says “…”." (numbers from ``citation_numbers``,
    keyed by (doc_id, start, end) of each side; a side without a number is named by its title)."""
    lines = []
    for c in conflicts:
        parts = []
        for side in c.sides:
            n = citation_numbers.get(side.key)
            who = f"[{n}]" if n is not None else side.meta.title
            parts.append(f"{who} says “{_short(side.quote)}”")
        lines.append(f"Sources disagree on {c.point}: " + "; ".join(parts) + ".")
    return " ".join(lines)


def _passage_of(side: ConflictSide, passages: Sequence[Passage]) -> Passage | None:
    """The retrieved passage that holds a side's sentence (its source card shows that chunk)."""
    for p in passages:
        if p.doc_id == side.doc_id and p.chunk.start <= side.start and side.end <= p.chunk.end:
            return p
    return None


def attach_conflicts(answer: Answer, conflicts: Sequence[Conflict]) -> Answer:
    """The answer with its disagreements: each side becomes a citation (a verbatim quote that
    the footnotes and source cards open; an already cited span keeps its number), and a last
    paragraph states each disagreement ("Sources disagree on X: [1] says “…”; [3] says “…”.")."""
    if not conflicts:
        return answer
    citations = list(answer.citations)
    numbers = {(c.doc_id, c.start, c.end): c.n for c in citations}
    for conflict in conflicts:
        for side in conflict.sides:
            if side.key in numbers:
                continue
            n = max(numbers.values(), default=0) + 1
            numbers[side.key] = n
            citations.append(
                Citation(
                    n=n,
                    doc_id=side.doc_id,
                    meta=side.meta,
                    paragraph=side.paragraph,
                    start=side.start,
                    end=side.end,
                    quote=side.quote,
                    support=1.0,  # the side is the document's own sentence, verbatim
                    passage=_passage_of(side, answer.passages),
                )
            )
    paragraph = max((s.paragraph for s in answer.sentences), default=-1) + 1
    sentences = [
        AnswerSentence(
            describe([c], numbers),
            tuple(numbers[s.key] for s in c.sides),
            supported=True,
            paragraph=paragraph,
            conflict=True,
        )
        for c in conflicts
    ]
    text = describe(conflicts, numbers)
    return replace(
        answer,
        text=answer.text + PARAGRAPH_SEPARATOR + text if answer.text else text,
        sentences=[*answer.sentences, *sentences],
        citations=citations,
        conflicts=list(conflicts),
    )
