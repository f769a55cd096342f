"""Names in the quotes: the items a list question asks for, each a verbatim span of a sentence.

Why rules and not a tagger: no named-entity model installs offline, and a journalist must be
able to check every item by eye. A name is a run of capitalised words (with the small joiners
names use: "Cartel de Los Soles", "Department of Justice") or an acronym ("CJNG", "MS-13"),
found in the sentences that answer the question, across all sources. Names the question itself
uses are not answers; one short form ("Bankman-Fried") is merged into the longer form that
contains it ("Sam Bankman-Fried") and shown as that form where a source spells it so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.lexical import tokenize

# Words that join the capitalised words of one name.
_JOINERS = frozenset("de del la las los el y da do dos van von der of for and the al bin".split())
_NOT_JOINED_BY = frozenset({"and"})  # "CJNG and Sinaloa" are two names; kept only inside one
_TOKEN = re.compile(r"[A-Za-z0-9][\w'’.&-]*")
_CAPITALISED = re.compile(r"^(?:[A-Z][\w'’&-]*|[A-Z](?:\.[A-Z])+\.?|[A-Z0-9]+-[A-Z0-9]+)$")
# Capitalised words that are not names: sentence openers, titles and calendar words.
_NOT_NAMES = frozenset(
    """a an the this that these those it its he she they we i you our their his her my in on
    at by for from to of as if but and or so yet when while after before since despite
    however meanwhile according under over there here what which who whom whose where why
    how all some many most several both each every no not one two three such other another
    also even only just still then thus today yesterday tomorrow now mr mrs ms dr president
    senator secretary minister general deputy attorney governor chief director officials
    critics experts analysts monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    additionally furthermore moreover instead perhaps yes sir lady lord ceo multiple various
    numerous recent former top major unlike with without amid among across against during
    through throughout between toward towards about beyond within because although though
    until unless whether once""".split()
)
# "Arkansas-based publisher", "Russian-backed", "AI-powered": a name made an adjective
_ADJECTIVE_COMPOUND = re.compile(
    r"-(?:based|born|bred|led|owned|backed|run|made|style|powered|driven|focused|funded|"
    r"linked|related|sponsored|friendly|free|like)$"
)
_CONTRACTION = re.compile(r"^I['’](?:m|ve|d|ll)$")  # "I’ve received": the speaker, no name
_POSSESSIVE = ("'s", "’s", "s'", "s’")
_DOTTED = re.compile(r"^(?:[A-Z]\.){2,}$")
_VERBAL = re.compile(r"(?:ing|ed|ly)$")
_DEMONYM = re.compile(r"(?:an|ian|ese|ish)$")  # "Venezuelan prison gang": adjectives
MAX_NAME_WORDS = 6
# Words after a name, not the noun an adjective qualifies: "met with Altman at", "Kaplan
# intervened", "Morgan said" (surnames end like demonyms: -an, -ish, -ese)
_AFTER_A_NAME = frozenset(
    """at in on with and or to of for from by as but is was are were has had have will would
    can could may might should who whom whose which that said says told added wrote asked
    did does do also not""".split()
)


def _noun_like(word: str) -> bool:
    """A lower-case word that may be the noun a demonym qualifies ("prison", "officials")."""
    return word[:1].islower() and word not in _AFTER_A_NAME and not _VERBAL.search(word)


# "cartels such as A", "(e.g., A, B)", "groups like A", "including A, B and C", "the group, A"
_CUE = re.compile(
    r"\b(?:such as|like|including|includes?|included|e\.g\.|namely|notably|especially|"
    r"particularly)(?=[\s,:(])|,",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^(?:\s|,|;|:|\(|\)|\band\b|\bor\b|\bas well as\b|\bthe\b)*$")
GENERIC_HEADS = frozenset(tokenize(["groups organizations entities members names"])[0])
HEAD_WINDOW = 80  # characters before a cue searched for its head noun


@dataclass(frozen=True)
class NameSpan:
    """One occurrence of a name: its text and offsets in the sentence."""

    text: str
    start: int
    end: int


def _clean_token(token: str) -> tuple[str, bool]:
    """The token without trailing punctuation, and whether a possessive ended it."""
    for suffix in _POSSESSIVE:
        if token.endswith(suffix) and len(token) > len(suffix):
            return token[: -len(suffix)], True
    if _DOTTED.match(token):
        return token, False  # "U.S." keeps its last dot
    return token.rstrip(".,;:!?’'-"), False


def _is_name_word(word: str) -> bool:
    """Capitalised, not an opener or title, not a score ("4-9"), not "Arkansas-based", not
    "I’ve"."""
    return (
        bool(_CAPITALISED.match(word))
        and word.lower() not in _NOT_NAMES
        and any(c.isalpha() for c in word)
        and not _ADJECTIVE_COMPOUND.search(word)
        and not (word.isupper() and ("'" in word or "’" in word))  # "DIDN'T": emphasis
        and not _CONTRACTION.match(word)
    )


def _words(sentence: str) -> list[tuple[str, int, int, bool]]:
    """(word, start, end, ends a name): a name ends at punctuation or a possessive, and at
    anything but spaces before the next word ("Matthew Stafford (@ Ravens)" is two names)."""
    out = []
    matches = list(_TOKEN.finditer(sentence))
    for m, nxt in zip(matches, [*matches[1:], None], strict=True):
        text, possessive = _clean_token(m.group(0))
        if text:
            end = m.start() + len(text)
            follows = sentence[end : nxt.start() if nxt else len(sentence)]
            ends = possessive or (follows != "" and not follows.isspace())
            out.append((text, m.start(), end, ends))
    return out


def _run_end(words: list[tuple[str, int, int, bool]], i: int) -> int:
    """Index of the last name word of the name that starts at word ``i``."""
    j = k = i
    while not words[k][3] and k + 1 < len(words):
        nxt = words[k + 1][0]
        if _is_name_word(nxt):
            k += 1
            j = k
        elif nxt in _JOINERS and nxt not in _NOT_JOINED_BY:
            k += 1
        else:
            break
    return j


def name_spans(sentence: str, known: frozenset[str] = frozenset()) -> list[NameSpan]:
    """The names in a sentence, each a verbatim span (possessives and openers left out).

    The sentence's first word is capitalised anyway: it starts a name when it is an acronym, in
    ``known`` (words seen capitalised inside other sentences) or followed by more of the name
    ("Sam Bankman-Fried said") and not a verb form ("Using Caroline Ellison")."""
    words = _words(sentence)
    out: list[NameSpan] = []
    i = 0
    while i < len(words):
        word = words[i][0]
        if not _is_name_word(word):
            i += 1
            continue
        j = _run_end(words, i)
        if i == 0 and not word.isupper() and word not in known and (j == i or _VERBAL.search(word)):
            i += 1  # "Critics argue", "Using Caroline Ellison": the opener is not a name
            continue
        lone_adjective = (  # "Venezuelan prison gang", "Latin American drug cartels"
            _DEMONYM.search(words[j][0])
            and not words[j][3]
            and j + 1 < len(words)
            and _noun_like(words[j + 1][0])
        )
        if j - i + 1 <= MAX_NAME_WORDS and not lone_adjective:
            start, end = words[i][1], words[j][2]
            out.append(NameSpan(sentence[start:end], start, end))
        i = j + 1
    return out


def capitalised_inside(sentences: Sequence[str]) -> frozenset[str]:
    """Words written with a capital inside sentences (not first): they are names anywhere."""
    return frozenset(w[0] for s in sentences for w in _words(s)[1:] if _is_name_word(w[0]))


def _key(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _TOKEN.findall(name))


def named_in_question(name: str, question: str) -> bool:
    """True when every word of the name is in the question (it is asked about, not an answer)."""
    asked = set(_key(question))
    return set(_key(name)) <= asked


def enumerated(sentence: str, spans: Sequence[NameSpan], heads: frozenset[str]) -> dict[int, int]:
    """The names given as examples: after a cue ("cartels such as A", "groups like B", "(e.g.,
    A, B, C)", "departments ..., including A, B and C") or in apposition ("the group, A").
    Index -> 2 when the cue's head noun (a word shortly before it) is one of ``heads`` (stems of
    what the question asks for), 1 when it is a generic one ("groups", "organizations")."""
    out: dict[int, int] = {}
    for cue in _CUE.finditer(sentence):
        window = sentence[max(0, cue.start() - HEAD_WINDOW) : cue.start()]
        if cue.group(0) == ",":
            window = window.split()[-1] if window.split() else ""
        before = set(tokenize([window])[0])
        level = 2 if before & heads else 1 if before & GENERIC_HEADS else 0
        if not level:
            continue
        pos = cue.end()
        for i, span in enumerate(spans):
            if span.start < pos:
                continue
            if not _SEPARATOR.match(sentence[pos : span.start]):
                break
            out[i] = max(out.get(i, 0), level)
            pos = span.end
    return out


@dataclass
class Item:
    """A name the sources give, where each source gives it, and how strongly it answers."""

    name: str  # the longest verbatim form found
    key: tuple[str, ...]
    mentions: list[tuple[int, NameSpan]] = field(default_factory=list)  # (sentence index, span)
    score: float = 0.0  # best relevance of a sentence naming it, summed over sources
    best: float = 0.0  # of the one most relevant sentence naming it
    sources: set[str] = field(default_factory=set)
    cue: int = 0  # 2: given as an example of what the question asks for; 1: of "groups"


def _is_suffix(long: tuple[str, ...], short: tuple[str, ...]) -> bool:
    """ "Bankman-Fried" ends "Sam Bankman-Fried" (one person); "Justice" starts "Justice
    Department" (another thing)."""
    return len(short) < len(long) and long[-len(short) :] == short


