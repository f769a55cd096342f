"""Render an ``Answer`` as text: Markdown with numbered footnotes (for copying into a story).

Presentation only; it adds no claims. Document text is quoted as-is inside the footnotes.
"""

from __future__ import annotations

from rag.types import Answer, Citation

UNSUPPORTED_MARK = "[not supported by the sources]"


def source_line(c: Citation) -> str:
    """Title, outlet, date, url, paragraph: the attribution a reader needs."""
    label = f" ({c.meta.reliability})" if c.meta.reliability else ""
    parts = [f"*{c.meta.title}*{label}"]
    parts += [x for x in (c.meta.outlet, c.meta.date) if x]
    parts.append(f"para. {c.paragraph}")
    if c.meta.url:
        parts.append(c.meta.url)
    return ", ".join(parts)


def footnoted_markdown(answer: Answer) -> str:
    """The answer with [^n] footnotes quoting each cited span verbatim."""
    if not answer.grounded:
        return answer.text
    paragraphs: dict[int, list[str]] = {}
    for s in answer.sentences:
        marks = "".join(f"[^{n}]" for n in s.citations)
        line = f"{s.text}{marks}" if s.supported else f"{s.text} {UNSUPPORTED_MARK}"
        paragraphs.setdefault(s.paragraph, []).append(line)
    notes = [f"[^{c.n}]: {source_line(c)}: “{c.quote}”" for c in answer.citations]
    body = "\n\n".join(" ".join(lines) for _, lines in sorted(paragraphs.items()))
    return body + "\n\n" + "\n".join(notes)
