"""When sources disagree: find incompatible claims in the retrieved passages, point by point.

Why a flag appears (every step is one a reader can check):
1. ``candidates``: sentences of the retrieved passages relevant to the question, paired across
   *different* documents when they are about the same point.
2. ``clues``: the same count with incompatible figures, the same event with different dates, a
   different named agent for the same act, a "not" on one side only, opposite words, opposite
   verdicts or framings (failed vs success, unilateral vs joint, terrorists vs criminal
   organisations), each only when it is about what the question asks.
3. ``judge``: a logistic model weighs the clues into a probability of contradiction (weights and
   threshold in ``clue_weights.json``, fitted by ``python -m bench.conflicts --fit``); a pair
   needs a clue and the threshold. An optional second judge (the LLM judge, or any judge
   registered by name) re-decides the strongest candidates.
4. ``cards``: flagged pairs that share a side, or one assessment axis, are one card (at most
   three), of kind factual, assessment or temporal; the answer ends with "Sources disagree on
   X: [1] says “…”; …".
"""

from rag.conflicts.candidates import (
    Candidate,
    Sentence,
    SentenceVectors,
    TextEmbedder,
    find_candidates,
    same_point,
)
from rag.conflicts.cards import (
    DUPLICATE_SIM,
    MAX_CARDS,
    MAX_SIDES,
    Flag,
    attach_conflicts,
    describe,
    describe_point,
)
from rag.conflicts.clues import (
    FEATURES,
    PairEvidence,
    QuestionContext,
    SentenceClues,
    clues,
    pair_evidence,
    question_focus,
)
from rag.conflicts.detector import ConflictDetector
from rag.conflicts.judge import (
    CONFLICT_THRESHOLD,
    INTERCEPT,
    JUDGE_FLOOR,
    JUDGE_LABELS,
    JUDGE_MAX_PAIRS,
    JUDGES,
    LABELS,
    WEIGHTS,
    WEIGHTS_FILE,
    ClueJudge,
    ClueWeights,
    Label,
    LLMJudge,
    PairJudge,
    Verdict,
    logistic,
    make_judge,
    parse_judge_label,
    register_judge,
)
from rag.types import Conflict, ConflictKind, ConflictSide

__all__ = [
    "CONFLICT_THRESHOLD",
    "DUPLICATE_SIM",
    "FEATURES",
    "INTERCEPT",
    "JUDGES",
    "JUDGE_FLOOR",
    "JUDGE_LABELS",
    "JUDGE_MAX_PAIRS",
    "LABELS",
    "MAX_CARDS",
    "MAX_SIDES",
    "WEIGHTS",
    "WEIGHTS_FILE",
    "Candidate",
    "ClueJudge",
    "ClueWeights",
    "Conflict",
    "ConflictDetector",
    "ConflictKind",
    "ConflictSide",
    "Flag",
    "LLMJudge",
    "Label",
    "PairEvidence",
    "PairJudge",
    "QuestionContext",
    "Sentence",
    "SentenceClues",
    "SentenceVectors",
    "TextEmbedder",
    "Verdict",
    "attach_conflicts",
    "clues",
    "describe",
    "describe_point",
    "find_candidates",
    "logistic",
    "make_judge",
    "pair_evidence",
    "parse_judge_label",
    "question_focus",
    "register_judge",
    "same_point",
]
