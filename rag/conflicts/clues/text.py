"""Words, stems and tokens that every clue reads, and the words that bound a figure or a date.

Plain text processing (regular expressions, a stemmer, small word lists), so each clue built on
it can be shown to a journalist as the reason for a flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


# --- month names and bound words (shared by figures and dates) ---------------------------------

MONTHS = {
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

# (words before a figure, kind of bound, whether the bound itself is included)
QUALIFIERS = sorted(
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
QUALIFIER_WORDS = frozenset(w for q, _, _ in QUALIFIERS for w in q.split())


def qualifier(text: str, start: int) -> tuple[str, bool]:
    """("lower" | "upper" | "approx" | "exact", inclusive) from the words just before a figure:
    "more than 20" is (lower, False), "at least 20" (lower, True)."""
    head = " " + " ".join(re.findall(r"[a-z]+", text[max(0, start - 30) : start].lower()))
    for words, kind, inclusive in QUALIFIERS:
        if head.endswith(" " + words):
            return kind, inclusive
    return "exact", True
