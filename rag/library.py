"""The document library of one collection: list, edit metadata, delete, upload.

What the workspace shows and changes; it only goes through the store and the ingestor, so an
edit is a metadata update (no re-embedding) and a delete removes exactly one document's chunks
and record. Uploads are files from a browser: their names are untrusted, so they are reduced to
a plain file name, checked against the formats we read and a size limit, and saved under
``data_dir/uploads/<collection>/`` where they stay as the documents' sources.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.ingest import Progress
from rag.quote_index import QuoteIndex
from rag.reading import SUPPORTED_SUFFIXES
from rag.retrieval import sync_lexical
from rag.scope import date_period
from rag.services import Services
from rag.store import DocRecord
from rag.types import DocMeta, IngestReport

# The labels the UI offers; any other short label a journalist types is kept as written.
RELIABILITY_LABELS = (
    "primary document",
    "official statement",
    "news report",
    "analysis/opinion",
    "fact check",
)
MAX_FIELD = 500
MAX_NAME = 120
MB = 1024 * 1024
UPLOADS = "uploads/"  # id namespace: an upload never takes over a corpus file's document
_UNSAFE_CHARS = re.compile(r"[^\w .,()+=@&'-]", re.UNICODE)


class UploadRefused(ValueError):
    """An uploaded file that is not taken, with the reason a user can act on."""


@dataclass(frozen=True)
class LibraryEntry:
    """One row of the library view."""

    doc_id: str
    title: str
    outlet: str | None
    date: str | None
    url: str | None
    reliability: str | None
    chunks: int
    added_at: str
    source: str
    edited: bool = False
    parent: str | None = None  # an attachment's email (doc id) and its subject
    parent_title: str | None = None
    attachments: str | None = None  # an email's attachments, "; "-joined names
    language: str | None = None  # ISO 639-1, detected at ingest

    @classmethod
    def of(cls, record: DocRecord) -> LibraryEntry:
        m = record.meta
        return cls(
            doc_id=record.doc_id,
            title=m.title,
            outlet=m.outlet,
            date=m.date,
            url=m.url,
            reliability=m.reliability,
            chunks=record.n_chunks,
            added_at=record.added_at,
            source=record.source,
            edited=record.edited,
            parent=m.parent,
            parent_title=m.parent_title,
            attachments=m.attachments,
            language=m.language,
        )

    @property
    def meta(self) -> DocMeta:
        return DocMeta(self.title, self.outlet, self.date, self.url, self.reliability)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{max(1, round(n / 1024))} KB"


def shown_name(name: str) -> str:
    """A browser-given name made safe to print (control characters escaped)."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in name)


def safe_name(name: str) -> str:
    """The plain file name an upload is saved under, or ``UploadRefused`` with the reason.

    Only the last path component is kept ("../../etc/passwd.txt" -> "passwd.txt", "a/b\\c.md"
    -> "c.md"); characters other than letters, digits and a little punctuation become "_";
    leading dots and underscores go (they would hide the file). A NUL is refused outright.
    """
    if "\x00" in name:
        raise UploadRefused("the file name contains a NUL character")
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    base = _UNSAFE_CHARS.sub("_", base).lstrip("._ ").rstrip(". ")
    stem, suffix = os.path.splitext(base)
    if not stem.strip("._ "):
        raise UploadRefused("the file has no usable name")
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadRefused(f"'{suffix or 'no extension'}' files are not read (use {kinds})")
    return stem[: MAX_NAME - len(suffix)] + suffix.lower()


