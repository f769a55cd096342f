"""Disagreement detection ("Sources disagree"): pairwise quality, end-to-end flag rate, latency.

- Pairwise: the product's pair scorer (``ConflictDetector.score_pairs``: same features, same
  "same point" gate, same weights and threshold) on (claim, evidence) pairs, REFUTES vs the rest,
  on the VitaminC held-back split (30% of case_ids by hash; the weights were fitted on the other
  70%) and on FEVER-symmetric dev (never used for fitting). The claim is also the question.
- End-to-end: two-document corpora built from VitaminC. A claim with a SUPPORTS and a REFUTES
  evidence gives one document per evidence (the two revisions of a Wikipedia sentence): it
  should be flagged. A claim with two SUPPORTS evidences gives two documents that should not.
  Everything goes through the real ingest and retrieval (one temp store, each pair searched with
  scope limited to its two documents), then ``find_conflicts`` with the claim as question.
- Latency: what ``find_conflicts`` adds per question on the repo's corpus questions (retrieval
  not included), cold (empty sentence cache) and warm.

``python -m bench.conflicts --fit`` fits the logistic weights on the VitaminC fit split, prints
the fit report and writes the weights and threshold to ``rag/conflicts/clue_weights.json``
(the file the product's clue scorer reads; ``--weights PATH`` writes elsewhere, and a fit on a
``--limit`` sample must be written elsewhere).
"""

from __future__ import annotations

import os

from rag.config import apply_offline_environment

apply_offline_environment(os.environ)  # type: ignore[arg-type]

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Mapping, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import numpy as np  # noqa: E402

from bench.common import (  # noqa: E402
    ROOT,
    log,
    markdown_table,
    median_p95,
    shared_embeddings,
    temp_services,
    timed,
)

if TYPE_CHECKING:
    from rag.conflicts import ConflictDetector, TextEmbedder
    from rag.conflicts.model_judge import ModelJudge

VITAMINC = Path("eval/vitaminc/vitaminc_real_test.jsonl")
FEVER = Path("eval/fever/fever_symmetric_dev.jsonl")
FIT_PERCENT = 70  # case_ids whose hash falls below this go to the fit split
FIT_SAMPLE = 8000  # pairs of the fit split used to fit (2 cores: a few minutes)
HELD_SAMPLE = 3000  # pairs of the held-back split scored by the bench
E2E_PAIRS = 100  # two-document corpora per side (should flag / should not)
SWAP_PAIRS = 150  # MultiHop two-document cases per side (300 in all)
SEED = 13


@dataclass(frozen=True)
class Pair:
    case_id: str
    claim: str
    evidence: str
    label: str

    @property
    def refutes(self) -> bool:
        return self.label == "REFUTES"


def in_fit_split(case_id: str) -> bool:
    digest = hashlib.sha1(case_id.encode()).hexdigest()
    return int(digest[:8], 16) % 100 < FIT_PERCENT


def _clean(text: str) -> str:
    return " ".join(text.replace("\ufffd", " ").split())


def load_vitaminc(shared: Path) -> list[Pair]:
    with (shared / VITAMINC).open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [Pair(r["case_id"], _clean(r["claim"]), _clean(r["evidence"]), r["label"]) for r in rows]


def load_fever(shared: Path) -> list[Pair]:
    with (shared / FEVER).open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [
        Pair(str(r["id"]), _clean(r["claim"]), _clean(r["evidence"]), r["gold_label"]) for r in rows
    ]


def split(pairs: Sequence[Pair], fit: bool) -> list[Pair]:
    return [p for p in pairs if in_fit_split(p.case_id) == fit]


def sample(pairs: Sequence[Pair], n: int | None) -> list[Pair]:
    if n is None or n >= len(pairs):
        return list(pairs)
    return random.Random(SEED).sample(list(pairs), n)


# --- scoring ----------------------------------------------------------------------------------


