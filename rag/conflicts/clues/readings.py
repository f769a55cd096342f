"""What two sentences' figures and dates say to each other, whatever the question asked.

The clue values in ``evidence`` count only when they are about what was asked: the clue-only
scorer needs that gate, since it has nothing else that says "same point". The sentence judge
reads whether two sentences are about one point itself, so its decision also takes these
ungated readings, both ways round: a figure of one side that no figure of the other counting
the same thing fits (or one that fits), a date of one that fits no date of the other (or one
that fits). Measured on VitaminC held-back pairs (``python -m bench --only conflicts``), they
are what lifts the decision on claims with figures and dates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.conflicts.clues.dates import compare_dates, dated
from rag.conflicts.clues.figures import compare_quantities

if TYPE_CHECKING:
    from rag.conflicts.clues.evidence import SentenceClues

# The judge's inputs from here (``rag.conflicts.model_judge.STACK_FEATURES``).
READINGS = (
    "figures_clash",
    "figures_fit",
    "dates_clash",
    "dates_fit",
    "figures_and_dates_clash",
    "both_figured",
)


def readings(a: SentenceClues, b: SentenceClues) -> tuple[dict[str, float], dict[str, str]]:
    """The values (``READINGS``) and, for a clash, what clashes ("26 vs 29")."""
    values = dict.fromkeys(READINGS, 0.0)
    details: dict[str, str] = {}
    forward = compare_quantities(a.quantities, b.quantities, loose=True)
    backward = compare_quantities(b.quantities, a.quantities, loose=True)
    for check, flipped in ((forward, False), (backward, True)):
        if check.conflict is not None and check.conflict_with is not None:
            ours, theirs = check.conflict, check.conflict_with
            if flipped:  # the card names side a's figure first
                ours, theirs = theirs, ours
            values["figures_clash"] = 1.0
            details["figures_clash"] = f"{ours.said()} vs {theirs.said()}"
            break
    values["figures_fit"] = float(forward.agreements > 0 or backward.agreements > 0)
    if dated(a.dates) and dated(b.dates):
        clash = compare_dates(a.dates, b.dates)
        values["dates_clash" if clash else "dates_fit"] = 1.0
        if clash:
            details["dates_clash"] = f"{clash[0].text} vs {clash[1].text}"
    values["figures_and_dates_clash"] = values["figures_clash"] * values["dates_clash"]
    values["both_figured"] = float(bool(a.quantities) and bool(b.quantities))
    return values, details
