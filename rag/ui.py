"""The web UI: a journalist's workspace around the cited chat.

Tabs: Ask (chat with clickable citations, Sources panel, a focus row, exports), Library (the
collection's documents: upload, edit metadata, delete), Find a quote (who said X, and where),
Document (the full cleaned text, numbered paragraphs, the opened span highlighted). A picker at
the top switches collection (one per investigation).

Presentation only. Retrieval, answering and the citation check happen in ``Pipeline``; library
changes in ``Library``; quote search in ``QuoteSearch``. HTML comes from ``rag.ui_render`` and
``rag.ui_views``, which escape every piece of document text. Nothing on the page is loaded from
outside the server: system fonts, no CDN, no analytics, no share links, no run history kept in
the browser.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
import uuid
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answerers.base import BackendUnavailable
from rag.audit import AuditLog
from rag.audit import now as audit_now
from rag.auth import credentials
from rag.config import Settings
from rag.library import RELIABILITY_LABELS, Library
from rag.present import footnoted_markdown
from rag.quotes import QuoteSearch
from rag.retrieval import EmptyIndex, IndexMismatch
from rag.scope import EmptyScope, Scope
from rag.services import Services
from rag.store import StoreUnavailable
from rag.types import Answer, DocMeta
from rag.ui_render import (
    EMPTY_INDEX,
    EMPTY_QUESTION,
    answer_html,
    draft_html,
    message_html,
    pending_html,
    question_html,
    sources_html,
)
from rag.ui_views import (
    document_html,
    document_placeholder,
    library_html,
    quote_hits_html,
    upload_result_html,
)
from rag.workspace import Workspace

log = logging.getLogger(__name__)

APP_TITLE = "Newsroom source assistant"
EXPLANATION = (
    "Ask about your documents. Every sentence of an answer is checked against a verbatim "
    "quote: click a number to see its source; unsupported sentences are flagged."
)
EXTRACTIVE_NOTE = (
    "Extractive mode: each question is answered on its own from verbatim quotes "
    "(no follow-up context)."
)
NOTHING_TO_COPY = "Ask a question first: the answer will appear here with its footnotes."
FOOTNOTES_HINT = "Click “Copy with footnotes” for the latest answer as Markdown with footnotes."
DATE_NOTE = "Documents without a date are outside any date range."
NO_STORE = "The document store is not available."

CSS = """
.gradio-container { max-width: 1600px !important; }
#title-row { align-items: flex-start; }
#title-bar { padding: 4px 2px 2px; }
#title-bar h1 { font-size: 1.45rem; font-weight: 650; margin: 0 0 2px; }
#title-bar p { margin: 0; color: var(--body-text-color); opacity: 0.8; }
#title-bar .banner { margin-top: 8px; padding: 8px 12px; border-radius: 6px;
  background: #fdecea; color: #8a1c12; border: 1px solid #f5c2bd; }
#extractive-note .note { font-size: 0.85rem; opacity: 0.75; }
#chat .answer p { margin: 0 0 0.6em; line-height: 1.5; }
#chat .answer p:last-child { margin-bottom: 0; }
#chat a.cite { display: inline-block; margin-left: 2px; padding: 0 4px; border-radius: 4px;
  font-size: 0.8em; font-weight: 600; line-height: 1.35; text-decoration: none;
  vertical-align: 0.15em; color: var(--color-accent); background: var(--color-accent-soft);
  cursor: pointer; }
#chat a.cite:hover { text-decoration: underline; }
#chat .unsupported { background: #fff4d6; color: #3d2b00; border-bottom: 2px dotted #c98a00; }
#chat .unsupported .badge { font-size: 0.75em; font-weight: 600; color: #8a5a00;
  white-space: nowrap; }
#chat .refusal .hint, #chat .draft-note { font-size: 0.85em; opacity: 0.7; }
#chat .draft { opacity: 0.8; }
#chat .message.error p { color: #a11d12; }
#chat .spinner { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 6px;
  border: 2px solid var(--border-color-primary); border-top-color: var(--color-accent);
  border-radius: 50%; animation: rag-spin 0.8s linear infinite; vertical-align: -1px; }
@keyframes rag-spin { to { transform: rotate(360deg); } }
#sources-title { font-weight: 600; font-size: 1.05rem; margin: 0; }
#sources-head { align-items: center; flex-wrap: nowrap; gap: 6px; }
#sources-head > * { flex: 0 0 auto; min-width: 0 !important; }
#sources-head > :first-child { flex: 1 1 auto; }
#sources-head button, #sources-head a { white-space: nowrap; padding: 4px 10px; }
#edit-doc { gap: 8px; }
#library-panel table, #library-panel tr, #library-panel th, #library-panel td {
  border-left: 0 !important; border-right: 0 !important; }
