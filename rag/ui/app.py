"""The page assembled: header, five tabs, the events between them, and how to launch it.

Each tab is one module (``ask``, ``library``, ``quotes``, ``timeline``, ``document``) that
builds its own components and handles its own events; here they are put on one page and the
events that cross tabs are connected (a library change refreshes the Ask tab's focus pickers and
the Document tab's picker; "Open in document" in the Ask and Quote tabs, and a point of the
Timeline, open the Document tab).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.auth import credentials
from rag.config import Settings
from rag.services import Services
from rag.ui.ask import AskTab
from rag.ui.assets import HEAD, STYLESHEET
from rag.ui.context import UIContext
from rag.ui.document import DocumentTab
from rag.ui.header import APP_TITLE, Header
from rag.ui.library import LibraryTab
from rag.ui.quotes import QuotesTab
from rag.ui.session import Session
from rag.ui.timeline import TimelineTab
from rag.workspace import Workspace


def launch_kwargs(settings: Settings | None = None) -> dict[str, Any]:
    """What ``launch()`` needs besides host and port (Gradio 6 takes theme/css/head there).

    With ``settings`` naming users (RAG_AUTH / RAG_AUTH_FILE), the app asks for a login.
    """
    kwargs: dict[str, Any] = {
        "theme": gr.themes.Default(
            primary_hue="blue",
            font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
            font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
        ),
        "css_paths": [STYLESHEET],
        "head_paths": [HEAD],
        "footer_links": [],
        "run_history": False,
        "share": False,
        "ssr_mode": False,
        "mcp_server": False,
    }
    users = credentials(settings) if settings is not None else None
    if users:
        kwargs["auth"] = users
        kwargs["auth_message"] = f"{APP_TITLE}: sign in to reach the documents."
    return kwargs


def build_ui(
    services: Services | None,
    startup_error: str | None = None,
    workspace: Workspace | None = None,
) -> gr.Blocks:
    """The app; ``services`` is None when the store could not be opened (``startup_error``).

    With a ``workspace`` the page offers every collection in it; ``services`` is the one shown
    first.
    """
    ctx = UIContext(services, workspace, startup_error)
    with gr.Blocks(title=APP_TITLE, fill_width=True) as demo:
        session = gr.State(Session.start(ctx.default_collection))
        header = Header(ctx)
        with gr.Tabs(elem_id="tabs") as tabs:
            ask = AskTab(ctx)
            library = LibraryTab(ctx)
            quotes = QuotesTab(ctx)
            timeline = TimelineTab(ctx)
            document = DocumentTab(ctx)

        # What a library change refreshes, on every tab (see ``library.library_view``).
        refreshed = [library.table, ask.focus_docs, ask.focus_outlets, document.picker]
        ask.wire(session)
        library.wire(session, refreshed)
        quotes.wire(session)
        timeline.wire(session)
        document.wire(
            session,
            tabs,
            panels=[ask.sources, quotes.hits, timeline.view],
            read_button=library.read_button,
            selected_doc=library.selected_doc,
        )
        header.wire(session, [ask.chatbot, ask.sources, ask.footnotes, *refreshed])
        demo.load(library.refresh, [session], refreshed)
    # Gradio runs one event at a time unless told otherwise: a newsroom would queue behind one.
    demo.queue(default_concurrency_limit=ctx.concurrency)
    return demo