class CachedEmbeddings:
    """Wraps the model with a text -> vector cache (optionally on disk, for repeated fits)."""

    def __init__(self, embeddings: TextEmbedder, path: Path | None = None) -> None:
        self.embeddings = embeddings
        self.path = path
        self.cache: dict[str, np.ndarray] = {}
        if path and path.exists():
            data = np.load(path, allow_pickle=False)
            self.cache = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            log(f"conflicts: embedding {len(missing)} texts")
            vectors = self.embeddings.embed_documents(missing)
            self.cache.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
        return [self.cache[t].tolist() for t in texts]

    def save(self) -> None:
        if self.path:
            texts = list(self.cache)
            np.savez(
                self.path, texts=np.array(texts), vectors=np.stack([self.cache[t] for t in texts])
            )


def score(
    detector: ConflictDetector, pairs: Sequence[Pair]
) -> tuple[np.ndarray, list[dict[str, float]]]:
    claims = [p.claim for p in pairs]
    results = detector.score_pairs(claims, claims, [p.evidence for p in pairs])
    return np.array([s for s, _ in results]), [ev.values for _, ev in results]


def prf(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(predicted & gold))
    precision = tp / max(1.0, float(np.sum(predicted)))
    recall = tp / max(1.0, float(np.sum(gold)))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- fitting ----------------------------------------------------------------------------------


FIT_ABOUT = (
    "Logistic clue scorer of rag.conflicts (rag/conflicts/judge.py), written by `python -m "
    "bench.conflicts --fit`: a logistic regression fitted on the pairs about the same point "
    "with at least one clue, checked on the held-back 30% and on FEVER-symmetric dev (`python "
    "-m bench --only conflicts`). 'agents' and 'verdict' almost never fire on VitaminC, so they "
    "take the fitted 'figures' weight. Threshold: best F1 on the fit split, the most precise "
    "within 0.01 of it. Negative weights ('names', 'negation') are clues that, on VitaminC, go "
    "with agreement more often than not."
)


def choose_threshold(proba: np.ndarray, y: np.ndarray) -> tuple[float, list[list[str]]]:
    """Best F1, and among thresholds within 0.01 of it the most precise one (a false flag
    costs a journalist more than a missed one); with the table of thresholds tried."""
    rows = []
    scores = []
    for t in np.arange(0.2, 0.81, 0.05):
        p, r, f = prf(proba >= t, y)
        rows.append([f"{t:.2f}", f"{p:.3f}", f"{r:.3f}", f"{f:.3f}"])
        scores.append((f, p, float(t)))
    best_f1 = max(f for f, _, _ in scores)
    _, _, threshold = max((p, -t, t) for f, p, t in scores if f >= best_f1 - 0.01)
    return threshold, rows


