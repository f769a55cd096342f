"""The disagreement check asked as reporters word it: corpus/ questions through ``Pipeline.ask``.

``python -m bench --only phrasings``. Each question of ``bench/phrasings.yaml`` goes through the
whole pipeline on a fresh store of corpus/; a disagreement counts as flagged only when one card
has the expected sides (by source title, or by the pole each side takes), and any card on a
question where the sources agree is a false flag. Run for several ``RAG_CONFLICT_PASSAGES``
values in the same run, since that setting was chosen on these questions. What the check
costs is measured cold by ``python -m bench.conflicts --latency``.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.common import markdown_table, temp_services
from rag.config import Settings
from rag.services import Services
from rag.types import Conflict

QUESTIONS_FILE = Path(__file__).with_name("phrasings.yaml")
READS = (6, 10, 12)  # the answer's k alone, session 9's default, this default


@dataclass(frozen=True)
class Case:
    question: str
    group: str  # which list it came from ("first" / "second" / "third"; see the yaml)
    titles: tuple[tuple[str, ...], ...] = ()
    poles: tuple[str, ...] = ()

    def met_by(self, card: Conflict) -> bool:
        """Does this card have one side from each expected title group (or pole)?"""
        if self.poles:
            return all(any(s.stance == pole for s in card.sides) for pole in self.poles)
        return all(
            any(s.meta.title.startswith(prefixes) for s in card.sides) for prefixes in self.titles
        )


def load_cases(path: Path = QUESTIONS_FILE) -> tuple[list[Case], list[Case]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    disagree = [
        Case(
            d["q"],
            d["set"],
            tuple(tuple(g) for g in d.get("titles", ())),
            tuple(d.get("poles", ())),
        )
        for d in data["disagree"]
    ]
    agree = [Case(d["q"], d["set"]) for d in data["agree"]]
    return disagree, agree


GROUPS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def _row(
    services: Services, label: str, cases: Sequence[tuple[Case, bool]], detail: list[list[str]]
) -> list[str]:
    """One table row: each case asked through the whole pipeline; ``detail`` gets a line per
    question (pass a list that is thrown away to skip them)."""
    services.pipeline.ask(cases[0][0].question)  # warm-up: one-off loads
    hits: dict[str, list[bool]] = {g: [] for g in GROUPS}
    false: dict[str, list[bool]] = {g: [] for g in GROUPS}
    for case, wanted in cases:
        answer = services.pipeline.ask(case.question)
        right = any(case.met_by(c) for c in answer.conflicts)
        (hits if wanted else false)[case.group].append(right if wanted else bool(answer.conflicts))
        cards = "; ".join(
            " / ".join(
                f"{s.meta.title[:18]}" + (f" ({s.stance})" if s.stance else "") for s in c.sides
            )
            for c in answer.conflicts
        )
        verdict = (
            ("right sides" if right else "missed")
            if wanted
            else ("false flag" if answer.conflicts else "none")
        )
        detail.append([case.group, case.question, verdict, cards or "-"])
    return [
        label,
        *(f"{sum(hits[g])} / {len(hits[g])}" for g in GROUPS),
        *(f"{sum(false[g])} / {len(false[g])}" for g in GROUPS),
    ]


def run(args: argparse.Namespace) -> str:
    from bench.corpus import CORPUS
    from bench.retrieval import load_rows, write_pool

    disagree, agree = load_cases()
    cases = [(c, True) for c in disagree] + [(c, False) for c in agree]
    shipped = Settings.model_fields["conflict_passages"].default
    rows: list[list[str]] = []
    detail: list[list[str]] = []
    with temp_services(CORPUS) as services:
        services.ingestor.ingest([CORPUS])
        base = services.retriever.settings
        for reach in READS:
            services.retriever.settings = base.model_copy(update={"conflict_passages": reach})
            label = f"corpus/, {reach}" + (" (default)" if reach == shipped else "")
            rows.append(_row(services, label, cases, detail if reach == shipped else []))
    # the same questions in a larger store: the 438 MultiHop-RAG evidence facts (news on other
    # subjects) as distractors, so that one side is not found only because little else is there
    with tempfile.TemporaryDirectory(prefix="rag-phrasings-") as tmp:
        pool = Path(tmp)
        write_pool(load_rows(args.shared), pool)
        with temp_services(CORPUS) as services:
            services.ingestor.ingest([CORPUS, pool])
            label = f"corpus/ + {sum(1 for _ in pool.iterdir())} MultiHop facts, {shipped}"
            larger: list[list[str]] = []
            rows.append(_row(services, label, cases, larger))
    wrong = [d for d in larger if d[2] in ("missed", "false flag")]
    head = [
        "store, passages the check reads",
        *(f"disagreements flagged, right sides ({g} set)" for g in GROUPS),
        *(f"agreeing questions flagged ({g} set)" for g in GROUPS),
    ]
    return "\n".join(
        [
            "## Disagreement check, reporters' phrasings (whole pipeline)",
            "",
            markdown_table(head, rows),
            "",
            "Missed or falsely flagged in the larger store:",
            "",
            markdown_table(["set", "question", "result", "cards (sides)"], wrong)
            if wrong
            else "(none)",
            "",
            f"Each question, corpus/ at the default ({shipped} passages):",
            "",
            markdown_table(["set", "question", "result", "cards (sides)"], detail),
            "",
        ]
    )
