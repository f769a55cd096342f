"""Metadata a journalist writes by hand: YAML front matter atop a text file, or a sidecar file.

Both are checked the same way (known keys only, one-line strings, YAML dates as ISO dates), and
broken YAML is reported as ``UnreadableFile`` rather than silently ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from rag.reading.extracted import UnreadableFile, iso_date
from rag.reading.paragraphs import normalize_paragraph

META_KEYS = ("title", "outlet", "date", "url", "reliability", "language")

_META_KEY_LINE = re.compile(rf"^(?:{'|'.join(META_KEYS)})\s*:", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)


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


# libyaml's safe loader when PyYAML was built with it (the wheels are): the same documents,
# about ten times faster than the pure-Python one (a 438-file ingest spent 0.4 s in it).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str, source: str) -> dict[str, str]:
    try:
        return _meta_fields(yaml.load(text, Loader=_SAFE_LOADER), source)  # noqa: S506
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


def read_sidecar(path: Path) -> dict[str, str]:
    """Fields of ``path``'s sidecar (``.meta.yml``, or ``.meta.yaml``); {} when there is none."""
    for candidate in (sidecar_path(path), path.with_name(path.name + ".meta.yaml")):
        if not candidate.is_file():
            continue
        try:
            text = candidate.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UnreadableFile(f"cannot read {candidate.name} ({exc})") from exc
        return _load_yaml(text, candidate.name)
    return {}
