"""Dates: the same kind of statement dated differently ("in 2023" vs "in 2021").

Day-month-year, month-year and bare years, with "before"/"after" bounds; a date fits another
when one can be true with the other at the coarser of the two granularities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.conflicts.clues.text import MONTHS, STOPWORDS, qualifier

_MONTH_RE = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR_RE = r"(?:1[89]\d\d|20\d\d)"
_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH_RE})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*,\s*|\s+)(?P<y1>{_YEAR_RE})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH_RE})(?:\s*,?\s*(?P<y2>{_YEAR_RE}))?"
    rf"|(?P<m3>{_MONTH_RE})\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*,?\s*\d)"
    rf"|(?P<m4>{_MONTH_RE})\s*,?\s+(?P<y4>{_YEAR_RE})"
    rf"|(?<![\d,.$€£/-])(?P<y5>{_YEAR_RE})(?!\d|,\d|\.\d|\s*(?:%|percent|million|billion))"
    rf")"
)


@dataclass(frozen=True)
class DateValue:
    text: str
    year: int | None
    month: int | None
    day: int | None
    bound: str  # exact | lower (after) | upper (before)
    inclusive: bool = False  # "by April 4" and "since 2019" include the day; "before" does not

    def key(self, granularity: int) -> tuple[int, ...]:
        """(year, month, day) cut to ``granularity`` parts (all known up to there)."""
        return tuple(v for v in (self.year, self.month, self.day)[:granularity] if v is not None)

    @property
    def granularity(self) -> int:
        if self.year is None:
            return 0
        return 1 + (self.month is not None) + (self.month is not None and self.day is not None)


def dates_in(text: str) -> tuple[list[DateValue], list[tuple[int, int]]]:
    """Dates (day-month-year, month-year, bare years) and the spans they occupy."""
    found: list[DateValue] = []
    spans: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        g = m.groupdict()
        month_name = g["m1"] or g["m2"] or g["m3"] or g["m4"]
        month = MONTHS.get(month_name.lower().rstrip(".")) if month_name else None
        day_s = g["d1"] or g["d2"] or g["d3"]
        year_s = g["y1"] or g["y2"] or g["y4"] or g["y5"]
        if g["y5"] and not _looks_like_year(text, m.start(), m.end()):
            continue
        if month_name == "May" and not (day_s or year_s):
            continue
        bound, inclusive = qualifier(text, m.start())
        found.append(
            DateValue(
                m.group(0),
                int(year_s) if year_s else None,
                month,
                int(day_s) if day_s else None,
                bound if bound in ("lower", "upper") else "exact",
                inclusive,
            )
        )
        spans.append((m.start(), m.end()))
    return found, spans


def _looks_like_year(text: str, start: int, end: int) -> bool:
    """A bare 4-digit number is a year unless it counts something ("2000 people")."""
    after = re.match(r"\s*([A-Za-z]+)", text[end:])
    if after and after.group(1).lower() in STOPWORDS | {"and", "s"}:
        return True
    return not (
        after and after.group(1)[0].islower() and not text[end:].startswith((",", ")", "."))
    )


def _date_ok(a: DateValue, b: DateValue) -> bool:
    g = min(a.granularity, b.granularity)
    if g == 0:
        return True
    ka, kb = a.key(g), b.key(g)
    same = kb == ka and (a.granularity > g or a.inclusive)  # "by April 4" admits April 4
    if a.bound == "upper" and b.bound == "exact":
        return kb < ka or same
    if a.bound == "lower" and b.bound == "exact":
        return kb > ka or same
    if b.bound != "exact" and a.bound == "exact":
        return _date_ok(b, a)
    if a.bound != "exact" and b.bound != "exact":
        return True
    return ka == kb


def dated(dates: list[DateValue]) -> list[DateValue]:
    """The dates with a year ("May 6" alone cannot be compared)."""
    return [d for d in dates if d.year is not None]


def compare_dates(da: list[DateValue], db: list[DateValue]) -> tuple[DateValue, DateValue] | None:
    """Both sides are dated and no date of one fits any date of the other."""
    da, db = dated(da), dated(db)
    if not da or not db:
        return None
    if any(_date_ok(a, b) for a in da for b in db):
        return None
    return da[0], db[0]
