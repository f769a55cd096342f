"""The Library tab: the collection's documents in a table; upload, edit metadata, delete.

Every change goes through ``rag.library.Library`` (an edit is a metadata update, a delete
removes one document's passages). After each change the table, the focus pickers of the Ask
tab and the Document tab's picker are refreshed together (``library_view``).
"""

from __future__ import annotations

import contextlib
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from rag.library import RELIABILITY_LABELS
from rag.store import StoreUnavailable
from rag.types import DocMeta
from rag.ui.assets import LIBRARY_JS
from rag.ui.context import UIContext
from rag.ui.render import message_html
from rag.ui.session import Session
from rag.ui.views import library_html, upload_result_html

GONE = "That document is no longer in the library."
SELECT_FIRST = "Select a document in the table first."


def library_view(ctx: UIContext, collection: str, selected: str | None = None) -> tuple[Any, ...]:
    """Library table, the focus pickers and the document picker, from the store."""
    try:
        entries = ctx.library_for(collection).entries()
    except StoreUnavailable as exc:
        html = message_html(str(exc))
        return html, gr.update(choices=[]), gr.update(choices=[]), gr.update(choices=[])
    docs = [(e.title, e.doc_id) for e in entries]
    outlets = sorted({e.outlet for e in entries if e.outlet}, key=str.lower)
    return (
        library_html(entries, selected),
        gr.update(choices=docs),
        gr.update(choices=outlets),
        gr.update(choices=docs),
    )


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _confirming(asked: bool) -> tuple[Any, Any]:
    """The confirm row instead of the edit buttons (a delete is asked twice), or back."""
    return gr.update(visible=asked), gr.update(visible=not asked)


def _ask_to_confirm() -> tuple[Any, Any]:
    return _confirming(True)


def _hide_confirm() -> tuple[Any, Any]:
    return _confirming(False)


