"""An image of a document (.png, .jpg, .tif; a multi-page TIFF is several pages) -> OCR'd text.

Pillow checks the image and gives each frame to Tesseract as grayscale PGM; an image larger
than Pillow's decompression-bomb limit (about 180 megapixels) is refused, not decoded.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

from PIL import Image, UnidentifiedImageError

from rag.reading.extracted import Extracted, UnreadableFile
from rag.reading.ocr import IMAGE_SUFFIXES as IMAGE_SUFFIXES  # noqa: F401 (re-exported)
from rag.reading.ocr import OcrOptions, PageImage, PageProgress, ocr_images
from rag.reading.pages import NO_OCR_TEXT, PageText, ocr_notes, paged_extract

_MIN_DPI = 50  # a smaller stated resolution is a placeholder (72 from screenshots is kept)


def _open(data: bytes) -> Image.Image:
    """The decoded header of an image, refusing what is not one and decompression bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.size  # noqa: B018 - the header is read: dimensions are known and checked
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableFile(f"image is too large to read ({exc})") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UnreadableFile(f"not a valid image ({exc})") from exc
    return image


def _dpi(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        return None
    return value if value >= _MIN_DPI else None


def _frames(image: Image.Image, count: int) -> Iterator[PageImage]:
    """The first ``count`` frames as grayscale PGM images, decoded one at a time."""
    for index in range(count):
        try:
            image.seek(index)
            gray = image.convert("L")
        except (OSError, ValueError, EOFError) as exc:
            raise UnreadableFile(f"cannot decode image page {index + 1} ({exc})") from exc
        buffer = io.BytesIO()
        gray.save(buffer, format="PPM")
        yield PageImage(buffer.getvalue(), _dpi(image))


def extract_image(
    data: bytes, ocr: OcrOptions | None = None, progress: PageProgress | None = None
) -> Extracted:
    """Every page of the image read by OCR (``ocr``; None or ``max_pages`` 0: refused)."""
    if ocr is None or ocr.max_pages == 0:
        raise UnreadableFile("images are read by OCR, which is off (RAG_OCR_MAX_PAGES=0)")
    image = _open(data)
    frames = int(getattr(image, "n_frames", 1) or 1)
    numbers = list(range(1, min(frames, ocr.max_pages) + 1))
    with image:
        read = ocr_images(_frames(image, len(numbers)), ocr, len(numbers), progress)
    pairs = list(zip(numbers, read, strict=True))
    texts = [PageText(n, page.lines, page.confidence) for n, page in pairs]
    notes = ocr_notes(pairs, list(range(len(numbers) + 1, frames + 1)), ocr.max_pages)
    return paged_extract(texts, {}, notes, NO_OCR_TEXT)
