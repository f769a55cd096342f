"""What a question asks, read from its form: a figure, a date, who acted, or an assessment.

The check's two rules fire only for what the question asks: rival actors answer a who-question,
opposite verdicts answer "has it worked?". So this reader decides which rule can fire, and it
reads the *shape* of a question rather than a list of phrasings. A who-question has several
shapes ("Who ...?", "Which administration ...?", "Under which president ...?", "Was it Trump or
Biden who ...?", "Did Trump or Biden ...?"). An assessment is asked by a yes/no or "how"
question whose predicate is an assessment word ("Is the US winning ...?", "How successful has
... been?", "Is the campaign a joint effort ...?", "Are cartels terrorist organizations?").
Session 11 wrote a fourth set of reporters' questions before measuring: the phrasing lists
caught 5 of its 14 disagreements (see README, *When sources disagree*).
"""

from __future__ import annotations

import re

from rag.conflicts.clues.actors import action_label
from rag.conflicts.clues.verdicts import COOPERATION

_AUX = r"(?:is|are|was|were|do|does|did|has|have|had|will|would|should|can|could|must|may)"
_YES_NO = re.compile(rf"^{_AUX}\b")


def acts_named(question: str) -> frozenset[str]:
    """Labels of the known acts the question names ("designated" for "Who labelled ...?")."""
    return frozenset(a for w in re.findall(r"[A-Za-z]+", question) if (a := action_label(w)))


# "Which administration reclassified...?" asks who as much as "Who reclassified...?" does;
# "Which cartels were designated?" does not (it asks which things).
_ACTOR_NOUNS = (
    "administrations?|governments?|presidents?|agenc(?:y|ies)|departments?|officials?|offices?|"
    "ministr(?:y|ies)|ministers?|leaders?|lawmakers?|courts?|judges?|authorit(?:y|ies)|"
    "persons?|people|politicians?"
)
_ASKS_ACTOR = re.compile(
    rf"^(?:(?:under|by|from)\s+)?(?:which|what)\s+(?:\w+\s+)?(?:{_ACTOR_NOUNS})\b|"
    r"^(?:under|by|from)\s+whose\b|\bby whom\b"
)
# "Was it Trump or Biden who labeled the cartels ...?", "Is it the White House that ...?"
_ASKS_CLEFT = re.compile(r"^(?:was|is|were)\s+it\s+.+?\s+(?:who|that)\s+\w+")
# "Did Trump or Biden designate ...?", "Did the Trump or the Biden administration ...?" (read
# on the question as typed: the alternatives are names)
_NAME = r"(?:the\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*"
_ASKS_WHICH_NAME = re.compile(
    rf"^(?:[Dd]id|[Hh]ave|[Hh]as|[Ww]as|[Ww]ere)\s+{_NAME}\s+or\s+{_NAME}"
)
# ... and typed in lower case, one word a side before a known act: "did biden or trump
# designate the cartels as terrorists"
_ONE_SIDE = r"(?:the\s+)?\w+(?:\s+(?:administration|government))?"
_ASKS_WHICH_OF_TWO = re.compile(
    rf"^(?:did|has|have|was|were)\s+{_ONE_SIDE}\s+or\s+{_ONE_SIDE}\s+([a-z]+)"
)
# "Do the articles agree on who designated the cartels?": a who-question inside another
_ASKS_WHO_INSIDE = re.compile(
    r"\b(?:on|about|over|as to|say|says|said|agree|disagree|know|tell|report)\s+who\b"
)
# "Who is Claudia Sheinbaum?" / "Who is the ...?" asks who someone is (read on the question as
# typed: a name follows), "Who was extradited?" and "Who did the Justice Department charge?"
# whom an act was done to: not who did it. "Who is responsible for / behind / credited with
# ...?" do ask that.
_ASKS_IDENTITY = re.compile(r"^[Ww]hom?\s+(?:is|was|are|were)\s+(?:(?:the|a|an)\s|[A-Z])")
_ASKS_PATIENT = re.compile(
    r"^(?:who|whom)\s+(?:(?:is|was|are|were)\s+\w+(?:ed|en)\b(?!\s+(?:with|for)\b)|"
    r"(?:did|does|do|will|would|can|could)\s+"
    r"(?:the|a|an|this|that|these|those|his|her|their|its|he|she|they|it|we|you)\b)"
)
# "Was the terrorist designation made by Biden?": a yes/no question naming who did an act
_ASKS_BY_NAME = re.compile(r"^(?:[Ww]as|[Ww]ere|[Ii]s|[Aa]re)\b.*\bby\s+(?:the\s+)?[A-Z]")
# "Who criticised treating the cartels as terrorists?", "Who said ...?": asks who holds a view
# (the source lookup), and "Who benefits from designating ...?" who is affected, not who did
# an act; rival actors of some act do not answer either.
_ASKS_SPEAKER = re.compile(
    r"(?:who|whom)\s+(?:(?:has|have|had|did|first|also|publicly|openly)\s+)*"
    r"(?:sa(?:id|ys?)|criticis\w*|criticiz\w*|argu\w*|warn\w*|prais\w*|question\w*|"
    r"claim\w*|stat(?:ed|es)|told|wr(?:ote|ites?)|suggest\w*|object\w*|condemn\w*|"
    r"denounc\w*|defend\w*|welcom\w*|complain\w*|doubt\w*|disput\w*|reject\w*|"
    r"oppos\w*|support\w*|call(?:ed|s)?\s+for|describ\w*|believ\w*|think\w*|thought|"
    r"benefit\w*|gain\w*|profit\w*|suffer\w*|los(?:e|es|t)|stands?\s+to)\b"
)


