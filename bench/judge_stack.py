"""Fit and measure the decision on top of the sentence judge (``--fit-judge`` of bench.conflicts).

The stacker is a logistic regression over the classifier's P(contradicts) (both ways round,
averaged), its P(entails), and the clue features; it is fitted on the dev slice the classifier
never trained on (VitaminC fit-split dev cases + pairs generated from their sentences), and
measured on the VitaminC held-back split, FEVER-symmetric dev and the MultiHop swap set (none of
them trained or fitted on). The threshold is the best F1 on the dev slice.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.judge_data import (
    CONTRADICTS,
    LabelledPair,
    in_fit_split,
    load_fever,
    load_vitaminc,
    multihop_facts,
    swap_set,
)
from rag.lexical import says_something_else

SEED = 13
HELD_SAMPLE = 3000


def features(judge: Any, detector: Any, pairs: Sequence[LabelledPair]) -> list[dict[str, float]]:
    """Stacker inputs of each pair: the classifier both ways round + the clue values (the
    hypothesis stands for the question, as in the clue bench)."""
    from rag.conflicts.model_judge import pair_features

    hyps = [p.hypothesis for p in pairs]
    clue_rows = detector.score_pairs(hyps, hyps, [p.premise for p in pairs])
    texts = [(p.premise, p.hypothesis) for p in pairs]
    probs = judge.model.probabilities([*texts, *[(b, a) for a, b in texts]])
    n = len(pairs)
    rows = [pair_features(probs[k], probs[n + k], clue_rows[k][1].values) for k in range(n)]
    for k, (row, pair) in enumerate(zip(rows, pairs, strict=True)):
        row["p_forward"] = float(probs[k][CONTRADICTS])  # the classifier as trained
        row["differ"] = float(
            says_something_else(pair.premise, pair.hypothesis)
            and says_something_else(pair.hypothesis, pair.premise)
        )
    return rows


def prf(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(pred & gold))
    p = tp / max(1.0, float(pred.sum()))
    r = tp / max(1.0, float(gold.sum()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fit_stacker(rows: list[dict[str, float]], gold: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression

    from rag.conflicts.model_judge import STACK_FEATURES, StackWeights

    x = np.array([[r[f] for f in STACK_FEATURES] for r in rows])
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, gold)
    weights = dict(zip(STACK_FEATURES, (float(w) for w in model.coef_[0]), strict=True))
    stack = StackWeights(float(model.intercept_[0]), weights, 0.5)
    scores = np.array([stack.score(r) for r in rows])
    best = max((prf(scores >= t, gold)[2], float(t)) for t in np.arange(0.2, 0.81, 0.025))
    return StackWeights(stack.intercept, weights, round(best[1], 3))


def measuring_sets(shared: Path) -> dict[str, list[LabelledPair]]:
    vitc = load_vitaminc(shared)
    held = [p for p in vitc if not in_fit_split(p.group)]
    return {
        "VitaminC held-back": random.Random(SEED).sample(held, min(HELD_SAMPLE, len(held))),
        "FEVER-symmetric dev": load_fever(shared),
        "MultiHop swap set": swap_set(multihop_facts(shared), 7),
    }


def limited(pairs: list[LabelledPair], limit: int | None) -> list[LabelledPair]:
    if not limit or limit * 10 >= len(pairs):
        return pairs
    return random.Random(SEED).sample(pairs, limit * 10)


def recall_at_precision(scores: np.ndarray, gold: np.ndarray, floor: float = 0.85) -> float:
    """The highest recall of any bar on ``scores`` whose precision is at least ``floor`` (the
    FEVER target's form: recall >= 0.60 at precision >= 0.85)."""
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(gold[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = precision >= floor
    return float(hits[ok].max() / max(1, gold.sum())) if ok.any() else 0.0


def evaluate(judge: Any, detector: Any, shared: Path, limit: int | None) -> list[list[Any]]:
    """Rows: set, pairs, P/R/F1 of the classifier alone and of the stacked decision, and each
    one's best recall at precision >= 0.85 (any bar)."""
    rows = []
    for name, pairs in measuring_sets(shared).items():
        pairs = limited(pairs, limit)
        values = features(judge, detector, pairs)
        gold = np.array([p.label == CONTRADICTS for p in pairs])
        alone = np.array([v["p_forward"] for v in values]) >= judge.model.threshold
        stacked = np.array([judge.verdict(v, {}).label == "contradicts" for v in values])
        row: list[Any] = [name, len(pairs)]
        for pred in (alone, stacked):
            row += [f"{x:.3f}" for x in prf(pred, gold)]
        forward = np.array([v["p_forward"] for v in values])
        stack_scores = np.array([judge.weights.score(v) for v in values])
        row += [f"{recall_at_precision(x, gold):.3f}" for x in (forward, stack_scores)]
        rows.append(row)
    return rows