#library-panel table { border-top: 0 !important; }
#confirm-row { align-items: center; padding: 4px 8px; border-radius: 6px; flex-wrap: wrap;
  background: #fdecea; border: 1px solid #f5c2bd; }
#confirm-row .note { color: #8a1c12; font-size: 0.88rem; }
#confirm-row > :first-child { flex: 1 0 100%; }
#sources { height: max(300px, calc(100vh - 500px)); overflow-y: auto !important;
  padding: 10px 10px 0 !important; border: 1px solid var(--border-color-primary) !important;
  border-radius: var(--block-radius); background: var(--background-fill-secondary); }
#sources .sources-empty, #sources .no-sources { opacity: 0.7; }
#sources .turn-sources.inactive { display: none; }
#sources .turn-question { font-size: 0.85rem; opacity: 0.75;
  margin-bottom: 8px; }
#sources .checks { font-size: 0.82rem; border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: 6px 10px; margin-bottom: 10px;
  background: var(--background-fill-primary); }
#sources .checks-title { font-weight: 600; margin-bottom: 2px; }
#sources .checks ul { margin: 0; padding-left: 1.1em; }
#sources .source-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 12px; margin-bottom: 10px; background: var(--background-fill-primary);
  scroll-margin-top: 8px; transition: box-shadow 0.3s, border-color 0.3s; }
#sources .source-card header { font-size: 0.85rem; margin-bottom: 6px; line-height: 1.4; }
.src-n { font-weight: 700; color: var(--color-accent); }
.src-title { font-weight: 600; }
.reliability { font-style: italic; padding: 0 5px; border-radius: 4px;
  background: #eef1f6; color: #26324a; white-space: nowrap; }
.reliability.none { opacity: 0.7; }
#sources .passage { font-size: 0.9rem; line-height: 1.5; overflow-wrap: anywhere; }
#sources .passage .pb { display: block; height: 0.5em; }
#sources .passage mark, #quote-hits mark, #doc-view mark.hit { background: #fff1a8;
  color: #1f1f1f; padding: 0 1px; }
.src-url { font-size: 0.8rem; overflow-wrap: anywhere; }
#sources .card-foot { display: flex; gap: 8px; align-items: baseline; margin-top: 4px;
  justify-content: space-between; }
#sources .card-foot .src-url { flex: 1; }
button.open-doc { font-size: 0.78rem; padding: 1px 8px; border-radius: 4px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary);
  color: var(--body-text-color); white-space: nowrap; margin-left: auto; }
button.open-doc:hover { border-color: var(--color-accent); color: var(--color-accent); }
#sources .source-card.active, #sources .source-card:target {
  border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent);
  animation: rag-flash 1.2s ease-out; }
@keyframes rag-flash { from { background: var(--color-accent-soft); } }
#sources .source-card.active mark { background: #ffd84d; }
#sources details summary { cursor: pointer; font-size: 0.85rem; margin: 6px 0; }
#footnotes textarea, #footnotes .cm-content { font-size: 0.82rem; }
#focus .note { font-size: 0.82rem; opacity: 0.75; }
#library-panel { max-height: calc(100vh - 230px); overflow: auto; }
#library-panel .library-count { font-size: 0.85rem; opacity: 0.75; margin: 2px 0 6px; }
table.library { width: 100%; border-collapse: collapse; font-size: 0.88rem; }
table.library th { text-align: left; font-weight: 600; padding: 6px 8px;
  border-bottom: 2px solid var(--border-color-primary); position: sticky; top: 0;
  background: var(--background-fill-primary); white-space: nowrap; }
table.library th, table.library td { border-left: none !important;
  border-right: none !important; border-top: none !important; }
table.library td { padding: 6px 8px; border-bottom: 1px solid var(--border-color-primary);
  vertical-align: top; line-height: 1.35; }
