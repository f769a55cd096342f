"""What a question may search: chosen documents, outlets and a date range.

A scope is resolved against the document records (which carry outlet and date), giving the set
of document ids that dense search (a Chroma ``where`` on ``doc_id``) and BM25 (a mask over its
chunks) both use, so the two retrievers always see the same documents. Metadata edits therefore
take effect at once: nothing about a document's outlet or date is copied into its chunks.

Documents without a date (or with one that is not an ISO date) are outside any date range;
documents without an outlet are outside any outlet filter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from rag.types import DocMeta

_ISO_PREFIX = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class EmptyScope(RuntimeError):
    """The collection has documents, but none inside the chosen scope."""


class _HasMeta(Protocol):
    @property
    def meta(self) -> DocMeta: ...


R = TypeVar("R", bound=_HasMeta)


def _iso_day(value: str, name: str) -> str:
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError as exc:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD, got {value!r}") from exc


def date_period(value: str | None) -> tuple[str, str] | None:
    """First and last day covered by a document date ("2024", "2024-05", "2024-05-03…").

    None when the date is missing or not ISO-shaped: such a document is in no date range.
    """
    if not value:
        return None
    match = _ISO_PREFIX.match(value.strip())
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    try:
        if day:
            first = dt.date(int(year), int(month), int(day))
            return first.isoformat(), first.isoformat()
        if month:
            last_day = calendar.monthrange(int(year), int(month))[1]
            return (
                dt.date(int(year), int(month), 1).isoformat(),
                dt.date(int(year), int(month), last_day).isoformat(),
            )
        return f"{int(year):04d}-01-01", f"{int(year):04d}-12-31"
    except ValueError:
        return None


def _normal_outlet(outlet: str) -> str:
    return " ".join(outlet.split()).casefold()


def _tuple(values: Iterable[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    cleaned = tuple(v.strip() for v in values if v and v.strip())
    return cleaned or None


@dataclass(frozen=True)
class Scope:
    """A restriction of the library; every field None means "everything".

    Empty selections are normalised to None (no restriction): the UI's empty picker means "all".
    Lists are accepted and stored as tuples so a scope is hashable and comparable.
    """

    doc_ids: tuple[str, ...] | None = None
    outlets: tuple[str, ...] | None = None
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "doc_ids", _tuple(self.doc_ids))
        object.__setattr__(self, "outlets", _tuple(self.outlets))
        start = _iso_day(self.date_from, "date_from") if self.date_from else None
        end = _iso_day(self.date_to, "date_to") if self.date_to else None
        if start and end and start > end:
            raise ValueError(f"the date range is empty: {start} is after {end}")
        object.__setattr__(self, "date_from", start)
        object.__setattr__(self, "date_to", end)

    @property
    def is_everything(self) -> bool:
        return not (self.doc_ids or self.outlets or self.date_from or self.date_to)

    @property
    def has_dates(self) -> bool:
        return bool(self.date_from or self.date_to)

    def admits(self, doc_id: str, meta: DocMeta) -> bool:
        """True when the document ``doc_id`` with ``meta`` is inside this scope."""
        if self.doc_ids is not None and doc_id not in self.doc_ids:
            return False
        if self.outlets is not None:
            wanted = {_normal_outlet(o) for o in self.outlets}
            if not meta.outlet or _normal_outlet(meta.outlet) not in wanted:
                return False
        if self.has_dates:
            period = date_period(meta.date)
            if period is None:
                return False
            first, last = period
            if self.date_from and last < self.date_from:
                return False
            if self.date_to and first > self.date_to:
                return False
        return True

    def select(self, records: Mapping[str, R]) -> dict[str, R]:
        """The records inside this scope (all of them for an unrestricted scope)."""
        if self.is_everything:
            return dict(records)
        return {d: r for d, r in records.items() if self.admits(d, r.meta)}

    def describe(self) -> str:
        """One line for messages: what the question was restricted to."""
        parts = []
        if self.doc_ids:
            parts.append(f"{len(self.doc_ids)} chosen document(s)")
        if self.outlets:
            parts.append("outlet " + " or ".join(self.outlets))
        if self.has_dates:
            parts.append(f"dated {self.date_from or '…'} to {self.date_to or '…'}")
        return ", ".join(parts) or "the whole collection"

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_ids": list(self.doc_ids) if self.doc_ids else None,
            "outlets": list(self.outlets) if self.outlets else None,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }
