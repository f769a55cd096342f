"""Reading files into cleaned text plus metadata: one module per format, then furniture cleaning.

``read_file`` is the entry point (``rag.reading.files``); the format readers (txt, md, html,
pdf, docx, image) only turn bytes into raw paragraphs, and ``cleaning`` strips the page
furniture. Scanned pages (PDF pages without a text layer, images) are read by Tesseract
through ``ocr``; ``pages`` keeps each paragraph's page for PDFs and scans.
"""

from rag.reading.extracted import UnreadableFile
from rag.reading.files import SUPPORTED_SUFFIXES, LoadedFile, iter_corpus_files, read_file
from rag.reading.metadata import sidecar_path, split_front_matter

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadedFile",
    "UnreadableFile",
    "iter_corpus_files",
    "read_file",
    "sidecar_path",
    "split_front_matter",
]
