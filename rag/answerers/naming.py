"""The names line of a who/which or list answer: which names the sources give, which of
them may answer, and the sentence each is cited to.

Why a module of its own: choosing names is its own job (gathering them across the sentences
near the best one, keeping a list's items or the most named, spelling each as a source does)
and the extractive answerer only lays the line above its quotes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answerers.base import names_line
from rag.answerers.lists import Item, NameSpan, fuller_form, gather_items
from rag.answerers.picks import Pick, Scored, quote_paragraphs
from rag.lexical import tokenize
from rag.vector_cache import VectorCache

NAMES_WITHIN = 0.5  # sentences this close to the best one are searched for names
LIST_WITHIN = 0.45  # ... for a list question (the items sit in sentences that enumerate)
MAX_NAMES = 8  # a list question
MAX_ENTITY_NAMES = 3  # a who- or which-question asking for one
MAX_UNSURE = 12  # names not given as examples of the subject, checked by meaning
CUED_AFFINITY = 0.35  # cosine(name, subject) for a name given as an example of "groups"
NAME_AFFINITY = 0.5  # ... for a name not given as an example
MAX_QUOTES = 8
ANSWER_NAMES = 3  # a who/which quote past the first adds a name only if one of these


class Naming:
    """Names for the answers of one answerer: ``threshold`` is its refusal bar (a sentence
    below it gives no name), ``vectors`` its sentence cache (a list's unsure names are
    checked by meaning)."""

    def __init__(self, threshold: float, vectors: VectorCache) -> None:
        self.threshold = threshold
        self.vectors = vectors

    def with_names(
        self, s: Scored, groups: list[list[Pick]], spans: list[list[NameSpan]]
    ) -> list[str]:
        """A names line (each name a verbatim span, cited), then the quotes that name them,
        then the other quotes. ``spans``: the names in each pick."""
        quotes = [p for group in groups for p in group]
        near, items = self.gather(s, quotes)
        if s.shape.kind == "list":
            items = self.listed(items, s)
        else:  # the most named across sources, the others only where a quote names them:
            # a further name cited to a sentence no quote needed mostly cited a document
            # that is not evidence (MultiHop-RAG: precision 0.773 -> 0.796, session 13)
            quoted = {i for i, p in enumerate(near) if p in quotes}
            items = items[:1] + [it for it in items[1:] if any(i in quoted for i, _ in it.mentions)]
            items = sorted(items[:MAX_ENTITY_NAMES], key=lambda it: -it.best)  # most relevant first
        if not items:
            return quote_paragraphs(quotes)
        line: list[tuple[str, str]] = []
        naming: list[Pick] = []
        for item in items:
            name, pick = item.name, self._naming_pick(item, near, quotes)
            fuller = fuller_form(item, spans, s.shape.asks_organisation)
            if fuller is not None:  # as a source spells it in full, cited to that sentence
                name, pick = fuller[0], s.picks[fuller[1]]
            line.append((name, f" [{pick.n}]"))
            if pick not in naming:
                naming.append(pick)
        rest = [q for q in quotes if q not in naming]
        shown = (naming + rest)[: max(MAX_QUOTES, len(naming))]
        return [names_line(line), *quote_paragraphs(shown)]

    def gather(self, s: Scored, quotes: Sequence[Pick] = ()) -> tuple[list[Pick], list[Item]]:
        """The sentences searched for names (those near the best one, and the ``quotes``), and
        the names they give, most named across sources first (``gather_items``)."""
        listing = s.shape.kind == "list"
        best = max(p.relevance for p in s.picks)
        bar = max(self.threshold, (LIST_WITHIN if listing else NAMES_WITHIN) * best)
        near = [p for p in s.picks if p.relevance >= bar or p in quotes]
        items = gather_items(
            [p.text for p in near],
            [p.doc_id for p in near],
            [p.relevance for p in near],
            s.shape.text,
            frozenset(tokenize([s.shape.subject])[0]) if s.shape.subject else frozenset(),
        )
        return near, items

    def candidates(self, s: Scored) -> frozenset[str]:
        """The names that may answer a who/which or list question, as spelled in the
        sentences: a list's items, else the ``ANSWER_NAMES`` most named. Only these make a
        further quote new (``Novelty.answering``): a quote that brings in some other name
        (a team's opponent, a reporter) mostly cites a document that is not evidence."""
        _, items = self.gather(s)
        items = self.listed(items, s) if s.shape.kind == "list" else items[:ANSWER_NAMES]
        return frozenset(span.text.lower() for it in items for _, span in it.mentions)

    def listed(self, items: list[Item], s: Scored) -> list[Item]:
        """The items of a list: names given as examples of what it asks for ("cartels such as
        A"); names given as examples of "groups", or not as examples, only when the name itself
        is close in meaning to what is asked ("Cartel del Noreste" to "cartels and gangs")."""
        sure = [it for it in items if it.cue == 2]
        maybe = [it for it in items if it.cue < 2][:MAX_UNSURE]
        if maybe and s.shape.subject:
            vectors = self.vectors.embed([it.name for it in maybe])
            affinity = vectors @ s.extra[s.shape.subject]
            floors = (NAME_AFFINITY, CUED_AFFINITY)
            sure += [
                it for it, a in zip(maybe, affinity, strict=True) if a >= floors[min(it.cue, 1)]
            ]
        return sorted(sure, key=lambda it: (-it.cue, -it.score))[:MAX_NAMES]

    @staticmethod
    def _naming_pick(item: Item, near: list[Pick], quoted: list[Pick]) -> Pick:
        """The most relevant sentence that spells the item as shown, one already ``quoted`` if
        any: the reader sees the name where it answers, and no further source is cited."""
        spelled = [near[idx] for idx, span in item.mentions if span.text == item.name]
        return max(
            spelled or [near[idx] for idx, _ in item.mentions],
            key=lambda p: (p in quoted, p.relevance),
        )
