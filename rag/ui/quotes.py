"""The Find a quote tab: who said a phrase, and where; each hit opens in the Document tab.

The search itself is ``rag.quotes.QuoteSearch`` (exact matches first, then near ones).
"""

from __future__ import annotations

import gradio as gr

from rag.quotes import QuoteSearch
from rag.retrieval import EmptyIndex
from rag.scope import EmptyScope
from rag.store import StoreUnavailable
from rag.ui.ask import error_text
from rag.ui.assets import OPEN_DOC_JS
from rag.ui.context import UIContext
from rag.ui.render import message_html
from rag.ui.session import Session
from rag.ui.views import quote_hits_html

HIT_LIMIT = 30


class QuotesTab:
    """The tab's components (built inside the page's ``gr.Tabs``) and its handler."""

    def __init__(self, ctx: UIContext) -> None:
        self.ctx = ctx
        with gr.Tab("Find a quote", id="quotes", elem_id="tab-quotes"):
            with gr.Row(equal_height=True):
                self.phrase = gr.Textbox(
                    label="Phrase",
                    show_label=False,
                    placeholder="Who said it, and where? e.g. foreign terrorist organizations",
                    elem_id="phrase",
                    scale=6,
                )
                self.find_button = gr.Button("Find", variant="primary", elem_id="find", scale=1)
            self.hits = gr.HTML(
                quote_hits_html("", []), elem_id="quote-hits", js_on_load=OPEN_DOC_JS
            )

    def wire(self, session: gr.State) -> None:
        gr.on(
            [self.phrase.submit, self.find_button.click],
            self.find_quote,
            [self.phrase, session],
            [self.hits],
            trigger_mode="always_last",
        )

    def find_quote(self, phrase: str, session: Session) -> str:
        """The ranked hits for ``phrase``, or why there are none."""
        phrase = (phrase or "").strip()
        if not phrase:
            return quote_hits_html("", [])
        try:
            services = self.ctx.services_for(session.collection)
        except StoreUnavailable as exc:
            return message_html(str(exc))
        search = QuoteSearch(services.store, services.settings.quote_index_dir)
        try:
            hits = search.find(phrase, limit=HIT_LIMIT)
        except (EmptyIndex, EmptyScope, ValueError) as exc:
            return message_html(error_text(exc) if isinstance(exc, EmptyIndex) else str(exc))
        return quote_hits_html(phrase, hits)
