"""Explainable clues that two sentences disagree: figures, dates, actors, negation, verdicts.

Everything here is plain text processing (regular expressions, a stemmer, small word lists), so
each clue can be shown to a journalist as the reason for a flag:
- figures: the same count ("containers", "%", "$ ... reward") with incompatible values, where
  "more than 20,000" and "around 15,000" are ranges, not just strings;
- dates: the same kind of statement dated differently ("in 2023" vs "in 2021");
- actors: a different named agent for the same act ("The Biden administration's
  reclassification" vs "The White House has designated");
- negation: one side says "not"/"never" about what the other states;
- opposite words: "increase"/"decrease", "won"/"lost" on otherwise shared wording;
- verdicts and framings: opposite poles of one axis (failed/lost vs success/effective,
  unilateral/secret vs joint/united, terrorists vs criminal organisations).
``rag.conflicts`` combines the clues of a pair with weights fitted on VitaminC.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import Stemmer

_STEMMER = Stemmer.Stemmer("english")

STOPWORDS = frozenset(
    """a an and are as at be been being but by for from had has have he her hers him his how i
    if in into is it its itself me my of on or our ours she so such than that the their them
    then there these they this those to too us was we were what when where which while who whom
    why will with would you your can could should may might must shall do does did done also
    between among within
    just only very more most less least about over under after before up down out off again
    further once all any both each few other some same own no nor not now here s t don doesn
    didn isn wasn weren hasn haven hadn wouldn shouldn couldn said says say according""".split()
)

# --- tokens -----------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
_TOKEN = re.compile(
    r"[$€£]|\d+(?:[.,]\d+)*|[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]|[%]|[^\sA-Za-z\d]"
)


def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word.lower().replace("’", "'").removesuffix("'s")))


def content_stems(text: str) -> frozenset[str]:
    """Stemmed content words (no stopwords, no numbers): what a sentence is about."""
    out = set()
    for m in _WORD.finditer(text):
        w = m.group(0).lower()
        if w not in STOPWORDS and len(w) > 1:
            out.add(stem(w))
    return frozenset(out)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalpha()


def tokens_of(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


# --- figures and dates ------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
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
# (words before a figure, kind of bound, whether the bound itself is included)
_QUALIFIERS = sorted(
    [(w, "lower", False) for w in ("more than", "over", "above", "greater than", "exceeding",
                                   "in excess of", "higher than", "upwards of", "after",
                                   "later than")]
    + [(w, "lower", True) for w in ("at least", "since", "no less than", "no fewer than")]
    + [(w, "upper", False) for w in ("less than", "fewer than", "under", "below", "lower than",
                                     "before", "prior to", "earlier than")]
    + [(w, "upper", True) for w in ("at most", "up to", "no more than", "by", "until")]
    + [(w, "approx", True) for w in ("about", "around", "approximately", "nearly", "almost",
                                     "some", "roughly", "an estimated", "estimated", "close to",
                                     "circa", "approx")],
    key=lambda q: -len(q[0]),
)  # fmt: skip
_QUALIFIER_WORDS = frozenset(w for q, _, _ in _QUALIFIERS for w in q.split())
_NOT_UNIT = frozenset(
    "percent per cent times based compared according respectively each apiece alone".split()
)
_LEADING = frozenset("of the a an".split())


def _qualifier(text: str, start: int) -> tuple[str, bool]:
    """("lower" | "upper" | "approx" | "exact", inclusive) from the words just before a figure:
    "more than 20" is (lower, False), "at least 20" (lower, True)."""
    head = " " + " ".join(re.findall(r"[a-z]+", text[max(0, start - 30) : start].lower()))
    for words, kind, inclusive in _QUALIFIERS:
        if head.endswith(" " + words):
            return kind, inclusive
    return "exact", True


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

    def context(self) -> frozenset[str]:
        return self.follow | self.before


@dataclass(frozen=True)
class DateValue:
    text: str
    year: int | None
    month: int | None
    day: int | None
    bound: str  # exact | lower (after) | upper (before)

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
        month = _MONTHS.get(month_name.lower().rstrip(".")) if month_name else None
        day_s = g["d1"] or g["d2"] or g["d3"]
        year_s = g["y1"] or g["y2"] or g["y4"] or g["y5"]
        if g["y5"] and not _looks_like_year(text, m.start(), m.end()):
            continue
        if month_name == "May" and not (day_s or year_s):
            continue
        bound, _ = _qualifier(text, m.start())
        found.append(
            DateValue(
                m.group(0),
                int(year_s) if year_s else None,
                month,
                int(day_s) if day_s else None,
                bound if bound in ("lower", "upper") else "exact",
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


def quantities_in(text: str, skip: Iterable[tuple[int, int]] = ()) -> list[Quantity]:
    """Figures outside ``skip`` spans (dates), with bounds and the words saying what they count."""
    skip = list(skip)
    out: list[Quantity] = []
    for m in _NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in skip):
            continue
        if not m.group("cur") and _after_name(text, m.start()):
            continue  # part of a name: "ATR 72", "Boeing 737", "Chapter 3"
        num, num2, scale_s = m.group("num"), m.group("num2"), m.group("scale")
        cur, pct = m.group("cur"), m.group("pct")
        scale = _SCALE.get(scale_s.lower(), 1.0) if scale_s else 1.0
        value = _to_float(num) * scale
        if not (cur or pct or scale_s or num2) and value < 10 and "." not in num:
            continue  # "5 members", "3 times": small counts are too ambiguous to compare
        kind = "currency" if cur else "percent" if pct else "plain"
        follow = _unit_after(text, m.end())
        before = _unit_before(text, m.start())
        inclusive = True
        if num2:
            value2 = _to_float(num2) * scale
            low, high, bound = min(value, value2), max(value, value2), "range"
        else:
            bound, inclusive = _qualifier(text, m.start())
            tol = _half_unit(num, scale)
            if bound == "approx":
                tol = max(tol, 0.1 * value)
            low, high = value - tol, value + tol
            if bound == "lower":
                low, high = value, math.inf
            elif bound == "upper":
                low, high = -math.inf, value
        out.append(Quantity(m.group(0).strip(), low, high, bound, kind, follow, before, inclusive))
    return out


def _after_name(text: str, start: int) -> bool:
    """Is the figure right after a capitalised word that is not the first of the sentence?"""
    match = re.search(r"(\S+)\s+$", text[:start])
    if not match or not match.group(1)[:1].isupper() or not match.group(1).isalpha():
        return False
    if match.group(1).lower() in _MONTHS:
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
        if low in STOPWORDS or low in _QUALIFIER_WORDS:
            continue
        words.append(stem(low))
        if len(words) == n:
            break
    return frozenset(words)


def same_count(a: Quantity, b: Quantity) -> bool:
    """Do two figures count the same thing? Same kind, and shared unit words."""
    if a.kind != b.kind:
        return False
    if a.follow and b.follow:
        return bool(a.follow & b.follow)
    if a.kind != "plain" and not (a.follow or b.follow) and not (a.before and b.before):
        return True
    return bool(a.context() & b.context())


def _admits(bound: Quantity, low: float, high: float) -> bool:
    """Does a one-sided figure ("more than 20") admit some value in [low, high]?"""
    if bound.bound == "lower":
        return high > bound.low or (bound.inclusive and high >= bound.low)
    return low < bound.high or (bound.inclusive and low <= bound.high)


def compatible(a: Quantity, b: Quantity) -> bool:
    """Can both figures be true at once? Values are ranges ("1.2 million" is 1.15-1.25
    million, "about 4,000" is 3,600-4,400, "more than 20" is above 20): do they overlap?"""
    sided = ("lower", "upper")
    if a.bound in sided and b.bound in sided:
        if a.bound == b.bound:
            return True
        lo, up = (a, b) if a.bound == "lower" else (b, a)
        return lo.low < up.high or (lo.inclusive and up.inclusive and lo.low <= up.high)
    if a.bound in sided:
        return _admits(a, b.low, b.high)
    if b.bound in sided:
        return _admits(b, a.low, a.high)
    eps = 1e-9 * max(1.0, abs(a.low), abs(b.low))
    return a.low <= b.high + eps and b.low <= a.high + eps


@dataclass(frozen=True)
class FigureCheck:
    conflict: Quantity | None = None
    conflict_with: Quantity | None = None
    agreements: int = 0


def _peer_rank(a: Quantity, b: Quantity) -> tuple[int, int]:
    return len(a.follow & b.follow), len(a.before & b.before)


def compare_quantities(qa: list[Quantity], qb: list[Quantity], loose: bool = False) -> FigureCheck:
    """A figure of ``qa`` that no figure of ``qb`` counting the same thing fits (reported with
    the one that best matches what it counts). ``loose``: when two sentences are about the
    same point and each has a single figure of one kind, compare them even if one does not say
    what it counts ("grossed $1.2 million" vs "grossed a total of $950,000")."""
    agreements = 0
    conflict: tuple[Quantity, Quantity] | None = None
    for a in qa:
        peers = [b for b in qb if same_count(a, b)]
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


def _date_ok(a: DateValue, b: DateValue) -> bool:
    g = min(a.granularity, b.granularity)
    if g == 0:
        return True
    ka, kb = a.key(g), b.key(g)
    if a.bound == "upper" and b.bound == "exact":
        return kb < ka or (a.granularity > g and kb == ka)
    if a.bound == "lower" and b.bound == "exact":
        return kb > ka or (a.granularity > g and kb == ka)
    if b.bound != "exact" and a.bound == "exact":
        return _date_ok(b, a)
    if a.bound != "exact" and b.bound != "exact":
        return True
    return ka == kb


def compare_dates(da: list[DateValue], db: list[DateValue]) -> tuple[DateValue, DateValue] | None:
    """Both sides are dated and no date of one fits any date of the other."""
    da = [d for d in da if d.year is not None]
    db = [d for d in db if d.year is not None]
    if not da or not db:
        return None
    if any(_date_ok(a, b) for a in da for b in db):
        return None
    return da[0], db[0]


# --- actors -----------------------------------------------------------------------------------

# Acts whose agent a source may name differently; each maps to a label used in the card.
ACTIONS: tuple[tuple[str, str], ...] = (
    (r"(?:re)?classif\w*|designat\w*|label(?:l?ed|s|l?ing)?|brand(?:ed|s|ing)?", "designated"),
    (r"arrest\w*|detain\w*|captur\w*|apprehend\w*", "arrested"),
    (r"extradit\w*", "extradited"),
    (r"approv\w*|authori[sz]\w*|sign(?:ed|s|ing)?", "approved"),
    (r"announc\w*|declar\w*|unveil\w*", "announced"),
    (r"deploy\w*|dispatch\w*", "deployed"),
    (r"kill\w*|assassinat\w*", "killed"),
    (r"launch\w*|founded|establish\w*|creat(?:ed|es|ing|ion)", "launched"),
    (r"won|wins?|winning|defeat\w*", "won"),
    (r"led|leads?|leading|headed", "led"),
    (r"sanction\w*", "sanctioned"),
    (r"fund(?:ed|s|ing)|financ\w*", "funded"),
    (r"ordered|orders?|directed", "ordered"),
    (r"ban(?:ned|s|ning)?|prohibit\w*|outlaw\w*", "banned"),
)
_ACTION_RES = [(re.compile(r"(?:" + p + r")(?:'s|’s)?", re.I), label) for p, label in ACTIONS]
_TITLES = frozenset(
    """president vice deputy secretary press minister prime attorney general senator governor
    mr mrs ms dr former acting director chief leader spokesman spokeswoman spokesperson
    administration government officials official""".split()
)
_AGENT_TAIL = frozenset("administration government officials ministry department".split())
_AUX = frozenset(
    """has have had was were is are also secretly recently reportedly officially formally
    quietly then later first already""".split()
)
_NOT_AGENTS = frozenset(
    """the a an in on at for as after before despite under according but and however while
    when if this that these those it its his her their there here today yesterday recent
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday many multiple several some""".split()
)
_CONNECTORS = frozenset("of de del la los".split())


def action_label(word: str) -> str | None:
    for pattern, label in _ACTION_RES:
        if pattern.fullmatch(word):
            return label
    return None


@dataclass(frozen=True)
class Agent:
    name: str  # as written: "The Biden administration"
    key: frozenset[str]  # normalised name tokens: {"biden"}
    action: str  # label of the act: "designated"


def _capitalised(tok: Token) -> bool:
    return tok.is_word and tok.text[0].isupper()


def _name_run(toks: list[Token], end: int) -> int:
    """Start index of the run of capitalised words (with "of", "de" inside) ending at ``end``."""
    j = end
    while j > 0:
        prev = toks[j - 1]
        if (
            _capitalised(prev)
            or prev.low in _CONNECTORS
            and j - 1 > 0
            and _capitalised(toks[j - 2])
            and j < end
        ):
            j -= 1
        else:
            break
    return j


def _strip_possessive(word: str) -> str:
    return re.sub(r"(?:'s|’s|'|’)$", "", word)


def _agent_key(words: list[str]) -> frozenset[str]:
    return frozenset(
        _strip_possessive(w).lower()
        for w in words
        if _strip_possessive(w).lower() not in _TITLES | _NOT_AGENTS | STOPWORDS
    )


def _is_possessive(tok: Token) -> bool:
    return tok.is_word and tok.text.endswith(("'s", "’s"))


def agents_in(text: str) -> list[Agent]:
    """Named agents of known acts: "X's designation", "X has designated", "designated by X"."""
    toks = tokens_of(text)
    out: list[Agent] = []
    for i, tok in enumerate(toks):
        label = action_label(tok.text) if tok.is_word else None
        if label is None:
            continue
        k = i
        while k > 0 and toks[k - 1].low in _AUX:
            k -= 1
        # "X's (new, sweeping) designation"
        owner = next((p for p in range(k - 1, max(-1, k - 4), -1) if _is_possessive(toks[p])), None)
        if owner is not None and any(
            not (toks[q].is_word and toks[q].text[0].islower()) for q in range(owner + 1, k)
        ):
            owner = None
        start = end = k
        if owner is not None:
            end = owner + 1
            if _strip_possessive(toks[owner].low) in _AGENT_TAIL:
                start = _name_run(toks, owner)
            else:
                start = _name_run(toks, owner + 1) if _capitalised(toks[owner]) else owner + 1
        else:
            if k > 0 and toks[k - 1].low in _AGENT_TAIL:
                start = _name_run(toks, k - 1)
            else:
                start = _name_run(toks, k)
        words = [t.text for t in toks[start:end]]
        key = _agent_key(words)
        if not key:  # "designated ... by the Biden administration"
            for j in range(i + 1, min(len(toks), i + 8)):
                if toks[j].low != "by":
                    continue
                s = j + 1
                while s < len(toks) and toks[s].low in ("the", "a", "an"):
                    s += 1
                e = s
                while e < len(toks) and (
                    _capitalised(toks[e])
                    or (
                        toks[e].low in _CONNECTORS
                        and e + 1 < len(toks)
                        and _capitalised(toks[e + 1])
                    )
                ):
                    e += 1
                if e < len(toks) and toks[e].low in _AGENT_TAIL:
                    e += 1
                start, end = s, e
                key = _agent_key([t.text for t in toks[s:e]])
                break
        if not key or end <= start:
            continue
        name = _strip_possessive(text[toks[start].start : toks[end - 1].end])
        out.append(Agent(name, key, label))
    return out


def compare_agents(aa: list[Agent], ab: list[Agent]) -> tuple[Agent, Agent] | None:
    """The same act with different named agents on the two sides (and no shared agent)."""
    for a in aa:
        peers = [b for b in ab if b.action == a.action]
        if peers and not any(a.key & b.key for b in peers):
            return a, peers[0]
    return None


def proper_names(text: str) -> frozenset[str]:
    """Capitalised words that are not at the start of the sentence (rough named entities)."""
    out: set[str] = set()
    toks = tokens_of(text)
    words = [t for t in toks if t.is_word and t.low not in STOPWORDS]
    if len(words) >= 5 and sum(t.text[0].isupper() for t in words) > 0.6 * len(words):
        return frozenset()  # a headline in title case: capitals say nothing about names
    for i, t in enumerate(toks):
        if not t.is_word or not t.text[0].isupper() or i == 0:
            continue
        if toks[i - 1].text in (".", ":", "“", '"', "(") and i == 1:
            continue
        if t.low in _NOT_AGENTS or t.low in STOPWORDS or t.low in _MONTHS:
            continue
        out.add(t.low.removesuffix("'s").removesuffix("’s"))
    return frozenset(out)


# --- negation, opposite words, verdicts -------------------------------------------------------

_NEGATIONS = frozenset("not no never none nobody nothing neither nor cannot without".split())


def negations(text: str) -> int:
    low = text.lower().replace("’", "'")
    words = re.findall(r"[a-z']+", low)
    return sum(1 for w in words if w in _NEGATIONS or w.endswith("n't"))


_ANTONYMS: tuple[tuple[str, str], ...] = (
    ("increas", "decreas"),
    ("rise", "fall"),
    ("rose", "fell"),
    ("gain", "loss"),
    ("higher", "lower"),
    ("largest", "smallest"),
    ("larger", "smaller"),
    ("first", "last"),
    ("won", "lost"),
    ("win", "lose"),
    ("posit", "negat"),
    ("favor", "unfavor"),
    ("favour", "unfavour"),
    ("male", "femal"),
    ("north", "south"),
    ("east", "west"),
    ("aliv", "dead"),
    ("legal", "illeg"),
    ("accept", "reject"),
    ("support", "oppos"),
    ("major", "minor"),
    ("majorit", "minorit"),
    ("earli", "later"),
    ("youngest", "oldest"),
    ("younger", "older"),
    ("best", "worst"),
    ("better", "wors"),
    ("strong", "weak"),
    ("expand", "shrink"),
    ("open", "close"),
    ("guilti", "innoc"),
    ("accur", "inaccur"),
    ("true", "fals"),
    ("confirm", "deni"),
    ("allow", "forbid"),
)


def antonym_pair(sa: frozenset[str], sb: frozenset[str]) -> tuple[str, str] | None:
    """A word on one side whose opposite is on the other (and neither side has both)."""
    for x, y in _ANTONYMS:
        ax = any(s.startswith(x) for s in sa)
        ay = any(s.startswith(y) for s in sa)
        bx = any(s.startswith(x) for s in sb)
        by = any(s.startswith(y) for s in sb)
        if ax and by and not ay and not bx:
            return x, y
        if ay and bx and not ax and not by:
            return y, x
    return None


@dataclass(frozen=True)
class Axis:
    """An assessment or framing axis: a name for the card, words for each pole, and the words
    that make a question be about this axis."""

    name: str
    plus_label: str
    minus_label: str
    plus: tuple[tuple[str, float], ...]
    minus: tuple[tuple[str, float], ...]
    asked_by: str  # regex over the lower-cased question


def _words(spec: str, weight: float = 1.0) -> tuple[tuple[str, float], ...]:
    return tuple((w, weight) for w in spec.split())


# Patterns match the start of lower-cased words ("fail" matches failed/failure); a "+"-joined
# entry must match consecutive words ("significant+result").
AXES: tuple[Axis, ...] = (
    Axis(
        "whether it works",
        "success",
        "failure",
        _words(
            "success succeed effective effectiveness victory victories achiev breakthrough "
            "progress confident triumph accomplish concrete+result significant+result "
            "tangible+result worked"
        ),
        _words(
            "fail unwinnable ineffective futile backfir backlash setback mistake worsen "
            "stalemate collaps counterproductive flounder quagmire lost losing unsuccessful "
            "disaster fiasco"
        ),
        r"\b(work|succe|fail|effective|win|won|lose|lost|progress|achiev|result|outcome|"
        r"pa(y|id) off|how well|going)",
    ),
    Axis(
        "cooperative or unilateral",
        "cooperative",
        "unilateral",
        _words(
            "cooperat collaborat joint jointly together united unite alliance allied "
            "partnership consensual consent mutual mutually multilateral bilateral agreement "
            "agreed"
        )
        + _words("coordinat shared partners", 0.5),
        _words("unilateral unilaterally secret secretly covert clandestine breach violat")
        + _words("tension oppos", 0.5),
        r"\b(cooperat|collaborat|consensual|consent|unilateral|joint|together|agree|"
        r"sovereign|multilateral|alone|partner)",
    ),
    Axis(
        "terrorists or criminals",
        "terrorists",
        "criminal organisations",
        _words("terrorist terrorists terrorism narco-terror narco-terrorism terror fto ftos"),
        _words(
            "criminal+organization criminal+organisation criminal+enterprise "
            "criminal+network profit-driven gang gangs law+enforcement+challenge organized+crime"
        ),
        r"\b(terror|criminal|label|call|describ|fram)",
    ),
)
_CONTRAST = re.compile(
    r"\b(?:but|however|yet|in reality|in fact|actually|instead|nevertheless|nonetheless|"
    r"on the contrary)\b"
)
_CONCESSIVE = re.compile(
    r"\b(?:while|although|though|despite|even if|whereas)\b[^,;:—–]*", re.IGNORECASE
)
_WORD_RE = re.compile(r"[a-z][a-z'\-]*")
_FLIP = frozenset("not no never without rather instead lack lacks lacking hardly".split())
_HEDGE = frozenset("whether if could might may hope hopes hoped".split())
# "limits unilateral action", "avoid a failure": the pole word is what is held off, not claimed.
_DAMPEN = re.compile(r"^(?:limit|constrain|restrict|prevent|avoid|curb|preclud|rule)")
# "mislead readers into believing that X", "wrongly X": X is a view the sentence rejects.
_DISOWNED = re.compile(
    r"\b(?:mislead\w*|wrongly|falsely|erroneously|mistakenly|misconception\w*|myths?)\b"
)


def _pole_regex(lexicon: tuple[tuple[str, float], ...]) -> re.Pattern[str]:
    alternatives = [
        r"\s+".join(re.escape(p) + r"[a-z'\-]*" for p in w.split("+")) for w, _ in lexicon
    ]
    return re.compile(r"(?<![a-z\-])(?:" + "|".join(f"({a})" for a in alternatives) + ")")


_POLES = {
    axis.name: (
        (1.0, axis.plus, _pole_regex(axis.plus)),
        (-1.0, axis.minus, _pole_regex(axis.minus)),
    )
    for axis in AXES
}


@dataclass(frozen=True)
class Lean:
    """Where a sentence stands on an axis: > 0 plus pole, < 0 minus pole; and the words."""

    value: float
    words: tuple[str, ...]


def _lean(original: str, low: str, starts: list[int], words: list[str], axis: Axis) -> Lean:
    cut = 0
    for m in _CONTRAST.finditer(low):
        cut = m.start()  # words before the last "but"/"in reality" are not the sentence's view
    conceded = [(m.start(), m.end()) for m in _CONCESSIVE.finditer(low)]
    disowned = next((m.start() for m in _DISOWNED.finditer(low)), None)
    disowned_end = cut if disowned is not None and cut > disowned else len(low)
    total = 0.0
    hits: list[str] = []
    for sign, lexicon, pattern in _POLES[axis.name]:
        for m in pattern.finditer(low):
            weight = next(lexicon[g][1] for g in range(len(lexicon)) if m.group(g + 1))
            if m.start() > 0 and original[m.start()].isupper():
                continue  # a name ("United States", "Success Academy"), not a verdict
            i = bisect.bisect_right(starts, m.start()) - 1
            before = words[max(0, i - 3) : i]
            flip = any(w in _FLIP or w.endswith("n't") for w in before)
            if i > 0 and words[i - 1] == "than":  # "rather than elimination"
                flip = True
            scale = 1.0
            if m.start() < cut:
                scale = 0.3  # before "but": weaker than what follows it
            if any(s <= m.start() < e for s, e in conceded):
                scale = 0.0  # "while it notched victories, ...": conceded, not the verdict
            if any(w in _HEDGE for w in words[max(0, i - 5) : i]):
                scale = min(scale, 0.3)
            if any(_DAMPEN.match(w) for w in words[max(0, i - 2) : i]):
                scale = 0.0
            if disowned is not None and disowned <= m.start() < disowned_end:
                scale = 0.0
            total += (-sign if flip else sign) * weight * scale
            hits.append(m.group(0))
    return Lean(total, tuple(hits))


def leans(text: str) -> dict[str, Lean]:
    low = text.lower().replace("’", "'")
    found = list(_WORD_RE.finditer(low))
    starts = [m.start() for m in found]
    words = [m.group(0) for m in found]
    out = {}
    for axis in AXES:
        lean = _lean(text, low, starts, words, axis)
        if lean.words:
            out[axis.name] = lean
    return out


AXIS_BY_NAME = {a.name: a for a in AXES}


def axes_asked(question: str) -> frozenset[str]:
    """The axes a question is about ("Has it worked?" -> success or failure)."""
    low = question.lower()
    return frozenset(a.name for a in AXES if re.search(a.asked_by, low))


def opposed_lean(
    la: dict[str, Lean],
    lb: dict[str, Lean],
    bar: float = 0.9,
    axes: frozenset[str] | None = None,
) -> tuple[str, float] | None:
    """The axis on which the two sides clearly stand at opposite poles, and how clearly."""
    best: tuple[str, float] | None = None
    for name, a in la.items():
        b = lb.get(name)
        if b is None or a.value * b.value >= 0 or (axes is not None and name not in axes):
            continue
        strength = min(abs(a.value), abs(b.value))
        if strength >= bar and (best is None or strength > best[1]):
            best = (name, strength)
    return best


# --- one sentence, all clues ------------------------------------------------------------------


@dataclass
class SentenceClues:
    """Everything the pair scorer needs from one sentence, computed once."""

    text: str
    stems: frozenset[str]
    quantities: list[Quantity]
    dates: list[DateValue]
    agents: list[Agent]
    names: frozenset[str]
    negations: int
    leans: dict[str, Lean] = field(default_factory=dict)


def clues(text: str) -> SentenceClues:
    dates, spans = dates_in(text)
    return SentenceClues(
        text=text,
        stems=content_stems(text),
        quantities=quantities_in(text, spans),
        dates=dates,
        agents=agents_in(text),
        names=proper_names(text),
        negations=negations(text),
        leans=leans(text),
    )