table.library tbody tr { cursor: pointer; }
table.library tbody tr:hover { background: var(--background-fill-secondary); }
table.library tbody tr.selected { background: var(--color-accent-soft); }
table.library .col-title { min-width: 220px; font-weight: 550; overflow-wrap: anywhere; }
table.library .col-chunks { text-align: right; }
table.library .col-date, table.library .col-added { white-space: nowrap; }
table.library .col-url { white-space: nowrap; font-size: 0.8rem; }
table.library .na { opacity: 0.45; }
table.library .edited { font-size: 0.72rem; font-weight: 500; padding: 0 5px; margin-left: 4px;
  border-radius: 6px; background: #e6effc; color: #1d4f91; white-space: nowrap; }
.upload-results { list-style: none; padding: 0; margin: 6px 0; font-size: 0.88rem; }
.upload-results li { padding: 3px 0; overflow-wrap: anywhere; }
.upload-results .ok { color: #17622d; }
.upload-results .failed { color: #8a1c12; }
.upload-results .failed .name { font-weight: 600; }
#edit-doc-title { font-weight: 600; margin: 0; }
#quote-hits { max-height: calc(100vh - 260px); overflow-y: auto; }
#quote-hits .quotes-summary { font-size: 0.88rem; opacity: 0.8; margin-bottom: 8px; }
#quote-hits .quotes-empty, #doc-view .document-empty { opacity: 0.7; padding: 8px 2px; }
#quote-hits .quote-hit { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 12px; margin-bottom: 10px; background: var(--background-fill-primary); }
#quote-hits .quote-hit header { font-size: 0.85rem; margin-bottom: 4px; line-height: 1.4; }
#quote-hits .quote-hit .passage { line-height: 1.5; overflow-wrap: anywhere; }
#quote-hits .quote-hit footer { margin-top: 6px; display: flex; }
#quote-hits .rank { font-weight: 700; color: var(--color-accent); }
#quote-hits .kind { font-size: 0.75rem; padding: 0 6px; border-radius: 8px; margin-left: 4px; }
#quote-hits .kind.exact { background: #dcf3e3; color: #17622d; }
#quote-hits .kind.near { background: #f1ecdf; color: #6a5518; }
#doc-view { height: calc(100vh - 250px); min-height: 320px; overflow-y: auto !important;
  border: 1px solid var(--border-color-primary) !important; border-radius: var(--block-radius);
  padding: 12px 18px !important; background: var(--background-fill-primary); }
#doc-view .doc-head h2 { font-size: 1.2rem; margin: 0 0 4px; }
#doc-view .doc-meta { font-size: 0.85rem; opacity: 0.85; margin-bottom: 4px; }
#doc-view .paras { margin-top: 10px; max-width: 80ch; }
#doc-view .para { display: flex; gap: 12px; margin-bottom: 0.7em; scroll-margin-top: 40px; }
#doc-view .para .pn { flex: 0 0 2.6em; text-align: right; font-size: 0.78rem; opacity: 0.55;
  padding-top: 0.2em; font-variant-numeric: tabular-nums; user-select: none; }
#doc-view .para p { margin: 0; line-height: 1.55; white-space: pre-line;
  overflow-wrap: anywhere; }
#doc-view .para.has-hit .pn { opacity: 1; font-weight: 700; color: var(--color-accent); }
#doc-view mark.hit { background: #ffd84d; box-shadow: 0 0 0 2px #ffd84d; }
#chat .conflicts { margin-top: 12px; padding: 8px 10px 4px; border: 1px solid #e0b44c;
  border-radius: 8px; background: #fff8e6; color: #2b2100; }
#chat .conflict-banner { margin-bottom: 6px; color: #6b4500; line-height: 1.4; }
#chat .conflict-hint { font-size: 0.82em; opacity: 0.85; }
#chat .conflict-card { border-top: 1px solid #ecd6a0; padding: 8px 0 6px; }
#chat .conflict-head { margin-bottom: 6px; line-height: 1.4; }
#chat .conflict-point { font-weight: 600; }
#chat .conflict-kind { display: inline-block; padding: 0 7px; border-radius: 10px;
  font-size: 0.75em; font-weight: 600; white-space: nowrap; background: #f1e3c0;
  color: #5c4200; }
#chat .conflict-kind.kind-factual { background: #fbe0db; color: #8a1c12; }
#chat .conflict-kind.kind-temporal { background: #dde8fb; color: #1c3f8a; }
#chat .conflict-sides { display: grid; gap: 8px;
  grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); }
#chat .conflict-side { min-width: 0; padding: 6px 9px; border-radius: 6px;
  border: 1px solid #e6d3a3; background: #fffdf7; }
#chat .side-source { font-size: 0.8em; line-height: 1.35; margin-bottom: 4px; }
#chat .side-source .src-n { font-weight: 700; color: #1d4ed8; }
#chat .side-source .newer { padding: 0 5px; border-radius: 8px; background: #dde8fb;
  color: #1c3f8a; font-weight: 600; white-space: nowrap; }
