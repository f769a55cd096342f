"""The Ask tab: the cited chat, the focus row, the Sources panel and the exports.

The answer streams in as a draft (an LLM answerer), then is replaced by the checked answer with
its citation markers; the Sources panel, the footnoted Markdown and the audit file follow it.
Retrieval, answering and the citation check all happen in the collection's ``Pipeline``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import replace
from html import escape
from typing import Any

import gradio as gr

from rag.answerers.base import BackendUnavailable
from rag.audit import now as audit_now
from rag.embeddings import ModelUnavailable
from rag.present import footnoted_markdown
from rag.retrieval import EmptyIndex, IndexMismatch
from rag.scope import EmptyScope, Scope
from rag.store import StoreUnavailable
from rag.types import Answer
from rag.ui.assets import OPEN_DOC_JS
from rag.ui.context import UIContext
from rag.ui.render import (
    EMPTY_INDEX,
    EMPTY_QUESTION,
    answer_html,
    draft_html,
    message_html,
    pending_html,
    question_html,
    sources_html,
)
from rag.ui.session import Session

log = logging.getLogger(__name__)

EXTRACTIVE_NOTE = (
    "Extractive mode: each question is answered on its own from verbatim quotes "
    "(no follow-up context)."
)
NOTHING_TO_COPY = "Ask a question first: the answer will appear here with its footnotes."
FOOTNOTES_HINT = "Click “Copy with footnotes” for the latest answer as Markdown with footnotes."
MODEL_LOADING = (
    "The search model is still loading (the app has just started); "
    "your question starts as soon as it is ready…"
)
DATE_NOTE = "Documents without a date are outside any date range."


def error_text(exc: Exception) -> str:
    """What the chat says when a question fails: the reason a user can act on, no traceback."""
    if isinstance(exc, IndexMismatch):  # another embedding backend: says how to re-embed
        return str(exc)
    if isinstance(exc, EmptyIndex):
        return EMPTY_INDEX
    if isinstance(exc, BackendUnavailable | StoreUnavailable | EmptyScope | ModelUnavailable):
        return str(exc)
    log.exception("the question failed")
    return f"Something went wrong ({type(exc).__name__}): {exc}"


def _iso_date(value: str | None, label: str) -> str | None:
    """'' -> None; a valid YYYY-MM-DD as is; anything else is a user error."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise gr.Error(f"{label} must be a date like 2024-05-31 (got “{value}”).") from None


def focus_scope(
    docs: list[str] | None, outlets: list[str] | None, date_from: str, date_to: str
) -> Scope | None:
    """The focus row as a ``Scope`` (None: everything); a bad date is a message, not an error."""
    try:
        scope = Scope(
            doc_ids=tuple(docs) if docs else None,
            outlets=tuple(outlets) if outlets else None,
            date_from=_iso_date(date_from, "From"),
            date_to=_iso_date(date_to, "To"),
        )
    except ValueError as exc:
        raise gr.Error(f"Focus: {exc}.") from None
    return None if scope.is_everything else scope


def copy_footnotes(session: Session) -> str:
    """The latest answer as Markdown with footnotes, for pasting into a story."""
    return footnoted_markdown(session.answers[-1]) if session.answers else NOTHING_TO_COPY


def clear_chat(session: Session) -> tuple[Session, str, str]:
    return session.cleared(), sources_html([]), FOOTNOTES_HINT


