"""Emails as newsrooms get them: .eml read with its headers, attachments as linked documents.

Real Chroma and the real model, as in test_ingest: the email and its attachment must both be
found by search, linked both ways, and a bad attachment must cost only itself.
"""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

from rag.library import Library, LibraryEntry
from rag.present import source_line
from rag.types import Citation
from rag.ui.markup import attribution
from rag.ui.views import library_html

from .helpers import assert_consistent

SUBJECT = "Harbor contract: the figures you asked for"
BODY = (
    "Hi Ana,\n\nAttached is the audit of the harbor dredging contract. The city paid "
    "4.2 million euros for work that was never inspected.\n\nBest,\nMarta\n"
)
ATTACHMENT = (
    "Audit of the harbor dredging contract\n\n"
    "The auditors found that the dredging contractor billed the port authority for "
    "eleven thousand cubic metres of silt that no barge ever carried away.\n"
)


def _email(attachments: dict[str, bytes], **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.get("sender", "Marta Ruiz <marta@example.org>")
    msg["To"] = "Ana Lopez <ana@newsroom.example>"
    msg["Subject"] = SUBJECT
    msg["Date"] = "Tue, 05 Mar 2024 09:14:00 +0100"
    msg.set_content(BODY)
    for name, data in attachments.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg


def _write(folder: Path, name: str, msg: EmailMessage | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(msg if isinstance(msg, bytes) else msg.as_bytes())
    return path


def _by_title(services) -> dict[str, object]:
    return {r.meta.title: r for r in services.store.doc_records().values()}


def test_eml_with_attachment_gives_two_linked_documents(services, tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    _write(folder, "tip.eml", _email({"audit.txt": ATTACHMENT.encode()}))
    report = services.ingestor.ingest([folder])
    assert report.failed == []
    assert (report.added, report.chunks > 1) == (2, True)
    records = _by_title(services)
    mail, audit = records[SUBJECT], records["Audit of the harbor dredging contract"]
    assert mail.meta.date == audit.meta.date == "2024-03-05"
    assert mail.meta.sender == "Marta Ruiz <marta@example.org>"
    assert mail.meta.recipients == "Ana Lopez <ana@newsroom.example>"
    assert mail.meta.attachments == "audit.txt"
    assert (audit.meta.parent, audit.meta.parent_title) == (mail.doc_id, SUBJECT)
    text = services.store.get_document(mail.doc_id).text
    assert "never inspected" in text
    assert "eleven thousand" not in text
    assert_consistent(services.store)

    hit = services.retriever.search("silt that no barge carried away", k=1)[0]
    assert hit.doc_id == audit.doc_id
    citation = Citation(1, hit.doc_id, hit.meta, hit.chunk.paragraph, 0, 5, "x", 1.0)
    assert f"attachment of: {SUBJECT}" in source_line(citation)
    assert citation.to_dict()["attachment_of"] == SUBJECT
    m = hit.meta
    html = attribution(m.title, m.outlet, m.date, 1, m.reliability, m.parent_title)
    assert f"attachment of: {SUBJECT}" in html

    table = library_html([LibraryEntry.of(r) for r in records.values()])
    assert f"attachment of: {SUBJECT}" in table
    assert "attachments: audit.txt" in table

    again = services.ingestor.ingest([folder])  # unchanged: both kept, nothing pruned
    assert (again.added, again.unchanged, again.removed) == (0, 2, 0)
    assert len(services.store.doc_records()) == 2

    Library(services).delete(mail.doc_id)  # the attachment came from the email's file
    assert services.store.doc_records() == {}
    assert services.store.chunks.count() == 0


def test_malformed_headers_still_read(services, tmp_path: Path) -> None:
    raw = (
        b"From: =?utf-8?q?Broken_=ZZ?= <<marta@@example>\r\n"
        b"To: \r\n"
        b"Subject: =?unknown-8bit?B?!!!notbase64?= Port audit leak\r\n"
        b"Date: the day after yesterday\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n"
        b"\r\n"
        b"The port authority never inspected the dredging work it paid for.\r\n"
    )
    path = _write(tmp_path / "mail", "broken.eml", raw)
    report = services.ingestor.ingest([path])
    assert report.failed == []
    assert report.added == 1
    (record,) = services.store.doc_records().values()
    assert "Port audit leak" in record.meta.title
    assert record.meta.date is None  # unreadable, not invented
    assert "marta" in (record.meta.sender or "")
    text = services.store.get_document(record.doc_id).text
    assert text == "The port authority never inspected the dredging work it paid for."


def _zip_bomb_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", bytes(8 * 1024 * 1024))
    return buffer.getvalue()


def test_oversized_and_zip_bomb_attachments_skipped_email_kept(services, tmp_path: Path) -> None:
    big = b"Harbor ledger line.\n" * (21 * 1024 * 1024 // 20)
    attachments = {
        "ledger.txt": big,
        "bomb.docx": _zip_bomb_docx(),
        "audit.txt": ATTACHMENT.encode(),
        "photo.jpg": b"\xff\xd8\xff\xe0 not text",
    }
    path = _write(tmp_path / "mail", "tip.eml", _email(attachments))
    report = services.ingestor.ingest([path.parent])
    reasons = {Path(f["path"]).name: f["reason"] for f in report.failed}
    assert reasons.keys() == {"tip.eml > ledger.txt", "tip.eml > bomb.docx", "tip.eml > photo.jpg"}
    assert "over the 20 MB limit" in reasons["tip.eml > ledger.txt"]
    assert "expands" in reasons["tip.eml > bomb.docx"]
    assert "refused" in reasons["tip.eml > bomb.docx"]
    assert "unsupported file type '.jpg'" in reasons["tip.eml > photo.jpg"]
    records = _by_title(services)
    assert set(records) == {SUBJECT, "Audit of the harbor dredging contract"}
    assert records[SUBJECT].meta.attachments == "audit.txt"
    assert_consistent(services.store)


def test_changed_email_drops_attachments_it_no_longer_has(services, tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    _write(folder, "tip.eml", _email({"audit.txt": ATTACHMENT.encode()}))
    services.ingestor.ingest([folder])
    _write(folder, "tip.eml", _email({}))
    report = services.ingestor.ingest([folder])
    assert report.updated == 1
    assert [r.meta.title for r in services.store.doc_records().values()] == [SUBJECT]
    assert_consistent(services.store)


def test_unreadable_msg_is_reported(services, tmp_path: Path) -> None:
    path = _write(tmp_path / "mail", "note.msg", b"this is not an outlook file at all")
    report = services.ingestor.ingest([path])
    assert report.added == 0
    assert report.failed[0]["reason"].startswith("not a readable .msg")
