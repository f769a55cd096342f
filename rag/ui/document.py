"""The Document tab: a document's full cleaned text, numbered paragraphs, one span highlighted.

Opened from a source card or a quote hit ("Open in document", which selects this tab and
scrolls to the span), from the library's Read button, or by picking a document here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr

from rag.ui.assets import SCROLL_TO_HIT_JS
from rag.ui.context import UIContext
from rag.ui.session import Session
from rag.ui.views import document_html, document_placeholder

TAB_ID = "document"


class DocumentTab:
    """The tab's components (built inside the page's ``gr.Tabs``) and its handlers."""

    def __init__(self, ctx: UIContext) -> None:
        self.ctx = ctx
        with gr.Tab("Document", id=TAB_ID, elem_id="tab-document"):
            self.picker = gr.Dropdown(
                choices=[],
                label="Document",
                show_label=False,
                elem_id="doc-picker",
                filterable=True,
            )
            self.view = gr.HTML(document_placeholder(), elem_id="doc-view", js_on_load=None)

    def wire(
        self,
        session: gr.State,
        tabs: gr.Tabs,
        panels: Sequence[gr.HTML],
        read_button: gr.Button,
        selected_doc: gr.State,
    ) -> None:
        """Open spans from ``panels`` (their "Open in document" buttons) and the Read button."""
        opened = [self.view, self.picker, tabs]
        for panel in panels:
            panel.click(self.open_span, [session], opened).then(None, js=SCROLL_TO_HIT_JS)
        read_button.click(self.read, [session, selected_doc], opened).then(
            None, js=SCROLL_TO_HIT_JS
        )
        self.picker.input(self.pick_document, [self.picker, session], [self.view]).then(
            None, js=SCROLL_TO_HIT_JS
        )

    def show(
        self, collection: str, doc_id: str | None, span: tuple[int, int] | None
    ) -> tuple[Any, Any]:
        """The document's HTML and the picker's new value (None when it is gone)."""
        if not doc_id:
            return document_placeholder(), gr.skip()
        doc = self.ctx.services_for(collection).store.get_document(doc_id)
        if doc is None:
            return document_placeholder("That document is no longer in the library."), None
        m = doc.meta
        html = document_html(
            doc.doc_id,
            doc.text,
            m.title,
            m.outlet,
            m.date,
            m.url,
            m.reliability,
            span,
            page_of=m.page_of if m.pages else None,
            parent_title=m.parent_title,
            ocr_of=m.ocr_confidence if m.ocr_pages else None,
        )
        return html, doc_id

    def open_span(self, session: Session, evt: gr.EventData) -> tuple[Any, ...]:
        """An "Open in document" button: that span, highlighted, in this tab."""
        start, end = int(evt.start), int(evt.end)
        span = (start, end) if 0 <= start < end else None
        html, picked = self.show(session.collection, str(evt.doc), span)
        return html, picked, gr.Tabs(selected=TAB_ID)

    def read(self, session: Session, doc_id: str | None) -> tuple[Any, ...]:
        """The library's Read button: the selected document, from the top."""
        return (*self.show(session.collection, doc_id, None), gr.Tabs(selected=TAB_ID))

    def pick_document(self, doc_id: str | None, session: Session) -> Any:
        return self.show(session.collection, doc_id, None)[0]
