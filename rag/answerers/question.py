"""What shape of answer a question asks for, read with rules (no LLM, no model).

Why: quoting the sentences closest to the whole question answers one fact well, but a list
question wants every item the sources name, a two-sided question wants each side, and a
compound question wants each of its asks answered. The shape tells the extractive answerer
which of those to build; the quotes themselves are still chosen by the embedder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.clauses import facets

Kind = Literal["fact", "list", "sides", "compound"]
Ask = Literal["who", "which", "what", "when", "where", "why", "how", "how_many", "yes_no"]

_AUXILIARIES = frozenset(
    "is are was were do does did has have had can could will would should may might must".split()
)
_WH = re.compile(r"\b(who|whom|whose|which|what|when|where|why|how\s+(?:many|much)|how)\b", re.I)
# "Has it worked?", "Was the campaign a success?", "How effective were the strikes?"
_EVALUATIVE = re.compile(
    r"\b(succe\w*|work(?:ed|ing|s)?|fail\w*|effective\w*|ineffective|backfir\w*|pa(?:y|id) off|"
    r"achiev\w*|progress|worth\w*|counterproductive)\b",
    re.I,
)
# Longer yes/no questions check a claim ("Does X suggest ..., while Y ...?"), not a verdict
MAX_VERDICT_WORDS = 14
_HOW_EVALUATIVE = re.compile(r"^how\s+(?:successful|effective|well|much progress)\b", re.I)
# A second ask: "..., and how many ...", "...; when ...", "...? Who ..."
# ("and who is also ..." refers back to the same one: not a second ask)
_SECOND_ASK = re.compile(
    r"(?:\?\s+|;\s*|,?\s+(?:and|but)\s+)"
    r"(?=(?:who|what|when|where|why|how|which)\b(?!\s+(?:\w+\s+)?also\b))",
    re.I,
)
_LIST_OPENERS = re.compile(
    r"^(?:(?:please\s+)?(?:name|list)\s+(?:all\s+|the\s+)*|what\s+(?:are|were)\s+(?:all\s+)?"
    r"(?:the\s+)?|who\s+(?:are|were)\s+(?:all\s+)?(?:the\s+)?|which\s+(?:are|were)\s+(?:the\s+)?)",
    re.I,
)
_SUBJECT_END = re.compile(
    r"[,?;:.(]|\b(?:is|are|was|were|has|have|had|did|do|does|will|would|can|could|should|that|"
    r"who|which|whose|to|in|on|at|from|by|with|for|of|about|according|been|being|the|a|an|this|"
    r"these|those|they|it|he|she|we|you)\b",
    re.I,
)
_WHICH = re.compile(r"^(?:which|what)\s+(?!(?:is|are|was|were|do|does|did)\b)", re.I)
# "Who is the individual that ...": a who-question that names the kind of answer it wants
_WHO_IS_THE = re.compile(r"^who\s+(?:is|was)\s+the\s+(?=\w)", re.I)
_PLURAL_VERB = re.compile(r"^\s*(?:,[^,]*,\s*)?(?:are|were|have|do)\b", re.I)
_NOT_PLURAL = ("ss", "us", "is", "news", "series")
MIN_PART_WORDS = 3
_DETERMINERS = frozenset("the a an this these those".split())


ORGANISATIONS = frozenset(
    "company firm platform organization organisation brand startup exchange bank group "
    "network outlet publication agency team club sportsbook app service studio retailer "
    "manufacturer airline operator provider website site corporation conglomerate business "
    "developer fund companies agencies".split()
)
_ASKS_ORGANISATION = re.compile(  # "Which online betting platform ...", "What companies ..."
    rf"\s*(?:which|what)\s+(?:[\w-]+\s+){{0,3}}?(?:{'|'.join(sorted(ORGANISATIONS))})s?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuestionShape:
    """How to answer: one fact, a list of names, each side, or each part in turn.

    ``parts`` are the asks of a compound question, or the clauses of a long one, in the order
    asked (one part otherwise);
    ``subject`` is what a list or which-question asks for ("cartels and gangs", "company");
    ``options`` are the two alternatives of an "is it A or B" question.
    """

    text: str
    kind: Kind
    ask: Ask
    parts: tuple[str, ...]
    subject: str = ""
    options: tuple[str, ...] = ()

    @property
    def asks_organisation(self) -> bool:
        """Does it ask for a company, platform, team...? Organisations are shortened to their
        first word ("Alameda" for Alameda Research), people to their surname."""
        return bool(_ASKS_ORGANISATION.match(self.text))

    @property
    def wants_names(self) -> bool:
        """A list or a which-question naming what it wants ("Who is the individual that…"
        counts): the answer opens with the names the quotes give. Not a plain who-question:
        there the names in the quotes are mostly not the answer ("Latin American", "U.S." for
        "who designated…"), and the quotes name the actor."""
        return self.kind == "list" or self.ask == "which" or bool(self.subject)


def _ask_of(question: str) -> Ask:
    """What the question asks: a yes/no question starts with an auxiliary, maybe after a
    leading clause ("After X reported Y, did Z ...?"); otherwise its first wh-word."""
    match = _WH.search(question)
    for clause in re.finditer(r"(?:^|,\s+)(\w+)", question):
        if match and match.start() < clause.start(1):
            break
        if clause.group(1).lower() in _AUXILIARIES:
            return "yes_no"
    if not match:
        return "what"
    word = " ".join(match.group(1).lower().split())
    if word in ("how many", "how much"):
        return "how_many"
    if word in ("whom", "whose"):
        return "who"
    return word  # type: ignore[return-value]


def _subject(question: str) -> tuple[str, bool]:
    """The thing a which/what/list question asks for, and whether it asks for several."""
    q = question.strip()
    opener = _LIST_OPENERS.match(q)
    if opener:
        rest, plural = q[opener.end() :], True
    else:
        match = _WHICH.match(q) or _WHO_IS_THE.match(q)
        if not match:
            return "", False
        rest, plural = q[match.end() :], False
    end = _SUBJECT_END.search(rest)
    words = rest[: end.start() if end else len(rest)].strip(" ,'\"").split()
    for i, word in enumerate(words[1:], start=1):
        if word.lower().endswith("ing"):
            words = words[:i]  # "cartels operating in": the subject ends before the verb
            break
    before_object = end is not None and end.group(0).lower() in _DETERMINERS and len(words) > 1
    if before_object and words[-1].endswith("s") and not words[-2].endswith("s"):
        words = words[:-1]  # "company makes the": a verb before its object
    subject = " ".join(words)
    if not subject or len(words) > 5:
        return "", False
    head = words[-1].lower()
    after = rest[rest.find(subject) + len(subject) :]
    plural = (
        plural
        or " and " in subject
        or (head.endswith("s") and not head.endswith(_NOT_PLURAL))
        or bool(_PLURAL_VERB.match(after))
    )
    return subject, plural


def _options(question: str) -> tuple[str, ...]:
    """ "Is it a gang or a terrorist group?" -> the question asked of each alternative:
    ("Is it a gang?", "Is it a terrorist group?")."""
    body = question.rstrip(" ?")
    if body.count(" or ") != 1:
        return ()
    left, right = body.split(" or ")
    second = right.strip(" ,")
    if second.lower() in ("not", "no", "otherwise") or not 0 < len(second.split()) <= 6:
        return ()  # "whether or not": a yes/no question, not two alternatives
    words = left.split()
    article = second.split()[0].lower() in ("a", "an", "the")
    starts = [i for i, w in enumerate(words) if w.lower() in ("a", "an", "the")]
    size = len(words) - starts[-1] if article and starts else len(second.split())
    if size >= len(words):
        return ()
    first = " ".join(words[-size:])
    stem = " ".join(words[:-size])
    return f"{stem} {first}?", f"{stem} {second}?"


def split_parts(question: str) -> tuple[str, ...]:
    """The asks of a question in order: "Who X and how many Y?" -> ("Who X", "how many Y")."""
    pieces = [p.strip(" ,;?") for p in _SECOND_ASK.split(question.strip())]
    parts = [p for p in pieces if len(p.split()) >= MIN_PART_WORDS]
    if len(parts) != len(pieces):
        return (question.strip(),)  # a fragment ("... and why?") is not a separate ask
    return tuple(p + "?" for p in parts)


def read_question(question: str) -> QuestionShape:
    """The question's shape: compound before two-sided before list before a single fact. A long
    question of several clauses keeps its shape and has each clause as a part."""
    text = " ".join(question.split())
    ask = _ask_of(text)
    subject, plural = _subject(text)
    parts = split_parts(text)
    if len(parts) > 1:
        return QuestionShape(text, "compound", ask, parts, subject)
    short = ask == "yes_no" and len(text.split()) <= MAX_VERDICT_WORDS
    options = _options(text) if short else ()
    verdict = short and bool(_EVALUATIVE.search(text))
    if options or verdict or _HOW_EVALUATIVE.match(text):
        return QuestionShape(text, "sides", ask, (text,), "", options)
    parts = facets(text) if ask != "yes_no" else (text,)
    return QuestionShape(text, "list" if plural else "fact", ask, parts, subject)
