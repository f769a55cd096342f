"""The page's stylesheet and scripts, kept as files in ``static/`` (shipped as package data).

Why files: CSS and JavaScript read, lint and diff better in their own language than inside
Python strings. The stylesheet and the page-wide script (``head.html``) are handed to Gradio's
``launch(css_paths=..., head_paths=...)``; the scripts Gradio takes as strings (an HTML panel's
``js_on_load``, an event's ``js=``) are read here once.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"
STYLESHEET = STATIC / "app.css"
HEAD = STATIC / "head.html"  # the citation-marker click handler, in <script>


def _script(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


OPEN_DOC_JS = _script("open_doc.js")  # "Open in document" buttons in the Sources and quote panels
LIBRARY_JS = _script("library_rows.js")  # a click on a library row selects that document
SCROLL_TO_HIT_JS = _script("scroll_to_hit.js")  # brings the opened span into view
