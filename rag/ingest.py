"""Ingest files into the store: incremental, idempotent, and safe to interrupt.

Each file's document id comes from its place relative to the folder being ingested (so two
colleagues ingesting the same folder from different checkouts into one shared store get one
document, not two) and its version from a hash of its bytes, so an unchanged file is skipped, a
changed one replaces its chunks, and a file gone from a folder that is ingested again leaves the
index. A document stored under the old id (a hash of its absolute path) is re-ingested under the
new one and then deleted. A document's record is written after its chunks; chunks without a
matching record are swept at the next run, so a crash or Ctrl-C anywhere leaves a store that
the next ``rag ingest`` completes with no duplicates.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from tqdm import tqdm

from rag.chunking import ChunkLimits, split_document
from rag.config import Settings
from rag.doc_ids import (  # noqa: F401 (re-exported: tests and the library use them from here)
    _relative,
    attachment_id,
    corpus_root,
    doc_id_for,
    legacy_doc_id,
)
from rag.embed_window import embed_window
from rag.embeddings import SIGNATURE_SEPARATOR, LocalEmbeddings
from rag.language import backfill_languages, language_of
from rag.quote_index import QuoteIndex
from rag.reading import LoadedFile, UnreadableFile, iter_corpus_files, read_file
from rag.reading.files import EMAIL_SUFFIXES, ReadOptions, refusal
from rag.reading.ocr import PageProgress, every_few_pages
from rag.retrieval import sync_lexical
from rag.sentence_vectors import SentenceVectorStore, sentences_by_version
from rag.store import DocRecord, Store
from rag.types import Chunk, Document, IngestReport

Progress = Callable[[int, int, str], None]


def _reason(exc: Exception) -> str:
    """The one-line reason a file is skipped: ours as written, a library's with its type."""
    if isinstance(exc, UnreadableFile):
        return str(exc)
    return f"could not read: {type(exc).__name__}: {exc}"


def file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


WRITE_WINDOW = 4  # embedding batches stored together (see ``Ingestor._write``)


def chunker_signature(settings: Settings, embeddings: LocalEmbeddings) -> str:
    """Changes when chunking or the vectors would change, so documents get re-embedded
    (vectors of two backends or models must never share an index)."""
    chunking = f"v2:{settings.chunk_tokens}:{settings.chunk_overlap_sentences}"
    return f"{chunking}:{embeddings.max_tokens}{SIGNATURE_SEPARATOR}{embeddings.signature}"


def embedding_text(chunk: Chunk) -> str:
    """What the dense model sees: the chunk's own text.

    Why not "title + text": measured on the MultiHop pool (429 questions), the title in the
    dense text cost 5 points of dense recall@10 (0.807 vs 0.857) and 1.7 of hybrid recall@10,
    and 1.4x the ingest time on short documents. BM25 still indexes the title, so a question
    that names the headline still finds the document.
    """
    return chunk.text


@dataclass
class _Planned:
    doc: Document
    chunks: list[Chunk]
    is_new: bool
    same_bytes: bool  # only the chunker changed: old chunks share the version, drop them first


def _is_under(source: str, folder: Path) -> bool:
    return Path(source).is_relative_to(folder.resolve())


def _checkout_of(record: DocRecord | None, path: Path, root: Path) -> PurePath | None:
    """Where a colleague's copy of ``root`` is, judged by a record of the same document that
    their ingest wrote (its source is their root plus the same relative path)."""
    if record is None:
        return None
    source, relative = PurePath(record.source), _relative(path, root)
    parts = len(relative.parts)
    if source.parts[-parts:] != relative.parts or Path(record.source) == path.resolve():
        return None
    theirs = PurePath(*source.parts[:-parts])
    return theirs if len(theirs.parts) > 1 else None  # never a whole filesystem


def _mostly_seen(root: PurePath, records: dict[str, DocRecord], seen: set[str]) -> bool:
    under = [d for d, r in records.items() if PurePath(r.source).is_relative_to(root)]
    return 2 * sum(d in seen for d in under) > len(under)