#chat a.cite.conflict-quote { display: block; margin: 0; padding: 0 0 0 8px;
  border-left: 3px solid #e0b44c; border-radius: 0; background: none; color: #1f1f1f;
  font-size: 0.92em; font-weight: 400; line-height: 1.45; vertical-align: baseline;
  white-space: normal; overflow-wrap: anywhere; }
#chat a.cite.conflict-quote:hover { background: #fff1c2; text-decoration: none; }
"""

# Clicking a citation marker shows its turn's sources, scrolls its card into view inside the
# Sources panel and highlights it. Delegated from the document, so it survives re-renders.
HEAD = """
<script>
(function () {
  function showSource(turn, n) {
    var panel = document.getElementById("sources");
    if (!panel) return;
    panel.querySelectorAll(".turn-sources").forEach(function (s) {
      s.classList.toggle("inactive", s.getAttribute("data-turn") !== turn);
    });
    panel.querySelectorAll(".source-card.active").forEach(function (c) {
      c.classList.remove("active");
    });
    var card = document.getElementById("src-" + turn + "-" + n);
    if (!card) return;
    card.classList.add("active");
    var top = card.getBoundingClientRect().top - panel.getBoundingClientRect().top;
    panel.scrollTop += top - 8;
    card.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("click", function (event) {
    var a = event.target.closest ? event.target.closest("a.cite") : null;
    if (!a) return;
    event.preventDefault();
    var m = /^#src-(\\d+)-(\\d+)$/.exec(a.getAttribute("href") || "");
    var turn = a.getAttribute("data-turn") || (m && m[1]);
    var n = a.getAttribute("data-n") || (m && m[2]);
    if (turn && n) showSource(turn, n);
  }, true);
})();
</script>
"""

# An "Open in document" button inside an HTML panel asks the server for that span.
OPEN_DOC_JS = """
element.addEventListener('click', function (e) {
  var b = e.target.closest ? e.target.closest('button.open-doc') : null;
  if (!b) return;
  e.preventDefault();
  trigger('click', {doc: b.dataset.doc, start: Number(b.dataset.start),
                    end: Number(b.dataset.end)});
});
"""
# A click on a library row (not on its link) selects that document.
LIBRARY_JS = """
element.addEventListener('click', function (e) {
  if (!e.target.closest || e.target.closest('a')) return;
  var row = e.target.closest('tr[data-doc]');
  if (!row) return;
  element.querySelectorAll('tr.selected').forEach(function (r) { r.classList.remove('selected'); });
  row.classList.add('selected');
  trigger('click', {doc: row.dataset.doc, start: -1, end: -1});
});
"""
# After the Document tab shows a span, bring it to the middle of the reading pane.
SCROLL_TO_HIT_JS = """
() => {
  var tries = 0;
  (function go() {
    var view = document.getElementById('doc-view');
    var mark = view && view.querySelector('mark.hit');
    if (mark && mark.offsetParent !== null) {
      var top = mark.getBoundingClientRect().top - view.getBoundingClientRect().top;
      view.scrollTop += top - view.clientHeight / 3;
      return;
    }
    if (view && !mark && view.offsetParent !== null) { view.scrollTop = 0; return; }
    if (++tries < 40) setTimeout(go, 50);
  })();
}
"""


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
        "css": CSS,
        "head": HEAD,
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


def _title_html(error: str | None) -> str:
    banner = f'<div class="banner">⚠ {escape(error)}</div>' if error else ""
    return f"<h1>{escape(APP_TITLE)}</h1><p>{escape(EXPLANATION)}</p>{banner}"


def _new_session(collection: str = "") -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex[:12],
        "collection": collection,
        "messages": [],
        "answers": [],
        "history": [],
        "audit": AuditLog(collection=collection or None),
    }


def _error_text(exc: Exception) -> str:
    if isinstance(exc, IndexMismatch):  # another embedding backend: says how to re-embed
        return str(exc)
    if isinstance(exc, EmptyIndex):
        return EMPTY_INDEX
    if isinstance(exc, BackendUnavailable | StoreUnavailable | EmptyScope):
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


def _scope(
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


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def build_ui(
    services: Services | None,
    startup_error: str | None = None,
    workspace: Workspace | None = None,
) -> gr.Blocks:
    """The app; ``services`` is None when the store could not be opened (``startup_error``).

    With a ``workspace`` the page offers every collection in it; ``services`` is the one shown
    first.
    """
    condenses = bool(services and services.pipeline.answerer.condenses_followups)
    default_collection = services.settings.collection if services else ""
    exports = Path(tempfile.mkdtemp(prefix="rag-exports-"))

    def services_for(collection: str) -> Services:
        if services is None:
            raise StoreUnavailable(startup_error or NO_STORE)
        if workspace is None or not collection or collection == default_collection:
            return services
        return workspace.services(collection)

    def library_for(collection: str) -> Library:
        return Library(services_for(collection))

    # -- shared refreshers -------------------------------------------------------------------
    def library_view(collection: str, selected: str | None = None) -> tuple[Any, ...]:
        """Library table, the focus pickers and the document picker, from the store."""
        try:
            entries = library_for(collection).entries()
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

    # -- Ask -----------------------------------------------------------------------------------
    def write_exports(session: dict[str, Any]) -> tuple[Any, Any]:
        folder = exports / session["id"]
        folder.mkdir(parents=True, exist_ok=True)
        answers = session["answers"]
        md = folder / f"answer-{len(answers)}.md"
        md.write_text(footnoted_markdown(answers[-1]) + "\n", encoding="utf-8")
        audit = folder / "session-audit.json"
        audit.write_text(session["audit"].to_json(), encoding="utf-8")
        return (
            gr.update(value=str(md), interactive=True),
            gr.update(value=str(audit), interactive=True),
        )

    def ask(
        question: str,
        session: dict[str, Any],
        docs: list[str] | None,
        outlets: list[str] | None,
        date_from: str,
        date_to: str,
    ) -> Iterator[tuple[Any, ...]]:
        q = (question or "").strip()
        skip = gr.skip()
        if not q:
            gr.Warning(EMPTY_QUESTION)
            yield session["messages"], question, skip, skip, session, skip, skip
            return
        scope = _scope(docs, outlets, date_from, date_to)
        messages = [
            *session["messages"],
            {"role": "user", "content": question_html(q)},
            {"role": "assistant", "content": pending_html()},
        ]
        session = {**session, "messages": messages}
        yield messages, "", skip, FOOTNOTES_HINT, session, skip, skip

        answer: Answer | None = None
        asked_at = audit_now()
        try:
            pipeline = services_for(session["collection"]).pipeline
            draft = ""
            for item in pipeline.stream(q, session["history"], scope=scope):
                if isinstance(item, str):
                    draft += item
                    messages[-1] = {"role": "assistant", "content": draft_html(draft)}
                    yield messages, "", skip, skip, session, skip, skip
                else:
                    answer = item
        except Exception as exc:  # shown in the chat, never as a traceback
            messages[-1] = {"role": "assistant", "content": message_html(_error_text(exc))}
            yield messages, "", skip, skip, session, skip, skip
            return
        if answer is None:
            return
        session["audit"].add(
            answer, scope=scope, asked_at=asked_at, collection=session["collection"] or None
        )
        answers = [*session["answers"], answer]
        messages[-1] = {"role": "assistant", "content": answer_html(answer, len(answers))}
        session = {
            **session,
            "messages": messages,
            "answers": answers,
            "history": [*session["history"], (q, answer.text)],
        }
        md, audit = write_exports(session)
        yield messages, "", sources_html(answers), skip, session, md, audit

    def copy_footnotes(session: dict[str, Any]) -> str:
        answers = session["answers"]
        return footnoted_markdown(answers[-1]) if answers else NOTHING_TO_COPY

    # -- Library ---------------------------------------------------------------------------------
    def select_doc(session: dict[str, Any], evt: gr.EventData) -> tuple[Any, ...]:
        doc_id = str(evt.doc)
        entry = next(
            (e for e in library_for(session["collection"]).entries() if e.doc_id == doc_id), None
        )
        if entry is None:
            gr.Warning("That document is no longer in the library.")
            return (None, gr.update(visible=False), *([skip_()] * 6))
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
        session: dict[str, Any],
        doc_id: str | None,
        title: str,
        outlet: str,
        date: str,
        url: str,
        reliability: str | None,
    ) -> tuple[Any, ...]:
        if not doc_id:
            raise gr.Error("Select a document in the table first.")
        meta = DocMeta(
            title=(title or "").strip(),
            outlet=_clean(outlet),
            date=_clean(date),
            url=_clean(url),
            reliability=_clean(reliability),
        )
        try:
            saved = library_for(session["collection"]).edit(doc_id, meta)
        except KeyError:
            raise gr.Error("That document is no longer in the library.") from None
        except ValueError as exc:  # the edit is refused with the reason; nothing is changed
            raise gr.Error(f"Not saved: {exc}.") from None
        gr.Info(f"Saved: {saved.title}")
        return (*library_view(session["collection"], doc_id),)

    def delete_doc(session: dict[str, Any], doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            raise gr.Error("Select a document in the table first.")
        library = library_for(session["collection"])
        title = next((e.title for e in library.entries() if e.doc_id == doc_id), doc_id)
        with contextlib.suppress(KeyError):  # already gone (another tab): the same result
            library.delete(doc_id)
        gr.Info(f"Deleted: {title}")
        return (
            None,
            gr.update(visible=False),
            gr.update(visible=False),
            gr.update(visible=True),
            *library_view(session["collection"]),
        )

    def upload(
        files: list[str] | None,
        session: dict[str, Any],
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        if not files:
            return (skip_(), skip_(), *library_view(session["collection"]))
        named = [(Path(f).name, Path(f)) for f in files]
        before = {e.doc_id for e in library_for(session["collection"]).entries()}
        progress(
            0, desc=f"Reading and splitting {len(named)} file{'s' if len(named) != 1 else ''}…"
        )

        def step(done: int, total: int, what: str) -> None:
            progress((done, max(total, 1)), desc=f"Indexing {what}", unit="passages")

        report = library_for(session["collection"]).upload(named, progress=step)
        entries = library_for(session["collection"]).entries()
        added = [e.title for e in entries if e.doc_id not in before]
        result = upload_result_html(added, report.failed, report.unchanged)
        return (result, None, *library_view(session["collection"]))

    # -- Find a quote ------------------------------------------------------------------------------
    def find_quote(phrase: str, session: dict[str, Any]) -> str:
        phrase = (phrase or "").strip()
        if not phrase:
            return quote_hits_html("", [])
        try:
            store = services_for(session["collection"]).store
        except StoreUnavailable as exc:
            return message_html(str(exc))
        try:
            hits = QuoteSearch(store).find(phrase, limit=30)
        except (EmptyIndex, EmptyScope, ValueError) as exc:
            return message_html(_error_text(exc) if isinstance(exc, EmptyIndex) else str(exc))
        return quote_hits_html(phrase, hits)

    # -- Document --------------------------------------------------------------------------------
    def show_document(
        collection: str, doc_id: str | None, span: tuple[int, int] | None
    ) -> tuple[Any, ...]:
        if not doc_id:
            return document_placeholder(), gr.skip()
        doc = services_for(collection).store.get_document(doc_id)
        if doc is None:
            return document_placeholder("That document is no longer in the library."), None
        m = doc.meta
        html = document_html(
            doc.doc_id, doc.text, m.title, m.outlet, m.date, m.url, m.reliability, span
        )
        return html, doc_id

    def open_span(session: dict[str, Any], evt: gr.EventData) -> tuple[Any, ...]:
        start, end = int(evt.start), int(evt.end)
        span = (start, end) if 0 <= start < end else None
        html, picked = show_document(session["collection"], str(evt.doc), span)
        return html, picked, gr.Tabs(selected="document")

    def pick_document(doc_id: str | None, session: dict[str, Any]) -> Any:
        return show_document(session["collection"], doc_id, None)[0]

    # -- collections -------------------------------------------------------------------------------
    def switch_collection(name: str, session: dict[str, Any]) -> tuple[Any, ...]:
        name = (name or "").strip()
        if workspace is None or name == session["collection"]:
            return (gr.skip(),) * 9
        try:
            if name not in workspace.collections():
                workspace.create(name)
                gr.Info(f"New collection “{name}”: upload its documents in the Library tab.")
            workspace.services(name)
        except (ValueError, StoreUnavailable) as exc:
            gr.Warning(str(exc))
            return (gr.update(value=session["collection"]), *((gr.skip(),) * 8))
        fresh = {**_new_session(name), "audit": session["audit"], "id": session["id"]}
        return (
            gr.update(value=name, choices=workspace.collections()),
            fresh,
            [],
            sources_html([]),
            FOOTNOTES_HINT,
            *library_view(name),
        )

    def skip_() -> Any:
        return gr.skip()

    # -- layout ------------------------------------------------------------------------------
    with gr.Blocks(title=APP_TITLE, fill_width=True) as demo:
        session = gr.State(_new_session(default_collection))
        selected_doc = gr.State(None)
        with gr.Row(equal_height=False, elem_id="title-row"):
            gr.HTML(_title_html(startup_error), elem_id="title-bar", scale=3)
            if workspace is not None:
                with gr.Column(scale=0, min_width=340):
                    collection = gr.Dropdown(
                        choices=workspace.collections() or [default_collection],
                        value=default_collection,
                        label="Collection (investigation) · type a new name to start one",
                        allow_custom_value=True,
                        filterable=True,
                        elem_id="collection",
                    )
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Ask", id="ask", elem_id="tab-ask"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=520):
                    chatbot = gr.Chatbot(
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
                        question = gr.Textbox(
                            label="Question",
                            elem_id="question",
                            show_label=False,
                            placeholder=(
                                "e.g. Who designated the cartels as terrorist organizations?"
                            ),
                            lines=1,
                            max_lines=4,
                            scale=6,
                            autofocus=True,
                        )
                        ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    with gr.Accordion(
                        "Focus: limit questions to documents, outlets or dates",
                        open=False,
                        elem_id="focus",
                    ):
                        with gr.Row():
                            focus_docs = gr.Dropdown(
                                choices=[],
                                multiselect=True,
                                label="Documents",
                                elem_id="focus-docs",
                                scale=3,
                                min_width=220,
                            )
                            focus_outlets = gr.Dropdown(
                                choices=[],
                                multiselect=True,
                                label="Outlets",
                                elem_id="focus-outlets",
                                scale=2,
                                min_width=160,
                            )
                            date_from = gr.Textbox(
                                label="From",
                                placeholder="YYYY-MM-DD",
                                elem_id="focus-from",
                                scale=1,
                                min_width=150,
                            )
                            date_to = gr.Textbox(
                                label="To",
                                placeholder="YYYY-MM-DD",
                                elem_id="focus-to",
                                scale=1,
                                min_width=150,
                            )
                        gr.HTML(
                            f'<span class="note">Empty means everything. {escape(DATE_NOTE)}</span>'
                        )
                    if services is not None and not condenses:
                        gr.HTML(
                            f'<span class="note">{escape(EXTRACTIVE_NOTE)}</span>',
                            elem_id="extractive-note",
                        )
                with gr.Column(scale=2, min_width=400):
                    with gr.Row(equal_height=True, elem_id="sources-head"):
                        gr.HTML('<h2 id="sources-title">Sources</h2>', scale=1)
                        copy_button = gr.Button(
                            "Copy with footnotes",
                            elem_id="copy-footnotes",
                            size="sm",
                            scale=0,
                            min_width=0,
                        )
                        md_download = gr.DownloadButton(
                            "⤓ Answer .md",
                            elem_id="download-md",
                            size="sm",
                            scale=0,
                            min_width=0,
                            interactive=False,
                        )
                        audit_download = gr.DownloadButton(
                            "⤓ Audit .json",
                            elem_id="download-audit",
                            size="sm",
                            scale=0,
                            min_width=0,
                            interactive=False,
                        )
                    sources = gr.HTML(sources_html([]), elem_id="sources", js_on_load=OPEN_DOC_JS)
                    footnotes = gr.Code(
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
            with (
                gr.Tab("Library", id="library", elem_id="tab-library"),
                gr.Row(equal_height=False),
            ):
                with gr.Column(scale=3, min_width=560):
                    library = gr.HTML(
                        library_html([]), elem_id="library-panel", js_on_load=LIBRARY_JS
                    )
                with gr.Column(scale=1, min_width=340):
                    files = gr.File(
                        label="Add documents (txt, md, html, pdf, docx)",
                        file_count="multiple",
                        elem_id="upload",
                        height=130,
                    )
                    upload_result = gr.HTML("", elem_id="upload-result", min_height=40)
                    with gr.Column(visible=False, elem_id="edit-doc") as edit_box:
                        edit_title_html = gr.HTML("")
                        with gr.Group():
                            edit_title = gr.Textbox(label="Title", elem_id="edit-title")
                            with gr.Row():
                                edit_outlet = gr.Textbox(
                                    label="Outlet", elem_id="edit-outlet", scale=2, min_width=140
                                )
                                edit_date = gr.Textbox(
                                    label="Date",
                                    placeholder="YYYY-MM-DD",
                                    elem_id="edit-date",
                                    scale=1,
                                    min_width=150,
                                )
                            edit_url = gr.Textbox(label="URL", elem_id="edit-url")
                            edit_reliability = gr.Dropdown(
                                choices=list(RELIABILITY_LABELS),
                                allow_custom_value=True,
                                label="Reliability (your label; type your own if none fits)",
                                elem_id="edit-reliability",
                            )
                        with gr.Row(elem_id="edit-buttons") as edit_buttons:
                            save_button = gr.Button(
                                "Save",
                                variant="primary",
                                elem_id="save-doc",
                                size="sm",
                                min_width=0,
                            )
                            read_button = gr.Button(
                                "Read", elem_id="read-doc", size="sm", min_width=0
                            )
                            delete_button = gr.Button(
                                "Delete…",
                                variant="stop",
                                elem_id="delete-doc",
                                size="sm",
                                min_width=0,
                            )
                        with gr.Row(visible=False, elem_id="confirm-row") as confirm_row:
                            gr.HTML(
                                '<span class="note">Delete it and its passages?</span>',
                                scale=2,
                                min_width=0,
                            )
                            confirm_button = gr.Button(
                                "Yes, delete",
                                variant="stop",
                                elem_id="confirm-delete",
                                size="sm",
                                min_width=0,
                            )
                            cancel_button = gr.Button(
                                "Cancel", elem_id="cancel-delete", size="sm", min_width=0
                            )
            with gr.Tab("Find a quote", id="quotes", elem_id="tab-quotes"):
                with gr.Row(equal_height=True):
                    phrase = gr.Textbox(
                        label="Phrase",
                        show_label=False,
                        placeholder="Who said it, and where? e.g. foreign terrorist organizations",
                        elem_id="phrase",
                        scale=6,
                    )
                    find_button = gr.Button("Find", variant="primary", elem_id="find", scale=1)
                quote_hits = gr.HTML(
                    quote_hits_html("", []), elem_id="quote-hits", js_on_load=OPEN_DOC_JS
                )
            with gr.Tab("Document", id="document", elem_id="tab-document"):
                doc_picker = gr.Dropdown(
                    choices=[],
                    label="Document",
                    show_label=False,
                    elem_id="doc-picker",
                    filterable=True,
                )
                doc_view = gr.HTML(document_placeholder(), elem_id="doc-view", js_on_load=None)

        # -- events --------------------------------------------------------------------------------
        library_outputs = [library, focus_docs, focus_outlets, doc_picker]
        chat_outputs = [chatbot, question, sources, footnotes, session, md_download, audit_download]
        # One event for Enter and the button: a second ask while one runs is ignored ("once").
        gr.on(
            [question.submit, ask_button.click],
            ask,
            [question, session, focus_docs, focus_outlets, date_from, date_to],
            chat_outputs,
            show_progress="hidden",
            trigger_mode="once",
        )
        copy_button.click(copy_footnotes, [session], [footnotes])
        chatbot.clear(
            lambda s: (
                {**s, "messages": [], "answers": [], "history": []},
                sources_html([]),
                FOOTNOTES_HINT,
            ),
            [session],
            [session, sources, footnotes],
        )
        demo.load(lambda s: library_view(s["collection"]), [session], library_outputs)

        edit_fields = [edit_title, edit_outlet, edit_date, edit_url, edit_reliability]
        library.click(
            select_doc,
            [session],
            [selected_doc, edit_box, edit_title_html, *edit_fields],
        ).then(
            lambda: (gr.update(visible=False), gr.update(visible=True)),
            None,
            [confirm_row, edit_buttons],
        )
        save_button.click(save_doc, [session, selected_doc, *edit_fields], library_outputs)
        delete_button.click(
            lambda: (gr.update(visible=True), gr.update(visible=False)),
            None,
            [confirm_row, edit_buttons],
        )
        cancel_button.click(
            lambda: (gr.update(visible=False), gr.update(visible=True)),
            None,
            [confirm_row, edit_buttons],
        )
        confirm_button.click(
            delete_doc,
            [session, selected_doc],
            [selected_doc, edit_box, confirm_row, edit_buttons, *library_outputs],
        )
        files.upload(
            upload,
            [files, session],
            [upload_result, files, *library_outputs],
            show_progress="full",
            show_progress_on=[upload_result],
        )

        gr.on(
            [phrase.submit, find_button.click],
            find_quote,
            [phrase, session],
            [quote_hits],
            trigger_mode="always_last",
        )

        for panel in (sources, quote_hits):
            panel.click(open_span, [session], [doc_view, doc_picker, tabs]).then(
                None, js=SCROLL_TO_HIT_JS
            )
        read_button.click(
            lambda s, d: (*show_document(s["collection"], d, None), gr.Tabs(selected="document")),
            [session, selected_doc],
            [doc_view, doc_picker, tabs],
        ).then(None, js=SCROLL_TO_HIT_JS)
        doc_picker.input(pick_document, [doc_picker, session], [doc_view]).then(
            None, js=SCROLL_TO_HIT_JS
        )

        if workspace is not None:
            collection.input(
                switch_collection,
                [collection, session],
                [collection, session, chatbot, sources, footnotes, *library_outputs],
            )
    # Gradio runs one event at a time unless told otherwise: a newsroom would queue behind one.
    demo.queue(default_concurrency_limit=services.settings.ui_concurrency if services else 1)
    return demo
