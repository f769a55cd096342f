"""The web UI: a chat whose answers carry clickable citations, and a Sources panel beside it.

Presentation only. Retrieval, answering and the citation check happen in ``Pipeline``; this
module streams the draft, then shows the verified ``Answer`` (``rag.ui_render`` makes the
HTML). Nothing on the page is loaded from outside the server: system fonts, no CDN, no
analytics, no share links, no run history kept in the browser.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from html import escape
from typing import Any

import gradio as gr

from rag.answerers.base import BackendUnavailable
from rag.present import footnoted_markdown
from rag.retrieval import EmptyIndex
from rag.services import Services
from rag.store import StoreUnavailable
from rag.types import Answer
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

CSS = """
.gradio-container { max-width: 1600px !important; }
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
#sources-head { align-items: center; }
#sources { height: max(300px, calc(100vh - 445px)); overflow-y: auto !important;
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
#sources .src-n { font-weight: 700; color: var(--color-accent); }
#sources .src-title { font-weight: 600; }
#sources .reliability { font-style: italic; }
#sources .passage { font-size: 0.9rem; line-height: 1.5; overflow-wrap: anywhere; }
#sources .passage .pb { display: block; height: 0.5em; }
#sources .passage mark { background: #fff1a8; color: #1f1f1f; padding: 0 1px; }
#sources .src-url { font-size: 0.8rem; margin-top: 4px; overflow-wrap: anywhere; }
#sources .source-card.active, #sources .source-card:target {
  border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent);
  animation: rag-flash 1.2s ease-out; }
@keyframes rag-flash { from { background: var(--color-accent-soft); } }
#sources .source-card.active mark { background: #ffd84d; }
#sources details summary { cursor: pointer; font-size: 0.85rem; margin: 6px 0; }
#footnotes textarea, #footnotes .cm-content { font-size: 0.82rem; }
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


def launch_kwargs() -> dict[str, Any]:
    """What ``launch()`` needs besides host and port (Gradio 6 takes theme/css/head there)."""
    return {
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


def _title_html(error: str | None) -> str:
    banner = f'<div class="banner">⚠ {escape(error)}</div>' if error else ""
    return f"<h1>{escape(APP_TITLE)}</h1><p>{escape(EXPLANATION)}</p>{banner}"


def _new_session() -> dict[str, Any]:
    return {"messages": [], "answers": [], "history": []}


def _error_text(exc: Exception) -> str:
    if isinstance(exc, EmptyIndex):
        return EMPTY_INDEX
    if isinstance(exc, BackendUnavailable | StoreUnavailable):
        return str(exc)
    log.exception("the question failed")
    return f"Something went wrong ({type(exc).__name__}): {exc}"


def build_ui(services: Services | None, startup_error: str | None = None) -> gr.Blocks:
    """The app; ``services`` is None when the store could not be opened (``startup_error``)."""
    condenses = bool(services and services.pipeline.answerer.condenses_followups)

    def ask(question: str, session: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
        q = (question or "").strip()
        if not q:
            gr.Warning(EMPTY_QUESTION)
            yield session["messages"], question, gr.skip(), gr.skip(), session
            return
        messages = [
            *session["messages"],
            {"role": "user", "content": question_html(q)},
            {"role": "assistant", "content": pending_html()},
        ]
        session = {**session, "messages": messages}
        yield messages, "", gr.skip(), FOOTNOTES_HINT, session

        answer: Answer | None = None
        try:
            if services is None:
                raise StoreUnavailable(startup_error or "the document store is not available")
            draft = ""
            for item in services.pipeline.stream(q, session["history"]):
                if isinstance(item, str):
                    draft += item
                    messages[-1] = {"role": "assistant", "content": draft_html(draft)}
                    yield messages, "", gr.skip(), gr.skip(), session
                else:
                    answer = item
        except Exception as exc:  # shown in the chat, never as a traceback
            messages[-1] = {"role": "assistant", "content": message_html(_error_text(exc))}
            yield messages, "", gr.skip(), gr.skip(), session
            return
        if answer is None:
            return
        answers = [*session["answers"], answer]
        messages[-1] = {"role": "assistant", "content": answer_html(answer, len(answers))}
        session = {
            "messages": messages,
            "answers": answers,
            "history": [*session["history"], (q, answer.text)],
        }
        yield messages, "", sources_html(answers), gr.skip(), session

    def copy_footnotes(session: dict[str, Any]) -> str:
        answers = session["answers"]
        return footnoted_markdown(answers[-1]) if answers else NOTHING_TO_COPY

    with gr.Blocks(title=APP_TITLE, fill_width=True) as demo:
        session = gr.State(_new_session())
        gr.HTML(_title_html(startup_error), elem_id="title-bar")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=520):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    show_label=False,
                    height="max(380px, calc(100vh - 330px))",
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
                        placeholder="e.g. Who designated the cartels as terrorist organizations?",
                        lines=1,
                        max_lines=4,
                        scale=6,
                        autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                if services is not None and not condenses:
                    gr.HTML(
                        f'<span class="note">{escape(EXTRACTIVE_NOTE)}</span>',
                        elem_id="extractive-note",
                    )
            with gr.Column(scale=2, min_width=400):
                with gr.Row(equal_height=True, elem_id="sources-head"):
                    gr.HTML('<h2 id="sources-title">Sources</h2>', scale=1)
                    copy_button = gr.Button(
                        "Copy with footnotes", elem_id="copy-footnotes", size="sm", scale=0
                    )
                sources = gr.HTML(sources_html([]), elem_id="sources", js_on_load=None)
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

        outputs = [chatbot, question, sources, footnotes, session]
        # One event for Enter and the button: a second ask while one runs is ignored ("once").
        gr.on(
            [question.submit, ask_button.click],
            ask,
            [question, session],
            outputs,
            show_progress="hidden",
            trigger_mode="once",
        )
        copy_button.click(copy_footnotes, [session], [footnotes])
        chatbot.clear(
            lambda: (_new_session(), sources_html([]), FOOTNOTES_HINT),
            None,
            [session, sources, footnotes],
        )
    return demo
