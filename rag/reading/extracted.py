"""What every format reader returns, and the one error they all raise.

Everything a journalist might drop in a folder can be broken, encrypted or hostile, so every
failure becomes ``UnreadableFile`` with a one-line reason instead of a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from rag.reading.paragraphs import normalize_paragraph

MB = 1024 * 1024


class UnreadableFile(Exception):
    """Raised with a one-line human reason, e.g. 'not a valid PDF (EOF marker not found)'."""

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(reason.split()))  # library messages may span lines


@dataclass
class Extracted:
    """Raw paragraphs (furniture still in) and the metadata fields the file itself states."""

    paragraphs: list[str]
    meta: dict[str, str] = field(default_factory=dict)
    # a PDF's pages: for each paragraph, (offset in it, page) wherever a page starts in it
    pages: list[list[tuple[int, int]]] | None = None
    ocr: dict[int, float] = field(default_factory=dict)  # OCR'd page -> mean word confidence
    notes: list[str] = field(default_factory=list)  # read, but not all of it (pages over a limit)


def iso_date(value: object) -> str | None:
    """An ISO ``YYYY-MM-DD`` from a date, datetime or string that starts with one."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", str(value or ""))
    return match.group(1) if match else None


def clean_meta(meta: dict[str, str | None]) -> dict[str, str]:
    """Drop empty values and flatten the rest to one line."""
    cleaned = {key: normalize_paragraph(value or "") for key, value in meta.items()}
    return {key: value for key, value in cleaned.items() if value}