def _is_prefix(long: tuple[str, ...], short: tuple[str, ...]) -> bool:
    return len(short) < len(long) and long[: len(short)] == short


def gather_items(
    sentences: Sequence[str],
    doc_ids: Sequence[str],
    relevance: Sequence[float],
    question: str,
    heads: frozenset[str] = frozenset(),
) -> list[Item]:
    """Every name in the given sentences that the question does not itself use, one item per
    name (a short form merged into the only longer form it ends), scored by the best relevance
    of a sentence naming it in each source, summed over sources; best first."""
    items: dict[tuple[str, ...], Item] = {}
    known = capitalised_inside(sentences)
    cued: dict[tuple[str, ...], int] = {}
    for idx, sentence in enumerate(sentences):
        spans = name_spans(sentence, known)
        examples = enumerated(sentence, spans, heads)
        for i, span in enumerate(spans):
            if named_in_question(span.text, question):
                continue
            key = _key(span.text)
            item = items.setdefault(key, Item(span.text, key))
            item.mentions.append((idx, span))
            if i in examples:
                cued[key] = max(cued.get(key, 0), examples[i])
    for key in sorted(items, key=len):
        longer = [k for k in items if _is_suffix(k, key)]
        if len(longer) == 1 and key in items:
            if key in cued:
                cued[longer[0]] = max(cued.get(longer[0], 0), cued[key])
            items[longer[0]].mentions.extend(items.pop(key).mentions)
    for item in items.values():
        best: dict[str, float] = {}
        for idx, _ in item.mentions:
            doc = doc_ids[idx]
            best[doc] = max(best.get(doc, 0.0), relevance[idx])
        item.score = sum(best.values())
        item.best = max(best.values())
        item.sources = set(best)
        item.cue = cued.get(item.key, 0)
    return sorted(items.values(), key=lambda it: -it.score)