def _unique(name: str, taken: set[str]) -> str:
    """Two uploads in one batch with the same safe name must not overwrite each other."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    taken.add(candidate.casefold())
    return candidate


def _field(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    if len(cleaned) > MAX_FIELD:
        raise ValueError(f"{name} is longer than {MAX_FIELD} characters")
    return cleaned or None


def clean_meta(meta: DocMeta) -> DocMeta:
    """Validate an edit: a title is required, a date is ISO (so date filters can use it), a url
    is http(s). Whitespace and control characters are tidied. Raises ``ValueError``."""
    title = _field(meta.title, "the title")
    if not title:
        raise ValueError("a document needs a title")
    date = _field(meta.date, "the date")
    if date and date_period(date) is None:
        raise ValueError(f"the date must be written YYYY-MM-DD (or YYYY-MM, YYYY), got {date!r}")
    url = _field(meta.url, "the url")
    if url and not re.match(r"^https?://\S+$", url, re.IGNORECASE):
        raise ValueError(f"the url must start with http:// or https://, got {url!r}")
    return DocMeta(
        title=title,
        outlet=_field(meta.outlet, "the outlet"),
        date=date,
        url=url,
        reliability=_field(meta.reliability, "the reliability label"),
    )


class Library:
    """The documents of the collection that ``services`` opened."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.settings = services.settings

    @property
    def upload_dir(self) -> Path:
        return self.settings.upload_dir

    def entries(self) -> list[LibraryEntry]:
        """Every indexed document, by title."""
        records = self.store.doc_records().values()
        entries = [LibraryEntry.of(r) for r in records]
        return sorted(entries, key=lambda e: (e.title.casefold(), e.doc_id))

    def outlets(self) -> list[str]:
        """The distinct outlets in the library (for a filter picker)."""
        names = {e.outlet for e in self.entries() if e.outlet}
        return sorted(names, key=str.casefold)

    def _refresh_lexical(self) -> None:
        sync_lexical(self.store, self.settings.bm25_dir, self.store.doc_records())

    def edit(self, doc_id: str, meta: DocMeta) -> DocMeta:
        """Set a document's metadata (validated, see ``clean_meta``); returns what was stored.

        Raises ``KeyError`` for an unknown document, ``ValueError`` for an invalid edit.
        """
        record = self.store.update_meta(doc_id, clean_meta(meta))
        self._refresh_lexical()  # BM25 indexes the title
        return record.meta

    def delete(self, doc_id: str) -> None:
        """Remove one document's chunks and record; an uploaded copy goes with it.

        Files elsewhere (a corpus folder) are not touched, so ``rag ingest`` of that folder
        brings the document back. An email's attachments came from the same file, so they go
        with it. Raises ``KeyError`` for an unknown document.
        """
        records = self.store.doc_records()
        record = records.get(doc_id)
        if record is None:
            raise KeyError(doc_id)
        for child_id, child in records.items():
            if child.meta.parent == doc_id:
                self.store.delete_document(child_id)
        self.store.delete_document(doc_id)
        source = Path(record.source)
        if source.is_relative_to(self.upload_dir.resolve()):
            source.unlink(missing_ok=True)
        self._refresh_lexical()
        records = self.store.doc_records()
        QuoteIndex(self.settings.quote_index_dir).sync(self.store, records)
        self.services.ingestor.sentences.sweep({d: r.file_sha for d, r in records.items()})

    def upload(
        self,
        files: Sequence[tuple[str, Path]],
        progress: Progress | None = None,
        ocr_progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files a browser sent, as (name it gave, temporary path).

        Every file is judged on its own: a refused or unreadable one is listed in
        ``report.failed`` (path = the name as given) and the others still go in. A name already
        in the library's uploads is a new version of that document. Nothing else is pruned.
        """
        report = IngestReport()
        folder = self.upload_dir
        folder.mkdir(parents=True, exist_ok=True)
        limit = self.settings.upload_max_mb
        taken: set[str] = set()
        saved: dict[Path, tuple[str, Path | None]] = {}  # target -> (given name, backup)
        try:
            for given, temp in files:
                try:
                    name = _unique(safe_name(given), taken)
                    size = Path(temp).stat().st_size
                    if size > limit * MB:
                        raise UploadRefused(
                            f"the file is {_size(size)}; the upload limit is {limit:g} MB "
                            "(RAG_UPLOAD_MAX_MB)"
                        )
                except OSError as exc:
                    report.failed.append(
                        {"path": shown_name(given), "reason": f"not received ({exc})"}
                    )
                    continue
                except UploadRefused as exc:
                    report.failed.append({"path": shown_name(given), "reason": str(exc)})
                    continue
                target = (folder / name).resolve()
                saved[target] = (given, self._save(Path(temp), target))
            if saved:
                self._ingest(saved, report, progress, ocr_progress)
        finally:
            for _target, (_given, backup) in saved.items():
                if backup is not None and backup.exists():
                    backup.unlink()
        return report

    @staticmethod
    def _save(temp: Path, target: Path) -> Path | None:
        """Copy into place atomically; an existing file is kept aside until the new one is in."""
        backup = None
        if target.exists():
            backup = target.with_name(f".{target.name}.previous")
            os.replace(target, backup)
        part = target.with_name(f".{target.name}.part")
        shutil.copyfile(temp, part)
        os.replace(part, target)
        return backup

    def _ingest(
        self,
        saved: dict[Path, tuple[str, Path | None]],
        report: IngestReport,
        progress: Progress | None,
        ocr_progress: Progress | None = None,
    ) -> None:
        done = self.services.ingestor.ingest(
            list(saved),
            progress=progress,
            prune=False,
            namespace=UPLOADS,
            ocr_progress=ocr_progress,
        )
        for note in done.notes:  # partly read (scanned pages over the OCR limit): as given
            given = saved.get(Path(note["path"]).resolve(), (note["path"], None))[0]
            report.notes.append({"path": shown_name(given), "note": note["note"]})
        for key in ("added", "updated", "unchanged", "removed", "chunks"):
            setattr(report, key, getattr(report, key) + getattr(done, key))
        for failure in done.failed:
            target = Path(failure["path"]).resolve()
            given, backup = saved.get(target, (failure["path"], None))
            report.failed.append({"path": shown_name(given), "reason": failure["reason"]})
            if backup is not None:  # the previous version stays the document's source
                os.replace(backup, target)
            else:
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
