"""Which files we read, and reading one: pick the reader by extension, then clean, then metadata.

Data flows one way: bytes -> the format's reader (raw paragraphs plus the metadata the file
states) -> furniture stripped (``rag.reading.cleaning``, outlet guessed from it first) -> title
fallback -> sidecar ``<file>.meta.yml`` overrides. The stored text is what citations point into,
so it is one paragraph per line, separated by ``PARAGRAPH_SEPARATOR``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.reading.cleaning import guess_outlet, strip_furniture
from rag.reading.extracted import MB, Extracted, UnreadableFile
from rag.reading.md import extract_md
from rag.reading.metadata import read_sidecar
from rag.reading.ocr import IMAGE_SUFFIXES, OcrOptions, PageProgress
from rag.reading.paragraphs import normalize_paragraph
from rag.reading.txt import extract_txt
from rag.types import PARAGRAPH_SEPARATOR, DocMeta

ATTACHMENT_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
)
EMAIL_SUFFIXES: frozenset[str] = frozenset({".eml", ".msg"})
# Images are not read as an email's attachments: those are mostly logos and signatures.
SUPPORTED_SUFFIXES: frozenset[str] = ATTACHMENT_SUFFIXES | EMAIL_SUFFIXES | IMAGE_SUFFIXES
DEFAULT_MAX_BYTES = 50 * MB
DEFAULT_MAX_UNPACKED = 200 * MB
DEFAULT_MAX_RATIO = 200.0
MAX_HEADLINE_CHARS = 150


@dataclass(frozen=True)
class LoadedFile:
    """Cleaned text (one-line paragraphs joined by PARAGRAPH_SEPARATOR) and its metadata."""

    text: str
    meta: DocMeta
    notes: tuple[str, ...] = ()  # read, but not all of it (e.g. scanned pages over the limit)


def human_size(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0")


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """File contents, refusing missing, oversized and empty files before parsing anything."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UnreadableFile("not a regular file")
        if size > max_bytes:
            limit = human_size(max_bytes)
            raise UnreadableFile(f"file is {human_size(size)} MB, over the {limit} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise UnreadableFile("no text (empty file)")
    return data


@dataclass(frozen=True)
class ReadOptions:
    """Limits and OCR for one read: ``max_unpacked`` and ``max_ratio`` cap what a .docx (a zip)
    may expand to, in total bytes and per-member compression ratio; ``ocr`` None reads no scan.
    """

    max_unpacked: int = DEFAULT_MAX_UNPACKED
    max_ratio: float = DEFAULT_MAX_RATIO
    ocr: OcrOptions | None = OcrOptions()
    ocr_progress: PageProgress | None = None


def _extract(suffix: str, data: bytes, options: ReadOptions) -> Extracted:
    """The reader for this extension (one of ``SUPPORTED_SUFFIXES``)."""
    # bs4, pypdf, PDFium, Pillow, python-docx and the mail readers are imported here, by the
    # format that needs them: a question never reads a file and should not pay for them.
    if suffix in IMAGE_SUFFIXES:
        from rag.reading.image import extract_image

        return extract_image(data, options.ocr, options.ocr_progress)
    match suffix:
        case ".txt":
            return extract_txt(data)
        case ".md" | ".markdown":
            return extract_md(data)
        case ".html" | ".htm":
            from rag.reading.html import extract_html

            return extract_html(data)
        case ".pdf":
            from rag.reading.pdf import extract_pdf

            return extract_pdf(data, options.ocr, options.ocr_progress)
        case ".eml":
            from rag.reading.eml import extract_eml

            return extract_eml(data)
        case ".msg":
            from rag.reading.eml import extract_msg

            return extract_msg(data)
        case _:
            from rag.reading.docx import extract_docx

            return extract_docx(data, options.max_unpacked, options.max_ratio)


def _name_title(path: Path) -> str:
    """``scan_of_memo-2.png`` -> "scan of memo 2"."""
    return normalize_paragraph(re.sub(r"[_-]+", " ", path.stem)) or path.name


def _fallback_title(paragraphs: list[str], path: Path) -> str:
    """A short unpunctuated first paragraph is the headline; else the file name (always for an
    image: what OCR reads first is as likely a letterhead as a headline)."""
    first = paragraphs[0] if paragraphs else ""
    image = path.suffix.lower() in IMAGE_SUFFIXES
    if first and len(first) < MAX_HEADLINE_CHARS and not first.endswith(".") and not image:
        return first
    return _name_title(path)


def read_file(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
    max_ratio: float = DEFAULT_MAX_RATIO,
    ocr: OcrOptions | None = OcrOptions(),  # noqa: B008 - frozen, so one shared default is safe
    ocr_progress: PageProgress | None = None,
) -> LoadedFile:
    """Load one file; raises ``UnreadableFile`` for anything that cannot become clean text.

    ``max_bytes`` caps the file size; ``max_unpacked`` and ``max_ratio`` cap what a .docx
    (a zip) may expand to, in total bytes and per-member compression ratio. Scans are read
    with ``ocr`` (the ingest passes the settings' ``ocr_options``; None reads no scan), and
    ``ocr_progress`` hears of every page OCR'd.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type '{path.suffix or path.name}'")
    data = read_bytes(path, max_bytes)
    options = ReadOptions(max_unpacked, max_ratio, ocr, ocr_progress)
    return load_bytes(data, path, read_sidecar(path), options)


def _page_starts(extracted: Extracted, kept: list[str]) -> str | None:
    """Where each page starts in the stored text, as ``DocMeta.pages`` ("page:offset,...").

    Cleaning only drops paragraphs, so the kept ones are matched to the raw ones in order.
    """
    if extracted.pages is None:
        return None
    raw = iter(zip(extracted.paragraphs, extracted.pages, strict=True))
    marks: list[str] = []
    offset, last = 0, None
    for paragraph in kept:
        inside = next(pages for text, pages in raw if text == paragraph)
        for at, page in inside:
            if page != last:
                marks.append(f"{page}:{offset + at}")
                last = page
        offset += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    return ",".join(marks)


def _ocr_pages(extracted: Extracted, pages: str | None) -> str | None:
    """The OCR'd pages still in the text and their confidence, as ``DocMeta.ocr_pages``."""
    kept = {int(mark.partition(":")[0]) for mark in (pages or "").split(",") if mark}
    marks = [f"{n}:{c:.1f}" for n, c in sorted(extracted.ocr.items()) if n in kept]
    return ",".join(marks) or None


def load_bytes(
    data: bytes,
    path: Path,
    overrides: dict[str, str],
    options: ReadOptions = ReadOptions(),  # noqa: B008 - frozen, so one shared default is safe
    parsed: Extracted | None = None,
) -> LoadedFile:
    """Bytes of a file named ``path`` (on disk, or an email's attachment) -> clean text + meta.

    ``overrides`` (a sidecar's fields) win over what the file states; ``parsed`` is the
    format reader's result when the caller already has it (an email read with its attachments).
    """
    extracted = parsed or _extract(path.suffix.lower(), data, options)
    paragraphs = strip_furniture(extracted.paragraphs)
    if not paragraphs:
        raise UnreadableFile("no text left after cleaning")
    fields = extracted.meta | overrides
    pages = _page_starts(extracted, paragraphs)
    meta = DocMeta(
        title=fields.get("title") or _fallback_title(paragraphs, path),
        outlet=fields.get("outlet") or fields.get("sender") or guess_outlet(extracted.paragraphs),
        date=fields.get("date"),
        url=fields.get("url"),
        reliability=fields.get("reliability"),
        sender=fields.get("sender"),
        recipients=fields.get("recipients"),
        pages=pages,
        language=fields.get("language"),  # as stated by hand; checked, else detected, at ingest
        ocr_pages=_ocr_pages(extracted, pages),
    )
    return LoadedFile(PARAGRAPH_SEPARATOR.join(paragraphs), meta, tuple(extracted.notes))


def _is_skipped(name: str) -> bool:
    return name.startswith((".", "_"))


def _walk(root: Path) -> list[Path]:
    """Supported files under ``root``, sorted, without hidden or ``_``-prefixed entries."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _is_skipped(d))
        for name in sorted(files):
            if not _is_skipped(name) and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(Path(folder) / name)
    return sorted(found)


def iter_corpus_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders recursively; keep supported files once, in order given / sorted.

    Hidden and ``_``-prefixed files and folders inside a folder are skipped; sidecars end in
    .yml so never qualify. A path that is not a folder is kept if its suffix is supported,
    even if it does not exist, so that ``read_file`` reports it instead of it vanishing.
    """
    result: list[Path] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        candidates = _walk(path) if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.suffix.lower() in SUPPORTED_SUFFIXES and candidate not in seen:
                seen.add(candidate)
                result.append(candidate)
    return result


_UNSAFE_NAME = re.compile(r"[\\\x00-\x1f\x7f]")


def refusal(path: Path, folders: list[Path]) -> str | None:
    """Why a file found in a folder must not be read, judged by its name and where it leads.

    A backslash is a path separator on Windows (names like ``..\\..\\x.txt`` come from
    hostile archives), control characters can forge lines in reports, and a link out of
    the folder being ingested would index files nobody put there.
    """
    if _UNSAFE_NAME.search(path.name):
        return "file name contains a path separator or control character: refused"
    folder = next((f for f in folders if path.is_relative_to(f)), None)
    if folder is not None and not path.resolve().is_relative_to(folder.resolve()):
        return "links to a file outside the folder being ingested: refused"
    return None