def names_in(sentences: Sequence[str]) -> list[list[NameSpan]]:
    """Each sentence's names (``name_spans``, reading the capitals inside all of them once).

    Why: an answer reads the names of its candidate sentences for several things (each item's
    full spelling, the names a quote adds); reading them once keeps that off the answer's time."""
    known = capitalised_inside(sentences)
    return [name_spans(sentence, known) for sentence in sentences]


def fuller_form(
    item: Item, spans: Sequence[Sequence[NameSpan]], organisation: bool = False
) -> tuple[str, int] | None:
    """The one longer spelling of the item's name that some sentence gives ("Bankman-Fried" ->
    "Sam Bankman-Fried"), and that sentence's index; None if there is none or several.
    ``organisation``: the question asks for one, so a name's first words count too ("Alameda"
    -> "Alameda Research"). ``spans``: the sentences' names (``names_in``)."""
    found: dict[tuple[str, ...], tuple[str, int]] = {}
    for idx, names in enumerate(spans):
        for span in names:
            key = _key(span.text)
            extends = _is_suffix(key, item.key) or (organisation and _is_prefix(key, item.key))
            if extends and len(key) > len(_key(item.name)):
                found.setdefault(key, (span.text, idx))
    return next(iter(found.values())) if len(found) == 1 else None
