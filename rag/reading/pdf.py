"""PDF -> raw paragraphs: page text with page numbers dropped, layout lines reflowed.

Title and date come from the document info, unless they are a generator's placeholder.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.errors import DependencyError, PdfReadError

from rag.reading.extracted import Extracted, UnreadableFile, clean_meta, iso_date
from rag.reading.paragraphs import normalize_paragraph, reflow_lines

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


def extract_pdf(data: bytes) -> Extracted:
    """Text of every page, page numbers dropped, layout lines reflowed into paragraphs."""
    reader = _open_pdf(data)
    lines: list[str] = []
    try:
        pages = list(reader.pages)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken page trees
        raise UnreadableFile(f"not a valid PDF ({exc})") from exc
    for page in pages:
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001,S112 - one broken page must not lose the others
            continue
        lines.extend(line for line in text.splitlines() if not _PAGE_NUMBER.match(line))
    paragraphs = reflow_lines("\n".join(lines))
    if not paragraphs:
        raise UnreadableFile("PDF has no extractable text (scanned image?)")
    return Extracted(paragraphs, _pdf_meta(reader))