def fit(args: argparse.Namespace) -> str:
    """Fit the clue scorer, write its weights file, return the report."""
    from sklearn.linear_model import LogisticRegression

    from rag.conflicts import FEATURES, WEIGHTS_FILE, ClueWeights, ConflictDetector

    embeddings = CachedEmbeddings(shared_embeddings().embeddings, getattr(args, "cache", None))
    detector = ConflictDetector(embeddings)
    pairs = sample(split(load_vitaminc(args.shared), fit=True), args.limit or FIT_SAMPLE)
    log(f"conflicts: fitting on {len(pairs)} VitaminC fit-split pairs")
    claims = [p.claim for p in pairs]
    results = detector.score_pairs(claims, claims, [p.evidence for p in pairs])
    embeddings.save()
    x = np.array([[ev.values[f] for f in FEATURES] for _, ev in results])
    y = np.array([p.refutes for p in pairs])
    # Fitted where it is applied: pairs about the same point with at least one clue (the others
    # are never flagged, whatever their score).
    gated = np.array([s > 0 for s, _ in results])
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(x[gated], y[gated])
    proba = np.where(gated, model.predict_proba(x)[:, 1], 0.0)
    threshold, rows = choose_threshold(proba, y)
    fires = [
        [
            f,
            int(np.sum(x[:, i] > 0)),
            f"{np.mean(y[x[:, i] > 0]) if np.any(x[:, i] > 0) else float('nan'):.3f}",
        ]
        for i, f in enumerate(FEATURES)
    ]
    fitted = dict(zip(FEATURES, model.coef_[0], strict=True))
    # "agents" and "verdict" almost never fire on VitaminC (Wikipedia revisions): their fitted
    # weights rest on a handful of pairs, so they take the fitted weight of "figures" (a named
    # actor or an opposite verdict is as strong a clue as a conflicting figure).
    for rare in ("agents", "verdict"):
        fitted[rare] = fitted["figures"]
    weights = ClueWeights(
        round(float(model.intercept_[0]), 3),
        {f: round(float(w), 3) for f, w in fitted.items()},
        round(threshold, 2),
    )
    path: Path = args.weights or WEIGHTS_FILE
    fitted_on = (
        f"VitaminC fit split ({FIT_PERCENT}% of case_ids by hash), {len(pairs)} sampled pairs"
    )
    weights.save(path, about=FIT_ABOUT, fitted_on=fitted_on)
    text = "\n".join(
        [
            "## Conflict scorer fit (VitaminC fit split)",
            "",
            f"{len(pairs)} pairs, REFUTES rate {np.mean(y):.3f}; {int(gated.sum())} pairs about "
            f"the same point with a clue (REFUTES rate {np.mean(y[gated]):.3f}) fit the model.",
            "",
            markdown_table(["feature", "fires on", "REFUTES rate when it fires"], fires),
            "",
            markdown_table(["threshold", "precision", "recall", "F1"], rows),
            "",
            f"Intercept {weights.intercept:.3f}, threshold {weights.threshold:.2f}; weights and "
            f"threshold written to {path}.",
        ]
    )
    print(text, flush=True)
    return text


# --- the bench sections -----------------------------------------------------------------------


def pairwise(detector: ConflictDetector, shared: Path, limit: int | None) -> str:
    from rag.conflicts import FEATURES

    held = sample(split(load_vitaminc(shared), fit=False), limit * 10 if limit else HELD_SAMPLE)
    fever = load_fever(shared)
    if limit:
        fever = sample(fever, limit * 10)
    rows = []
    fire_rows = []
    for name, pairs in (("VitaminC held-back", held), ("FEVER-symmetric dev", fever)):
        log(f"conflicts: scoring {len(pairs)} {name} pairs")
        (scores, values), ms = timed(partial(score, detector, pairs))
        gold = np.array([p.refutes for p in pairs])
        p, r, f = prf(scores >= detector.threshold, gold)
        rows.append(
            [
                name,
                len(pairs),
                f"{gold.mean():.3f}",
                f"{p:.3f}",
                f"{r:.3f}",
                f"{f:.3f}",
                f"{ms / max(1, len(pairs)):.1f}",
            ]
        )
        for feature in FEATURES[2:]:
            fired = np.array([v[feature] > 0 for v in values])
            if fired.any():
                fire_rows.append([name, feature, int(fired.sum()), f"{gold[fired].mean():.3f}"])
    return "\n".join(
        [
            f"Pairwise (REFUTES vs the rest), threshold {detector.threshold:.2f}:",
            "",
            markdown_table(
                ["set", "pairs", "REFUTES rate", "precision", "recall", "F1", "ms/pair"], rows
            ),
            "",
            "Which clues fire, and how often the pair is then really REFUTES:",
            "",
            markdown_table(["set", "clue", "fires on", "REFUTES rate"], fire_rows),
        ]
    )


