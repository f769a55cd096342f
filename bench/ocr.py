"""OCR of scanned pages: word accuracy and pages per second, as ``rag ingest`` reads a scan.

Why: a scan is only as useful as the words Tesseract gets right, and a long scan is the
slowest thing an ingest does. The corpus text (cleaned, as stored) is typeset on A4 pages with
Pillow at 200 dpi (11 pt Liberation Serif, a Times metric clone; DejaVu Serif where it is
missing; Pillow's own font lacks the em dash and accents, which it draws as boxes), the pages
are saved as an image-only PDF and read by ``rag.reading.pdf.extract_pdf`` exactly as the
ingest does (render with PDFium, Tesseract eng+spa). Word accuracy = 1 - word-level edit
distance / reference words, on whitespace-separated words with typographic quotes and dashes
made plain (the font draws them alike); case and punctuation count. Each setting reads the
same pages in the same run.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from resource import RUSAGE_CHILDREN, RUSAGE_SELF

from PIL import Image, ImageDraw, ImageFont

from bench.common import ROOT, log, markdown_table

DPI = 200
PAGE_INCHES = (8.27, 11.69)  # A4
MARGIN_INCHES = 1.0
FONT_POINTS = 11
GOAL = 0.97
FONTS = (  # the first one installed; Debian's fonts-liberation, then fonts-dejavu-core
    Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
)
_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-"})
_PLAIN |= str.maketrans({"\u2013": "-"})


@dataclass(frozen=True)
class Typeset:
    """Pages rendered from paragraphs: the images and the paragraphs on each page."""

    images: list[Image.Image]
    pages: list[list[str]]

    def pdf(self) -> bytes:
        """The pages as an image-only PDF (no text layer), as a scanner writes one."""
        buffer = io.BytesIO()
        first, *rest = self.images
        first.save(buffer, format="PDF", resolution=DPI, save_all=True, append_images=rest)
        return buffer.getvalue()


def _wrap(
    paragraph: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float
) -> list[str]:
    lines: list[str] = []
    for word in paragraph.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A serif book face if one is installed, else Pillow's bundled font."""
    for path in FONTS:
        if path.is_file():
            return ImageFont.truetype(str(path), pixels)
    return ImageFont.load_default(size=pixels)


def font_name() -> str:
    return next((path.stem for path in FONTS if path.is_file()), "Pillow's default")


def typeset(paragraphs: Sequence[str], dpi: int = DPI, max_pages: int | None = None) -> Typeset:
    """Paragraphs laid out on A4 pages (a paragraph never splits across pages), black on white."""
    width, height = (round(inches * dpi) for inches in PAGE_INCHES)
    margin = round(MARGIN_INCHES * dpi)
    font = _font(round(FONT_POINTS * dpi / 72))
    line_height = round(FONT_POINTS * dpi / 72 * 1.4)
    images: list[Image.Image] = []
    pages: list[list[str]] = []
    y = height  # no page yet
    for paragraph in paragraphs:
        lines = _wrap(paragraph, font, width - 2 * margin)
        if y + line_height * len(lines) > height - margin:
            if max_pages is not None and len(pages) == max_pages:
                break
            images.append(Image.new("L", (width, height), 255))
            pages.append([])
            y = margin
        draw = ImageDraw.Draw(images[-1])
        for line in lines:
            draw.text((margin, y), line, fill=0, font=font)
            y += line_height
        y += line_height // 2
        pages[-1].append(paragraph)
    return Typeset(images, pages)


def corpus_paragraphs() -> list[str]:
    """The corpus's cleaned paragraphs, as stored (furniture such as "00:00" lines gone)."""
    from rag.reading import iter_corpus_files, read_file

    paragraphs: list[str] = []
    for path in iter_corpus_files([ROOT / "corpus"]):
        paragraphs += read_file(path).text.split("\n\n")
    return paragraphs


def word_accuracy(reference: str, read: str) -> float:
    """1 - word-level edit distance / reference words."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = reference.translate(_PLAIN).split(), read.translate(_PLAIN).split()
    return 1 - Levenshtein.distance(ref, hyp) / len(ref)


def _cpu_seconds() -> float:
    """CPU time of this process (rendering) and its finished children (Tesseract)."""
    own, children = (resource.getrusage(who) for who in (RUSAGE_SELF, RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(pdf: bytes, reference: str, pages: int, dpi: int, workers: int) -> list[str]:
    from rag.reading.ocr import OcrOptions
    from rag.reading.pdf import extract_pdf

    options = OcrOptions(max_pages=pages, dpi=dpi, workers=workers)
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), _cpu_seconds()
    extracted = extract_pdf(pdf, options)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    accuracy = word_accuracy(reference, " ".join(extracted.paragraphs))
    confidence = sum(extracted.ocr.values()) / len(extracted.ocr)
    log(f"ocr dpi {dpi}, {workers} workers: {accuracy:.4f} in {seconds:.1f} s")
    return [
        f"{dpi}",
        f"{workers}",
        f"{pages}",
        f"{accuracy:.2%}",
        "yes" if accuracy >= GOAL else "no",
        f"{confidence:.1f}",
        f"{seconds:.1f}",
        f"{pages / seconds:.2f}",
        f"{cpu / pages:.2f}",
        f"{load:.1f}",
    ]


def run(args: argparse.Namespace) -> str:
    paragraphs = corpus_paragraphs()
    sheet = typeset(paragraphs, max_pages=args.limit)
    pdf = sheet.pdf()
    reference = " ".join(p for page in sheet.pages for p in page)
    pages = len(sheet.pages)
    log(f"ocr: {pages} pages, {len(reference.split())} words")
    settings = [(300, 2), (300, 1), (200, 2)]  # the default first; then one worker; lower dpi
    rows = [_measure(pdf, reference, pages, dpi, workers) for dpi, workers in settings]
    table = markdown_table(
        [
            "render dpi",
            "workers",
            "pages",
            "word accuracy",
            f">= {GOAL:.0%}",
            "mean confidence",
            "seconds",
            "pages/s",
            "CPU s per page",
            "load before",
        ],
        rows,
    )
    note = (
        f"{pages} A4 pages typeset in {font_name()} at {DPI} dpi from the "
        f"{len(reference.split())} words of corpus/; defaults: RAG_OCR_DPI=300, "
        f"RAG_OCR_WORKERS=2. Machine: {os.cpu_count()} CPUs, 1-min load average "
        f"{os.getloadavg()[0]:.2f} at the end. Seconds and pages/s are wall-clock (other "
        "processes count); CPU s per page (PDFium rendering + Tesseract) does not depend on them."
    )
    return f"## OCR\n\n{__doc__.split(chr(10) + chr(10))[0]}\n\n{table}\n\n{note}\n"


def main() -> None:  # pragma: no cover - for a quick look: python -m bench.ocr
    print(run(argparse.Namespace(limit=None, shared=Path())))


if __name__ == "__main__":
    main()
