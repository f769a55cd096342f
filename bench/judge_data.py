"""Training and measuring pairs for the sentence judge (entails / contradicts / neither).

Why generated pairs: VitaminC alone teaches Wikipedia revisions; the product meets news sentences
whose disagreements are a swapped name, figure, date or actor, a negation or an opposite verdict,
and whose non-disagreements are paraphrases, elaborations and related-but-different sentences.
The generator makes those from any list of sentences, so the *training* pairs come from VitaminC's
fit split and the *measuring* swap set from MultiHop-RAG facts (never trained on).

Labels: 0 entails, 1 contradicts, 2 neither. Premise first, hypothesis second.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ENTAILS, CONTRADICTS, NEITHER = 0, 1, 2
LABELS = ("entails", "contradicts", "neither")
VITAMINC_LABEL = {"SUPPORTS": ENTAILS, "REFUTES": CONTRADICTS, "NOT ENOUGH INFO": NEITHER}

VITAMINC = Path("eval/vitaminc/vitaminc_real_test.jsonl")
FEVER = Path("eval/fever/fever_symmetric_dev.jsonl")
MULTIHOP = Path("eval/multihop_rag/multihop_rag_subset500.jsonl")
FIT_PERCENT = 70  # the same case_id split as bench.conflicts: below -> fit, else held back
DEV_PERCENT = 5  # of the fit split: never trained on, used to pick the threshold


@dataclass(frozen=True)
class LabelledPair:
    premise: str
    hypothesis: str
    label: int
    kind: str  # where the pair comes from ("vitaminc", "swap:figure", ...)
    group: str = ""  # pairs of one source sentence share a group (case_id, fact url)


def bucket(key: str) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 100


def in_fit_split(case_id: str) -> bool:
    return bucket(case_id) < FIT_PERCENT


def in_dev_split(case_id: str) -> bool:
    """A slice of the fit split held out of training (threshold choice)."""
    return in_fit_split(case_id) and bucket("dev:" + case_id) < DEV_PERCENT


def clean(text: str) -> str:
    """VitaminC/FEVER text is tokenised (" , ", "-LRB-"): undo the common marks."""
    text = text.replace("\ufffd", " ").replace("-LRB-", "(").replace("-RRB-", ")")
    text = " ".join(text.split())
    text = re.sub(r" ([,.;:!?%)])", r"\1", text)
    text = re.sub(r"\( ", "(", text)
    return text.replace(" 's", "'s").replace(" n't", "n't")


def _claim_pairs(
    lines: Iterable[str], label: str, kind: str, group: Callable[[dict], str]
) -> list[LabelledPair]:
    """(evidence, claim) pairs of a VitaminC-format jsonl: ``label`` names the label field,
    ``group`` gives a row's group (its case)."""
    rows = [json.loads(line) for line in lines if line.strip()]
    return [
        LabelledPair(
            clean(r["evidence"]), clean(r["claim"]), VITAMINC_LABEL[r[label]], kind, group(r)
        )
        for r in rows
    ]


def load_vitaminc(shared: Path) -> list[LabelledPair]:
    with (shared / VITAMINC).open(encoding="utf-8") as fh:
        return _claim_pairs(fh, "label", "vitaminc", lambda r: r["case_id"])


def load_fever(shared: Path) -> list[LabelledPair]:
    with (shared / FEVER).open(encoding="utf-8") as fh:
        return _claim_pairs(fh, "gold_label", "fever", lambda r: str(r["id"]))


def load_vitaminc_synthetic(archive: Path, exclude_claims: set[str]) -> list[LabelledPair]:
    """VitaminC's synthetic (FEVER-based) contrastive pairs, minus claims we measure on."""
    import zipfile

    with zipfile.ZipFile(archive) as zf:
        lines = zf.read("vitaminc_synthetic/test.jsonl").decode("utf-8").splitlines()
    pairs = _claim_pairs(lines, "label", "vitaminc-synthetic", lambda r: "syn:" + r["case_id"])
    return [p for p in pairs if p.hypothesis not in exclude_claims]


def multihop_facts(shared: Path) -> list[tuple[str, str]]:
    """(url, fact) for every distinct evidence fact of the MultiHop-RAG subset."""
    seen: dict[str, str] = {}
    with (shared / MULTIHOP).open(encoding="utf-8") as fh:
        for line in fh:
            for ev in json.loads(line).get("evidence_list", []):
                fact = " ".join(ev["fact"].split())
                seen.setdefault(fact, ev["url"])
    return [(url, fact) for fact, url in seen.items()]


# --- swaps ------------------------------------------------------------------------------------