def two_document_sets(shared: Path, n: int) -> tuple[list[tuple[str, str, str]], ...]:
    """(claim, evidence 1, evidence 2) for claims with SUPPORTS+REFUTES and with 2 SUPPORTS."""
    by_claim: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for p in split(load_vitaminc(shared), fit=False):
        by_claim[(p.case_id, p.claim)].append(p)
    disagree, agree = [], []
    for (_, claim), ps in sorted(by_claim.items()):
        sup = [p.evidence for p in ps if p.label == "SUPPORTS"]
        ref = [p.evidence for p in ps if p.label == "REFUTES"]
        if sup and ref and sup[0] != ref[0]:
            disagree.append((claim, sup[0], ref[0]))
        if len(sup) >= 2 and sup[0] != sup[1]:
            agree.append((claim, sup[0], sup[1]))
    if len(agree) < n:  # few claims have two SUPPORTS evidences: take them from both splits
        for p in load_vitaminc(shared):
            by_claim[(p.case_id, p.claim)].append(p)
        seen = {a[0] for a in agree}
        for (_, claim), ps in sorted(by_claim.items()):
            sup = list(dict.fromkeys(p.evidence for p in ps if p.label == "SUPPORTS"))
            if len(sup) >= 2 and claim not in seen:
                agree.append((claim, sup[0], sup[1]))
                seen.add(claim)
    rng = random.Random(SEED)
    return (
        rng.sample(disagree, min(n, len(disagree))),
        rng.sample(agree, min(n, len(agree))),
    )


def vitaminc_cases(shared: Path, n: int) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    disagree, agree = two_document_sets(shared, n)
    return [
        ("VitaminC SUPPORTS vs REFUTES evidence (should flag)", "flag", disagree),
        ("VitaminC two SUPPORTS evidences (should not flag)", "none", agree),
    ]


def swap_cases(shared: Path, n: int) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """Two short documents per MultiHop fact (never trained on): the fact and its one-swap
    twin (should flag, with the two facts on opposite sides), the fact and an agreeing variant
    (should not). The fact is the question."""
    from bench.judge_data import CONTRADICTS, multihop_facts, swap_set

    pairs = swap_set(multihop_facts(shared), 7)
    rng = random.Random(SEED)
    swapped = [(p.premise, p.premise, p.hypothesis) for p in pairs if p.label == CONTRADICTS]
    agreeing = [(p.premise, p.premise, p.hypothesis) for p in pairs if p.label != CONTRADICTS]
    return [
        ("MultiHop fact vs swapped fact (should flag)", "flag", rng.sample(swapped, n)),
        ("MultiHop fact vs agreeing variant (should not flag)", "none", rng.sample(agreeing, n)),
    ]


def end_to_end(
    detectors: Mapping[str, ConflictDetector],
    sets: list[tuple[str, str, list[tuple[str, str, str]]]],
    title: str,
) -> str:
    """Each (question, text a, text b) case as two one-sentence documents, through the real
    ingest and retrieval (scope: the two documents), then each detector. A flag on a "should
    flag" case counts only with the two documents on opposite sides of one card."""
    from rag.ingest import doc_id_for
    from rag.scope import Scope

    rows = []
    examples: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rag-conflicts-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        cases_of: list[tuple[str, str, list[tuple[str, Path, Path]]]] = []
        for k, (name, expected, items) in enumerate(sets):
            cases = []
            for i, (question, e1, e2) in enumerate(items):
                paths = []
                for side, evidence in (("a", e1), ("b", e2)):
                    path = corpus / f"s{k}{expected}{i:03d}{side}.txt"
                    doc_title = f"{expected} {i} source {side.upper()}"
                    path.write_text(
                        f'---\ntitle: "{doc_title}"\n---\n{evidence}\n', encoding="utf-8"
                    )
                    paths.append(path)
                cases.append((question, paths[0], paths[1]))
            cases_of.append((name, expected, cases))
        with temp_services(corpus) as services:
            log(f"conflicts: ingesting {sum(2 * len(c) for _, _, c in cases_of)} documents")
            services.ingestor.ingest([corpus])
            for engine, detector in detectors.items():
                for name, expected, cases in cases_of:
                    flagged, times = 0, []
                    for question, pa, pb in cases:
                        ids = (doc_id_for(pa), doc_id_for(pb))
                        passages = services.retriever.search(question, scope=Scope(doc_ids=ids))
                        texts = {}
                        for p in passages:
                            doc = services.store.get_document(p.doc_id)
                            texts[p.doc_id] = doc.text if doc else ""
                        found, ms = timed(
                            partial(detector.find_conflicts, question, passages, texts)
                        )
                        times.append(ms)
                        hit = any({s.doc_id for s in c.sides} >= set(ids) for c in found)
                        flagged += hit if expected == "flag" else bool(found)
                        if found and expected == "none" and len(examples) < 4:
                            c = found[0]
                            examples.append(
                                f"- ({engine}, should not flag) {c.kind}, {c.score:.2f}: "
                                + " | ".join(f"“{s.quote[:90]}”" for s in c.sides)
                            )
                    med, _ = median_p95(times)
                    rate = f"{flagged / max(1, len(cases)):.3f}"
                    rows.append([engine, name, len(cases), flagged, rate, f"{med:.1f}"])
    return "\n".join(
        [
            title,
            "",
            markdown_table(["engine", "corpora", "n", "flagged", "flag rate", "median ms"], rows),
            "",
            "Examples of false flags:",
            "",
            *(examples or ["(none)"]),
        ]
    )


