"""The HTML pieces every panel shares: escaped text, links, a source's attribution line.

Why one place: each of these is where document text meets markup, so each escapes it, and the
chat, the Sources panel, the library, quote hits and the document view must all escape the same
way. Our own attributes are only ids, offsets and http(s) links.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlparse

from rag.types import ocr_label

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def one_line(value: str) -> str:
    """Escaped text on one line: a blank line or a newline cannot end or split our markup."""
    return escape(" ".join(value.split()))


def passage_text(value: str) -> str:
    """Escaped document text; its paragraph breaks become small gaps (CSS ``.pb``)."""
    return _PARAGRAPH_BREAK.sub('<span class="pb"></span>', escape(value))


def code_spans(message: str) -> str:
    """Escape a message, turning `backticked` words into <code> (our own messages only)."""
    parts = escape(message).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def reliability_label(reliability: str | None) -> str:
    """The journalist's label for a source; shown on every card, "unlabelled" when missing."""
    if reliability:
        return f'<span class="reliability">{one_line(reliability)}</span>'
    return '<span class="reliability none">unlabelled</span>'


def attribution(
    title: str,
    outlet: str | None,
    date: str | None,
    paragraph: int,
    reliability: str | None,
    parent_title: str | None = None,
    page: int | None = None,
    ocr: float | None = None,
) -> str:
    """Title — outlet, date · p. N · ¶n · reliability: how every quoted span names its source.

    An email's attachment also names its email ("attachment of: <subject>"); a passage read
    off a scan says so with the OCR's confidence ("OCR 94%").
    """
    where = ", ".join(one_line(x) for x in (outlet, date) if x)
    parts = [f'<span class="src-title">{one_line(title)}</span>']
    if parent_title:
        parts.append(f' <span class="src-parent">(attachment of: {one_line(parent_title)})</span>')
    if where:
        parts.append(f" — {where}")
    if page is not None:
        parts.append(f" · p. {page}")
    parts.append(f" · ¶{paragraph}")
    if ocr is not None:
        parts.append(f" · {ocr_mark(ocr)}")
    parts.append(f" · {reliability_label(reliability)}")
    return "".join(parts)


def ocr_mark(confidence: float) -> str:
    """ "OCR 94%", with a hover note saying what the number is."""
    return (
        '<span class="ocr-mark" title="Read off a scan by OCR: Tesseract\'s mean word '
        f'confidence on this page">{escape(ocr_label(confidence))}</span>'
    )


def open_doc_button(doc_id: str, start: int, end: int, label: str = "Open in document") -> str:
    """A button the page script turns into "show this span in the Document tab"."""
    return (
        f'<button type="button" class="open-doc" data-doc="{escape(doc_id, quote=True)}" '
        f'data-start="{int(start)}" data-end="{int(end)}">{escape(label)} ↗</button>'
    )


def url_link(url: str | None) -> str:
    """The source's address as a link, only for http(s) addresses (never javascript: etc.)."""
    if not url:
        return ""
    if urlparse(url).scheme.lower() not in ("http", "https"):
        return f'<div class="src-url">{one_line(url)}</div>'
    href = escape(url, quote=True)
    return (
        f'<div class="src-url"><a href="{href}" target="_blank" rel="noopener noreferrer">'
        f"{one_line(url)}</a></div>"
    )
