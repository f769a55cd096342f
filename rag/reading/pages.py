"""Paged text -> paragraphs that know their pages: shared by PDFs and scanned images.

A page is its layout lines (from the PDF's text layer or from OCR); the lines of all pages are
reflowed together (a paragraph may run on over a page break) and every paragraph records where
in it each page starts, which ``rag.reading.files`` turns into ``DocMeta.pages``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.reading.extracted import Extracted, UnreadableFile
from rag.reading.ocr import OcrPage
from rag.reading.paragraphs import normalize_paragraph, reflow_counted

NO_OCR_TEXT = "no text found by OCR"


@dataclass(frozen=True)
class PageText:
    """One page's lines; ``confidence`` (0-100) is set when they were read by OCR."""

    number: int
    lines: list[str]
    confidence: float | None = None


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


def paged_extract(
    pages: list[PageText], meta: dict[str, str], notes: list[str], empty_reason: str
) -> Extracted:
    """Reflowed paragraphs with their page marks and the OCR'd pages' confidences; raises
    ``UnreadableFile(empty_reason)`` when no page has any text."""
    lines: list[str] = []
    line_pages: list[int] = []  # the page of each non-blank line, as reflowing counts them
    for page in pages:
        lines.extend(page.lines)
        line_pages.extend(page.number for line in page.lines if normalize_paragraph(line))
    counted = reflow_counted("\n".join(lines))
    if not counted:
        raise UnreadableFile(empty_reason)
    ocr = {
        p.number: p.confidence
        for p in pages
        if p.confidence is not None and any(normalize_paragraph(x) for x in p.lines)
    }
    return Extracted(
        [p for p, _ in counted], meta, _page_marks(counted, line_pages), ocr=ocr, notes=notes
    )


def ocr_notes(read: list[tuple[int, OcrPage]], skipped: list[int], max_pages: int) -> list[str]:
    """What the ingest report says about a scan: pages OCR could not read, pages over the limit."""
    notes = [f"p. {number}: {page.error}" for number, page in read if page.error]
    if skipped:
        notes.append(
            f"{len(skipped)} scanned page{'s' if len(skipped) > 1 else ''} not read "
            f"({page_ranges(skipped)}): over the limit of {max_pages} OCR pages per document "
            "(RAG_OCR_MAX_PAGES); the document keeps the pages read"
        )
    return notes


def page_ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> "pp. 3-5, 9"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    text = ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in spans)
    return f"{'pp' if len(numbers) > 1 else 'p'}. {text}"
