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
from rag.store import DocRecord
from rag.timeline import parse_doc_date

MIN_NAME_CHARS = 3


def outlets_named(question: str, records: Mapping[str, DocRecord]) -> dict[str, set[str]]:
    """Outlet name -> ids of its documents, for each outlet of ``records`` the question names."""
    by_outlet: dict[str, set[str]] = {}
    for doc_id, record in records.items():
        outlet = (record.meta.outlet or "").strip()
        if len(outlet) >= MIN_NAME_CHARS:
            by_outlet.setdefault(outlet, set()).add(doc_id)
    if not by_outlet:
        return {}
    flags = re.IGNORECASE if question == question.lower() else 0
    named = {}
    for outlet, docs in by_outlet.items():
        if re.search(rf"(?<!\w){re.escape(outlet)}(?!\w)", question, flags):
            named[outlet] = docs
    return _without_contained(named)


def _without_contained(named: dict[str, set[str]]) -> dict[str, set[str]]:
    """ "The New York Times" named also matches an outlet "New York": keep the longer name."""
    names = sorted(named, key=len, reverse=True)
    kept: dict[str, set[str]] = {}
    for name in names:
        if not any(name in longer for longer in kept):
            kept[name] = named[name]
    return kept


def days_named(question: str, records: Mapping[str, DocRecord]) -> dict[str, set[str]]:
    """Day (ISO) -> ids of the documents published that day, for each full date (day, month
    and year) the question names that some document carries."""
    found, _ = dates_in(question)
    days = {(d.year, d.month, d.day) for d in found if d.year and d.month and d.day}
    if not days:
        return {}
    named: dict[str, set[str]] = {}
    for doc_id, record in records.items():
        when = parse_doc_date(record.meta.date)
        if when is not None and (when.year, when.month, when.day) in days:
            named.setdefault(f"{when.year:04d}-{when.month:02d}-{when.day:02d}", set()).add(doc_id)
    return named


def sources_named(question: str, records: Mapping[str, DocRecord]) -> dict[str, set[str]]:
    """Every source the question names (outlets, days, and each named outlet on each named
    day), as label -> document ids; empty groups are left out."""
    outlets = outlets_named(question, records)
    days = days_named(question, records)
    both = {
        f"{outlet} on {day}": docs & on_day
        for outlet, docs in outlets.items()
        for day, on_day in days.items()
    }
    return {label: docs for label, docs in {**outlets, **days, **both}.items() if docs}