MONTHS = (
    "January February March April May June July August September October November December".split()
)
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w])")
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
NAME = re.compile(r"(?<!^)(?<![.!?] )\b([A-Z][a-zA-Z'\-]+(?: (?:of |de |the )?[A-Z][a-zA-Z'\-]+)*)")
NOT_NAMES = set(
    "The A An In On At Of For And But Or If As By To It He She They We I His Her Their Its This "
    "That These Those There Here When While After Before Since During However Although Mr Mrs Ms "
    "Dr According".split()
) | set(MONTHS)
NEGATABLE = re.compile(
    r"\b(is|was|are|were|has|have|had|will|can|could|would|should|did|does|do)\b(?! not\b)"
)
NEGATED = re.compile(
    r"\b(is|was|are|were|has|have|had|will|can|could|would|should|did|does|do) not\b"
)
OPPOSITES = {
    "increased": "decreased",
    "rose": "fell",
    "won": "lost",
    "succeeded": "failed",
    "approved": "rejected",
    "accepted": "refused",
    "supported": "opposed",
    "higher": "lower",
    "more": "fewer",
    "before": "after",
    "largest": "smallest",
    "first": "last",
    "gained": "lost",
    "allowed": "banned",
    "confirmed": "denied",
    "agreed": "refused",
    "legal": "illegal",
    "effective": "ineffective",
    "success": "failure",
    "consensual": "unilateral",
    "with the consent of": "without the consent of",
}
OPPOSITES |= {v: k for k, v in list(OPPOSITES.items())}


def _other_number(text: str, rng: random.Random) -> str:
    plain = text.replace(",", "")
    value = float(plain)
    for _ in range(10):
        factor = rng.choice([0.5, 0.6, 0.75, 0.8, 1.25, 1.5, 2.0, 3.0])
        new = value * factor if value > 3 else value + rng.choice([1, 2, 3, 5])
        if "." in plain:
            out = f"{new:.{len(plain.split('.')[1])}f}"
        else:
            out = str(int(round(new)))
            if "," in text:
                out = f"{int(out):,}"
        if out != text:
            return out
    return str(int(value) + 7)


def swap_figure(sentence: str, rng: random.Random) -> str | None:
    hits = [m for m in NUMBER.finditer(sentence) if not YEAR.fullmatch(m.group(1))]
    if not hits:
        return None
    m = rng.choice(hits)
    return sentence[: m.start()] + _other_number(m.group(1), rng) + sentence[m.end() :]


def swap_date(sentence: str, rng: random.Random) -> str | None:
    years = list(YEAR.finditer(sentence))
    months = [m for m in re.finditer(r"\b(" + "|".join(MONTHS) + r")\b", sentence)]
    if not years and not months:
        return None
    if years and (not months or rng.random() < 0.6):
        m = rng.choice(years)
        new = str(int(m.group(1)) + rng.choice([-5, -3, -2, -1, 1, 2, 3, 4]))
    else:
        m = rng.choice(months)
        new = rng.choice([x for x in MONTHS if x != m.group(1)])
    return sentence[: m.start()] + new + sentence[m.end() :]


def names_in(sentence: str) -> list[re.Match[str]]:
    return [m for m in NAME.finditer(sentence) if m.group(1).split()[0] not in NOT_NAMES]


def swap_name(sentence: str, pool: Sequence[str], rng: random.Random) -> str | None:
    hits = names_in(sentence)
    if not hits or not pool:
        return None
    m = rng.choice(hits)
    words = len(m.group(1).split())
    same_size = [p for p in pool if len(p.split()) == words and p != m.group(1)]
    candidates = same_size or [p for p in pool if p != m.group(1)]
    if not candidates:
        return None
    new = rng.choice(candidates)
    if new in sentence:
        return None
    return sentence[: m.start()] + new + sentence[m.end() :]


def negate(sentence: str, rng: random.Random) -> str | None:
    neg = list(NEGATED.finditer(sentence))
    if neg:
        m = rng.choice(neg)
        return sentence[: m.start()] + m.group(1) + sentence[m.end() :]
    hits = list(NEGATABLE.finditer(sentence))
    if not hits:
        return None
    m = rng.choice(hits)
    return sentence[: m.end()] + " not" + sentence[m.end() :]


def opposite(sentence: str, rng: random.Random) -> str | None:
    hits = [
        m
        for m in re.finditer(r"\b(" + "|".join(map(re.escape, OPPOSITES)) + r")\b", sentence)
        if m.group(1) in OPPOSITES
    ]
    if not hits:
        return None
    m = rng.choice(hits)
    return sentence[: m.start()] + OPPOSITES[m.group(1)] + sentence[m.end() :]


