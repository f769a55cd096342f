"""Figures: the same count ("containers", "%", "$ ... reward") with incompatible values.

Values are ranges, not strings: "more than 20,000" and "around 15,000" clash, "1.2 million" and
"some 1,230,000" do not; what a figure counts is the content words around it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rag.conflicts.clues.text import (
    MONTHS,
    QUALIFIER_WORDS,
    STOPWORDS,
    qualifier,
    stem,
    tokens_of,
)

_NUMBER = re.compile(
    r"(?<![\w.,/-])(?P<cur>[$€£]\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?[-–]\s?\$?(?P<num2>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?))?"
    r"(?:\s?(?P<scale>million|billion|trillion|thousand|crore|lakh|bn)\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    r"(?![\w/]|\.\d|[-–]\d)"
)
_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "crore": 1e7,
    "lakh": 1e5,
}
_NOT_UNIT = frozenset(
    "percent per cent times based compared according respectively each apiece alone".split()
)
_LEADING = frozenset("of the a an".split())
_RANK = re.compile(r"(?<![\w.,/-])(?P<num>\d{1,4})(?:st|nd|rd|th)\b")
_RATING = re.compile(r"(?<![\w.])(?P<num>\d+(?:\.\d+)?)\s?(?:/\s?|out of\s)(?P<den>10|5|100)\b")
_UNITS = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES = {
    **{w: i + 1 for i, w in enumerate(_UNITS)},
    **{w: i + 10 for i, w in enumerate(_TEENS)},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
    "dozen": 12,
}
_WORD_NUMBER = re.compile(
    rf"(?<![\w-])(?P<w>{'|'.join(_TENS)})(?:-(?P<u>{'|'.join(_UNITS)}))?(?![\w-])"
    rf"|(?<![\w-])(?P<w2>{'|'.join([*_UNITS, *_TEENS, 'dozen'])})(?![\w-])",
    re.IGNORECASE,
)
ROOT = 5  # letters of a stem that make a root ("recov", "death" but not "dea")
NEAR = 2.0  # a bound is paired with a figure of its kind within this factor when unit words differ
SIDED = ("lower", "upper")  # one-sided figures: "more than 20", "under 400"
_BOUND_WORDS = {  # (bound, inclusive) -> how a card says it
    ("lower", True): "at least ",
    ("lower", False): "more than ",
    ("upper", True): "at most ",
    ("upper", False): "less than ",
}


def _to_float(num: str) -> float:
    return float(num.replace(",", ""))


def _half_unit(num: str, scale: float) -> float:
    """Half a unit of the last written digit: "1.2 million" is 1.15-1.25 million."""
    if "." in num:
        decimals = len(num.split(".")[1])
        return 0.5 * 10 ** (-decimals) * scale
    return 0.5 * scale if scale > 1 else 0.0


@dataclass(frozen=True)
class Quantity:
    """A figure with what it counts: the value(s), how it is qualified, and its unit words."""

    text: str
    low: float
    high: float
    bound: str  # exact | lower | upper | approx | range
    kind: str  # plain | currency | percent
    follow: frozenset[str]  # stemmed content words right after the figure (what it counts)
    before: frozenset[str]  # stemmed content words just before it ("population of")
    inclusive: bool = True  # "at least 20" includes 20, "more than 20" does not
    judge_only: bool = False  # a count under 10, in words, or a rank ("9 albums", "36th pick")

    def context(self) -> frozenset[str]:
        return self.follow | self.before

    def said(self) -> str:
        """The figure with its bound in words, for a card ("less than 1,530")."""
        if self.bound == "approx":
            return "about " + self.text
        return _BOUND_WORDS.get((self.bound, self.inclusive), "") + self.text


def quantities_in(text: str, skip: Iterable[tuple[int, int]] = ()) -> list[Quantity]:
    """Figures outside ``skip`` spans (dates), with bounds and the words saying what they count.

    Small counts, counts in words and ranks ("5 members", "nine studio albums", "the 36th
    pick") are marked ``judge_only``: the sentence judge's readings compare them (it reads
    whether two sentences are about one point), the question-gated figure clue does not
    ("five members charged" and "29 members extradited" are two events that share a unit
    word)."""
    skip = list(skip)
    out: list[Quantity] = []
    for m in _NUMBER.finditer(text):
        if _skipped(m.start(), skip):
            continue
        if not m.group("cur") and _after_name(text, m.start()):
            continue  # part of a name: "ATR 72", "Boeing 737", "Chapter 3"
        num, num2, scale_s = m.group("num"), m.group("num2"), m.group("scale")
        cur, pct = m.group("cur"), m.group("pct")
        scale = _SCALE.get(scale_s.lower(), 1.0) if scale_s else 1.0
        value = _to_float(num) * scale
        follow = _unit_after(text, m.end())
        small = not (cur or pct or scale_s or num2) and value < 10 and "." not in num
        if small and not follow:
            continue  # "3 times", "in 5": a small count that does not say what it counts
        kind = "currency" if cur else "percent" if pct else "plain"
        before = _unit_before(text, m.start())
        inclusive = True
        if num2:
            value2 = _to_float(num2) * scale
            low, high, bound = min(value, value2), max(value, value2), "range"
        else:
            bound, inclusive = qualifier(text, m.start())
            tol = _half_unit(num, scale)
            if bound == "approx":
                tol = max(tol, 0.1 * value)
            low, high = _span(value, tol, bound)
        out.append(
            Quantity(m.group(0).strip(), low, high, bound, kind, follow, before, inclusive, small)
        )
    return out + _ratings(text, skip) + _worded(text, skip) + _ranks(text, skip)


def _span(value: float, tol: float, bound: str) -> tuple[float, float]:
    """The values a figure allows: one side of it for a bound, else within ``tol``."""
    if bound == "lower":
        return value, math.inf
    if bound == "upper":
        return -math.inf, value
    return value - tol, value + tol


def _skipped(start: int, skip: list[tuple[int, int]]) -> bool:
    """Does a figure start inside a skipped span (a date)?"""
    return any(s <= start < e for s, e in skip)


def _ratings(text: str, skip: list[tuple[int, int]]) -> list[Quantity]:
    """Scores out of a scale ("7.1/10", "3.2 out of 10"): their own kind, compared as values."""
    out = []
    for m in _RATING.finditer(text):
        if _skipped(m.start(), skip):
            continue
        num = m.group("num")
        value, tol = _to_float(num), _half_unit(num, 1.0)
        bound, inclusive = qualifier(text, m.start())
        low, high = _span(value, tol, bound)
        kind = "rating/" + m.group("den")
        before = _unit_before(text, m.start())
        out.append(Quantity(m.group(0), low, high, bound, kind, frozenset(), before, inclusive))
    return out


def _worded(text: str, skip: list[tuple[int, int]]) -> list[Quantity]:
    """Counts written as words ("nine studio albums", "twenty-two goals"), when a content word
    right after says what they count ("one of the" and "Formula One" are not counts)."""
    out = []
    for m in _WORD_NUMBER.finditer(text):
        if _skipped(m.start(), skip) or _after_name(text, m.start()):
            continue
        if m.group(0)[0].isupper() and text[: m.start()].strip():
            continue  # "Formula One drivers", "the Big Three": a name, not a count
        nxt = re.match(r"\s+([a-z][a-z'-]*)", text[m.end() :])
        follow = _unit_after(text, m.end())
        if not nxt or nxt.group(1) in STOPWORDS or not follow:
            continue
        value = float(_WORD_VALUES[(m.group("w") or m.group("w2")).lower()])
        if m.group("u"):
            value += _WORD_VALUES[m.group("u").lower()]
        bound, inclusive = qualifier(text, m.start())
        low, high = _span(value, 0.0, bound)
        before = _unit_before(text, m.start())
        out.append(Quantity(m.group(0), low, high, bound, "plain", follow, before, inclusive, True))
    return out


def _ranks(text: str, skip: list[tuple[int, int]]) -> list[Quantity]:
    """Ranks that say what they rank ("the 36th overall pick", "finished 3rd place")."""
    out = []
    for m in _RANK.finditer(text):
        follow = _unit_after(text, m.end())
        if not follow or _skipped(m.start(), skip):
            continue
        value = float(m.group("num"))
        before = _unit_before(text, m.start())
        out.append(Quantity(m.group(0), value, value, "exact", "rank", follow, before, True, True))
    return out


def _after_name(text: str, start: int) -> bool:
    """Is the figure right after a capitalised word that is not the first of the sentence?"""
    match = re.search(r"(\S+)\s+$", text[:start])
    if not match or not match.group(1)[:1].isupper() or not match.group(1).isalpha():
        return False
    if match.group(1).lower() in MONTHS:
        return False
    return bool(text[: match.start()].strip())


def _unit_after(text: str, end: int, n: int = 2) -> frozenset[str]:
    """What a figure counts: the content words right after it ("1.2 million containers"),
    past "of the" at most; any other small word ("16 % and ...") ends the unit."""
    words: list[str] = []
    for tok in tokens_of(text[end : end + 60]):
        if not tok.is_word:
            break  # punctuation or another figure ends the unit phrase
        low = tok.low
        if low in _LEADING and not words:
            continue
        if low in STOPWORDS or low in _NOT_UNIT:
            break
        words.append(stem(low))
        if len(words) == n:
            break
    return frozenset(words)


def _unit_before(text: str, start: int, n: int = 2) -> frozenset[str]:
    words: list[str] = []
    for tok in reversed(tokens_of(text[max(0, start - 50) : start])[-5:]):
        if not tok.is_word:
            if tok.text in "$€£":
                continue
            break
        low = tok.low
        if low in STOPWORDS or low in QUALIFIER_WORDS:
            continue
        words.append(stem(low))
        if len(words) == n:
            break
    return frozenset(words)


def _roots(stems: frozenset[str]) -> frozenset[str]:
    """Word roots, so "recovered" / "recoveries" and "tested" / "tests" count the same thing."""
    return frozenset(s[:ROOT] for s in stems)


def _share(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(_roots(a) & _roots(b))  # a shared stem is a shared root


def same_count(a: Quantity, b: Quantity) -> bool:
    """Do two figures count the same thing? Same kind, and shared unit words (or roots)."""
    if a.kind != b.kind:
        return False
    if a.follow and b.follow:
        return _share(a.follow, b.follow)
    if a.kind != "plain" and not (a.follow or b.follow) and not (a.before and b.before):
        return True
    return _share(a.context(), b.context())


def _admits(bound: Quantity, low: float, high: float) -> bool:
    """Does a one-sided figure ("more than 20") admit some value in [low, high]?"""
    if bound.bound == "lower":
        return high > bound.low or (bound.inclusive and high >= bound.low)
    return low < bound.high or (bound.inclusive and low <= bound.high)


def _stated(q: Quantity) -> tuple[float, float]:
    """The values a figure allows against a bound: an exact figure is the value it states
    ("3.2/10" is not "less than 3.19/10", "1.2 million" is not "more than 1.2 million")."""
    if q.bound == "exact":
        mid = (q.low + q.high) / 2
        return mid, mid
    return q.low, q.high


def compatible(a: Quantity, b: Quantity) -> bool:
    """Can both figures be true at once? Values are ranges ("1.2 million" is 1.15-1.25
    million, "about 4,000" is 3,600-4,400, "more than 20" is above 20): do they overlap?"""
    if a.bound in SIDED and b.bound in SIDED:
        if a.bound == b.bound:
            return True
        lo, up = (a, b) if a.bound == "lower" else (b, a)
        return lo.low < up.high or (lo.inclusive and up.inclusive and lo.low <= up.high)
    if a.bound in SIDED:
        return _admits(a, *_stated(b))
    if b.bound in SIDED:
        return _admits(b, *_stated(a))
    eps = 1e-9 * max(1.0, abs(a.low), abs(b.low))
    return a.low <= b.high + eps and b.low <= a.high + eps


@dataclass(frozen=True)
class FigureCheck:
    conflict: Quantity | None = None
    conflict_with: Quantity | None = None
    agreements: int = 0


def _peer_rank(a: Quantity, b: Quantity) -> tuple[int, int]:
    return len(_roots(a.follow) & _roots(b.follow)), len(_roots(a.before) & _roots(b.before))


def _limit(bound: Quantity) -> float:
    """The value a one-sided figure is bounded by ("more than 20" -> 20)."""
    return bound.low if bound.bound == "lower" else bound.high


def _distance(a: Quantity, b: Quantity) -> float:
    """How far apart two values are, as a log ratio (a bound against its figure's value)."""
    value = _limit(a)
    other = (b.low + b.high) / 2 if math.isfinite(b.low + b.high) else b.low
    if value <= 0 or other <= 0 or not math.isfinite(other):
        return math.inf
    return abs(math.log(other / value))


def _bound_peer(a: Quantity, peers: list[Quantity]) -> list[Quantity]:
    """A one-sided figure ("less than $152 million overall") is read against one figure: the
    peer that shares most of what it counts, then the closest in value, not whichever fits
    ("$53.8 million in North America" does not confirm it when the total is $154 million)."""
    best = max(_peer_rank(a, b) for b in peers)
    tied = [b for b in peers if _peer_rank(a, b) == best]
    return [min(tied, key=lambda b: _distance(a, b))]


def _nearest(bound: Quantity, qb: list[Quantity]) -> list[Quantity]:
    """The exact figure of the same kind closest to a one-sided one ("more than 3,400 people
    tested" vs "3,398 tests processed"), if within a factor of ``NEAR``: how a bound is read
    against a figure that words what it counts differently."""
    value = _limit(bound)
    if value <= 0:
        return []
    near = [
        (abs(math.log(max(b.low, 1e-9) / value)), i)
        for i, b in enumerate(qb)
        if b.kind == bound.kind and b.bound in ("exact", "approx") and b.low > 0
    ]
    near = [(d, i) for d, i in near if d <= math.log(NEAR)]
    return [qb[min(near)[1]]] if near else []


def compare_quantities(qa: list[Quantity], qb: list[Quantity], loose: bool = False) -> FigureCheck:
    """A figure of ``qa`` that no figure of ``qb`` counting the same thing fits (reported with
    the one that best matches what it counts). ``loose``: when two sentences are about the
    same point and each has a single figure of one kind, compare them even if one does not say
    what it counts ("grossed $1.2 million" vs "grossed a total of $950,000")."""
    agreements = 0
    conflict: tuple[Quantity, Quantity] | None = None
    for a in qa:
        peers = [b for b in qb if same_count(a, b)]
        if a.bound in SIDED:
            if len(peers) > 1:
                peers = _bound_peer(a, peers)
            elif not peers and loose:
                peers = _nearest(a, qb)
        if not peers and loose:
            same_kind_a = [x for x in qa if x.kind == a.kind]
            same_kind_b = [y for y in qb if y.kind == a.kind]
            if (
                len(same_kind_a) == 1
                and len(same_kind_b) == 1
                and not (a.follow and same_kind_b[0].follow)
            ):
                peers = same_kind_b
        if not peers:
            continue
        if any(compatible(a, b) for b in peers):
            agreements += 1  # one figure that fits is enough: "$47 million in North America"
        elif conflict is None:  # and "$433 million worldwide" can both be in one sentence
            conflict = (a, max(peers, key=lambda b: _peer_rank(a, b)))
    if conflict:
        return FigureCheck(conflict[0], conflict[1], agreements)
    return FigureCheck(agreements=agreements)
