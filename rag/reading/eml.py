"""Email (.eml, Outlook .msg) -> the body's raw paragraphs, headers as metadata, attachments.

From, To, Date and Subject are what a journalist cites an email by, so they become the
document's sender, recipients, date and title. Headers that cannot be decoded are read as far
as they go (raw text) rather than costing the email; attachments come back as bytes for
``rag.reading.mail`` to read as documents of their own.
"""

from __future__ import annotations

import email
import email.policy
import io
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from typing import Any

from rag.reading.extracted import Extracted, UnreadableFile, clean_meta, iso_date
from rag.reading.html import extract_html
from rag.reading.paragraphs import normalize_paragraph, split_paragraphs


@dataclass
class ParsedEmail:
    """The email's own text and metadata, and its attachments as (file name, bytes)."""

    extracted: Extracted
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def _raw_header(msg: Message, name: str) -> str | None:
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return normalize_paragraph(str(raw)) or None if raw is not None else None


def _header(msg: Message, name: str, address: bool = False) -> str | None:
    """A header's decoded value; a malformed one falls back to its raw text.

    A malformed address header is parsed into what the parser could salvage, which may drop
    the address itself, so its raw text is kept instead.
    """
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - the email package raises many types on bad headers
        return _raw_header(msg, name)
    if value is None:
        return None
    if address and getattr(value, "defects", None):
        return _raw_header(msg, name)
    return normalize_paragraph(str(value)) or None


def _date(value: str | None) -> str | None:
    """ISO date of an RFC 2822 date (or of an ISO one); None when it cannot be read."""
    if not value:
        return None
    try:
        return iso_date(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return iso_date(value)


def _body_paragraphs(text: str, subtype: str) -> list[str]:
    if subtype == "html":
        return extract_html(text.encode("utf-8")).paragraphs
    return split_paragraphs(text)


def _part_text(part: Message) -> str:
    """A text part's content, decoded with its charset (or forgivingly when that fails)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", errors="replace")


def parse_eml(data: bytes) -> ParsedEmail:
    """Headers, body (text/plain preferred, else html cleaned as a web page), attachments."""
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001 - a hostile file must become a reason
        raise UnreadableFile(f"not a readable email ({type(exc).__name__}: {exc})") from exc
    meta = {
        "title": _header(msg, "Subject"),
        "sender": _header(msg, "From", address=True),
        "recipients": _header(msg, "To", address=True),
    }
    meta["date"] = _date(_header(msg, "Date"))
    paragraphs: list[str] = []
    attachments: list[tuple[str, bytes]] = []
    if isinstance(msg, EmailMessage):
        try:
            body = msg.get_body(preferencelist=("plain", "html"))
        except Exception:  # noqa: BLE001 - a broken MIME tree: read the rest
            body = None
        if body is not None:
            paragraphs = _body_paragraphs(_part_text(body), body.get_content_subtype())
        for part in msg.iter_attachments():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                attachments.append((part.get_filename() or "attachment", payload))
    if not meta["title"] and not paragraphs and not attachments:
        raise UnreadableFile("not an email (no subject, body or attachment found)")
    if not paragraphs:
        paragraphs = [meta["title"] or "(email without text)"]
    return ParsedEmail(Extracted(paragraphs, clean_meta(meta)), attachments)


def extract_eml(data: bytes) -> Extracted:
    """The email itself (its attachments are read by ``rag.reading.mail``)."""
    return parse_eml(data).extracted


def parse_msg(data: bytes) -> ParsedEmail:
    """An Outlook .msg (OLE file) through extract-msg: the same fields as an .eml."""
    import extract_msg  # imported here: only .msg files need it

    try:
        msg: Any = extract_msg.openMsg(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - extract-msg raises many types on bad files
        raise UnreadableFile(f"not a readable .msg ({type(exc).__name__}: {exc})") from exc
    try:
        if not hasattr(msg, "body"):
            raise UnreadableFile("a .msg that is not an email (a contact, task or note)")
        meta = {
            "title": msg.subject,
            "sender": msg.sender,
            "recipients": msg.to,
            "date": iso_date(msg.date),
        }
        text, html = msg.body, None
        if not (text or "").strip():
            html = msg.htmlBody
        paragraphs = split_paragraphs(text) if text else []
        if html:
            paragraphs = extract_html(html).paragraphs
        attachments = [
            (str(getattr(a, "longFilename", None) or "attachment"), a.data)
            for a in getattr(msg, "attachments", [])
            if isinstance(getattr(a, "data", None), bytes)
        ]
    finally:
        msg.close()
    if not paragraphs:
        paragraphs = [normalize_paragraph(meta["title"] or "") or "(email without text)"]
    return ParsedEmail(Extracted(paragraphs, clean_meta(meta)), attachments)


def extract_msg(data: bytes) -> Extracted:
    """The .msg email itself (its attachments are read by ``rag.reading.mail``)."""
    return parse_msg(data).extracted
