"""Whether a further quote adds something to the answer that the quotes before it do not.

Why: a quote that does not help answer the question is noise to a journalist, and it costs the
citations' trust. Over the shaped answers to MultiHop-RAG (a scratch count), a citation past the
first named one of the question's own reports 47% of the time when its quote held no question
word the earlier quotes lacked, and 92% when it held four or more; the commonest wrong quote was
another article of an outlet already quoted (the same outlet's other stories on the same people).

So a quote past the first is kept when it adds one of:
- a source not quoted yet (a second outlet corroborates, or tells the other side); for a who
  or which question, only if it also gives a candidate answer or ``SAME_SOURCE_TERMS``
  question words the earlier quotes lack. Since retrieval brings each clause's best match
  into the first passages (``selection.diversify``), a clause is often met by a sentence of
  another story that names neither ("The letters I've received..." for "the app most used by
  kids overnight"): citation precision 0.847 -> 0.851, the same answers contained (session 15,
  a scratch run of the shipped pipeline on MultiHop-RAG);
- question words the earlier quotes lack: one for another sentence of a document already
  quoted, ``SAME_SOURCE_TERMS`` for another document of a source already quoted (only the
  question's own words tell its stories apart);
- for a who or which question: a name the earlier quotes do not give, among the question's
  candidate answers (``answering``: the answerer's few most-named names, or a list's items;
  another candidate, or the full "Sam Bankman-Fried" where the quotes so far say
  "Bankman-Fried"). Any new name at all let in quotes that name a team's opponent or a
  reporter: citation precision 0.816 with the three most-named vs 0.796 with any name, gold
  answers contained 0.709 both (session 14, a scratch run of the shipped pipeline). Requiring the
  name to recur in two documents scored better on MultiHop (precision 0.789 vs 0.782), but it
  dropped the one sentence that names the answer when a sentence echoing the question, from
  the same outlet, came first ("Who makes the Kindle?": "...is made by Amazon").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rag.answerers.lists import NameSpan, named_in_question, names_in
from rag.lexical import tokenize

SAME_DOCUMENT_TERMS = 1  # new question terms another sentence of a quoted document must add
SAME_SOURCE_TERMS = 3  # ... another document of a source already quoted


@dataclass
class Novelty:
    """The candidate quotes (by index) and what the quotes admitted so far hold.

    ``sources``: a quote's outlet, or its document when that names none; ``names``: the names a
    quote gives that may answer the question (empty unless it asks for a name)."""

    wanted: frozenset[str]  # the question's content terms
    words: Sequence[frozenset[str]]
    documents: Sequence[str]
    sources: Sequence[str]
    names: Sequence[frozenset[str]]
    covered: set[str] = field(default_factory=set)
    quoted: set[str] = field(default_factory=set)  # documents
    quoted_sources: set[str] = field(default_factory=set)
    named: set[str] = field(default_factory=set)
    candidates_only: bool = False  # a who/which question (``answering``): names decide

    def adds(self, i: int) -> bool:
        """Whether quote ``i`` adds something to the quotes admitted so far."""
        if not self.quoted:
            return True
        new = len((self.wanted & self.words[i]) - self.covered)
        if self.sources[i] not in self.quoted_sources:
            return not self.candidates_only or bool(self.names[i]) or new >= SAME_SOURCE_TERMS
        if self.names[i] - self.named:
            return True
        if self.documents[i] in self.quoted:
            return new >= SAME_DOCUMENT_TERMS
        return new >= SAME_SOURCE_TERMS

    def admit(self, i: int) -> bool:
        """``adds``, and if so count quote ``i`` in."""
        if not self.adds(i):
            return False
        self.covered |= self.wanted & self.words[i]
        self.quoted.add(self.documents[i])
        self.quoted_sources.add(self.sources[i])
        self.named |= self.names[i]
        return True

    def answering(self, names: frozenset[str]) -> Novelty:
        """This novelty with only ``names`` (lower case) counting as names a quote adds."""
        return replace(self, names=[n & names for n in self.names], candidates_only=True)

    def within(self, among: Sequence[int]) -> Callable[[int], bool]:
        """``admit`` for candidates numbered within ``among`` (its k-th is quote ``among[k]``)."""
        return lambda k: self.admit(among[k])


def novelty_of(
    question: str,
    asks_name: bool,
    texts: Sequence[str],
    words: Sequence[frozenset[str]],
    documents: Sequence[str],
    sources: Sequence[str],
) -> tuple[Novelty, list[list[NameSpan]]]:
    """A ``Novelty`` over the candidate sentences, and their names (``names_in``; read only
    when the question asks for a name, else none; its names line reads them too)."""
    spans = names_in(texts) if asks_name else [[] for _ in texts]
    names = [
        frozenset(s.text.lower() for s in found if not named_in_question(s.text, question))
        for found in spans
    ]
    wanted = frozenset(tokenize([question])[0])
    return Novelty(wanted, words, documents, sources, names), spans
