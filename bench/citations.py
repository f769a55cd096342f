"""Citation support score against expert labels (ExpertQA): does the cited evidence support
the sentence?

Each ExpertQA claim comes with the evidence its answer cited and an expert's label. We score
(claim, evidence) with the product's own ``SupportScorer.best_span`` (best sentence or pair of
sentences in the evidence) and compare "supported" (score >= threshold) with the label
Complete vs Missing/Incomplete (Partial and N/A are left out, as their meaning is in between).

The threshold is fitted on a fit split (even question index) for a stated goal: the highest
recall whose precision on the fit split is at least ``TARGET_PRECISION`` (a journalist must be
able to trust what is shown as sourced); it is reported on the held-back split (odd index),
beside the product's current constant and the F1-optimal point, with the base rate.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import log, markdown_table, shared_embeddings, timed

DATASET = Path("eval/expertqa/rand_val.jsonl")
TARGET_PRECISION = 0.85
POSITIVE = "Complete"
NEGATIVE = ("Missing", "Incomplete")


@dataclass(frozen=True)
class Pair:
    question_index: int
    claim: str
    evidence: str
    supported: bool


def load_pairs(shared: Path) -> list[Pair]:
    from rag.citations import strip_all_markers

    pairs: list[Pair] = []
    with (shared / DATASET).open(encoding="utf-8") as fh:
        for qi, line in enumerate(fh):
            row = json.loads(line)
            for answer in row["answers"].values():
                for claim in answer["claims"]:
                    label = claim.get("support")
                    if label not in (POSITIVE, *NEGATIVE):
                        continue
                    # Evidence entries are "[n] url\n\ntext": keep the text.
                    texts = [e.split("\n\n", 1)[-1] for e in claim.get("evidence") or []]
                    pairs.append(
                        Pair(
                            qi,
                            strip_all_markers(claim["claim_string"]),
                            "\n\n".join(texts),
                            label == POSITIVE,
                        )
                    )
    return pairs


def precision_recall(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, ...]:
    predicted = scores >= threshold
    tp = float((predicted & labels).sum())
    precision = tp / max(1.0, float(predicted.sum()))
    recall = tp / max(1.0, float(labels.sum()))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return precision, recall, f1


def fit_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(threshold for the target precision with the most recall, F1-optimal threshold)."""
    grid = np.round(np.arange(0.20, 1.0, 0.01), 2)
    stats = [precision_recall(scores, labels, t) for t in grid]
    meeting = [t for t, (p, _r, _f) in zip(grid, stats, strict=True) if p >= TARGET_PRECISION]
    f1_best = float(grid[int(np.argmax([f for _p, _r, f in stats]))])
    return (float(min(meeting)) if meeting else float(grid[-1])), f1_best


def run(args: argparse.Namespace) -> str:
    from rag.support import SUPPORT_THRESHOLD, SupportScorer

    pairs = load_pairs(args.shared)
    if args.limit:
        pairs = pairs[: args.limit * 5]
    scorer = SupportScorer(shared_embeddings().embeddings)
    log(f"expertqa: scoring {len(pairs)} claims")

    def score_all() -> list[float]:
        out = []
        for p in pairs:
            if not p.evidence.strip():
                out.append(0.0)  # nothing cited: cannot be supported
                continue
            out.append(scorer.best_span(p.claim, p.evidence, 0, len(p.evidence)).score)
        return out

    raw, ms = timed(score_all)
    scores = np.asarray(raw)
    labels = np.asarray([p.supported for p in pairs])
    fit = np.asarray([p.question_index % 2 == 0 for p in pairs])
    held = ~fit
    target_t, f1_t = fit_threshold(scores[fit], labels[fit])
    rows = []
    for name, t in (
        (f"product constant (SUPPORT_THRESHOLD={SUPPORT_THRESHOLD})", SUPPORT_THRESHOLD),
        (f"fitted for precision >= {TARGET_PRECISION} on fit split", target_t),
        ("F1-optimal on fit split", f1_t),
    ):
        p_fit, r_fit, _ = precision_recall(scores[fit], labels[fit], t)
        p, r, f = precision_recall(scores[held], labels[held], t)
        rows.append(
            [name, f"{t:.2f}", f"{p_fit:.3f}", f"{r_fit:.3f}", f"{p:.3f}", f"{r:.3f}", f"{f:.3f}"]
        )
    base = float(labels[held].mean())
    with_evidence = sum(1 for p in pairs if p.evidence.strip())
    table = markdown_table(
        ["threshold", "value", "fit P", "fit R", "held P", "held R", "held F1"], rows
    )
    text = "\n".join(
        [
            "## Citation support vs ExpertQA expert labels (Complete vs Missing/Incomplete)",
            "",
            table,
            "",
            f"{len(pairs)} claims ({with_evidence} with cited evidence), held-back split "
            f"{int(held.sum())}; base rate (share Complete, held) {base:.3f} = the precision of "
            f"calling everything supported. Scoring took {ms / 1000:.0f} s "
            f"({ms / max(1, len(pairs)):.0f} ms per claim).",
            "",
        ]
    )
    print(text, flush=True)
    return text