def latency(model: ModelJudge | None, limit: int | None) -> str:
    """What the check adds to a question, against the rest of the pipeline measured in the same
    run (retrieve + answer + verify, the detector switched off); the check reading the sentence
    vectors made at ingest (the product) and embedding the sentences at question time (before)."""
    from bench.corpus import CORPUS, QUESTIONS
    from rag.conflicts import ConflictDetector
    from rag.pipeline import conflict_reach, with_probes

    questions = list(QUESTIONS[:limit] if limit else QUESTIONS)
    base: list[float] = []
    times: dict[str, list[float]] = {"cold": [], "before": [], "warm": [], "answer's": []}
    flagged: list[list[str]] = []
    with temp_services(CORPUS) as services:
        services.ingestor.ingest([CORPUS])
        detector = ConflictDetector(services.sentences, model=model)
        before = ConflictDetector(services.embeddings, model=model)
        reach = conflict_reach(services.settings, detector)  # further with the trained judge
        pipeline = services.pipeline
        pipeline.detector = None
        pipeline.ask(questions[0])  # warm-up: the first call pays one-off costs
        for q in questions:
            _, ms = timed(partial(pipeline.ask, q))
            base.append(ms)
            passages = services.retriever.search(q, k=reach)
            texts = {}
            for p in with_probes(services.retriever, passages, detector.probes(q)):
                doc = services.store.get_document(p.doc_id)
                texts[p.doc_id] = doc.text if doc else ""

            def check(
                det: ConflictDetector,
                q: str = q,
                read: list = passages,
                texts: dict[str, str] = texts,
            ) -> list:
                """What the pipeline's check does: its side searches, then the detector."""
                wider = with_probes(services.retriever, read, det.probes(q))
                return det.find_conflicts(q, wider, texts)

            for name, det in (("before", before), ("cold", detector)):
                det.clear_cache()
                services.embeddings.clear_cache()
                if model is not None:
                    model.clear_cache()
                found, ms = timed(partial(check, det))
                times[name].append(ms)
            _, ms = timed(partial(check, detector))
            times["warm"].append(ms)
            detector.clear_cache()
            services.embeddings.clear_cache()
            if model is not None:
                model.clear_cache()
            first_k = passages[: services.settings.k]
            _, ms = timed(partial(detector.find_conflicts, q, first_k, texts))
            times["answer's"].append(ms)
            for c in found:
                titles = " / ".join(s.meta.title[:28] for s in c.sides)
                flagged.append([q, c.kind, f"{c.score:.2f}", c.point, titles])
    bmed, bp95 = median_p95(base)
    rows = [["pipeline without the check (baseline)", f"{bmed:.1f}", f"{bp95:.1f}", "1.00"]]
    for name, label in (
        ("before", "check, cold, sentences embedded at question time (before)"),
        ("cold", "check, cold, sentence vectors from ingest"),
        ("warm", "check, warm (same passages again)"),
        ("answer's", "check, cold, only the answer's k passages (before session 9)"),
    ):
        med, p95 = median_p95(times[name])
        rows.append([label, f"{med:.1f}", f"{p95:.1f}", f"{med / bmed:.2f}"])
    return "\n".join(
        [
            f"Added latency per question ({len(questions)} corpus questions; the side searches "
            "(`rag.pipeline.with_probes`) and `find_conflicts` on the passages it reads "
            "(`rag.pipeline.conflict_reach`), against the rest of the pipeline in the same run):",
            "",
            markdown_table(["step", "median ms", "p95 ms", "median vs pipeline"], rows),
            "",
            "Flags raised on the corpus questions:",
            "",
            markdown_table(["question", "kind", "score", "point", "sides"], flagged)
            if flagged
            else "(none)",
        ]
    )


