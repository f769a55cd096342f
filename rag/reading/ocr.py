"""Reading text off page images with Tesseract: an image in, its lines and a confidence out.

Why the ``tesseract`` binary and not a binding: nothing to compile, and a page that crashes or
hangs Tesseract costs that page only (a timeout), not the ingest. Each page is one process
with one thread (``OMP_THREAD_LIMIT=1``) and ``workers`` pages run at once: on a small machine
that beats one process using OpenMP threads, which spend much of their time waiting.

The confidence of a page is Tesseract's mean word confidence (0-100) over the words it kept;
it is what citations show as "OCR 94%".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from rag.reading.extracted import UnreadableFile

IMAGE_SUFFIXES: frozenset[str] = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})

PAGE_TIMEOUT = 180.0  # seconds one page may take before it is given up (a pathological image)
MAX_PAGE_PIXELS = 40_000_000  # a page rendered bigger than this is rendered at a lower dpi
TESSERACT = "tesseract"
INSTALL_HINT = "install tesseract-ocr (make install does)"

PROGRESS_EVERY = 10  # a long scan is reported every this many pages OCR'd (and at its last)

PageProgress = Callable[[int, int], None]
"""Called after each OCR'd page with (pages done, pages to OCR)."""


@dataclass(frozen=True)
class OcrOptions:
    """How scans are read; built from ``Settings`` (``ocr_*``) at the edge and passed down.

    ``max_pages`` caps the pages OCR'd per document (0 turns OCR off); ``dpi`` is the
    resolution PDF pages are rendered at; ``workers`` pages are read at once.
    """

    languages: str = "eng+spa"
    max_pages: int = 300
    dpi: int = 300
    workers: int = 2


@dataclass(frozen=True)
class PageImage:
    """One page to read: an image file's bytes (any format Tesseract reads; PGM is fastest)."""

    data: bytes
    dpi: int | None = None  # None: Tesseract estimates it from the text height


@dataclass(frozen=True)
class OcrPage:
    """What Tesseract read on one page: layout lines, "" between its paragraphs."""

    lines: list[str] = field(default_factory=list)
    confidence: float = 0.0
    error: str | None = None  # why the page could not be read (it then has no lines)

    @property
    def has_text(self) -> bool:
        return any(line for line in self.lines)


def _command(options: OcrOptions, dpi: int | None) -> list[str]:
    binary = shutil.which(TESSERACT)
    if binary is None:
        raise UnreadableFile(f"scanned pages need OCR, but Tesseract is missing: {INSTALL_HINT}")
    command = [binary, "stdin", "stdout", "-l", options.languages, "--psm", "3"]
    if dpi:
        command += ["--dpi", str(dpi)]
    return [*command, "tsv"]


def parse_tsv(tsv: str) -> OcrPage:
    """Tesseract's TSV (one row per word, with block/paragraph/line numbers) -> an ``OcrPage``.

    Lines without a letter or digit are dropped (speckle, rules and photo edges read as
    "|~-"), and so are their words' confidences.
    """
    lines: list[str] = []
    confidences: list[float] = []
    words: list[tuple[str, float]] = []
    last_line: tuple[str, ...] | None = None
    last_para: tuple[str, ...] | None = None

    def close_line() -> None:
        text = " ".join(w for w, _ in words)
        if any(ch.isalnum() for ch in text):
            lines.append(text)
            confidences.extend(c for _, c in words)
        words.clear()

    for row in tsv.splitlines()[1:]:
        cols = row.split("\t", 11)
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        if conf < 0:
            continue
        para, line = tuple(cols[1:4]), tuple(cols[1:5])
        if line != last_line:
            close_line()
            if last_para is not None and para != last_para and lines and lines[-1]:
                lines.append("")  # a new Tesseract paragraph: a blank line before it
            last_line, last_para = line, para
        words.append((cols[11].strip(), conf))
    close_line()
    while lines and not lines[-1]:
        lines.pop()
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrPage(lines, round(mean, 1))


def ocr_image(image: PageImage, options: OcrOptions) -> OcrPage:
    """Read one page image; a failure of this page only comes back as ``OcrPage.error``,
    while a missing Tesseract or language raises ``UnreadableFile`` (no page can be read)."""
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            _command(options, image.dpi),
            input=image.data,
            capture_output=True,
            timeout=PAGE_TIMEOUT,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return OcrPage(error=f"OCR gave up after {PAGE_TIMEOUT:g} s")
    except OSError as exc:
        raise UnreadableFile(f"cannot run Tesseract ({exc}): {INSTALL_HINT}") from exc
    message = done.stderr.decode("utf-8", "replace")
    if "Failed loading language" in message or "Could not initialize tesseract" in message:
        hint = f"install tesseract-ocr-<lang> for each of '{options.languages}' (RAG_OCR_LANGUAGES)"
        raise UnreadableFile(f"Tesseract cannot load its languages: {hint}")
    if done.returncode != 0:
        last = message.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        return OcrPage(error=f"OCR failed ({last[0]})")
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


def ocr_images(
    images: Iterable[PageImage],
    options: OcrOptions,
    total: int,
    progress: PageProgress | None = None,
) -> list[OcrPage]:
    """Read ``images`` in order, ``options.workers`` at a time.

    The images are produced (rendered) in this thread while earlier ones are read, and at
    most two per worker wait, so a 300-page scan never sits in memory all at once.
    """
    results: list[OcrPage] = []
    pending: deque[Future[OcrPage]] = deque()

    def collect() -> None:
        results.append(pending.popleft().result())
        if progress:
            progress(len(results), total)

    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        try:
            for image in images:
                pending.append(pool.submit(ocr_image, image, options))
                if len(pending) >= 2 * options.workers:
                    collect()
            while pending:
                collect()
        finally:
            for future in pending:
                future.cancel()
    return results


def every_few_pages(
    progress: Callable[[int, int, str], None] | None, name: str
) -> PageProgress | None:
    """A ``PageProgress`` passing (done, total, ``name``) on every ``PROGRESS_EVERY`` pages."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            progress(done, total, name)

    return report


def fitted_scale(width: float, height: float, dpi: int) -> float:
    """Points -> pixels scale for rendering a page at ``dpi``, lowered for a huge page so its
    image stays under ``MAX_PAGE_PIXELS`` (a 5-metre poster must not take gigabytes)."""
    scale = dpi / 72
    pixels = width * height * scale * scale
    if pixels > MAX_PAGE_PIXELS:
        scale *= (MAX_PAGE_PIXELS / pixels) ** 0.5
    return scale
