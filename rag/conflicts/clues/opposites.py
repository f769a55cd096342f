"""Negation and opposite words: "not"/"never" on one side only; "increase" vs "decrease"."""

from __future__ import annotations

import re

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
