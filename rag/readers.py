"""Load any supported file into cleaned text plus metadata, or say in one line why not.

Every loader ends the same way: raw paragraphs -> outlet guessed from the furniture -> furniture
stripped -> title fallback -> sidecar ``<file>.meta.yml`` overrides. The stored text is what
citations point into, so it is one paragraph per line, separated by ``PARAGRAPH_SEPARATOR``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rag.cleaning import (
    guess_outlet,
    is_hard_wrapped,
    normalize_paragraph,
    split_paragraphs,
    strip_furniture,
)
from rag.formats import (
    MB,
    Extracted,
    UnreadableFile,
    extract_docx,
    extract_html,
    extract_pdf,
    iso_date,
)
from rag.types import PARAGRAPH_SEPARATOR, DocMeta

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadedFile",
    "UnreadableFile",
    "iter_corpus_files",
    "read_file",
    "sidecar_path",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
)
DEFAULT_MAX_BYTES = 50 * MB
DEFAULT_MAX_UNPACKED = 200 * MB
DEFAULT_MAX_RATIO = 200.0
META_KEYS = ("title", "outlet", "date", "url", "reliability")
MAX_HEADLINE_CHARS = 150

_META_KEY_LINE = re.compile(rf"^(?:{'|'.join(META_KEYS)})\s*:", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class LoadedFile:
    """Cleaned text (one-line paragraphs joined by PARAGRAPH_SEPARATOR) and its metadata."""

    text: str
    meta: DocMeta


# --- text decoding ----------------------------------------------------------------------------


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


# --- metadata ---------------------------------------------------------------------------------


def _meta_fields(mapping: Any, source: str) -> dict[str, str]:
    """Known keys of a YAML mapping as one-line strings; YAML dates become ISO dates."""
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise UnreadableFile(f"{source} is not a key: value mapping")
    fields: dict[str, str] = {}
    for key in META_KEYS:
        value = mapping.get(key)
        text = iso_date(value) if key == "date" and value is not None else None
        text = text or normalize_paragraph("" if value is None else str(value))
        if text:
            fields[key] = text
    return fields


def _load_yaml(text: str, source: str) -> dict[str, str]:
    try:
        return _meta_fields(yaml.safe_load(text), source)
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableFile(f"invalid YAML in {source}: {reason}") from exc


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML front matter between ``---`` lines at the very top -> (fields, rest of the text).

    A text that merely opens with a ``---`` rule is left alone; broken YAML is reported
    only when the block names one of our keys, i.e. when it was meant as front matter.
    An empty block (``---`` twice) is empty front matter.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    block = match.group(1) or ""
    if not _META_KEY_LINE.search(block) and not _looks_like_yaml_mapping(block):
        return {}, text
    return _load_yaml(block, "front matter"), text[match.end() :]


def _looks_like_yaml_mapping(block: str) -> bool:
    """Other tools' front matter (``tags:``, ``author:``): a mapping with identifier keys."""
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and all(
        isinstance(key, str) and re.fullmatch(r"[A-Za-z_][\w-]*", key) for key in data
    )


def sidecar_path(path: Path) -> Path:
    """``report.pdf`` -> ``report.pdf.meta.yml`` (the journalist's hand-written metadata)."""
    return path.with_name(path.name + ".meta.yml")


def _read_sidecar(path: Path) -> dict[str, str]:
    for candidate in (sidecar_path(path), path.with_name(path.name + ".meta.yaml")):
        if not candidate.is_file():
            continue
        try:
            text = candidate.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UnreadableFile(f"cannot read {candidate.name} ({exc})") from exc
        return _load_yaml(text, candidate.name)
    return {}


# --- markdown ---------------------------------------------------------------------------------

_MD_RULES = (
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # inline links
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$", re.MULTILINE), ""),  # link definitions
    (re.compile(r"^ {0,3}(?:[-*_] *){3,}$", re.MULTILINE), ""),  # horizontal rules
    (re.compile(r"^ {0,3}>\s?", re.MULTILINE), ""),  # blockquotes
    (re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE), ""),  # table rules
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *em*
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),  # _em_
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def markdown_to_paragraphs(text: str) -> list[str]:
    """Light Markdown removal; headings and code lines become paragraphs of their own.

    Wrapping is detected on the prose alone, so a long code block cannot flip the decision.
    """
    prose: list[str] = []
    out: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if _MD_FENCE.match(line):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _MD_HEADING.match(line)
        if in_fence or heading:
            out.extend(["", heading.group(1) if heading else line, ""])
            continue
        out.append(line)
        prose.append(line)
    wrapped = is_hard_wrapped(_apply_md_rules("\n".join(prose)))
    return split_paragraphs(_apply_md_rules("\n".join(out)), hard_wrapped=wrapped)


def _apply_md_rules(text: str) -> str:
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    return text


# --- reading ----------------------------------------------------------------------------------


def _human_size(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """File contents, refusing missing, oversized and empty files before parsing anything."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UnreadableFile("not a regular file")
        if size > max_bytes:
            limit = _human_size(max_bytes)
            raise UnreadableFile(f"file is {_human_size(size)} MB, over the {limit} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise UnreadableFile("no text (empty file)")
    return data


def _extract(path: Path, data: bytes, max_unpacked: int, max_ratio: float) -> Extracted:
    suffix = path.suffix.lower()
    if suffix in {".txt", ".md", ".markdown"}:
        meta, body = split_front_matter(decode_text(data))
        if suffix == ".txt":
            return Extracted(split_paragraphs(body), meta)
        return Extracted(markdown_to_paragraphs(body), meta)
    if suffix in {".html", ".htm"}:
        if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise UnreadableFile("binary data, not text")
        return extract_html(data)
    if suffix == ".pdf":
        return extract_pdf(data)
    return extract_docx(data, max_unpacked, max_ratio)


def _fallback_title(paragraphs: list[str], path: Path) -> str:
    """A short unpunctuated first paragraph is the headline; else the file name."""
    first = paragraphs[0] if paragraphs else ""
    if first and len(first) < MAX_HEADLINE_CHARS and not first.endswith("."):
        return first
    stem = normalize_paragraph(re.sub(r"[_-]+", " ", path.stem))
    return stem or path.name


def read_file(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> LoadedFile:
    """Load one file; raises ``UnreadableFile`` for anything that cannot become clean text.

    ``max_bytes`` caps the file size; ``max_unpacked`` and ``max_ratio`` cap what a .docx
    (a zip) may expand to, in total bytes and per-member compression ratio.
    """
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type '{path.suffix or path.name}'")
    data = _read_bytes(path, max_bytes)
    extracted = _extract(path, data, max_unpacked, max_ratio)
    paragraphs = strip_furniture(extracted.paragraphs)
    if not paragraphs:
        raise UnreadableFile("no text left after cleaning")
    fields = extracted.meta | _read_sidecar(path)
    meta = DocMeta(
        title=fields.get("title") or _fallback_title(paragraphs, path),
        outlet=fields.get("outlet") or guess_outlet(extracted.paragraphs),
        date=fields.get("date"),
        url=fields.get("url"),
        reliability=fields.get("reliability"),
    )
    return LoadedFile(PARAGRAPH_SEPARATOR.join(paragraphs), meta)


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
