"""Markdown -> raw paragraphs: syntax removed lightly, headings and code lines kept as text.

Markdown is text with front matter first, so it is decoded the way ``rag.reading.txt`` does.
"""

from __future__ import annotations

import re

from rag.reading.extracted import Extracted
from rag.reading.metadata import split_front_matter
from rag.reading.paragraphs import is_hard_wrapped, split_paragraphs
from rag.reading.txt import decode_text

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


def extract_md(data: bytes) -> Extracted:
    """Paragraphs of a Markdown file, and the fields of its front matter."""
    meta, body = split_front_matter(decode_text(data))
    return Extracted(markdown_to_paragraphs(body), meta)
