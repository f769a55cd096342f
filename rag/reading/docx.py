"""DOCX -> raw paragraphs: body paragraphs and table cells; zip bombs refused unopened.

Headers and footers are page furniture, so they are not read at all.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import docx
from docx.document import Document as DocxDocument
from docx.table import Table

from rag.reading.extracted import MB, Extracted, UnreadableFile, clean_meta, iso_date
from rag.reading.paragraphs import split_paragraphs

_PYTHON_DOCX_TEMPLATE_DATE = datetime(2013, 12, 23, 23, 15)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files and .doc
_RATIO_MIN_SIZE = MB  # tiny members may compress absurdly well and are harmless


def check_zip(data: bytes, max_unpacked: int, max_ratio: float) -> None:
    """Refuse zip bombs from the central directory, before anything is decompressed."""
    if data.startswith(_OLE_MAGIC):
        raise UnreadableFile("not a .docx zip: password-protected or old binary .doc format")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"not a valid .docx (not a zip archive: {exc})") from exc
    total = sum(info.file_size for info in infos)
    if total > max_unpacked:
        raise UnreadableFile(f"docx expands to {total // MB} MB: refused")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_MIN_SIZE and ratio > max_ratio:
            raise UnreadableFile(f"docx member {info.filename} expands {ratio:.0f}x: refused")
    if "word/document.xml" not in {info.filename for info in infos}:
        raise UnreadableFile("not a Word document (word/document.xml missing)")


def _docx_blocks(document: DocxDocument) -> list[str]:
    """Paragraph and table-cell texts in document order (merged cells once)."""
    texts: list[str] = []
    for item in document.iter_inner_content():
        if not isinstance(item, Table):
            texts.append(item.text)
            continue
        for row in item.rows:
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    texts.extend(p.text for p in cell.paragraphs)
    return texts


def _docx_meta(document: DocxDocument) -> dict[str, str]:
    props = document.core_properties
    created = props.created
    if created is not None and created.replace(tzinfo=None) == _PYTHON_DOCX_TEMPLATE_DATE:
        created = None  # python-docx's template date, not the author's
    return clean_meta({"title": props.title, "date": iso_date(created)})


def extract_docx(data: bytes, max_unpacked: int, max_ratio: float) -> Extracted:
    """Body paragraphs and table cells; headers/footers (furniture) are not read."""
    check_zip(data, max_unpacked, max_ratio)
    try:
        document = docx.Document(io.BytesIO(data))
        texts = _docx_blocks(document)
        meta = _docx_meta(document)
    except Exception as exc:  # noqa: BLE001 - python-docx raises KeyError, lxml errors, ...
        raise UnreadableFile(f"not a valid .docx ({type(exc).__name__}: {exc})") from exc
    raw = "\n\n".join(text.replace("\n", " ") for text in texts)
    return Extracted(split_paragraphs(raw, hard_wrapped=False), meta)
