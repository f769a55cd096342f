"""Actors: a different named agent for the same act.

"The Biden administration's reclassification" vs "The White House has designated": both name who
designated; a flag needs the same act with no agent in common.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.conflicts.clues.names import NOT_NAMES
from rag.conflicts.clues.text import STOPWORDS, Token, tokens_of

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
    (r"coordinat\w*|cooperat\w*", "coordinated"),
)
# Each act in plain words, for a search for the sources that name who did it in their words
# (``model_judge.side_probes``).
ACT_WORDS = {
    "designated": "designated reclassified classified labelled",
    "arrested": "arrested detained captured",
    "extradited": "extradited extradition",
    "approved": "approved authorized signed",
    "announced": "announced declared unveiled",
    "deployed": "deployed dispatched",
    "killed": "killed assassinated",
    "launched": "launched founded established created",
    "won": "won defeated",
    "led": "led headed",
    "sanctioned": "sanctioned sanctions",
    "funded": "funded financed",
    "ordered": "ordered directed",
    "banned": "banned prohibited outlawed",
    "coordinated": "coordinated cooperated",
}
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
        if _strip_possessive(w).lower() not in _TITLES | NOT_NAMES | STOPWORDS
    )


def _is_possessive(tok: Token) -> bool:
    return tok.is_word and tok.text.endswith(("'s", "’s"))


def _agent_before(toks: list[Token], i: int) -> tuple[int, int]:
    """Token span of the agent written before the act at ``i``: "X's (new, sweeping)
    designation", "X has designated", "the X administration's reclassification"."""
    k = i
    while k > 0 and toks[k - 1].low in _AUX:
        k -= 1
    owner = next((p for p in range(k - 1, max(-1, k - 4), -1) if _is_possessive(toks[p])), None)
    if owner is not None and any(
        not (toks[q].is_word and toks[q].text[0].islower()) for q in range(owner + 1, k)
    ):
        owner = None
    if owner is not None:
        if _strip_possessive(toks[owner].low) in _AGENT_TAIL:
            return _name_run(toks, owner), owner + 1
        start = _name_run(toks, owner + 1) if _capitalised(toks[owner]) else owner + 1
        return start, owner + 1
    if k > 0 and toks[k - 1].low in _AGENT_TAIL:
        return _name_run(toks, k - 1), k
    return _name_run(toks, k), k


def _agent_after_by(toks: list[Token], i: int) -> tuple[int, int] | None:
    """Token span of the agent after "by" within a few words of the act at ``i``
    ("designated ... by the Biden administration")."""
    for j in range(i + 1, min(len(toks), i + 8)):
        if toks[j].low != "by":
            continue
        s = j + 1
        while s < len(toks) and toks[s].low in ("the", "a", "an"):
            s += 1
        e = s
        while e < len(toks) and (
            _capitalised(toks[e])
            or (toks[e].low in _CONNECTORS and e + 1 < len(toks) and _capitalised(toks[e + 1]))
        ):
            e += 1
        if e < len(toks) and toks[e].low in _AGENT_TAIL:
            e += 1
        return s, e
    return None


def agents_in(text: str) -> list[Agent]:
    """Named agents of known acts: "X's designation", "X has designated", "designated by X"."""
    toks = tokens_of(text)
    out: list[Agent] = []
    for i, tok in enumerate(toks):
        label = action_label(tok.text) if tok.is_word else None
        if label is None:
            continue
        start, end = _agent_before(toks, i)
        key = _agent_key([t.text for t in toks[start:end]])
        if not key:
            span = _agent_after_by(toks, i)
            if span is not None:
                start, end = span
                key = _agent_key([t.text for t in toks[start:end]])
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


# Offices of a government: naming one of them is naming the government at some level, not a
# person or an administration that could be a rival claim ("the White House" vs "the Secretary
# of State" is one act reported at two levels; "Biden" vs "Trump" is two claims).
OFFICES = frozenset(
    """white house state treasury pentagon justice defense defence homeland security congress
    senate department ministry cabinet federal washington us u.s united states america
    american""".split()
)


def office_only(agent: Agent) -> bool:
    return agent.key <= OFFICES


def one_government_act(aa: list[Agent], ab: list[Agent]) -> bool:
    """Both sides name only offices as the doer of the same act ("the Secretary of State
    designated" vs "the White House has designated"): one government's act described at two
    levels, not a disagreement about who acted. A named person or administration ("the Biden
    administration") against an office stays a possible disagreement."""
    return any(a.action == b.action and office_only(a) and office_only(b) for a in aa for b in ab)