class Ingestor:
    """Brings the store in line with the files under the given paths."""

    def __init__(self, store: Store, embeddings: LocalEmbeddings, settings: Settings) -> None:
        self.store = store
        self.embeddings = embeddings
        self.settings = settings
        self.signature = chunker_signature(settings, embeddings)
        self.sentences = SentenceVectorStore(settings.sentence_vectors_dir, embeddings.signature)
        self.limits = ChunkLimits(
            target_tokens=min(settings.chunk_tokens, embeddings.max_tokens),
            max_tokens=embeddings.max_tokens,
            overlap_sentences=settings.chunk_overlap_sentences,
        )

    def ingest(
        self,
        paths: Iterable[Path],
        progress: Progress | None = None,
        prune: bool = True,
        namespace: str = "",
        ocr_progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files and folders; with ``prune``, drop documents gone from those folders.
        ``namespace`` is passed to ``doc_id_for`` (uploads have their own); ``ocr_progress``
        hears (pages done, pages to OCR, file name) every few pages of a scan."""
        paths = [Path(p) for p in paths]
        report = IngestReport()
        records = self.store.doc_records()
        plan: list[_Planned] = []
        seen: set[str] = set()
        legacy: dict[str, str] = {}  # old absolute-path id -> the new id of the same file
        others: set[PurePath] = set()  # colleagues' copies of the folders (see ``_prune``)
        folders = [p for p in paths if p.is_dir()]
        for path in iter_corpus_files(paths):
            root = corpus_root(path, folders)
            doc_id = doc_id_for(path, root, namespace)
            seen.add(doc_id)
            checkout = _checkout_of(records.get(doc_id), path, root) if root in folders else None
            if checkout is not None:
                others.add(checkout)
            refused = refusal(path, folders)
            if refused:
                report.failed.append({"path": str(path), "reason": refused})
                continue
            old = legacy_doc_id(path)
            if old != doc_id and old in records:
                legacy[old] = doc_id
            seen.update(i for i, r in records.items() if r.meta.parent == doc_id)
            pages = every_few_pages(ocr_progress, path.name)
            if path.suffix.lower() in EMAIL_SUFFIXES:
                plan.extend(self._plan_email(path, doc_id, records, report, pages))
                continue
            planned = self._plan(path, doc_id, records.get(doc_id), report, records.get(old), pages)
            if planned:
                plan.append(planned)
        self._write(plan, report, progress)
        self._retire(legacy, records)
        if prune:
            report.removed = self._prune(paths, records, seen, others)
        backfill_languages(self.store, records, (item.doc.doc_id for item in plan))
        self._sweep()
        # A run killed between a record's write and its notice left readers a stale token;
        # the rerun (which finds that record unchanged) must still wake them.
        self.store.records_changed()
        records = self.store.doc_records()
        sync_lexical(self.store, self.settings.bm25_dir, records)
        QuoteIndex(self.settings.quote_index_dir).sync(self.store, records)
        self.sentences.sweep({d: r.file_sha for d, r in records.items()})
        return report

    def _plan(
        self,
        path: Path,
        doc_id: str,
        record: DocRecord | None,
        report: IngestReport,
        legacy: DocRecord | None = None,
        pages: PageProgress | None = None,
    ) -> _Planned | None:
        """What to write for ``path``, or None when it is unchanged or unreadable; a document
        stored under its ``legacy`` id passes on an edit made in the UI."""
        try:
            sha = file_sha(path)
            if record and record.file_sha == sha and record.chunker == self.signature:
                report.unchanged += 1
                return None
            loaded = read_file(path, ocr=self.settings.ocr_options, ocr_progress=pages)
        except Exception as exc:  # a library choking on a hostile file must not stop the run
            report.failed.append({"path": str(path), "reason": _reason(exc)})
            return None
        report.notes.extend({"path": str(path), "note": note} for note in loaded.notes)
        return self._planned(doc_id, str(path.resolve()), loaded, sha, record, legacy)

    def _planned(
        self,
        doc_id: str,
        source: str,
        loaded: LoadedFile,
        sha: str,
        record: DocRecord | None,
        legacy: DocRecord | None = None,
    ) -> _Planned:
        earlier = record or legacy
        meta = earlier.meta if earlier and earlier.edited else loaded.meta  # an edit in the UI wins
        meta = dataclasses.replace(meta, language=language_of(loaded.text, loaded.meta.language))
        doc = Document(doc_id, source, loaded.text, meta, sha)
        chunks = split_document(
            doc, self.embeddings.count_tokens, self.embeddings.token_char_ends, self.limits
        )
        return _Planned(doc, chunks, earlier is None, bool(record and record.file_sha == sha))

    def _plan_email(
        self,
        path: Path,
        doc_id: str,
        records: dict[str, DocRecord],
        report: IngestReport,
        pages: PageProgress | None = None,
    ) -> list[_Planned]:
        """The email and each readable attachment, linked both ways; a skipped attachment is
        reported as ``<email> > <name>`` with its reason and costs nothing else."""
        record = records.get(doc_id)
        try:
            sha = file_sha(path)
            if record and record.file_sha == sha and record.chunker == self.signature:
                report.unchanged += 1 + sum(r.meta.parent == doc_id for r in records.values())
                return []
            from rag.reading.mail import read_email  # bs4 and mail parsers: not for a question

            options = ReadOptions(ocr=self.settings.ocr_options, ocr_progress=pages)
            mail = read_email(path, options=options)
        except Exception as exc:  # a library choking on a hostile file must not stop the run
            report.failed.append({"path": str(path), "reason": _reason(exc)})
            return []
        email = self._planned(doc_id, str(path.resolve()), mail.email, sha, record)
        plan, kept = [email], set()
        for n, att in enumerate(mail.attachments):
            where = f"{path} > {att.name}"
            if att.loaded is None:
                report.failed.append({"path": where, "reason": att.reason or "not read"})
                continue
            report.notes.extend({"path": where, "note": note} for note in att.loaded.notes)
            child_id = attachment_id(path, n, att.name)
            kept.add(child_id)
            meta = dataclasses.replace(
                att.loaded.meta,
                parent=doc_id,
                parent_title=email.doc.meta.title,
                date=att.loaded.meta.date or email.doc.meta.date,  # undated: the email's date
            )
            loaded = LoadedFile(att.loaded.text, meta)
            source = f"{path.resolve()}#{att.name}"
            plan.append(self._planned(child_id, source, loaded, att.sha, records.get(child_id)))
        for old_id, rec in records.items():  # attachments the new version no longer has
            if rec.meta.parent == doc_id and old_id not in kept:
                self.store.delete_document(old_id)
        return plan

    def _write(self, plan: list[_Planned], report: IngestReport, progress: Progress | None) -> None:
        """Embed and store chunks a window of ``WRITE_WINDOW`` batches at a time, across
        documents; a document's record is written in the same window as its last chunk, never
        before. Progress is reported once per stored window.

        Why windows: every store write costs a fixed ~60 ms (a Chroma upsert of 438 chunks in
        batches of 32 took 5x as long as in one call), and there were three per batch (chunks,
        sentences, records). One model call per window (``embed_window``) also lets the
        embedder sort the window's chunks and sentences by length together. The window bounds
        how long a finished document waits for its record.
        """
        for item in plan:
            if item.same_bytes:
                self.store.delete_chunks_of(item.doc.doc_id)
        queue = [(item, chunk) for item in plan for chunk in item.chunks]
        left = {item.doc.doc_id: len(item.chunks) for item in plan}
        first_vector: dict[str, list[float]] = {}
        window = self.settings.embedding_batch_size * WRITE_WINDOW
        done = 0
        bar = tqdm(
            total=len(queue), unit="chunk", desc="Embedding", disable=not sys.stderr.isatty()
        )
        with bar:
            for w in range(0, len(queue), window):
                part = queue[w : w + window]
                self._write_window(part, left, first_vector, report)
                done += len(part)
                bar.update(len(part))
                if progress:
                    progress(done, len(queue), part[-1][0].doc.meta.title)
        self._finish([item for item in plan if not item.chunks], first_vector, report)

    def _write_window(
        self,
        part: list[tuple[_Planned, Chunk]],
        left: dict[str, int],
        first_vector: dict[str, list[float]],
        report: IngestReport,
    ) -> None:
        """Chunks, then their sentences' vectors, then the records of the documents this
        window completes (a crash in between leaves rows the next sweep drops)."""
        owned = sentences_by_version((i.doc, c) for i, c in part if self.settings.sentence_vectors)
        new = (
            self.sentences.missing([t for texts in owned.values() for t in texts]) if owned else []
        )
        texts = [embedding_text(chunk) for _, chunk in part]
        vectors, sentence_vectors = embed_window(self.embeddings, texts, new)
        self.store.add_chunks(
            [chunk for _, chunk in part], [item.doc.file_sha for item, _ in part], vectors
        )
        if owned:
            self.sentences.put(owned, sentence_vectors)
        finished = []
        for (item, chunk), vector in zip(part, vectors, strict=True):
            if chunk.index == 0:
                first_vector[item.doc.doc_id] = vector
            left[item.doc.doc_id] -= 1
            if left[item.doc.doc_id] == 0:
                finished.append(item)
        self._finish(finished, first_vector, report)

    def _finish(
        self, items: list[_Planned], first_vector: dict[str, list[float]], report: IngestReport
    ) -> None:
        """Mark documents complete. Their record's vector is their first chunk's (usually the
        lede): a document-level vector at no extra embedding cost."""
        if not items:
            return
        dims = self.embeddings.dimensions
        vectors = [first_vector.get(i.doc.doc_id, [1.0] + [0.0] * (dims - 1)) for i in items]
        self.store.put_documents(
            [item.doc for item in items], self.signature, [len(i.chunks) for i in items], vectors
        )
        for item in items:
            report.chunks += len(item.chunks)
            if item.is_new:
                report.added += 1
            else:
                report.updated += 1

    def _retire(self, legacy: dict[str, str], records: dict[str, DocRecord]) -> None:
        """Delete documents stored under their old id once the new id's record is written
        (a crash in between leaves the old one, retired by the next run: no duplicates)."""
        written = self.store.doc_records_of(sorted(set(legacy.values())))
        for old, new in legacy.items():
            if new in written:
                self.store.delete_document(old)
                records.pop(old, None)

    def _prune(
        self,
        paths: list[Path],
        records: dict[str, DocRecord],
        seen: set[str],
        others: Collection[PurePath] = (),
    ) -> int:
        """Delete documents of the given folders whose file is gone. A shared store's record
        may name a colleague's copy of the folder (``others``): gone from ours, it goes too.
        A copy counts only when most documents under it were found here (one file of the same
        name in another corpus does not make that corpus a copy of this folder)."""
        folders = [p for p in paths if p.is_dir()]
        others = [o for o in others if _mostly_seen(o, records, seen)]
        gone = [
            doc_id
            for doc_id, rec in records.items()
            if doc_id not in seen
            and (
                any(_is_under(rec.source, f) for f in folders)
                or any(PurePath(rec.source).is_relative_to(o) for o in others)
            )
        ]
        for doc_id in gone:
            self.store.delete_document(doc_id)
        return len(gone)

    def _sweep(self) -> None:
        """Delete chunks of unfinished or superseded versions (left by a crash or an update)."""
        records = self.store.doc_records()
        stale = [
            cid
            for cid, (doc_id, sha) in self.store.chunk_owners().items()
            if doc_id not in records or records[doc_id].file_sha != sha
        ]
        self.store.delete_chunks(stale)
