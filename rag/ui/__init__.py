"""The web UI: a journalist's workspace around the cited chat.

Tabs: Ask (chat with clickable citations, Sources panel, a focus row, exports), Library (the
collection's documents: upload, edit metadata, delete), Find a quote (who said X, and where),
Timeline (the dated claims of the last answer's sources on one time axis, disagreements marked),
Document (the full cleaned text, numbered paragraphs, the opened span highlighted). A picker at
the top switches collection (one per investigation).

Presentation only. Retrieval, answering and the citation check happen in ``Pipeline``; library
changes in ``Library``; quote search in ``QuoteSearch``. HTML comes from ``render`` and
``views`` (through ``markup``), which escape every piece of document text. Nothing on the page
is loaded from outside the server: system fonts, no CDN, no analytics, no share links, no run
history kept in the browser.

Modules: ``app`` assembles the page and says how to launch it; ``header`` and one module per tab
(``ask``, ``library``, ``quotes``, ``timeline``, ``document``) build their components and handle
their events with a ``UIContext`` (``context``) and the tab's ``Session`` (``session``);
``static/`` holds the stylesheet and scripts (``assets``).
"""

from rag.ui.gradio_import import skip_stub_writing

skip_stub_writing()  # before any module below imports gradio (1-2 s of every start)

from rag.ui.app import build_ui, launch_kwargs  # noqa: E402

__all__ = ["build_ui", "launch_kwargs"]
