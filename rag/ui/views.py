"""HTML for the workspace tabs: the library table, upload results, quote hits, the document view.

Presentation only, like ``rag.ui.render``: every piece of document text or metadata goes
through ``html.escape`` (a title or a paragraph cannot add markup), and the only attributes we
emit are our own ids and offsets. Clickable rows and "open" buttons carry ``data-*`` attributes
that the panels' scripts (``static/open_doc.js``, ``static/library_rows.js``) hand to the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any
from urllib.parse import urlparse

from rag.library import LibraryEntry
from rag.quotes import QuoteHit
from rag.types import paragraph_starts
from rag.ui.markup import (
    attribution,
    ocr_mark,
    one_line,
    open_doc_button,
    reliability_label,
    url_link,
)

LIBRARY_EMPTY = "No documents in this collection yet: drop files on the upload box to add some."
QUOTES_EMPTY = "No passage contains this phrase, exactly or nearly."
QUOTES_PLACEHOLDER = (
    "Type a phrase someone said or wrote: every passage that contains it, exactly or nearly, "
    "is listed here with its source, best match first."
)
DOCUMENT_PLACEHOLDER = (
    "Pick a document above, or open one from a citation, a quote hit or the library."
)


def _cell(value: Any, placeholder: str = "—") -> str:
    return (
        one_line(str(value))
        if value not in (None, "")
        else f'<span class="na">{placeholder}</span>'
    )


def _when(iso: str) -> str:
    """'2026-11-23T11:40:00+00:00' -> '2026-11-23 11:40' (UTC, as stored)."""
    return iso.replace("T", " ")[:16] if iso else ""


def _url_cell(url: str | None) -> str:
    """The site's name, linked (http/https only); the full address in the tooltip."""
    if not url:
        return '<span class="na">—</span>'
    parsed = urlparse(url)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return f'<span title="{escape(url, quote=True)}">{one_line(url[:40])}</span>'
    return (
        f'<a href="{escape(url, quote=True)}" title="{escape(url, quote=True)}" '
        f'target="_blank" rel="noopener noreferrer">{one_line(parsed.netloc)} ↗</a>'
    )


def _link_note(e: LibraryEntry) -> str:
    """Under a title: which email an attachment came with, or what an email carried."""
    if e.parent_title:
        return f'<div class="doc-link">attachment of: {one_line(e.parent_title)}</div>'
    if e.attachments:
        return f'<div class="doc-link">attachments: {one_line(e.attachments)}</div>'
    return ""


def library_html(entries: Sequence[LibraryEntry], selected: str | None = None) -> str:
    """The collection's documents as a table; a click on a row selects it for editing."""
    if not entries:
        return f'<div class="library-empty">{escape(LIBRARY_EMPTY)}</div>'
    head = "".join(
        f'<th class="col-{c}">{escape(label)}</th>'
        for c, label in (
            ("title", "Title"),
            ("outlet", "Outlet"),
            ("date", "Date"),
            ("reliability", "Reliability"),
            ("language", "Language"),
            ("chunks", "Passages"),
            ("added", "Added (UTC)"),
            ("url", "URL"),
        )
    )
    rows = []
    for e in entries:
        cls = ' class="selected"' if e.doc_id == selected else ""
        edited = (
            ' <span class="edited" title="Metadata edited in the app">edited</span>'
            if e.edited
            else ""
        )
        rows.append(
            f'<tr data-doc="{escape(e.doc_id, quote=True)}"{cls} title="Select to edit or delete">'
            f'<td class="col-title">{_cell(e.title)}{edited}{_link_note(e)}</td>'
            f'<td class="col-outlet">{_cell(e.outlet)}</td>'
            f'<td class="col-date">{_cell(e.date)}</td>'
            f'<td class="col-reliability">{_cell(e.reliability, "unlabelled")}</td>'
            f'<td class="col-language">{_cell(e.language, "unknown")}</td>'
            f'<td class="col-chunks">{int(e.chunks)}</td>'
            f'<td class="col-added">{_cell(_when(e.added_at))}</td>'
            f'<td class="col-url">{_url_cell(e.url)}</td></tr>'
        )
    count = f"{len(entries)} document{'s' if len(entries) != 1 else ''}"
    return (
        f'<div class="library-count">{count} · click a row to edit or delete it</div>'
        f'<table class="library"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def upload_result_html(
    added: Iterable[str],
    failed: Iterable[dict[str, str]],
    unchanged: int = 0,
    notes: Iterable[dict[str, str]] = (),
) -> str:
    """One line per file: what went in, what did not and why, what went in only in part."""
    items = [f'<li class="ok">✓ {one_line(name)}</li>' for name in added]
    items += [
        f'<li class="partial">◐ <span class="name">{one_line(n.get("path", "?"))}</span>: '
        f'<span class="reason">{one_line(n.get("note", ""))}</span></li>'
        for n in notes
    ]
    if unchanged:
        items.append(f'<li class="same">{unchanged} already in the library, unchanged</li>')
    for f in failed:
        name = f.get("name") or f.get("path") or "?"
        items.append(
            f'<li class="failed">✗ <span class="name">{one_line(name)}</span>: '
            f'<span class="reason">{one_line(f.get("reason", ""))}</span></li>'
        )
    if not items:
        return ""
    return f'<ul class="upload-results">{"".join(items)}</ul>'


