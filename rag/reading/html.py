"""HTML -> raw paragraphs from block elements, plus the metadata the page's tags state.

Markup is never kept; scripts, navigation and page-level header/footer are dropped before the
text is read, and the article (or <main>, or <body>) is the root.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning

from rag.reading.extracted import Extracted, UnreadableFile, clean_meta, iso_date
from rag.reading.paragraphs import normalize_paragraph

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
    return clean_meta(meta)


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
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("binary data, not text")  # UTF-16 with a BOM is still HTML
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
