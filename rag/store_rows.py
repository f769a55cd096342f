"""How documents and chunks are written in Chroma's metadata rows, and read back.

Why apart from ``rag.store``: the store decides what is written when (a document record only
after all its chunks); these are the field names and the conversions, shared by every read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.types import Chunk, DocMeta

EDITABLE_KEYS = ("title", "outlet", "date", "url", "reliability")
META_KEYS = (
    *EDITABLE_KEYS,
    "sender",
    "recipients",
    "parent",
    "parent_title",
    "attachments",
    "pages",
    "language",
    "ocr_pages",
)
EDITED = "meta_edited"


@dataclass(frozen=True)
class DocRecord:
    """A document's index entry (without its text)."""

    doc_id: str
    source: str
    meta: DocMeta
    file_sha: str
    chunker: str
    n_chunks: int
    added_at: str
    updated_at: str
    edited: bool = False  # the metadata is the journalist's edit; it wins over the file's own

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            **self.meta.to_dict(),
            "source": self.source,
            "chunks": self.n_chunks,
            "added_at": self.added_at,
            "updated_at": self.updated_at,
            "edited": self.edited,
        }


def record_of_row(doc_id: str, md: dict[str, Any]) -> DocRecord:
    """A document record from its metadata row (missing fields: None / empty)."""
    values = {k: (str(md[k]) if md.get(k) is not None else None) for k in META_KEYS}
    return DocRecord(
        doc_id=doc_id,
        source=str(md.get("source", "")),
        meta=DocMeta(title=values.pop("title") or doc_id, **values),  # META_KEYS: its fields
        file_sha=str(md.get("file_sha", "")),
        chunker=str(md.get("chunker", "")),
        n_chunks=int(md.get("n_chunks", 0)),
        added_at=str(md.get("added_at", "")),
        updated_at=str(md.get("updated_at", "")),
        edited=bool(md.get(EDITED, False)),
    )


def chunk_of_row(chunk_id: str, text: str, md: dict[str, Any]) -> Chunk:
    """A chunk from its id, text and metadata row."""
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(md["doc_id"]),
        index=int(md["index"]),
        start=int(md["start"]),
        end=int(md["end"]),
        paragraph=int(md["paragraph"]),
        text=text,
    )
