"""The Chroma store: chunk vectors in one collection, whole documents in a sibling collection.

Chroma's own client is the seam: ``PersistentClient`` on a laptop, ``HttpClient`` when settings
name a server (``rag.chroma_client`` opens either); nothing else changes. Documents (cleaned
text + metadata) live in Chroma too, so a team sharing a server shares the text that citations
quote. A document record is written only after all its chunks, so its presence marks a complete
ingest; chunks that do not match a document record (a crash mid-ingest, an old version) are
invisible to retrieval and swept away.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import httpx
import numpy as np
from chromadb.api import ClientAPI

from rag.chroma_client import (
    StoreUnavailable,
    connect,
    open_collection,
    server_address,
    unreachable,
)
from rag.config import Settings
from rag.store_rows import (
    EDITABLE_KEYS,
    EDITED,
    META_KEYS,
    DocRecord,
    chunk_of_row,
    record_of_row,
)
from rag.types import Chunk, DocMeta, Document

__all__ = [  # the client-opening names stay importable from here, where callers look for them
    "DOCS_SUFFIX",
    "DocRecord",
    "Store",
    "StoreUnavailable",
    "connect",
    "open_store",
    "server_address",
]

DOCS_SUFFIX = "-docs"
_PAGE = 2000
_DOC_PAGE = 100
_RECORDS_VERSION = "records_version"  # metadata of the docs collection, new on every write


def open_store(settings: Settings) -> Store:
    """The configured collection (raises ``StoreUnavailable`` if its server is down)."""
    server = server_address(settings) if settings.uses_chroma_server else None
    return Store(connect(settings), settings.collection, server)


def _vectors(rows: Sequence[Sequence[float]]) -> Any:
    """Float32 matrix for Chroma (its type hints accept no plain nested lists)."""
    return np.asarray(rows, dtype=np.float32)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """Chunks and documents of one collection (one investigation)."""

    def __init__(self, client: ClientAPI, collection: str, server: str | None = None) -> None:
        """``server`` (its address) when ``client`` talks to a Chroma server."""
        self.client = client
        self.name = collection
        self.server = server
        self.chunks = open_collection(client, collection, server)
        self.docs = open_collection(client, collection + DOCS_SUFFIX, server)
        self._records: tuple[str, dict[str, DocRecord]] | None = None

    # -- documents ---------------------------------------------------------------------------
    def records_version(self) -> str | None:
        """A token that changes with every write to the document records, by any process.

        Why: every question needs the records (which documents are complete, and their
        metadata); reading them all costs ~16 ms at 600 documents and grows with the
        collection, while this costs ~0.5 ms. Writers change it after writing, so a reader that
        sees an old token sees the state before that write, never half of it.
        """
        try:
            collection = self.client.get_collection(self.docs.name, embedding_function=None)
        except httpx.TransportError as exc:
            raise unreachable(self.server or "", exc) from exc
        version = (collection.metadata or {}).get(_RECORDS_VERSION)
        return str(version) if version else None

    def records_changed(self) -> None:
        """Tell every reader to re-read the records (each write calls it after writing)."""
        self.docs.modify(metadata={_RECORDS_VERSION: uuid.uuid4().hex})

    def doc_records(self) -> dict[str, DocRecord]:
        """Every complete document's record; re-read only when ``records_version`` moved."""
        return self.versioned_records()[1]

    def versioned_records(self) -> tuple[str | None, dict[str, DocRecord]]:
        """The records and the ``records_version`` they are at (None: not versioned yet), so
        a caller can key its own derived data (the BM25 fingerprint) by that version."""
        version = self.records_version()  # before the read: the cache is never newer than it
        cached = self._records
        if version is not None and cached is not None and cached[0] == version:
            return version, dict(cached[1])
        got = self.docs.get(include=["metadatas"])
        metas = got["metadatas"] or []
        records = {
            i: record_of_row(i, dict(m or {})) for i, m in zip(got["ids"], metas, strict=True)
        }
        self._records = (version, records) if version is not None else None
        return version, dict(records)

    def get_document(self, doc_id: str) -> Document | None:
        got = self.docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        record = record_of_row(doc_id, dict((got["metadatas"] or [{}])[0] or {}))
        text = (got["documents"] or [""])[0] or ""
        return Document(doc_id, record.source, text, record.meta, record.file_sha)

    def put_documents(
        self,
        docs: Sequence[Document],
        chunker: str,
        n_chunks: Sequence[int],
        embeddings: Sequence[Sequence[float]],
    ) -> None:
        """Write the records that mark ``docs`` as completely indexed (after their chunks)."""
        if not docs:
            return
        ids = [d.doc_id for d in docs]
        old = self.docs.get(ids=ids, include=["metadatas"])
        previous = {
            i: record_of_row(i, dict(m or {}))
            for i, m in zip(old["ids"], old["metadatas"] or [], strict=True)
        }
        now = _now()
        metadatas: list[Any] = []
        for doc, count in zip(docs, n_chunks, strict=True):
            before = previous.get(doc.doc_id)
            edited = before is not None and before.edited
            md: dict[str, Any] = {
                "source": doc.source,
                "file_sha": doc.file_sha,
                "chunker": chunker,
                "n_chunks": count,
                "added_at": (before.added_at if before else "") or now,
                "updated_at": now,
            }
            meta = doc.meta
            if before is not None and edited:  # the edit wins, but the language is the text's
                meta = dataclasses.replace(before.meta, language=doc.meta.language)
            fields = meta.to_dict()
            # every field, None for an empty one: an upsert keeps the keys it is not given, so
            # a url or date taken out of the front matter stayed on the record
            md.update({k: fields.get(k) or None for k in META_KEYS})
            if edited:
                md[EDITED] = True
            metadatas.append(md)
        self.docs.upsert(
            ids=ids,
            documents=[d.text for d in docs],
            metadatas=metadatas,
            embeddings=_vectors(embeddings),
        )
        self.records_changed()

    def update_meta(self, doc_id: str, meta: DocMeta) -> DocRecord:
        """Replace a document's metadata in place: no re-chunking, no re-embedding.

        Retrieval reads metadata from the record, so citations show the edit at once; the
        record is marked edited so later ingests of the file keep it over the file's own.
        Raises ``KeyError`` for an unknown document.
        """
        if not self.docs.get(ids=[doc_id], include=[])["ids"]:
            raise KeyError(doc_id)
        fields = meta.to_dict()  # an email's links are not the journalist's to edit: kept
        md: dict[str, Any] = {k: fields[k] or None for k in EDITABLE_KEYS}
        md.update({EDITED: True, "meta_edited_at": _now()})
        self.docs.update(ids=[doc_id], metadatas=[md])  # None removes a field
        self.records_changed()
        return self.doc_records_of([doc_id])[doc_id]

    def documents(self, ids: Sequence[str]) -> Iterator[Document]:
        """The stored documents with these ids (text and metadata), fetched a page at a time."""
        for i in range(0, len(ids), _DOC_PAGE):
            page = list(ids[i : i + _DOC_PAGE])
            got = self.docs.get(ids=page, include=["metadatas", "documents"])
            rows = zip(got["ids"], got["metadatas"] or [], got["documents"] or [], strict=True)
            for doc_id, md, text in rows:
                record = record_of_row(doc_id, dict(md or {}))
                yield Document(doc_id, record.source, text or "", record.meta, record.file_sha)

    def doc_records_of(self, ids: Sequence[str]) -> dict[str, DocRecord]:
        if not ids:
            return {}
        got = self.docs.get(ids=list(ids), include=["metadatas"])
        metas = got["metadatas"] or []
        return {i: record_of_row(i, dict(m or {})) for i, m in zip(got["ids"], metas, strict=True)}

    def delete_document(self, doc_id: str) -> None:
        self.docs.delete(ids=[doc_id])
        self.records_changed()
        self.delete_chunks_of(doc_id)

    def chunks_of(self, doc_id: str) -> list[tuple[Chunk, str]]:
        """(chunk, file sha) of every stored chunk of ``doc_id``, in document order."""
        return self.chunks_of_many([doc_id]).get(doc_id, [])

    def chunks_of_many(self, doc_ids: Sequence[str]) -> dict[str, list[tuple[Chunk, str]]]:
        """``chunks_of`` for several documents in one read (a lookup's hits span many)."""
        if not doc_ids:
            return {}
        where: Any = (
            {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        )
        got = self.chunks.get(where=where, include=["metadatas", "documents"])
        rows = zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        out: dict[str, list[tuple[Chunk, str]]] = {}
        for cid, text, md in rows:
            chunk = chunk_of_row(cid, text or "", dict(md))
            out.setdefault(chunk.doc_id, []).append((chunk, str(md.get("file_sha", ""))))
        return {d: sorted(pairs, key=lambda pair: pair[0].index) for d, pairs in out.items()}

    def delete_chunks_of(self, doc_id: str) -> None:
        self.chunks.delete(where={"doc_id": doc_id})

    # -- chunks ------------------------------------------------------------------------------
    def add_chunks(
        self,
        chunks: Sequence[Chunk],
        file_shas: Sequence[str],
        embeddings: Sequence[Sequence[float]],
    ) -> None:
        """Upsert chunks, each tagged with the version (file sha) of its document."""
        self.chunks.upsert(
            ids=[c.chunk_id for c in chunks],
            documents=[c.text for c in chunks],
            embeddings=_vectors(embeddings),
            metadatas=[
                {
                    "doc_id": c.doc_id,
                    "file_sha": sha,
                    "index": c.index,
                    "start": c.start,
                    "end": c.end,
                    "paragraph": c.paragraph,
                }
                for c, sha in zip(chunks, file_shas, strict=True)
            ],
        )

    def _pages(self, include: list[Any]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            got = self.chunks.get(include=include, limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield dict(got)
            offset += len(got["ids"])

    def chunk_owners(self) -> dict[str, tuple[str, str]]:
        """chunk id -> (doc id, file sha) for every stored chunk."""
        owners: dict[str, tuple[str, str]] = {}
        for page in self._pages(["metadatas"]):
            for cid, md in zip(page["ids"], page["metadatas"], strict=True):
                owners[cid] = (str(md["doc_id"]), str(md.get("file_sha", "")))
        return owners

    def delete_chunks(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), _PAGE):
            self.chunks.delete(ids=ids[i : i + _PAGE])

    def live_chunks(self, records: dict[str, DocRecord]) -> list[Chunk]:
        """Every chunk that belongs to the current version of an indexed document."""
        out: list[Chunk] = []
        for page in self._pages(["metadatas", "documents"]):
            rows = zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            for cid, text, md in rows:
                rec = records.get(str(md["doc_id"]))
                if rec and rec.file_sha == md.get("file_sha"):
                    out.append(chunk_of_row(cid, text or "", md))
        out.sort(key=lambda c: (c.doc_id, c.index))
        return out

    def get_chunks(self, ids: Sequence[str]) -> list[tuple[Chunk, str]]:
        """(chunk, file sha) for the given ids that exist."""
        if not ids:
            return []
        got = self.chunks.get(ids=list(ids), include=["metadatas", "documents"])
        rows = zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        return [
            (chunk_of_row(cid, t or "", dict(md)), str(md.get("file_sha", "")))
            for cid, t, md in rows
        ]

    def chunk_embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        got = self.chunks.get(ids=list(ids), include=["embeddings"])
        embs = got["embeddings"] if got["embeddings"] is not None else []
        return {cid: list(e) for cid, e in zip(got["ids"], embs, strict=True)}

    def dense_search(
        self, vector: Sequence[float], n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[Chunk, str, float]]:
        """Nearest chunks as (chunk, file sha, cosine similarity), best first.

        No ``count()`` first: Chroma returns fewer than ``n`` (or none) by itself, embedded or
        server, and the count cost 5 ms per question at 10^4 chunks. A chunk deleted between
        the server's index lookup and its read comes back with no metadata (seen under the
        load bench's re-ingesting writer: 1 question of 795 failed); it is no longer there,
        so it is skipped."""
        where: Any = None
        if doc_ids is not None:
            where = {"doc_id": {"$in": list(doc_ids)}}
        got = self.chunks.query(
            query_embeddings=_vectors([vector]),
            n_results=n,
            where=where,
            include=["metadatas", "documents", "distances"],
        )
        rows = zip(
            got["ids"][0],
            (got["documents"] or [[]])[0],
            (got["metadatas"] or [[]])[0],
            (got["distances"] or [[]])[0],
            strict=True,
        )
        return [
            (
                chunk_of_row(cid, text or "", dict(md)),
                str(md.get("file_sha", "")),
                1.0 - float(dist),
            )
            for cid, text, md, dist in rows
            if md is not None
        ]
