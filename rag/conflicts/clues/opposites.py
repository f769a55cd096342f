"""Negation and opposite words: "not"/"never" on one side only; "increase" vs "decrease"."""

from __future__ import annotations

import re
from functools import lru_cache

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


@lru_cache(maxsize=8192)
def _poles(stems: frozenset[str]) -> frozenset[str]:
    """The antonym prefixes some stem of a sentence starts with.

    Why cached: a sentence is in many candidate pairs, and matching every stem against every
    prefix per pair was most of the candidate stage (cProfile, 20 corpus questions reading 10
    passages: 2.5 of 3.0 s, 0.8 ms a pair); read once per sentence it is a set lookup."""
    return frozenset(p for pair in _ANTONYMS for p in pair if any(s.startswith(p) for s in stems))


def antonym_pair(sa: frozenset[str], sb: frozenset[str]) -> tuple[str, str] | None:
    """A word on one side whose opposite is on the other (and neither side has both)."""
    pa, pb = _poles(sa), _poles(sb)
    for x, y in _ANTONYMS:
        if x in pa and y in pb and y not in pa and x not in pb:
            return x, y
        if y in pa and x in pb and x not in pa and y not in pb:
            return y, x
    return None
