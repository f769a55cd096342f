"""HTML for the web UI: an ``Answer`` as a chat message, its citations as source cards.

Presentation only: it adds no claims and decides nothing about support; it shows what the
citation check decided. Every piece of document or answer text goes through ``html.escape``,
so a document cannot inject markup or script. The output has no blank lines and no Markdown
(the chat renders it as HTML, not Markdown), so ``*``, ``_``, ``#`` or ``[5]`` in a quote stay
literal text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from rag.answerers.base import LEADS
from rag.conflicts import Conflict
from rag.types import Answer, Citation, Passage
from rag.ui.markup import (
    attribution,
    code_spans,
    one_line,
    open_doc_button,
    passage_text,
    reliability_label,
    url_link,
)

_LEAD_LINES = frozenset(one_line(line) for line in LEADS)
UNSUPPORTED_TITLE = "Not supported by the retrieved sources"
UNSUPPORTED_BADGE = "⚠ unsupported"
REFUSAL_HINT = (
    "Try naming a person, place or event that the documents mention, or check that the "
    "documents you need are ingested."
)
EMPTY_INDEX = "Nothing is indexed yet: run `make run` (or `rag ingest`) to add documents."
EMPTY_QUESTION = "Type a question."
SOURCES_PLACEHOLDER = (
    "Ask a question: the passages that back each sentence of the answer appear here."
)


def question_html(question: str) -> str:
    return f'<div class="question">{one_line(question)}</div>'


def pending_html(note: str = "Searching the documents…") -> str:
    return f'<div class="answer pending"><span class="spinner"></span>{escape(note)}</div>'


def draft_html(draft: str) -> str:
    """The draft as it is written, before the citation check; marked as unchecked. Its
    paragraphs stay apart (the quotes, then the label over an LLM's written answer)."""
    paragraphs = [p for p in (one_line(b) for b in re.split(r"\n\s*\n", draft)) if p]
    body = "".join(
        f'<p class="lead">{p}</p>' if p in _LEAD_LINES else f"<p>{p}</p>" for p in paragraphs
    )
    return (
        '<div class="answer draft">'
        f'<p class="draft-note">Draft: checking every sentence against its source…</p>'
        f"{body or '<p></p>'}</div>"
    )


def message_html(message: str, kind: str = "error") -> str:
    """A one-line message from us (an error, a hint), not an answer."""
    icon = "⚠ " if kind == "error" else ""
    return f'<div class="answer message {escape(kind)}"><p>{icon}{code_spans(message)}</p></div>'


def _marker(turn: int, n: int) -> str:
    return (
        f'<a class="cite" href="#src-{turn}-{n}" data-turn="{turn}" data-n="{n}" '
        f'title="Show source [{n}]">[{n}]</a>'
    )


def answer_html(answer: Answer, turn: int) -> str:
    """The verified answer: paragraphs, citation markers, unsupported sentences flagged."""
    if not answer.grounded:
        return (
            f'<div class="answer refusal" data-turn="{turn}">'
            f"<p>{one_line(answer.text)}</p>"
            f'<p class="hint">{escape(REFUSAL_HINT)}</p></div>'
        )
    paragraphs: dict[int, list[str]] = {}
    for s in answer.sentences:
        if s.conflict:
            continue  # shown as the "Sources disagree" cards below
        text = one_line(s.display)  # a document's own "[5]" shown as "⁽⁵⁾", never as our marker
        if s.role == "lead":  # a line of ours ("Written answer (LLM, …):"), not a claim
            piece = f'<span class="lead">{text}</span>'
        elif s.supported:
            marks = "".join(_marker(turn, n) for n in s.citations)
            piece = f'<span class="sentence">{text}{marks}</span>'
        else:
            piece = (
                f'<span class="unsupported" title="{escape(UNSUPPORTED_TITLE)}">{text}'
                f' <span class="badge">{escape(UNSUPPORTED_BADGE)}</span></span>'
            )
        paragraphs.setdefault(s.paragraph, []).append(piece)
    body = "".join(f"<p>{' '.join(pieces)}</p>" for _, pieces in sorted(paragraphs.items()))
    body += conflicts_html(answer, turn)
    return f'<div class="answer" data-turn="{turn}">{body}</div>'


KIND_LABELS = {
    "factual": "factual",
    "assessment": "assessment / framing",
    "temporal": "changed over time",
}
CONFLICTS_TITLE = "Sources disagree"
CONFLICTS_HINT = "Each side is quoted verbatim; click a quote to see it in its passage."


def _side_html(
    conflict: Conflict, index: int, numbers: dict[tuple[str, int, int], int], turn: int
) -> str:
    """One side: its source (number, title, outlet, date, paragraph) and its verbatim quote,
    which opens the highlighted passage in the Sources panel like a citation marker does."""
    side = conflict.sides[index]
    n = numbers.get(side.key)
    where = ", ".join(one_line(x) for x in (side.meta.outlet, side.meta.date) if x)
    head = f'<span class="src-title">{one_line(side.meta.title)}</span>'
    head += f" — {where}" if where else ""
    head += f" · ¶{side.paragraph} · {reliability_label(side.meta.reliability)}"
    if conflict.newer_doc_id == side.doc_id:
        head += ' <span class="newer">newer source</span>'
    if side.stance:
        head += f' <span class="stance">{one_line(side.stance)}</span>'
    quote = f"“{one_line(side.quote)}”"
    if n is not None:
        label = f'<span class="src-n">[{n}]</span> '
        quote = (
            f'<a class="cite conflict-quote" href="#src-{turn}-{n}" data-turn="{turn}" '
            f'data-n="{n}" title="Show this passage [{n}]">{quote}</a>'
        )
    else:
        label = ""
        quote = f'<span class="conflict-quote">{quote}</span>'
    return f'<div class="conflict-side"><div class="side-source">{label}{head}</div>{quote}</div>'


def conflict_card(conflict: Conflict, numbers: dict[tuple[str, int, int], int], turn: int) -> str:
    """One disputed point: a few words naming it, the kind of disagreement, the sides."""
    kind = escape(conflict.kind)
    label = escape(KIND_LABELS.get(conflict.kind, conflict.kind))
    badge = f'<span class="conflict-kind kind-{kind}">{label}</span>'
    point = f'<span class="conflict-point">{one_line(conflict.point)}</span>'
    sides = "".join(_side_html(conflict, i, numbers, turn) for i in range(len(conflict.sides)))
    return (
        f'<div class="conflict-card" data-kind="{kind}">'
        f'<div class="conflict-head">{badge} {point}</div>'
        f'<div class="conflict-sides">{sides}</div></div>'
    )


def conflicts_html(answer: Answer, turn: int) -> str:
    """The "Sources disagree" banner and one card per disputed point (empty when none)."""
    if not answer.conflicts:
        return ""
    numbers = {(c.doc_id, c.start, c.end): c.n for c in answer.citations}
    count = len(answer.conflicts)
    title = f"⚠ {CONFLICTS_TITLE} on {count} point{'s' if count > 1 else ''}"
    cards = "".join(conflict_card(c, numbers, turn) for c in answer.conflicts)
    return (
        f'<div class="conflicts" data-turn="{turn}"><div class="conflict-banner">'
        f"<strong>{escape(title)}</strong> "
        f'<span class="conflict-hint">{escape(CONFLICTS_HINT)}</span></div>'
        f"{cards}</div>"
    )


def _attribution(c: Citation) -> str:
    m = c.meta
    return attribution(
        m.title,
        m.outlet,
        m.date,
        c.paragraph,
        m.reliability,
        m.parent_title,
        c.page,
        c.ocr_confidence,
    )


def highlighted_passage(c: Citation) -> str:
    """The retrieved chunk with the quoted span in <mark>; the quote alone if offsets disagree."""
    quote = f"<mark>{passage_text(c.quote)}</mark>"
    p = c.passage
    if p is None:
        return quote
    chunk = p.chunk
    s, e = c.start - chunk.start, c.end - chunk.start
    if not (0 <= s <= e <= len(chunk.text)) or chunk.text[s:e] != c.quote:
        found = chunk.text.find(c.quote)
        if found < 0 or not c.quote:
            return quote
        s, e = found, found + len(c.quote)
    before, after = chunk.text[:s], chunk.text[e:]
    return f"{passage_text(before)}{quote}{passage_text(after)}"


def source_card(c: Citation, turn: int) -> str:
    return (
        f'<article class="source-card" id="src-{turn}-{c.n}" data-turn="{turn}" '
        f'data-n="{c.n}">'
        f'<header><span class="src-n">[{c.n}]</span> {_attribution(c)}</header>'
        f'<div class="passage">{highlighted_passage(c)}</div>'
        f'<footer class="card-foot">{url_link(c.meta.url)}'
        f"{open_doc_button(c.doc_id, c.start, c.end)}</footer></article>"
    )


def _retrieved_card(p: Passage, i: int) -> str:
    where = ", ".join(one_line(x) for x in (p.meta.outlet, p.meta.date) if x)
    head = f'<span class="src-title">{one_line(p.meta.title)}</span>'
    head += f" — {where}" if where else ""
    return (
        f'<article class="source-card retrieved"><header><span class="src-n">#{i}</span> '
        f"{head} · ¶{p.chunk.paragraph}</header>"
        f'<div class="passage">{passage_text(p.chunk.text)}</div></article>'
    )


def checks_html(answer: Answer) -> str:
    """What the citation check did: counts, corrections, removals, disagreements."""
    items: list[str] = []
    if answer.grounded:
        total = len(answer.sentences)
        supported = total - len(answer.unsupported)
        items.append(f"{supported} of {total} sentences backed by a quoted passage.")
    items += [one_line(n) for n in answer.notes]
    for conflict in answer.conflicts:
        items.append(f"Sources disagree ({escape(conflict.kind)}): {one_line(conflict.point)}")
    if not items:
        return ""
    lis = "".join(f"<li>{x}</li>" for x in items)
    return f'<div class="checks"><div class="checks-title">Checks</div><ul>{lis}</ul></div>'


def turn_sources_html(answer: Answer, turn: int, *, active: bool) -> str:
    """One turn's source cards; only the active turn is shown (markers switch turns)."""
    hidden = "" if active else " inactive"
    head = (
        f'<div class="turn-question">Sources for: “{one_line(answer.question)}”</div>'
        f"{checks_html(answer)}"
    )
    if answer.citations:
        cards = "".join(source_card(c, turn) for c in answer.citations)
    else:
        cards = '<p class="no-sources">No passage answers this question.</p>'
        if answer.passages:
            closest = "".join(_retrieved_card(p, i) for i, p in enumerate(answer.passages, 1))
            cards += (
                "<details><summary>Closest retrieved passages (not cited)</summary>"
                f"{closest}</details>"
            )
    return f'<section class="turn-sources{hidden}" data-turn="{turn}">{head}{cards}</section>'


def sources_html(answers: Sequence[Answer | None]) -> str:
    """The Sources panel for a conversation: turn numbers are 1-based indexes into answers."""
    shown = [(t, a) for t, a in enumerate(answers, start=1) if a is not None]
    if not shown:
        return f'<div class="sources-empty">{escape(SOURCES_PLACEHOLDER)}</div>'
    last = shown[-1][0]
    return "".join(turn_sources_html(a, t, active=t == last) for t, a in reversed(shown))
