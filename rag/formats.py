"""Format-specific extraction (HTML, PDF, DOCX) into raw paragraphs plus the metadata a file states.

``rag.readers`` does the shared work on top (furniture, title fallback, sidecars). Everything a
journalist might drop in a folder can be broken, encrypted or hostile, so every failure becomes
``UnreadableFile`` with a one-line reason instead of a traceback.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import docx
from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from docx.document import Document as DocxDocument
from docx.table import Table
from pypdf import PdfReader
from pypdf.errors import DependencyError, PdfReadError

from rag.cleaning import normalize_paragraph, reflow_lines, split_paragraphs

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


def iso_date(value: object) -> str | None:
    """An ISO ``YYYY-MM-DD`` from a date, datetime or string that starts with one."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", str(value or ""))
    return match.group(1) if match else None


def _clean_meta(meta: dict[str, str | None]) -> dict[str, str]:
    """Drop empty values and flatten the rest to one line."""
    cleaned = {key: normalize_paragraph(value or "") for key, value in meta.items()}
    return {key: value for key, value in cleaned.items() if value}


# --- HTML -------------------------------------------------------------------------------------

_HTML_DROP = tuple(
    "script style nav form noscript iframe svg aside template button select head".split()
)
_HTML_PAGE_CHROME = ("header", "footer")
_HTML_BLOCKS = tuple(
    "p h1 h2 h3 h4 h5 h6 li blockquote pre td th tr div section article main ul ol table dt dd "
    "figcaption caption address hr header footer".split()
)
_HTML_DATE_KEYS = tuple(
    "article:published_time datepublished date pubdate publishdate dc.date dcterms.date".split()
)
_TITLE_SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00b7 ")


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    """``<meta>`` contents keyed by lower-cased property / name / itemprop."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


def _strip_site_name(title: str, site: str | None) -> str:
    """'Story | Site' -> 'Story', only when 'Site' is the page's declared site name."""
    if not site:
        return title
    for sep in _TITLE_SEPARATORS:
        if title.lower().endswith((sep + site).lower()):
            return title[: -len(sep + site)].strip()
        if title.lower().startswith((site + sep).lower()):
            return title[len(site + sep) :].strip()
    return title


def _html_date(soup: BeautifulSoup, metas: dict[str, str]) -> str | None:
    """Publication date: article/meta tags first, then the first ``<time datetime>``."""
    candidates: list[object] = [metas.get(key) for key in _HTML_DATE_KEYS]
    time_tag = soup.find("time", attrs={"datetime": True})
    candidates.append(time_tag.get("datetime") if isinstance(time_tag, Tag) else None)
    return next((d for d in map(iso_date, candidates) if d), None)


def _html_meta(soup: BeautifulSoup) -> dict[str, str]:
    metas = _meta_tags(soup)
    site = metas.get("og:site_name") or metas.get("application-name")
    title = metas.get("og:title") or metas.get("twitter:title")
    if not title and soup.title and soup.title.string:
        title = _strip_site_name(normalize_paragraph(soup.title.string), site)
    canonical = soup.find("link", rel="canonical")
    url = canonical.get("href") if isinstance(canonical, Tag) else None
    if not isinstance(url, str) or not url.strip():
        url = metas.get("og:url")
    meta = {"title": title, "outlet": site, "date": _html_date(soup, metas), "url": url}
    return _clean_meta(meta)


def _html_root(soup: BeautifulSoup) -> Tag | BeautifulSoup:
    """The article (the longest one, if several), else <main>, else <body>."""
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda tag: len(tag.get_text()))
    return soup.find("main") or soup.body or soup


def _drop_chrome(soup: BeautifulSoup) -> None:
    """Remove code, navigation and page-level header/footer (an article's own header stays)."""
    for tag in soup.find_all(_HTML_DROP):
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(_HTML_PAGE_CHROME):
        if not tag.decomposed and tag.find_parent("article") is None:
            tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()


def extract_html(data: bytes) -> Extracted:
    """Paragraphs from block elements, markup never kept; inline tags stay inside their line."""
    with warnings.catch_warnings():  # bs4 guesses about what the user meant; the file is HTML
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(data, "lxml")
    meta = _html_meta(soup)
    _drop_chrome(soup)
    root = _html_root(soup)
    for string in root.find_all(string=True):
        if string.find_parent("pre") is None:
            string.replace_with(re.sub(r"\s+", " ", str(string)))
    for br in root.find_all("br"):
        br.replace_with("\n")
    for block in root.find_all(_HTML_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = [normalize_paragraph(line) for line in root.get_text().split("\n")]
    return Extracted([line for line in lines if line], meta)


# --- PDF --------------------------------------------------------------------------------------

_PLACEHOLDER_TITLES = frozenset(
    "untitled unknown anonymous (anonymous) unspecified (unspecified) document none title".split()
)
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
    return _clean_meta({"title": title, "date": created})


def extract_pdf(data: bytes) -> Extracted:
    """Text of every page, page numbers dropped, layout lines reflowed into paragraphs."""
    reader = _open_pdf(data)
    lines: list[str] = []
    try:
        pages = list(reader.pages)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken page trees
        raise UnreadableFile(f"not a valid PDF ({exc})") from exc
    for page in pages:
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001,S112 - one broken page must not lose the others
            continue
        lines.extend(line for line in text.splitlines() if not _PAGE_NUMBER.match(line))
    paragraphs = reflow_lines("\n".join(lines))
    if not paragraphs:
        raise UnreadableFile("PDF has no extractable text (scanned image?)")
    return Extracted(paragraphs, _pdf_meta(reader))


# --- DOCX -------------------------------------------------------------------------------------

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
    return _clean_meta({"title": props.title, "date": iso_date(created)})


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
