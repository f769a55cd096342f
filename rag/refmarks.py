"""A document's own reference marks ("…organizations [5], which…"), shown so that no reader can
take them for our citation markers [n].

Why: fact-checks and reports number their sources in brackets, exactly like our citations. In a
quoted sentence we show such a mark as a superscript, "⁽⁵⁾", wherever the answer is displayed
(answer text, footnotes, draft); the stored quote (JSON ``quote``, offsets) stays verbatim.
The mapping is exact both ways, so a displayed quote can be matched back to its document.
"""

from __future__ import annotations

import re

# The same bracket form our citation markers use: "[5]", "[1, 9]".
DOCUMENT_MARK = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_PLAIN = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SHOWN_MARK = re.compile(r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+(?:\s*,\s*[⁰¹²³⁴⁵⁶⁷⁸⁹]+)*)⁾")
_QUOTED = re.compile(r"“[^”]*”")


def show_marks(text: str) -> str:
    """Document text for display: "[5]" -> "⁽⁵⁾", "[1, 9]" -> "⁽¹, ⁹⁾"."""
    return DOCUMENT_MARK.sub(lambda m: f"⁽{m.group(1).translate(_SUPERSCRIPT)}⁾", text)


def restore_marks(text: str) -> str:
    """The inverse of ``show_marks``: displayed text back to the document's own characters."""
    return _SHOWN_MARK.sub(lambda m: f"[{m.group(1).translate(_PLAIN)}]", text)


def show_marks_in_quotes(text: str) -> str:
    """Marks inside “…” only: for lines that also carry our own markers ("[2] says “…[5]…”")."""
    return _QUOTED.sub(lambda m: show_marks(m.group(0)), text)
