"""Split a document into sentence-aligned chunks that fit the embedder's window.

Why sentence-aligned: a citation quotes whole sentences, and a chunk boundary in mid-sentence
would cut a claim in two. Why token-counted with the model's own tokenizer: the model silently
truncates input past its window, so a chunk that is too long would be indexed by its head only.
Every chunk satisfies ``doc.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from rag.sentences import sentence_spans
from rag.types import Chunk, Document, paragraph_at, paragraph_starts

TokenCounter = Callable[[list[str]], list[int]]
TokenEnds = Callable[[str], list[int]]


@dataclass(frozen=True)
class ChunkLimits:
    target_tokens: int = 160
    max_tokens: int = 254
    overlap_sentences: int = 1


def _cut_long_span(
    text: str, start: int, end: int, max_tokens: int, token_ends: TokenEnds
) -> list[tuple[int, int]]:
    """Cut a sentence longer than the window at word boundaries, each piece within it."""
    pieces: list[tuple[int, int]] = []
    while start < end:
        ends = token_ends(text[start:end])
        if len(ends) <= max_tokens:
            pieces.append((start, end))
            break
        cut = start + ends[max_tokens - 1]
        space = text.rfind(" ", start, cut)
        if space > start:
            cut = space
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    return pieces


def _units(
    text: str, count_tokens: TokenCounter, token_ends: TokenEnds, max_tokens: int
) -> list[tuple[int, int, int]]:
    """Sentence spans (long ones cut) with their token counts."""
    spans = sentence_spans(text)
    counts = count_tokens([text[s:e] for s, e in spans]) if spans else []
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, counts, strict=True):
        if n <= max_tokens:
            units.append((s, e, n))
            continue
        pieces = _cut_long_span(text, s, e, max_tokens, token_ends)
        piece_counts = count_tokens([text[a:b] for a, b in pieces])
        units.extend((a, b, c) for (a, b), c in zip(pieces, piece_counts, strict=True))
    return units


def _group(units: list[tuple[int, int, int]], limits: ChunkLimits) -> list[tuple[int, int]]:
    """Greedy packing of sentences into index ranges, with sentence overlap."""
    groups: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        # WordPiece gives a joined text the sum of its sentences' tokens; +2 each is a margin.
        while j < len(units) and total + units[j][2] + 2 <= (
            limits.target_tokens if j > i else limits.max_tokens
        ):
            total += units[j][2] + 2
            j += 1
        j = max(j, i + 1)
        groups.append((i, j))
        if j >= len(units):
            break
        i = max(i + 1, j - limits.overlap_sentences)
    return groups


def chunk_id(doc_id: str, file_sha: str, start: int, end: int) -> str:
    """Deterministic id, so a rerun after a crash overwrites instead of duplicating."""
    digest = hashlib.sha1(f"{file_sha}:{start}:{end}".encode()).hexdigest()[:16]
    return f"{doc_id}:{digest}"


def doc_id_of(chunk_id: str) -> str:
    """The document a chunk id belongs to (``chunk_id``'s first part)."""
    return chunk_id.split(":", 1)[0]


def split_document(
    doc: Document,
    count_tokens: TokenCounter,
    token_ends: TokenEnds,
    limits: ChunkLimits | None = None,
) -> list[Chunk]:
    """Chunks of ``doc`` with exact offsets, paragraph numbers and stable ids."""
    limits = limits or ChunkLimits()
    text = doc.text
    units = _units(text, count_tokens, token_ends, limits.max_tokens)
    starts = paragraph_starts(text)
    chunks: list[Chunk] = []
    for index, (i, j) in enumerate(_group(units, limits)):
        start, end = units[i][0], units[j - 1][1]
        chunk = Chunk(
            chunk_id=chunk_id(doc.doc_id, doc.file_sha, start, end),
            doc_id=doc.doc_id,
            index=index,
            start=start,
            end=end,
            paragraph=paragraph_at(starts, start),
            text=text[start:end],
        )
        chunks.append(chunk)
    return chunks
