"""The top of the page: the title, a banner when the store is down, the collection picker.

Switching collection (one per investigation) starts a fresh conversation on it and refreshes
every tab's lists; typing a new name creates the collection. The audit record carries over.
"""

from __future__ import annotations

from html import escape
from typing import Any

import gradio as gr

from rag.store import StoreUnavailable
from rag.ui.ask import FOOTNOTES_HINT
from rag.ui.context import UIContext
from rag.ui.library import library_view
from rag.ui.render import sources_html
from rag.ui.session import Session

APP_TITLE = "Newsroom source assistant"
EXPLANATION = (
    "Ask about your documents. Every sentence of an answer is checked against a verbatim "
    "quote: click a number to see its source; unsupported sentences are flagged."
)


def title_html(error: str | None) -> str:
    banner = f'<div class="banner">⚠ {escape(error)}</div>' if error else ""
    return f"<h1>{escape(APP_TITLE)}</h1><p>{escape(EXPLANATION)}</p>{banner}"


class Header:
    """The title bar and, with a workspace, the collection picker."""

    def __init__(self, ctx: UIContext) -> None:
        self.ctx = ctx
        self.collection: gr.Dropdown | None = None
        with gr.Row(equal_height=False, elem_id="title-row"):
            gr.HTML(title_html(ctx.startup_error), elem_id="title-bar", scale=3)
            if ctx.workspace is not None:
                with gr.Column(scale=0, min_width=340):
                    self.collection = gr.Dropdown(
                        choices=ctx.workspace.collections() or [ctx.default_collection],
                        value=ctx.default_collection,
                        label="Collection (investigation) · type a new name to start one",
                        allow_custom_value=True,
                        filterable=True,
                        elem_id="collection",
                    )

    def wire(self, session: gr.State, reset: list[Any]) -> None:
        """``reset``: the chat, the Sources panel, the footnotes, then ``library_view``'s."""
        if self.collection is not None:
            self.collection.input(
                self.switch_collection,
                [self.collection, session],
                [self.collection, session, *reset],
            )

    def switch_collection(self, name: str, session: Session) -> tuple[Any, ...]:
        """Open (or create) collection ``name``; a bad name is a warning, the picker unchanged."""
        name = (name or "").strip()
        workspace = self.ctx.workspace
        if workspace is None or name == session.collection:
            return (gr.skip(),) * 9
        try:
            if name not in workspace.collections():
                workspace.create(name)
                gr.Info(f"New collection “{name}”: upload its documents in the Library tab.")
            workspace.services(name)
        except (ValueError, StoreUnavailable) as exc:
            gr.Warning(str(exc))
            return (gr.update(value=session.collection), *((gr.skip(),) * 8))
        return (
            gr.update(value=name, choices=workspace.collections()),
            session.switched_to(name),
            [],
            sources_html([]),
            FOOTNOTES_HINT,
            *library_view(self.ctx, name),
        )