class AskTab:
    """The tab's components (built inside the page's ``gr.Tabs``) and its handlers."""

    def __init__(self, ctx: UIContext) -> None:
        self.ctx = ctx
        with gr.Tab("Ask", id="ask", elem_id="tab-ask"), gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=520):
                self._chat()
                self._focus()
                if ctx.services is not None and not ctx.condenses:
                    gr.HTML(
                        f'<span class="note">{escape(EXTRACTIVE_NOTE)}</span>',
                        elem_id="extractive-note",
                    )
            with gr.Column(scale=2, min_width=400):
                self._sources()

    def _chat(self) -> None:
        self.chatbot = gr.Chatbot(
            elem_id="chat",
            show_label=False,
            height="max(360px, calc(100vh - 420px))",
            render_markdown=False,
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            buttons=[],
            feedback_options=None,
            group_consecutive_messages=False,
            placeholder="Ask a question about the indexed documents.",
        )
        with gr.Row(equal_height=True):
            self.question = gr.Textbox(
                label="Question",
                elem_id="question",
                show_label=False,
                placeholder="e.g. Who designated the cartels as terrorist organizations?",
                lines=1,
                max_lines=4,
                scale=6,
                autofocus=True,
            )
            self.ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")

    def _focus(self) -> None:
        with gr.Accordion(
            "Focus: limit questions to documents, outlets or dates", open=False, elem_id="focus"
        ):
            with gr.Row():
                self.focus_docs = gr.Dropdown(
                    choices=[],
                    multiselect=True,
                    label="Documents",
                    elem_id="focus-docs",
                    scale=3,
                    min_width=220,
                )
                self.focus_outlets = gr.Dropdown(
                    choices=[],
                    multiselect=True,
                    label="Outlets",
                    elem_id="focus-outlets",
                    scale=2,
                    min_width=160,
                )
                self.date_from = gr.Textbox(
                    label="From",
                    placeholder="YYYY-MM-DD",
                    elem_id="focus-from",
                    scale=1,
                    min_width=150,
                )
                self.date_to = gr.Textbox(
                    label="To", placeholder="YYYY-MM-DD", elem_id="focus-to", scale=1, min_width=150
                )
            gr.HTML(f'<span class="note">Empty means everything. {escape(DATE_NOTE)}</span>')

    def _sources(self) -> None:
        with gr.Row(equal_height=True, elem_id="sources-head"):
            gr.HTML('<h2 id="sources-title">Sources</h2>', scale=1)
            small: dict[str, Any] = {"size": "sm", "scale": 0, "min_width": 0}
            self.copy_button = gr.Button("Copy with footnotes", elem_id="copy-footnotes", **small)
            self.md_download = gr.DownloadButton(
                "⤓ Answer .md", elem_id="download-md", interactive=False, **small
            )
            self.audit_download = gr.DownloadButton(
                "⤓ Audit .json", elem_id="download-audit", interactive=False, **small
            )
        self.sources = gr.HTML(sources_html([]), elem_id="sources", js_on_load=OPEN_DOC_JS)
        self.footnotes = gr.Code(
            FOOTNOTES_HINT,
            elem_id="footnotes",
            label="Answer with footnotes (Markdown)",
            language="markdown",
            interactive=False,
            wrap_lines=True,
            show_line_numbers=False,
            lines=3,
            max_lines=10,
            buttons=["copy"],
        )

    def wire(self, session: gr.State) -> None:
        """Connect the tab's events (the components exist once ``__init__`` has run)."""
        outputs = [
            self.chatbot,
            self.question,
            self.sources,
            self.footnotes,
            session,
            self.md_download,
            self.audit_download,
        ]
        focus = [self.focus_docs, self.focus_outlets, self.date_from, self.date_to]
        # One event for Enter and the button: a second ask while one runs is ignored ("once").
        gr.on(
            [self.question.submit, self.ask_button.click],
            self.ask,
            [self.question, session, *focus],
            outputs,
            show_progress="hidden",
            trigger_mode="once",
        )
        self.copy_button.click(copy_footnotes, [session], [self.footnotes])
        self.chatbot.clear(clear_chat, [session], [session, self.sources, self.footnotes])

    def ask(
        self,
        question: str,
        session: Session,
        docs: list[str] | None,
        outlets: list[str] | None,
        date_from: str,
        date_to: str,
    ) -> Iterator[tuple[Any, ...]]:
        """Pending, then the draft as it streams, then the checked answer with its sources."""
        q = (question or "").strip()
        skip = gr.skip()
        if not q:
            gr.Warning(EMPTY_QUESTION)
            yield session.messages, question, skip, skip, session, skip, skip
            return
        scope = focus_scope(docs, outlets, date_from, date_to)
        messages = [
            *session.messages,
            {"role": "user", "content": question_html(q)},
            {"role": "assistant", "content": self._pending(session)},
        ]
        session = replace(session, messages=messages)
        yield messages, "", skip, FOOTNOTES_HINT, session, skip, skip

        answer: Answer | None = None
        asked_at = audit_now()
        try:
            pipeline = self.ctx.services_for(session.collection).pipeline
            draft = ""
            for item in pipeline.stream(q, session.history, scope=scope):
                if isinstance(item, str):
                    draft += item
                    messages[-1] = {"role": "assistant", "content": draft_html(draft)}
                    yield messages, "", skip, skip, session, skip, skip
                else:
                    answer = item
        except Exception as exc:  # shown in the chat, never as a traceback
            messages[-1] = {"role": "assistant", "content": message_html(error_text(exc))}
            yield messages, "", skip, skip, session, skip, skip
            return
        if answer is None:
            return
        session.audit.add(
            answer, scope=scope, asked_at=asked_at, collection=session.collection or None
        )
        turn = len(session.answers) + 1
        messages[-1] = {"role": "assistant", "content": answer_html(answer, turn)}
        session = session.answered(q, answer, messages)
        md, audit = self._write_exports(session)
        yield messages, "", sources_html(session.answers), skip, session, md, audit

    def _pending(self, session: Session) -> str:
        """The chat's "working" line; right after start it says the model is still loading."""
        if self.ctx.model_ready(session.collection):
            return pending_html()
        return pending_html(MODEL_LOADING)

    def _write_exports(self, session: Session) -> tuple[Any, Any]:
        """The latest answer (.md) and the session's audit (.json), ready to download."""
        folder = self.ctx.exports / session.id
        folder.mkdir(parents=True, exist_ok=True)
        md = folder / f"answer-{len(session.answers)}.md"
        md.write_text(footnoted_markdown(session.answers[-1]) + "\n", encoding="utf-8")
        audit = folder / "session-audit.json"
        audit.write_text(session.audit.to_json(), encoding="utf-8")
        return (
            gr.update(value=str(md), interactive=True),
            gr.update(value=str(audit), interactive=True),
        )
