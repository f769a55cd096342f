"""Proper names: capitalised words that one side has and the other lacks (rough entities)."""

from __future__ import annotations

from rag.conflicts.clues.text import MONTHS, STOPWORDS, tokens_of

# Capitalised words that name no one: sentence openers, months, days, vague quantities.
NOT_NAMES = frozenset(
    """the a an in on at for as after before despite under according but and however while
    when if this that these those it its his her their there here today yesterday recent
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday many multiple several some""".split()
)


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
        if t.low in NOT_NAMES or t.low in STOPWORDS or t.low in MONTHS:
            continue
        out.add(t.low.removesuffix("'s").removesuffix("’s"))
    return frozenset(out)
