"""Plain text -> raw paragraphs: decode safely, take the front matter off, split paragraphs.

Binary data renamed to .txt is refused here, rather than indexed as garbage.
"""

from __future__ import annotations

import re

from rag.reading.extracted import Extracted, UnreadableFile
from rag.reading.metadata import split_front_matter
from rag.reading.paragraphs import split_paragraphs


def decode_text(data: bytes) -> str:
    """Bytes -> str for .txt/.md, refusing binary data rather than indexing garbage.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such. Anything else is
    accepted as Windows-1252 (a superset of printable Latin-1, what old newsroom exports use)
    only if it has no control bytes besides tab/CR/LF/form feed and every byte maps to a character;
    otherwise "not UTF-8 text". NUL bytes or >30% non-printable characters: "binary data".
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data:
        raise UnreadableFile("binary data, not text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_cp1252(data)
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
    if text and printable < 0.7 * len(text):
        raise UnreadableFile("binary data, not text")
    return text


def _decode_cp1252(data: bytes) -> str:
    if re.search(rb"[\x01-\x08\x0b\x0e-\x1f\x7f]", data):
        raise UnreadableFile("binary data, not text")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("not UTF-8 text") from exc


def extract_txt(data: bytes) -> Extracted:
    """Paragraphs of a text file (wrapping detected), and the fields of its front matter."""
    meta, body = split_front_matter(decode_text(data))
    return Extracted(split_paragraphs(body), meta)