def model_pairwise(detector: ConflictDetector, shared: Path, limit: int | None) -> str:
    from bench.judge_stack import evaluate

    assert detector.model is not None
    rows = evaluate(detector.model, detector, shared, limit)
    return "\n".join(
        [
            "Pairwise with the trained sentence judge (contradicts vs the rest; the classifier "
            f"alone, evidence first, at {detector.model.model.threshold:.3f}; and the product's "
            "decision, `ModelJudge.verdict`: both readings averaged, the fitted stacker at "
            f"{detector.model.weights.threshold:.3f}, the agreement veto, a side that only drops "
            "a detail never contradicts):",
            "",
            markdown_table(
                [
                    "set",
                    "pairs",
                    "alone P",
                    "alone R",
                    "alone F1",
                    "decision P",
                    "decision R",
                    "decision F1",
                    "alone R at P>=0.85",
                    "stacker R at P>=0.85",
                ],
                rows,
            ),
        ]
    )


def run(args: argparse.Namespace) -> str:
    from rag.conflicts import ConflictDetector
    from rag.conflicts.model_judge import ModelJudge
    from rag.conflicts.sentence_model import SentenceJudge

    embeddings = shared_embeddings().embeddings
    with tempfile.TemporaryDirectory(prefix="rag-judge-") as cache:
        model = ModelJudge(SentenceJudge(cache_dir=Path(cache)))
        engines = {
            "clues": ConflictDetector(embeddings),
            "model": ConflictDetector(embeddings, model=model),
        }
        scorer = ConflictDetector(CachedEmbeddings(embeddings, getattr(args, "cache", None)))
        n = min(E2E_PAIRS, args.limit) if args.limit else E2E_PAIRS
        e2e = partial(
            end_to_end,
            engines,
            vitaminc_cases(args.shared, n)
            + swap_cases(args.shared, n if args.limit else SWAP_PAIRS),
            "End-to-end on two-document corpora (real ingest + retrieval; a should-flag case "
            "counts only with both documents on opposite sides of one card):",
        )
        if getattr(args, "latency", False):
            text = "\n\n".join(
                f"### Latency, {name} engine\n\n" + latency(m, args.limit)
                for name, m in (("clues", None), ("model", model))
            )
            print(text, flush=True)
            return text
        if getattr(args, "end_to_end", False):
            text = e2e()
            print(text, flush=True)
            return text
        parts = [
            "## Conflicts: when sources disagree",
            "",
            "Clue-only engine (the previous decision):",
            "",
            pairwise(scorer, args.shared, args.limit),
            "",
            model_pairwise(engines["model"], args.shared, args.limit),
            "",
            e2e(),
            "",
            *[
                f"### Latency and corpus flags, {name} engine\n\n" + latency(m, args.limit) + "\n"
                for name, m in (("clues", None), ("model", model))
            ],
        ]
    if isinstance(scorer.embeddings, CachedEmbeddings):
        scorer.embeddings.save()
    text = "\n".join(parts) + "\n"
    print(text, flush=True)
    return text


