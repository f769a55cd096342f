"""Verdicts and framings: opposite poles of one axis on what the question asks.

Failed/lost vs success/effective, unilateral/secret vs joint/united, terrorists vs criminal
organisations; words conceded ("while it notched victories"), hedged, negated or disowned
("wrongly") count less or not at all.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass


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
    # words that, added to the question, retrieve each pole's side (plus, minus)
    probes: tuple[str, str] = ("", "")


COOPERATION = "cooperative or unilateral"


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
        ("success results achieved", "failed failure"),
    ),
    Axis(
        COOPERATION,
        "cooperative",
        "unilateral",
        _words(
            "cooperat collaborat joint jointly together united unite alliance allied "
            "partnership consensual consent mutual mutually multilateral bilateral agreement "
            "agreed"
        )
        + _words("coordinat shared partners", 0.5)
        + _words("respect+mexican+sovereignty respect+sovereignty respect+national+sovereignty"),
        _words("unilateral unilaterally secret secretly covert clandestine breach violat")
        + _words("questions+about+national+sovereignty on+mexican+soil")
        + _words("tension oppos", 0.5),
        r"\b(cooperat|collaborat|consensual|consent|unilateral|joint|together|agree|"
        r"sovereign|multilateral|alone|partner)",
        ("joint cooperation agreement", "unilateral without consent"),
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
        ("terrorist organizations", "criminal organizations"),
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
# "worked independently / with / for ...": a way of working, not "it worked".
_HOW_IT_WAS_DONE = re.compile(
    r"\s+(?:independently|separately|alone|closely|together|hard|tirelessly|alongside|with|"
    r"for|on|in|at|as|to|under|through|toward|towards|against|across|within|from)\b"
)
# "alliances with armed groups", "cooperation with the cartels": who the criminals ally with.
_WITH_CRIMINALS = re.compile(
    r"\s+(?:with|between|among)\s+(?:the\s+)?(?:(?:other|local|rival|armed|criminal|drug|"
    r"militant|paramilitary|trafficking)\s+)*(?:groups?|gangs?|cartels?|militias?|factions?|"
    r"traffickers?|criminals?)\b"
)
# "limits unilateral action", "avoid a failure": the pole word is what is held off, not claimed.
_DAMPEN = re.compile(r"^(?:limit|constrain|restrict|prevent|avoid|curb|preclud|rule)")
# "changes the framework from traditional law enforcement cooperation to counterterrorism":
# what a change leaves behind is not the sentence's view.
_LEFT_BEHIND = re.compile(r"\bfrom\b[^,;:—–]*?\bto\b")
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
    conceded += [(m.start(), m.end()) for m in _LEFT_BEHIND.finditer(low)]
    disowned = next((m.start() for m in _DISOWNED.finditer(low)), None)
    disowned_end = cut if disowned is not None and cut > disowned else len(low)
    total = 0.0
    hits: list[str] = []
    for sign, lexicon, pattern in _POLES[axis.name]:
        for m in pattern.finditer(low):
            weight = next(lexicon[g][1] for g in range(len(lexicon)) if m.group(g + 1))
            if m.start() > 0 and original[m.start()].isupper():
                continue  # a name ("United States", "Success Academy"), not a verdict
            if _HOW_IT_WAS_DONE.match(low, m.end()) and m.group(0).startswith("worked"):
                continue  # "have long worked independently": how someone worked, no verdict
            if sign > 0 and axis.name == COOPERATION and _WITH_CRIMINALS.match(low, m.end()):
                continue  # "alliances with armed groups": the cartels' allies, not the states'
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
                # (and "from X to Y": left behind)
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


def without_poles(text: str, axis_name: str) -> str:
    """``text``, lower-cased, with the words of both poles of the axis taken out (the subject
    of a question without its verdict words, for a search for one pole)."""
    low = text.lower()
    for _, _, pattern in _POLES[axis_name]:
        low = pattern.sub(" ", low)
    return re.sub(r"\s+", " ", low).strip()


POLE_BAR = 0.9  # how clearly both sides must lean for opposite poles to be a flag


def takes_pole(lean_by_axis: Mapping[str, Lean], axis_name: str) -> bool:
    """Does the sentence lean on the axis as clearly as a flag's side must?"""
    lean = lean_by_axis.get(axis_name)
    return lean is not None and abs(lean.value) >= POLE_BAR


def stance(lean_by_axis: Mapping[str, Lean], axis_name: str, floor: float = 0.5) -> str | None:
    """The pole a sentence takes on an axis ("failure"), or None when it takes none clearly:
    what a card names each side by, so a reader sees who says which."""
    lean = lean_by_axis.get(axis_name)
    if lean is None or abs(lean.value) < floor:
        return None
    axis = AXIS_BY_NAME[axis_name]
    return axis.plus_label if lean.value > 0 else axis.minus_label


def axes_asked(question: str) -> frozenset[str]:
    """The axes a question is about ("Has it worked?" -> success or failure)."""
    low = question.lower()
    return frozenset(a.name for a in AXES if re.search(a.asked_by, low))


def opposed_lean(
    la: dict[str, Lean],
    lb: dict[str, Lean],
    bar: float = POLE_BAR,
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
