"""An email file -> the email as a document plus each readable attachment as its own document.

Attachments are checked like files dropped in a folder (type, size, a .docx's zip-bomb limits),
and one that fails is reported with its reason while the email and its other attachments stay.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

from rag.reading.eml import ParsedEmail, parse_eml, parse_msg
from rag.reading.extracted import MB, UnreadableFile
from rag.reading.files import (
    ATTACHMENT_SUFFIXES,
    DEFAULT_MAX_BYTES,
    LoadedFile,
    ReadOptions,
    human_size,
    load_bytes,
    read_bytes,
)
from rag.reading.metadata import read_sidecar
from rag.reading.paragraphs import normalize_paragraph

DEFAULT_MAX_ATTACHMENT_BYTES = 20 * MB


@dataclass(frozen=True)
class Attachment:
    """One attachment: its document (``loaded``), or why it was skipped (``reason``)."""

    name: str
    sha: str
    loaded: LoadedFile | None = None
    reason: str | None = None


@dataclass(frozen=True)
class EmailFile:
    """The email's own document and its attachments, in the order the email lists them."""

    email: LoadedFile
    attachments: list[Attachment]


def _attachment(name: str, data: bytes, max_bytes: int, options: ReadOptions) -> Attachment:
    sha = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if suffix not in ATTACHMENT_SUFFIXES:
        return Attachment(name, sha, reason=f"unsupported file type '{suffix or name}'")
    if len(data) > max_bytes:
        size, limit = human_size(len(data)), human_size(max_bytes)
        return Attachment(name, sha, reason=f"attachment is {size} MB, over the {limit} MB limit")
    try:
        return Attachment(name, sha, load_bytes(data, Path(name), {}, options))
    except UnreadableFile as exc:
        return Attachment(name, sha, reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - a library choking on one attachment
        return Attachment(name, sha, reason=f"could not read: {type(exc).__name__}: {exc}")


def read_email(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    options: ReadOptions = ReadOptions(),  # noqa: B008 - frozen, so one shared default is safe
) -> EmailFile:
    """Read an .eml/.msg; raises ``UnreadableFile`` only when the email itself is unreadable.
    ``options`` are for the attachments (a scanned PDF among them is OCR'd with its ``ocr``)."""
    path = Path(path)
    data = read_bytes(path, max_bytes)
    parsed: ParsedEmail = parse_msg(data) if path.suffix.lower() == ".msg" else parse_eml(data)
    loaded = load_bytes(data, path, read_sidecar(path), parsed=parsed.extracted)
    attachments = [
        _attachment(
            normalize_paragraph(name) or "attachment", payload, max_attachment_bytes, options
        )
        for name, payload in parsed.attachments
    ]
    names = "; ".join(a.name for a in attachments if a.loaded) or None
    meta = dataclasses.replace(loaded.meta, attachments=names)
    return EmailFile(LoadedFile(loaded.text, meta), attachments)