def fit_judge(args: argparse.Namespace) -> str:
    """Fit the stacker over the sentence judge on the dev slice the judge never trained on."""
    from bench.judge_data import CONTRADICTS
    from bench.judge_stack import features, fit_stacker, prf
    from bench.judge_train import training_pairs
    from rag.conflicts import ConflictDetector
    from rag.conflicts.model_judge import STACK_FEATURES, WEIGHTS_FILE, ModelJudge, StackWeights
    from rag.conflicts.sentence_model import SentenceJudge

    _, dev = training_pairs(args.shared, 13)
    if args.limit:
        dev = sample_any(dev, args.limit * 10)
    embeddings = shared_embeddings().embeddings
    detector = ConflictDetector(CachedEmbeddings(embeddings, getattr(args, "cache", None)))
    with tempfile.TemporaryDirectory(prefix="rag-judge-") as cache:
        placeholder = StackWeights(0.0, {f: 0.0 for f in STACK_FEATURES}, 0.5)
        judge = ModelJudge(SentenceJudge(cache_dir=Path(cache)), placeholder)
        log(f"conflicts: judging {len(dev)} dev pairs both ways round")
        rows = features(judge, detector, dev)
    gold = np.array([p.label == CONTRADICTS for p in dev])
    stack = fit_stacker(rows, gold)
    scores = np.array([stack.score(r) for r in rows])
    p, r, f = prf(scores >= stack.threshold, gold)
    about = (
        "Decision over the trained sentence judge (rag/conflicts/model_judge.py), written by "
        "`python -m bench.conflicts --fit-judge`: logistic regression over the judge's "
        "P(contradicts) (both ways round, averaged), its P(entails), the clue features and "
        "the pair's own readings of its figures and dates (rag/conflicts/clues/readings.py), "
        "fitted on the dev slice the judge never trained on (VitaminC fit-split dev cases, "
        "pairs generated from their sentences, and VitaminC-synthetic dev cases); threshold: "
        "best F1 there."
    )
    target = args.weights or WEIGHTS_FILE
    stack.save(target, about, {"dev_pairs": len(dev), "precision": p, "recall": r, "f1": f})
    text = "\n".join(
        [
            "## Sentence-judge decision fit (dev slice)",
            "",
            f"{len(dev)} pairs, contradiction rate {gold.mean():.3f}; threshold "
            f"{stack.threshold:.3f}: P {p:.3f} R {r:.3f} F1 {f:.3f}. Weights written to {target}:",
            "",
            markdown_table(
                ["feature", "weight"], [[k, f"{v:.3f}"] for k, v in stack.weights.items()]
            ),
        ]
    )
    print(text, flush=True)
    return text


def sample_any(items: list, n: int) -> list:
    return items if n >= len(items) else random.Random(SEED).sample(items, n)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.conflicts", description=__doc__)
    parser.add_argument(
        "--fit", action="store_true", help="fit the clue scorer and write its weights file"
    )
    parser.add_argument("--limit", type=int, default=None, help="smaller samples (quick run)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache (.npz)")
    parser.add_argument(
        "--weights",
        type=Path,
        default=None,
        help="where --fit writes the weights (default: rag/conflicts/clue_weights.json)",
    )
    parser.add_argument(
        "--fit-judge",
        action="store_true",
        help="fit the decision over the sentence judge and write judge_weights.json",
    )
    parser.add_argument(
        "--latency", action="store_true", help="only the latency table (both engines)"
    )
    parser.add_argument(
        "--end-to-end",
        action="store_true",
        help="only the end-to-end table (two-document corpora, both engines)",
    )
    args = parser.parse_args(argv)
    if (args.fit or args.fit_judge) and args.limit and args.weights is None:
        parser.error("a --limit fit is partial: pass --weights PATH (not the shipped file)")
    if args.fit:
        fit(args)
    elif args.fit_judge:
        fit_judge(args)
    else:
        run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