def question_focus(question: str) -> str:
    """What kind of answer the question wants: quantity, date, agent, or any."""
    q = question.strip().lower()
    if re.match(r"(how (many|much)|what (number|percentage|share|amount|proportion))\b", q):
        return "quantity"
    if re.match(r"(when|what (year|date|day|month)|in (what|which) year|since when)\b", q):
        return "date"
    if _ASKS_SPEAKER.match(q) or _ASKS_PATIENT.match(q) or _ASKS_IDENTITY.match(question.strip()):
        return "any"
    names_act = bool(acts_named(q))
    if (
        re.match(r"(who|whom|whose)\b", q)
        or _ASKS_ACTOR.search(q)
        or _ASKS_CLEFT.match(q)
        or _ASKS_WHO_INSIDE.search(q)
        or _ASKS_WHICH_NAME.match(question.strip())
        or ((m := _ASKS_WHICH_OF_TWO.match(q)) is not None and action_label(m.group(1)))
        or (  # not "Is US action approved by Latin American governments?": an assessment
            names_act and _ASKS_BY_NAME.match(question.strip()) and not assessment_asked(question)
        )
    ):
        return "agent"
    return "any"


# An assessment is asked by a yes/no question ("Has it worked?", "Do the articles agree on
# whether ...?") or "how well / effective / successful"; a why- or what-question asks for
# reasons or content ("Why did Plan Colombia fail in the long run?" presumes a verdict on one
# programme and was flagged with the whole campaign's success vs failure). An explicit
# alternative ("terrorists or criminals", "consensual or unilateral") asks in any form.
_EVALUATIVE = re.compile(rf"^(?:{_AUX}\b|how (?:well|effective\w*|successful\w*)\b)")
# The words that name each axis in such a question. "worked with / for / together" is a way of
# working, not a verdict; "the cooperation with Mexico" as the subject asks about its results,
# so only the verb and adjective forms of "cooperate" count.
_WORKS = (
    r"work(?:s|ed|ing)?\b(?!\s+(?:with|for|on|as|at|in|together|alongside|closely|"
    r"independently|to)\b)|succe\w*|fail\w*|(?:in)?effective\w*|pa(?:y|ys|id|ying) off|"
    r"winning|losing|(?:been|being) (?:won|lost)|backfir\w*|counterproductive|"
    r"(?:produc|deliver|yield|show|get|bring|brought|got)\w* (?:\w+ )?results?|achiev\w*|"
    r"accomplish\w*|progress|(?:make|made|making) (?:a |any )?difference|how well|"
    r"how effective|how successful"
)
_COOPERATES = (
    r"consensual|unilateral\w*|consent\w*|sovereign\w*|permission|approval|"
    r"(?:approved|authori[sz]ed|backed|sanctioned) by|(?:act\w*|go\w*)(?: it)? alone|"
    r"on (?:its|their) own|cooperat(?:e|es|ed|ing|ive)|coordinat(?:e|es|ed|ing) with|"
    r"a joint|jointly|together|on board|partners?|"
    r"go(?:es|ing)? along with|sign(?:s|ed)? off|agree\w* (?:to|with)"
)
_TERRORISTS = (
    r"terror\w* (?:label|designation|framing|tag)\b.*\b(?:justified|warranted|fair|right|"
    r"accurate|appropriate|deserved)|(?:treated|considered|called|labell?ed|seen|classed) as "
    r"terrorists?"
)
ASSESSMENT_ASKED = {
    "whether it works": re.compile(rf"\b(?:{_WORKS})\b"),
    COOPERATION: re.compile(rf"\b(?:{_COOPERATES})\b"),
    "terrorists or criminals": re.compile(rf"\b(?:{_TERRORISTS})\b"),
}
_ALTERNATIVES = {
    COOPERATION: re.compile(r"\b(?:consensual|cooperative|joint) or unilateral|unilateral or"),
    "terrorists or criminals": re.compile(
        r"\bterrorists? or (?:\w+ )?criminal|\bcriminals? or terrorists?\b"
    ),
}
# "Are drug cartels terrorist organizations?", "Is it right to call the cartels terrorists?":
# a yes/no question whose predicate is "terrorist". Not when it asks about an act ("Did Trump
# designate the cartels as terrorists?" asks who did what) unless it asks whether the act is
# right ("Should cartels be labelled terrorists?").
_TERRORIST_PREDICATE = re.compile(
    r"(?<![-\w])terrorists?\b|"  # ... or "criminal": "Are cartels just criminal businesses?"
    r"\bcriminal (?:organi[sz]ations?|enterprises?|businesses?|groups?|networks?|gangs?)\b|"
    r"\bcriminals\b|\borgani[sz]ed crime\b"
)
_NORMATIVE = re.compile(
    r"\b(?:should|right|wrong|fair|justified|warranted|legitimate|accurate|appropriate|"
    r"deserve\w*|really|sense|sensible|reasonable|wise|mistake)\b"
)


def assessment_asked(question: str) -> frozenset[str]:
    """The assessment axes the question asks about, by the rules above."""
    low = question.strip().lower()
    asked = {name for name, rx in _ALTERNATIVES.items() if rx.search(low)}
    if not _EVALUATIVE.match(low):
        return frozenset(asked)
    asked |= {name for name, rx in ASSESSMENT_ASKED.items() if rx.search(low)}
    if _TERRORIST_PREDICATE.search(low) and (not acts_named(low) or _NORMATIVE.search(low)):
        asked.add("terrorists or criminals")
    return frozenset(asked)


def outcome_asked(question: str) -> frozenset[str]:
    """A yes/no question can hinge on whether something worked without naming it ("Did the
    congestion charge cut traffic?"): the axis the rule may read when both sides answer the
    question closely (``model_judge.IMPLIED_BAR``)."""
    yes_no = _YES_NO.match(question.strip().lower())
    return frozenset({"whether it works"}) if yes_no else frozenset()