class LibraryTab:
    """The tab's components (built inside the page's ``gr.Tabs``) and its handlers."""

    def __init__(self, ctx: UIContext) -> None:
        self.ctx = ctx
        with gr.Tab("Library", id="library", elem_id="tab-library"), gr.Row(equal_height=False):
            # Inside the tab: a State directly under gr.Tabs would count as a tab's content
            # and shift the tab buttons (one shows twice, another goes missing).
            self.selected_doc = gr.State(None)
            with gr.Column(scale=3, min_width=560):
                self.table = gr.HTML(
                    library_html([]), elem_id="library-panel", js_on_load=LIBRARY_JS
                )
            with gr.Column(scale=1, min_width=340):
                self.files = gr.File(
                    label="Add files (txt, md, html, pdf, docx, eml, msg; scans: png, jpg, tif)",
                    file_count="multiple",
                    elem_id="upload",
                    height=130,
                )
                self.upload_result = gr.HTML("", elem_id="upload-result", min_height=40)
                with gr.Column(visible=False, elem_id="edit-doc") as self.edit_box:
                    self.edit_title_html = gr.HTML("")
                    self._fields()
                    self._buttons()

    def _fields(self) -> None:
        with gr.Group():
            self.edit_title = gr.Textbox(label="Title", elem_id="edit-title")
            with gr.Row():
                self.edit_outlet = gr.Textbox(
                    label="Outlet", elem_id="edit-outlet", scale=2, min_width=140
                )
                self.edit_date = gr.Textbox(
                    label="Date",
                    placeholder="YYYY-MM-DD",
                    elem_id="edit-date",
                    scale=1,
                    min_width=150,
                )
            self.edit_url = gr.Textbox(label="URL", elem_id="edit-url")
            self.edit_reliability = gr.Dropdown(
                choices=list(RELIABILITY_LABELS),
                allow_custom_value=True,
                label="Reliability (your label; type your own if none fits)",
                elem_id="edit-reliability",
            )

    def _buttons(self) -> None:
        small: dict[str, Any] = {"size": "sm", "min_width": 0}
        with gr.Row(elem_id="edit-buttons") as self.edit_buttons:
            self.save_button = gr.Button("Save", variant="primary", elem_id="save-doc", **small)
            self.read_button = gr.Button("Read", elem_id="read-doc", **small)
            self.delete_button = gr.Button("Delete…", variant="stop", elem_id="delete-doc", **small)
        with gr.Row(visible=False, elem_id="confirm-row") as self.confirm_row:
            gr.HTML('<span class="note">Delete it and its passages?</span>', scale=2, min_width=0)
            self.confirm_button = gr.Button(
                "Yes, delete", variant="stop", elem_id="confirm-delete", **small
            )
            self.cancel_button = gr.Button("Cancel", elem_id="cancel-delete", **small)

    def wire(self, session: gr.State, refreshed: list[Any]) -> None:
        """Connect the tab's events; ``refreshed`` are the outputs of ``library_view``."""
        fields = [
            self.edit_title,
            self.edit_outlet,
            self.edit_date,
            self.edit_url,
            self.edit_reliability,
        ]
        confirm = [self.confirm_row, self.edit_buttons]
        self.table.click(
            self.select_doc,
            [session],
            [self.selected_doc, self.edit_box, self.edit_title_html, *fields],
        ).then(_hide_confirm, None, confirm)
        self.save_button.click(self.save_doc, [session, self.selected_doc, *fields], refreshed)
        self.delete_button.click(_ask_to_confirm, None, confirm)
        self.cancel_button.click(_hide_confirm, None, confirm)
        self.confirm_button.click(
            self.delete_doc,
            [session, self.selected_doc],
            [self.selected_doc, self.edit_box, *confirm, *refreshed],
        )
        self.files.upload(
            self.upload,
            [self.files, session],
            [self.upload_result, self.files, *refreshed],
            show_progress="full",
            show_progress_on=[self.upload_result],
        )

    def refresh(self, session: Session) -> tuple[Any, ...]:
        """The table and pickers for the session's collection (on page load)."""
        return library_view(self.ctx, session.collection)

    def select_doc(self, session: Session, evt: gr.EventData) -> tuple[Any, ...]:
        """A row was clicked: fill the edit form with that document's metadata."""
        doc_id = str(evt.doc)
        entries = self.ctx.library_for(session.collection).entries()
        entry = next((e for e in entries if e.doc_id == doc_id), None)
        if entry is None:
            gr.Warning(GONE)
            return (None, gr.update(visible=False), *([gr.skip()] * 6))
        return (
            doc_id,
            gr.update(visible=True),
            f'<h3 id="edit-doc-title">Edit: {escape(entry.title)}</h3>',
            entry.title,
            entry.outlet or "",
            entry.date or "",
            entry.url or "",
            entry.reliability or None,
        )

    def save_doc(
        self,
        session: Session,
        doc_id: str | None,
        title: str,
        outlet: str,
        date: str,
        url: str,
        reliability: str | None,
    ) -> tuple[Any, ...]:
        """The journalist's metadata, used at once (no re-embedding)."""
        if not doc_id:
            raise gr.Error(SELECT_FIRST)
        meta = DocMeta(
            title=(title or "").strip(),
            outlet=_clean(outlet),
            date=_clean(date),
            url=_clean(url),
            reliability=_clean(reliability),
        )
        try:
            saved = self.ctx.library_for(session.collection).edit(doc_id, meta)
        except KeyError:
            raise gr.Error(GONE) from None
        except ValueError as exc:  # the edit is refused with the reason; nothing is changed
            raise gr.Error(f"Not saved: {exc}.") from None
        gr.Info(f"Saved: {saved.title}")
        return library_view(self.ctx, session.collection, doc_id)

    def delete_doc(self, session: Session, doc_id: str | None) -> tuple[Any, ...]:
        """Delete the selected document and its passages (confirmed first)."""
        if not doc_id:
            raise gr.Error(SELECT_FIRST)
        library = self.ctx.library_for(session.collection)
        title = next((e.title for e in library.entries() if e.doc_id == doc_id), doc_id)
        with contextlib.suppress(KeyError):  # already gone (another tab): the same result
            library.delete(doc_id)
        gr.Info(f"Deleted: {title}")
        return (None, gr.update(visible=False), *_hide_confirm(), *self.refresh(session))

    def upload(
        self,
        files: list[str] | None,
        session: Session,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        """Index the dropped files; say per file what went in and what did not, and why."""
        if not files:
            return (gr.skip(), gr.skip(), *self.refresh(session))
        library = self.ctx.library_for(session.collection)
        named = [(Path(f).name, Path(f)) for f in files]
        before = {e.doc_id for e in library.entries()}
        plural = "s" if len(named) != 1 else ""
        progress(0, desc=f"Reading and splitting {len(named)} file{plural}…")

        def step(done: int, total: int, what: str) -> None:
            progress((done, max(total, 1)), desc=f"Indexing {what}", unit="passages")

        def pages(done: int, total: int, name: str) -> None:
            progress((done, max(total, 1)), desc=f"Reading {name} by OCR", unit="pages")

        report = library.upload(named, progress=step, ocr_progress=pages)
        added = [e.title for e in library.entries() if e.doc_id not in before]
        result = upload_result_html(added, report.failed, report.unchanged, report.notes)
        return (result, None, *self.refresh(session))
