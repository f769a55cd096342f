"""Render an ``Answer`` as text: Markdown with numbered footnotes (for copying into a story).

Presentation only; it adds no claims. Document text is quoted as-is inside the footnotes (the
span, verbatim); in the answer body a document's own reference marks ("[5]") are shown as "⁽⁵⁾"
so they cannot pass for our markers.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rag.answerers.base import names_line
from rag.types import Answer, AnswerSentence, Citation, ocr_label

UNSUPPORTED_MARK = "[not supported by the sources]"


def source_line(c: Citation) -> str:
    """Title, outlet, date, page, paragraph, OCR confidence, url: the attribution a reader needs
    (a passage read off a scan says so, with how sure the OCR was: "OCR 94%")."""
    label = f" ({c.meta.reliability})" if c.meta.reliability else ""
    parts = [f"*{c.meta.title}*{label}"]
    if c.meta.parent_title:
        parts.append(f"attachment of: {c.meta.parent_title}")
    parts += [x for x in (c.meta.outlet, c.meta.date) if x]
    if c.page is not None:
        parts.append(f"p. {c.page}")
    parts.append(f"para. {c.paragraph}")
    if c.ocr_confidence is not None:
        parts.append(ocr_label(c.ocr_confidence))
    if c.meta.url:
        parts.append(c.meta.url)
    return ", ".join(parts)


def _inline_footnotes(s: AnswerSentence) -> str:
    """A "Sources disagree" sentence names each side by its number: "[3] says" -> "[^3] says"."""
    numbers = {str(n) for n in s.citations}
    return re.sub(
        r"\[(\d+)\] says", lambda m: f"[^{m[1]}] says" if m[1] in numbers else m[0], s.display
    )


def _line(s: AnswerSentence) -> str:
    """One sentence in Markdown: its footnote markers, inline where the sentence has them."""
    if s.conflict:
        return _inline_footnotes(s)
    if s.role == "names":
        return names_line([(name, f"[^{n}]") for name, n in s.items])
    marks = "".join(f"[^{n}]" for n in s.citations)
    return f"{s.display}{marks}" if s.supported else f"{s.display} {UNSUPPORTED_MARK}"


def marks_shown(answer: Answer) -> Answer:
    """The answer with the "Sources disagree" lines' quotes showing a document's own "[5]" as
    "⁽⁵⁾" (the checker already shows quoted sentences so); citations' quotes stay verbatim."""
    text = answer.text
    for s in answer.sentences:
        if s.conflict and s.display != s.text:
            text = text.replace(s.text, s.display)
    return replace(answer, text=text) if text != answer.text else answer


def footnoted_markdown(answer: Answer) -> str:
    """The answer with [^n] footnotes quoting each cited span verbatim."""
    if not answer.grounded:
        return answer.text
    paragraphs: dict[int, list[str]] = {}
    for s in answer.sentences:
        paragraphs.setdefault(s.paragraph, []).append(_line(s))
    notes = [f"[^{c.n}]: {source_line(c)}: “{c.quote}”" for c in answer.citations]
    body = "\n\n".join(" ".join(lines) for _, lines in sorted(paragraphs.items()))
    return body + "\n\n" + "\n".join(notes)