SWAPS = {
    "figure": swap_figure,
    "date": swap_date,
    "negation": negate,
    "opposite": opposite,
}


def contradiction_of(
    sentence: str, pool: Sequence[str], rng: random.Random, kinds: Sequence[str]
) -> tuple[str, str] | None:
    """A sentence that says the opposite of ``sentence`` by one change, and which change."""
    for kind in rng.sample(list(kinds), len(kinds)):
        out = swap_name(sentence, pool, rng) if kind == "name" else SWAPS[kind](sentence, rng)
        if out and out != sentence:
            return kind, out
    return None


# --- agreeing and unrelated variants ----------------------------------------------------------


def shortened(sentence: str, rng: random.Random) -> str | None:
    """The main clause alone: a premise entails its own prefix up to a clause break."""
    if re.match(
        r"(?:If|When|While|Although|Though|As|After|Before|Because|Depending|Since|Unless)\b",
        sentence,
    ):
        return None
    cuts = [
        m.start()
        for m in re.finditer(r"(?:, (?:and|but|which|who|while|as|although)\b|;)", sentence)
    ]
    cuts = [c for c in cuts if len(sentence[:c].split()) >= 7]
    if not cuts:
        return None
    return sentence[: rng.choice(cuts)].rstrip(" ,;") + "."


def lightly_edited(sentence: str, rng: random.Random) -> str:
    """The same claim with surface changes (a dropped aside, "the"s, the final stop)."""
    out = re.sub(r" \([^)]*\)", "", sentence)
    out = re.sub(r", (?:who|which) [^,]+,", "", out) if rng.random() < 0.5 else out
    if rng.random() < 0.5:
        out = out.replace(" the ", " ", 1)
    return out.rstrip(".") if rng.random() < 0.5 else out


def generated_pairs(
    sentences: Sequence[tuple[str, str]],
    rng: random.Random,
    per_sentence: int = 1,
    kinds: Sequence[str] = ("name", "figure", "date", "negation", "opposite"),
) -> list[LabelledPair]:
    """Contradictions (one change), entailments (prefix, light edit) and neithers (another
    sentence of the same group, an elaboration with a clause from elsewhere)."""
    pool = sorted({m.group(1) for _, s in sentences for m in names_in(s)})
    by_group: dict[str, list[str]] = {}
    for group, s in sentences:
        by_group.setdefault(group, []).append(s)
    out: list[LabelledPair] = []
    all_sentences = [s for _, s in sentences]
    for group, s in sentences:
        for _ in range(per_sentence):
            swapped = contradiction_of(s, pool, rng, kinds)
            if swapped:
                kind, text = swapped
                first, second = (s, text) if rng.random() < 0.5 else (text, s)
                out.append(LabelledPair(first, second, CONTRADICTS, "swap:" + kind, group))
        short = shortened(s, rng)
        if short and rng.random() < 0.5:
            out.append(LabelledPair(s, short, ENTAILS, "gen:prefix", group))
            # the other way round the prefix lacks what the hypothesis adds: neither
            out.append(LabelledPair(short, s, NEITHER, "gen:elaboration", group))
        elif rng.random() < 0.5:
            edited = lightly_edited(s, rng)
            if edited != s:
                out.append(LabelledPair(s, edited, ENTAILS, "gen:edit", group))
        siblings = [x for x in by_group[group] if x != s]
        if siblings and rng.random() < 0.5:
            out.append(LabelledPair(s, rng.choice(siblings), NEITHER, "gen:sibling", group))
        elif rng.random() < 0.3:
            other = rng.choice(all_sentences)
            if other != s:
                out.append(LabelledPair(s, other, NEITHER, "gen:unrelated", group))
    return out


def swap_set(facts: Iterable[tuple[str, str]], seed: int) -> list[LabelledPair]:
    """Measuring set from MultiHop facts (never trained on): one swapped fact per source fact,
    and one agreeing variant (light edit or its own prefix)."""
    rng = random.Random(seed)
    facts = list(facts)
    pool = sorted({m.group(1) for _, s in facts for m in names_in(s)})
    out: list[LabelledPair] = []
    for url, fact in facts:
        swapped = contradiction_of(fact, pool, rng, ("name", "figure", "date"))
        if swapped:
            out.append(LabelledPair(fact, swapped[1], CONTRADICTS, "swap:" + swapped[0], url))
            agree = shortened(fact, rng) or lightly_edited(fact, rng)
            if agree != fact:
                out.append(LabelledPair(fact, agree, ENTAILS, "agree", url))
    return out