def quote_hits_html(phrase: str, hits: Sequence[QuoteHit]) -> str:
    """Ranked quote hits: source line, the passage with the phrase marked, an open button."""
    if not phrase.strip():
        return f'<div class="quotes-empty">{escape(QUOTES_PLACEHOLDER)}</div>'
    if not hits:
        return f'<div class="quotes-empty">{escape(QUOTES_EMPTY)}</div>'
    exact = sum(1 for h in hits if h.exact)
    summary = (
        f"{len(hits)} passage{'s' if len(hits) != 1 else ''} for “{one_line(phrase)}”: "
        f"{exact} exact, {len(hits) - exact} near"
    )
    cards = []
    for rank, h in enumerate(hits, 1):
        kind = "exact" if h.exact else "near"
        s, e = h.match_start, h.match_end
        body = (
            f"{escape(h.text[:s])}<mark>{escape(h.text[s:e])}</mark>{escape(h.text[e:])}"
            if 0 <= s <= e <= len(h.text)
            else escape(h.text)
        )
        where = (h.page, h.ocr_confidence)
        cards.append(
            f'<article class="quote-hit {kind}" data-doc="{escape(h.doc_id, quote=True)}">'
            f'<header><span class="rank">{rank}.</span> '
            f"{attribution(h.title, h.outlet, h.date, h.paragraph, h.reliability, None, *where)}"
            f' <span class="kind {kind}">{kind}</span></header>'
            f'<div class="passage">{body}</div>'
            f"<footer>{open_doc_button(h.doc_id, h.start, h.end)}</footer></article>"
        )
    return f'<div class="quotes-summary">{summary}</div>{"".join(cards)}'


def _marked(text: str, start: int, end: int, lo: int, hi: int) -> str:
    """Escaped ``text`` (which spans lo..hi of the document) with start..end in <mark>."""
    s, e = max(start, lo) - lo, min(end, hi) - lo
    if s >= e:
        return escape(text)
    return f'{escape(text[:s])}<mark class="hit">{escape(text[s:e])}</mark>{escape(text[e:])}'


def document_html(
    doc_id: str,
    text: str,
    title: str,
    outlet: str | None = None,
    date: str | None = None,
    url: str | None = None,
    reliability: str | None = None,
    span: tuple[int, int] | None = None,
    page_of: Callable[[int], int | None] | None = None,
    parent_title: str | None = None,
    ocr_of: Callable[[int], float | None] | None = None,
) -> str:
    """The full cleaned text, one numbered paragraph per block, ``span`` highlighted.

    A PDF (``page_of`` tells the page of an offset) gets a "p. N" mark where each page starts
    and the highlighted span's page in the header; a page read by OCR (``ocr_of`` tells its
    confidence) is marked "scanned, OCR 94%"; an attachment names its email.
    """
    starts = paragraph_starts(text)
    ends = [s - 2 for s in starts[1:]] + [len(text)]
    paras = []
    shown_page = None
    for n, (lo, hi) in enumerate(zip(starts, ends, strict=True), 1):
        page = page_of(lo) if page_of else None
        if page is not None and page != shown_page:
            paras.append(_page_mark(page, ocr_of(lo) if ocr_of else None))
            shown_page = page
        piece = text[lo:hi]
        inner = _marked(piece, span[0], span[1], lo, hi) if span else escape(piece)
        hit = " has-hit" if span and span[0] < hi and span[1] > lo else ""
        paras.append(
            f'<div class="para{hit}" id="para-{n}" data-n="{n}">'
            f'<span class="pn">{n}</span><p>{inner}</p></div>'
        )
    where = ", ".join(one_line(x) for x in (outlet, date) if x)
    head = (
        f'<header class="doc-head"><h2>{one_line(title)}</h2>'
        f'<div class="doc-meta">{where + " · " if where else ""}'
        f"{reliability_label(reliability)} · {len(starts)} paragraphs{_span_page(span, page_of)}"
        f"{_parent_note(parent_title)}</div>"
        f"{url_link(url)}</header>"
    )
    return (
        f'<article class="document" data-doc="{escape(doc_id, quote=True)}">'
        f'{head}<div class="paras">{"".join(paras)}</div></article>'
    )


def _page_mark(page: int, ocr: float | None) -> str:
    if ocr is None:
        return f'<div class="page-mark" id="page-{page}">p. {page}</div>'
    return f'<div class="page-mark ocr" id="page-{page}">p. {page} · scanned, {ocr_mark(ocr)}</div>'


def _span_page(span: tuple[int, int] | None, page_of: Callable[[int], int | None] | None) -> str:
    page = page_of(span[0]) if span and page_of else None
    return f" · highlighted passage on p. {page}" if page is not None else ""


def _parent_note(parent_title: str | None) -> str:
    return f" · attachment of: {one_line(parent_title)}" if parent_title else ""


def document_placeholder(message: str = DOCUMENT_PLACEHOLDER) -> str:
    return f'<div class="document-empty">{escape(message)}</div>'
