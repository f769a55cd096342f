"""Which language a text is in: detected once per document at ingest, stored with its record.

Why: reporters on the Latin America beat get many sources in Spanish, and BM25 must stem each
document with its own language's stemmer ("detenidos" and "detenido" are one Spanish stem but
two English ones). Why py3langid: its model ships inside the wheel (no hub, no network), it
knows 97 languages, and it is fast (0.1-3 ms a text once loaded, loaded on first use in
0.6-4 s). Accuracy measured by ``python -m bench --only spanish``: README, "Spanish documents".
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.store import DocRecord, Store

SAMPLE_CHARS = 4000  # the start of a document says its language; more only costs time
# The beat's languages, and how much likelier than any other of the 97 they are taken to be
# (a prior, added to the model's log scores). Why: without it, short English texts full of
# names come out as Nigerian Pidgin or Hungarian (FEVER claims: 93% right; with it, 98%), while
# French, Portuguese, Italian, Catalan, Galician and German sentences keep their language
# (measured by ``python -m bench --only spanish``).
LIKELY_LANGUAGES = ("en", "es")
LIKELY_PRIOR = math.log(100)
MIN_LETTERS = 3  # below this there is nothing to judge ("2024", "—")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_STATED = re.compile(r"([a-z]{2})(?:[-_][a-z0-9]+)*")  # "es", "es-MX", "en_GB"

_lock = threading.Lock()
_identifier: Any = None


def load() -> None:
    """Load the identifier now (the app's warm-up: its first upload should not wait ~0.6 s)."""
    _model()


def _model() -> Any:
    """The identifier, loaded on first use (most commands never need it)."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        return _identifier


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when it has
    (almost) no letters to judge by."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    ranked = _model().rank(sample)
    code, _ = max(ranked, key=lambda r: r[1] + (LIKELY_PRIOR if r[0] in LIKELY_LANGUAGES else 0))
    return str(code)


def stated_language(value: str | None) -> str | None:
    """A language written by hand (front matter ``language: es-MX``) as its ISO 639-1 code,
    or None when it is not one (then the text's own language is detected)."""
    match = _STATED.fullmatch((value or "").strip().lower())
    return match.group(1) if match else None


def language_of(text: str, stated: str | None = None) -> str | None:
    """A document's language: the one stated by hand if valid, else detected from its text."""
    return stated_language(stated) or detect_language(text)


def backfill_languages(store: Store, records: dict[str, DocRecord], skip: Iterable[str]) -> int:
    """Detect and store the language of documents indexed before languages were (their file
    is unchanged, so ingest would skip them); ``skip`` are ids being rewritten anyway.
    A metadata update only: no re-chunking, no re-embedding. Returns how many were set."""
    skipped = set(skip)
    missing = [d for d, r in records.items() if r.meta.language is None and d not in skipped]
    found = {doc.doc_id: detect_language(doc.text) for doc in store.documents(missing)}
    found = {d: code for d, code in found.items() if code}
    if found:
        store.docs.update(ids=list(found), metadatas=[{"language": c} for c in found.values()])
        store.records_changed()
    return len(found)
