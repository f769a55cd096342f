"""Sources a question names: "What did Reuters and The Verge report about ...?", "the
TechCrunch report published on October 7, 2023".

Why: a reporter who names an outlet (or a publication day) wants that source's passage among
the top ones, and a question comparing two outlets needs both. Similarity alone ranks an
outlet's passage below others that share more words with the question, so retrieval adds, for
each named source, a ranking of that source's own passages to the fusion (``rag.retrieval``).
A source is an outlet, a day of publication, or an outlet on a day when both are named.

An outlet counts as named when its name appears in the question as written (word-bounded);
a question typed all in lower case is matched ignoring case. Names of one or two letters are
never matched (too easily part of other words).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rag.conflicts.clues.dates import dates_in
from rag.timeline import parse_doc_date
from rag.types import DocMeta

MIN_NAME_CHARS = 3


def outlets_named(question: str, metas: Mapping[str, DocMeta]) -> dict[str, set[str]]:
    """Outlet name -> ids of its documents, for each outlet of ``metas`` the question names."""
    by_outlet: dict[str, set[str]] = {}
    for doc_id, meta in metas.items():
        name = (meta.outlet or "").strip()
        if len(name) >= MIN_NAME_CHARS:
            by_outlet.setdefault(name, set()).add(doc_id)
    flags = re.IGNORECASE if question == question.lower() else 0
    named = {
        outlet: docs
        for outlet, docs in by_outlet.items()
        if re.search(r"(?<!\w)" + re.escape(outlet) + r"(?!\w)", question, flags)
    }
    # "The New York Times" named also matches an outlet "New York": keep the longer name
    kept: dict[str, set[str]] = {}
    for name in sorted(named, key=len, reverse=True):
        if not any(name in longer for longer in kept):
            kept[name] = named[name]
    return kept


def days_named(question: str, metas: Mapping[str, DocMeta]) -> dict[str, set[str]]:
    """Day (ISO) -> ids of the documents published that day, for each full date (day, month
    and year) the question names that some document carries."""
    found, _ = dates_in(question)
    days = {(d.year, d.month, d.day) for d in found if d.year and d.month and d.day}
    if not days:
        return {}
    named: dict[str, set[str]] = {}
    for doc_id, meta in metas.items():
        when = parse_doc_date(meta.date)
        if when is not None and (when.year, when.month, when.day) in days:
            named.setdefault(f"{when.year:04d}-{when.month:02d}-{when.day:02d}", set()).add(doc_id)
    return named


def sources_named(question: str, metas: Mapping[str, DocMeta]) -> dict[str, set[str]]:
    """Every source the question names (outlets, days, and each named outlet on each named
    day), as label -> document ids; empty groups are left out."""
    outlets = outlets_named(question, metas)
    days = days_named(question, metas)
    both = {
        f"{outlet} on {day}": docs & on_day
        for outlet, docs in outlets.items()
        for day, on_day in days.items()
    }
    return {label: docs for label, docs in {**outlets, **days, **both}.items() if docs}


def pointed_at(question: str, metas: Mapping[str, DocMeta]) -> set[str]:
    """The documents the question points at, as precisely as it names them: a named outlet's
    documents of a named day when it has some that day, else all of that outlet's; a named
    day's documents when no outlet is named. Empty when the question names no source."""
    outlets = outlets_named(question, metas)
    days = days_named(question, metas)
    if not outlets:
        return set().union(*days.values()) if days else set()
    out: set[str] = set()
    for docs in outlets.values():
        on_days = [docs & on_day for on_day in days.values() if docs & on_day]
        out |= set().union(*on_days) if on_days else docs
    return out
