"""PDF -> raw paragraphs: page text with page numbers dropped, layout lines reflowed.

Title and date come from the document info, unless they are a generator's placeholder. A page
without a text layer (a scan) is rendered with PDFium and read by Tesseract (``rag.reading.ocr``);
in a mixed PDF the text pages keep their own text.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from typing import Any

import pypdfium2 as pdfium
from pypdf import PageObject, PdfReader
from pypdf.errors import DependencyError, PdfReadError

from rag.reading.extracted import Extracted, UnreadableFile, clean_meta, iso_date
from rag.reading.ocr import (
    OcrOptions,
    OcrPage,
    PageImage,
    PageProgress,
    fitted_scale,
    ocr_images,
)
from rag.reading.pages import NO_OCR_TEXT, PageText, ocr_notes, paged_extract
from rag.reading.paragraphs import normalize_paragraph

_PLACEHOLDER_TITLES = frozenset(
    "untitled unknown anonymous (anonymous) unspecified (unspecified) document none title".split()
)
_PDFIUM = threading.Lock()
MIN_TEXT_CHARS = 25  # fewer characters over an image: a stamp on a scan, so the page is OCR'd
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


def _has_image(page: PageObject, depth: int = 0) -> bool:
    """Whether the page draws an image (directly or inside a form), judged from its resources;
    True when they cannot be read (then OCR decides)."""
    try:
        resources: Any = page["/Resources"].get_object()
        xobjects = resources.get("/XObject")
        for ref in (xobjects.get_object() if xobjects else {}).values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                return True
            if obj.get("/Subtype") == "/Form" and depth < 3 and _has_image(obj, depth + 1):
                return True
    except Exception:  # noqa: BLE001 - odd resources: let OCR look at the page
        return True
    return False


def _needs_ocr(page: PageObject, lines: list[str]) -> bool:
    """A page with no text layer, or a few characters (a stamp, a scanner's label) over an image."""
    chars = sum(len("".join(line.split())) for line in lines)
    return chars == 0 or (chars < MIN_TEXT_CHARS and _has_image(page))


def _rendered(data: bytes, numbers: list[int], dpi: int) -> Iterator[PageImage]:
    """The pages ``numbers`` (1-based) as grayscale PGM images, rendered one at a time.

    PDFium must not be entered from two threads at once (the app ingests uploads in several),
    so every call into it holds ``_PDFIUM``; the OCR of earlier pages goes on meanwhile.
    """
    try:
        with _PDFIUM:
            document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"cannot render the scanned pages ({exc})") from exc
    try:
        for number in numbers:
            with _PDFIUM:
                page = document[number - 1]
                try:
                    width, height = page.get_size()
                    scale = fitted_scale(width, height, dpi)
                    image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
                finally:
                    page.close()
            buffer = io.BytesIO()
            image.save(buffer, format="PPM")
            yield PageImage(buffer.getvalue(), round(72 * scale))
    finally:
        with _PDFIUM:
            document.close()


def _ocr(
    data: bytes, scanned: list[int], ocr: OcrOptions | None, progress: PageProgress | None
) -> tuple[dict[int, OcrPage], list[str]]:
    """OCR the scanned pages (up to the limit): what each read page says, and the notes."""
    if ocr is None or not scanned:
        return {}, []
    numbers, skipped = scanned[: ocr.max_pages], scanned[ocr.max_pages :]
    read = ocr_images(_rendered(data, numbers, ocr.dpi), ocr, len(numbers), progress)
    pairs = list(zip(numbers, read, strict=True))
    return dict(pairs), ocr_notes(pairs, skipped, ocr.max_pages)


def _empty_reason(scanned: list[int], read: dict[int, OcrPage], ocr: OcrOptions | None) -> str:
    if read:
        return NO_OCR_TEXT
    if scanned and (ocr is None or ocr.max_pages == 0):
        return "PDF has no extractable text (scanned image?) and OCR is off (RAG_OCR_MAX_PAGES=0)"
    return "PDF has no extractable text"


def extract_pdf(
    data: bytes, ocr: OcrOptions | None = None, progress: PageProgress | None = None
) -> Extracted:
    """Text of every page, page numbers dropped, layout lines reflowed into paragraphs.

    Pages without a text layer are OCR'd (``ocr``; None: not read); the others keep theirs.
    """
    reader = _open_pdf(data)
    try:
        pages = list(reader.pages)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken page trees
        raise UnreadableFile(f"not a valid PDF ({exc})") from exc
    layers: dict[int, list[str]] = {}
    scanned: list[int] = []
    for number, page in enumerate(pages, 1):
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001,S112 - one broken page must not lose the others
            continue
        layers[number] = [line for line in text.splitlines() if not _PAGE_NUMBER.match(line)]
        if _needs_ocr(page, layers[number]):
            scanned.append(number)
    if ocr is not None and ocr.max_pages == 0:
        ocr = None
    read, notes = _ocr(data, scanned, ocr, progress)
    texts = []
    for number, lines in layers.items():
        got = read.get(number)
        if got is not None and got.has_text:  # OCR wins over a stamp's few characters
            texts.append(PageText(number, got.lines, got.confidence))
        else:
            texts.append(PageText(number, lines))
    return paged_extract(texts, _pdf_meta(reader), notes, _empty_reason(scanned, read, ocr))
