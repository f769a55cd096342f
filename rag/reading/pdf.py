"""PDF -> raw paragraphs: page text with page numbers dropped, layout lines reflowed.

Title and date come from the document info, unless they are a generator's placeholder.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.errors import DependencyError, PdfReadError

from rag.reading.extracted import Extracted, UnreadableFile, clean_meta, iso_date
from rag.reading.paragraphs import normalize_paragraph, reflow_counted

_PLACEHOLDER_TITLES = frozenset(
    "untitled unknown anonymous (anonymous) unspecified (unspecified) document none title".split()
)
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s+(?:of|/)\s+\d{1,4})?\s*$", re.IGNORECASE)


def _useful_title(title: object) -> str | None:
    """A PDF title unless it is a generator placeholder or a file name."""
    text = normalize_paragraph(str(title or "")).removeprefix("Microsoft Word - ")
    if text.lower() in _PLACEHOLDER_TITLES or re.search(r"\.(docx?|pdf|odt|rtf)$", text, re.I):
        return None
    return text or None


def _open_pdf(data: bytes) -> PdfReader:
    """PdfReader for ``data``, decrypted with the empty password if needed."""
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile("not a valid PDF (no %PDF header)")
    if b"%%EOF" not in data:
        raise UnreadableFile("not a valid PDF (EOF marker not found)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("PDF is password-protected")
    except DependencyError as exc:
        raise UnreadableFile(f"PDF is encrypted and cannot be opened ({exc})") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnreadableFile(f"not a valid PDF ({exc})") from exc
    return reader


def _pdf_meta(reader: PdfReader) -> dict[str, str]:
    try:
        info = reader.metadata
        title = _useful_title(info.title) if info else None
        created = iso_date(info.creation_date) if info else None
    except Exception:  # noqa: BLE001 - malformed /Info must not cost us the text
        title, created = None, None
    return clean_meta({"title": title, "date": created})


def _page_marks(
    counted: list[tuple[str, list[int]]], line_pages: list[int]
) -> list[list[tuple[int, int]]]:
    """For each paragraph, (offset in it, page) of its first line and of every page change
    inside it (a paragraph may run on over a page break)."""
    marks: list[list[tuple[int, int]]] = []
    line = 0
    for _, lengths in counted:
        here: list[tuple[int, int]] = []
        offset = 0
        for length in lengths:
            page = line_pages[min(line, len(line_pages) - 1)]
            if not here or here[-1][1] != page:
                here.append((offset, page))
            offset += length + 1
            line += 1
        marks.append(here)
    return marks


def extract_pdf(data: bytes) -> Extracted:
    """Text of every page, page numbers dropped, layout lines reflowed into paragraphs."""
    reader = _open_pdf(data)
    lines: list[str] = []
    line_pages: list[int] = []  # the page of each non-blank line, as reflowing counts them
    try:
        pages = list(reader.pages)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken page trees
        raise UnreadableFile(f"not a valid PDF ({exc})") from exc
    for number, page in enumerate(pages, 1):
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001,S112 - one broken page must not lose the others
            continue
        kept = [line for line in text.splitlines() if not _PAGE_NUMBER.match(line)]
        lines.extend(kept)
        line_pages.extend(number for line in kept if normalize_paragraph(line))
    counted = reflow_counted("\n".join(lines))
    if not counted:
        raise UnreadableFile("PDF has no extractable text (scanned image?)")
    return Extracted([p for p, _ in counted], _pdf_meta(reader), _page_marks(counted, line_pages))
