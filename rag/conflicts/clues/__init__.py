"""Explainable clues that two sentences disagree, one module per kind.

Everything here is plain text processing (regular expressions, a stemmer, small word lists), so
each clue can be shown to a journalist as the reason for a flag:
- ``figures``: the same count ("containers", "%", "$ ... reward") with incompatible values,
  where "more than 20,000" and "around 15,000" are ranges, not just strings;
- ``dates``: the same kind of statement dated differently ("in 2023" vs "in 2021");
- ``actors``: a different named agent for the same act ("The Biden administration's
  reclassification" vs "The White House has designated");
- ``names``: proper names one side has and the other lacks;
- ``opposites``: one side says "not"/"never" about what the other states; "increase" vs
  "decrease", "won" vs "lost" on otherwise shared wording;
- ``verdicts``: opposite poles of one axis (failed/lost vs success/effective, unilateral/secret
  vs joint/united, terrorists vs criminal organisations).
``evidence`` bundles them for a sentence and for a pair about a question (the scorer's input).
"""

from rag.conflicts.clues.actors import ACTIONS, Agent, action_label, agents_in, compare_agents
from rag.conflicts.clues.asked import assessment_asked, question_focus
from rag.conflicts.clues.dates import DateValue, compare_dates, dates_in
from rag.conflicts.clues.evidence import (
    CONFLICT_FEATURES,
    FEATURES,
    PairEvidence,
    QuestionContext,
    SentenceClues,
    clues,
    pair_evidence,
)
from rag.conflicts.clues.figures import (
    FigureCheck,
    Quantity,
    compare_quantities,
    compatible,
    quantities_in,
    same_count,
)
from rag.conflicts.clues.names import proper_names
from rag.conflicts.clues.opposites import antonym_pair, negations
from rag.conflicts.clues.text import STOPWORDS, Token, content_stems, stem, tokens_of
from rag.conflicts.clues.verdicts import (
    AXES,
    AXIS_BY_NAME,
    Axis,
    Lean,
    axes_asked,
    leans,
    opposed_lean,
)

__all__ = [
    "ACTIONS",
    "AXES",
    "AXIS_BY_NAME",
    "CONFLICT_FEATURES",
    "FEATURES",
    "STOPWORDS",
    "Agent",
    "Axis",
    "DateValue",
    "FigureCheck",
    "Lean",
    "PairEvidence",
    "Quantity",
    "QuestionContext",
    "SentenceClues",
    "Token",
    "action_label",
    "agents_in",
    "antonym_pair",
    "assessment_asked",
    "axes_asked",
    "clues",
    "compare_agents",
    "compare_dates",
    "compare_quantities",
    "compatible",
    "content_stems",
    "dates_in",
    "leans",
    "negations",
    "opposed_lean",
    "pair_evidence",
    "proper_names",
    "question_focus",
    "quantities_in",
    "same_count",
    "stem",
    "tokens_of",
]
