"""The web UI, driven as a journalist uses it: real corpus, real model, headless Chromium.

One ingested store and one server are shared by the module (the questions only read). The
HTML rendering is also checked without a browser: escaping, flags, no Markdown surprises.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from rag.config import Settings
from rag.types import Answer, AnswerSentence, Chunk, Citation, DocMeta, Passage

from .browser import Requests, ask, norm, serve
from .conftest import CORPUS
from .helpers import HOSTILE_DOC, QUESTION

HOSTILE_QUESTION = "What did the Harbor Bridge toll committee vote for?"


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ui_services(tmp_path_factory, embeddings):
    """The real corpus plus one hostile document, ingested once for the module."""
    from rag.services import build_services

    root = tmp_path_factory.mktemp("ui")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "hostile_memo.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    services = build_services(Settings(data_dir=root / "data", corpus_dir=corpus), embeddings)
    report = services.ingestor.ingest([corpus])
    assert report.added == 6, report
    assert not report.failed, report
    return services


@pytest.fixture(scope="module")
def server(ui_services) -> Iterator[Any]:
    from rag.ui import build_ui, launch_kwargs

    with serve(build_ui(ui_services), **launch_kwargs()) as running:
        yield running


# -- in the browser ------------------------------------------------------------------------------
@pytest.mark.browser
def test_answer_markers_open_highlighted_sources(server, ui_services, page_of, output_dir) -> None:
    expected: Answer = ui_services.pipeline.ask(QUESTION)
    assert expected.grounded, expected.text
    assert expected.citations, expected.text
    first = expected.citations[0]

    page = page_of(server.url)
    answer = ask(page, QUESTION)
    markers = answer.locator("a.cite")
    assert markers.count() >= 1
    assert markers.first.inner_text() == f"[{first.n}]"
    assert norm(first.quote) in norm(page.locator("#sources").inner_text())

    markers.first.click()
    card = page.locator(f"#src-1-{first.n}")
    card.wait_for(state="visible")
    page.wait_for_function(
        "id => document.getElementById(id).classList.contains('active')",
        arg=card.get_attribute("id"),
    )
    expect(card).to_be_in_viewport()
    mark = card.locator("mark")
    expect(mark).to_be_in_viewport()
    assert norm(mark.inner_text()) == norm(first.quote)
    header = norm(card.locator("header").inner_text())
    assert header.startswith(f"[{first.n}] {first.meta.title}")
    assert f"¶{first.paragraph}" in header
    page.screenshot(path=str(output_dir / "ui-answer.png"))

    # Readable at 1400x900: two roomy columns, no sideways scrolling, sources scroll on their own.
    layout = page.evaluate(
        """() => ({
          chat: document.getElementById('chat').getBoundingClientRect().width,
          sources: document.getElementById('sources').getBoundingClientRect().width,
          overflow: getComputedStyle(document.getElementById('sources')).overflowY,
          sideways: document.documentElement.scrollWidth > window.innerWidth,
        })"""
    )
    assert layout["chat"] >= 650, layout
    assert layout["sources"] >= 450, layout
    assert layout["overflow"] == "auto", layout
    assert not layout["sideways"], layout

    page.click("#copy-footnotes")
    footnotes = page.locator("#footnotes .cm-content")
    expect(footnotes).to_contain_text("[^1]:", timeout=30_000)
    text = footnotes.inner_text()
    assert norm(first.quote) in norm(text)
    assert f"[^{first.n}]" in text
    page.screenshot(path=str(output_dir / "ui-footnotes.png"))


@pytest.mark.browser
def test_markers_of_an_earlier_answer_show_its_sources(server, page_of) -> None:
    page = page_of(server.url)
    first = ask(page, QUESTION)
    ask(page, HOSTILE_QUESTION, enter=True)
    assert page.locator("#chat .question").count() == 2
    expect(page.locator('#sources .turn-sources[data-turn="1"]')).to_be_hidden()
    expect(page.locator('#sources .turn-sources[data-turn="2"]')).to_be_visible()
    first.locator("a.cite").first.click()
    expect(page.locator('#sources .turn-sources[data-turn="1"]')).to_be_visible()
    expect(page.locator('#sources .turn-sources[data-turn="2"]')).to_be_hidden()
    expect(page.locator("#src-1-1")).to_be_in_viewport()


@pytest.mark.browser
def test_document_cannot_inject_markup_or_script(server, ui_services, page_of, output_dir) -> None:
    expected = ui_services.pipeline.ask(HOSTILE_QUESTION)
    assert expected.grounded, expected.text
    assert any("<script>" in c.quote for c in expected.citations), [
        c.quote for c in expected.citations
    ]

    page = page_of(server.url)
    answer = ask(page, HOSTILE_QUESTION)
    answer.locator("a.cite").first.click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#chat script, #sources script, #chat img, #sources img").count() == 0
    assert page.locator("#sources b, #sources i").count() == 0
    # The markup is shown as text, in the answer and in the source card.
    assert "<script>window.__pwned=1</script>" in answer.inner_text()
    sources = page.locator("#sources").inner_text()
    assert "<script>window.__pwned=1</script>" in sources
    assert "Harbor Bridge <b>toll</b> memo" in sources
    # Markdown and template syntax stay literal: no emphasis, no heading, no evaluation.
    assert "the *new* fare of $_4_ would pay for # repairs [5] and ${7*7} {{value}}" in sources
    assert page.locator("#sources em, #sources strong, #sources h1").count() == 0
    page.screenshot(path=str(output_dir / "ui-hostile-document.png"))


@pytest.mark.browser
def test_page_loads_nothing_from_outside(server, page_of) -> None:
    requests = Requests()
    page = page_of(server.url, requests)
    ask(page, QUESTION).locator("a.cite").first.click()
    page.click("#copy-footnotes")
    page.locator("#footnotes .cm-content").filter(has_text="[^1]:").wait_for()
    assert requests.urls
    outside = [u for u in requests.urls if not u.startswith(server.url)]
    assert outside == [], outside
    assert not any(
        re.search(r"fonts\.(googleapis|gstatic)|cdn|analytics", u) for u in requests.urls
    )


@pytest.mark.browser
def test_empty_index_says_how_to_ingest(tmp_path, embeddings, page_of, output_dir) -> None:
    from rag.services import build_services
    from rag.ui import build_ui, launch_kwargs

    services = build_services(Settings(data_dir=tmp_path / "empty"), embeddings)
    with serve(build_ui(services), **launch_kwargs()) as empty:
        page = page_of(empty.url)
        page.click("#ask")  # an empty question is not sent: a hint instead
        expect(page.get_by_test_id("toast-body")).to_contain_text("Type a question.")
        assert page.locator("#chat .message-row").count() == 0
        message = ask(page, QUESTION)
        text = norm(message.inner_text())
        assert "Nothing is indexed yet" in text
        assert "make run" in text
        assert "rag ingest" in text
        assert "Traceback" not in page.content()
        page.screenshot(path=str(output_dir / "ui-empty-index.png"))


@pytest.mark.browser
def test_store_unavailable_is_a_banner_and_a_message(page_of, output_dir) -> None:
    from rag.ui import build_ui, launch_kwargs

    error = "cannot reach the Chroma server at 127.0.0.1:9: connection refused"
    with serve(build_ui(None, startup_error=error), **launch_kwargs()) as broken:
        page = page_of(broken.url)
        assert error in page.locator("#title-bar .banner").inner_text()
        assert error in ask(page, QUESTION).inner_text()
        page.screenshot(path=str(output_dir / "ui-store-unavailable.png"))


@pytest.mark.browser
def test_llm_draft_streams_then_unsupported_sentences_are_flagged(
    ui_services, embeddings, fake_llm, page_of, output_dir
) -> None:
    """The real pipeline with the openai answerer, against a local chat-completions server: the
    quotes first, then the written answer streaming under its label, then both checked."""
    from rag.answerers.base import WRITTEN_LEAD
    from rag.services import build_services
    from rag.ui import build_ui, launch_kwargs
    from rag.ui.ask import EXTRACTIVE_NOTE

    from .helpers import passage_number

    def reply(body: dict[str, Any]) -> str:
        n = passage_number(body, "$50 million")
        return (
            f"A $50 million reward has been announced for information on Maduro [{n}]. "
            "The reward was doubled last week [7]."
        )

    fake_llm.enqueue(reply)
    fake_llm.piece_delay = 0.05
    settings = ui_services.settings.model_copy(
        update={"answerer": "openai", "llm_base_url": fake_llm.base_url, "llm_model": "fake"}
    )
    llm_services = build_services(settings, embeddings)
    with serve(build_ui(llm_services), **launch_kwargs()) as running:
        page = page_of(running.url)
        assert EXTRACTIVE_NOTE not in page.locator("body").inner_text()
        page.fill("#question textarea", "How big is the reward for Maduro's arrest?")
        page.click("#ask")
        draft = page.locator("#chat .answer.draft")
        expect(draft.locator("p.lead")).to_have_text(WRITTEN_LEAD, timeout=60_000)
        expect(draft).to_contain_text("$50 million")
        quotes = draft.locator("p").nth(1)  # after the "Draft: …" note, before the label
        assert "$50 million" in quotes.inner_text()
        final = page.locator("#chat .answer:not(.pending):not(.draft)")
        expect(final).to_have_count(1, timeout=60_000)
        expect(final.locator(".lead")).to_have_text(WRITTEN_LEAD)
        flagged = final.locator(".unsupported")
        expect(flagged).to_contain_text("The reward was doubled last week.")
        expect(flagged).to_contain_text("⚠ unsupported")
        assert flagged.get_attribute("title") == "Not supported by the retrieved sources"
        expect(page.locator("#sources .checks")).to_contain_text("[7] does not name")
        final.locator("a.cite").first.click()
        expect(page.locator("#src-1-1")).to_have_class(re.compile(r"\bactive\b"))
        expect(page.locator("#src-1-1 mark")).to_contain_text("$50 million")
        page.screenshot(path=str(output_dir / "ui-unsupported.png"))


# -- the HTML itself (no browser) ----------------------------------------------------------------
def _answer(sentences: list[AnswerSentence], quote: str = "The fare <b>doubled</b>.") -> Answer:
    text = f"Intro paragraph.\n\n{quote} More *text* here."
    start = text.index(quote)
    chunk = Chunk("d1:0", "d1", 0, 0, len(text), 1, text)
    meta = DocMeta(title="T <i>1</i>", outlet="O & Co", date="2024", url="javascript:alert(1)")
    passage = Passage(chunk=chunk, meta=meta, score=1.0)
    citation = Citation(1, "d1", meta, 2, start, start + len(quote), quote, 0.9, passage)
    return Answer(
        question="q <script>",
        text=" ".join(s.text for s in sentences),
        grounded=any(s.supported for s in sentences),
        sentences=sentences,
        citations=[citation],
        passages=[passage],
        notes=["[7] does not name a retrieved passage; removed."],
    )


def test_answer_html_escapes_and_flags() -> None:
    from rag.ui.render import UNSUPPORTED_BADGE, answer_html

    answer = _answer(
        [
            AnswerSentence("The fare <b>doubled</b> *twice*.", (1,), True, 0),
            AnswerSentence("It was\n\n# unpopular <img src=x onerror=alert(1)>.", (), False, 1),
        ]
    )
    html = answer_html(answer, turn=3)
    assert "<b>" not in html
    assert "<img" not in html
    assert "&lt;b&gt;doubled&lt;/b&gt; *twice*." in html
    assert '<a class="cite" href="#src-3-1" data-turn="3" data-n="1"' in html
    assert '<span class="unsupported" title="Not supported by the retrieved sources">' in html
    assert UNSUPPORTED_BADGE in html
    assert html.count("<p>") == 2
    assert "\n" not in html  # a blank line could end an HTML block in a Markdown renderer


def test_draft_keeps_its_paragraphs_and_shows_the_written_label() -> None:
    from rag.answerers.base import WRITTEN_LEAD
    from rag.ui.render import answer_html, draft_html

    html = draft_html(f"A quote <b>. [1]\n\nAnother. [2]\n\n{WRITTEN_LEAD}\n\nThe model")
    assert html.count("<p>") == 3
    assert f'<p class="lead">{WRITTEN_LEAD}</p>' in html
    assert "<b>" not in html
    assert "\n" not in html
    lead = AnswerSentence(WRITTEN_LEAD, (), True, 1, role="lead")
    answer = _answer([AnswerSentence("The fare doubled.", (1,), True, 0), lead])
    assert f'<span class="lead">{WRITTEN_LEAD}</span>' in answer_html(answer, turn=1)


def test_refusal_is_plain_text_with_a_hint() -> None:
    from rag.ui.render import REFUSAL_HINT, answer_html

    refusal = Answer(
        question="q", text="The documents do not answer this question.", grounded=False
    )
    html = answer_html(refusal, turn=1)
    assert "The documents do not answer this question." in html
    assert REFUSAL_HINT in html
    assert 'class="cite"' not in html


def test_source_card_marks_the_quote_inside_its_passage() -> None:
    from rag.ui.render import sources_html

    answer = _answer([AnswerSentence("The fare doubled.", (1,), True, 0)])
    html = sources_html([answer])
    assert 'id="src-1-1"' in html
    assert "<mark>The fare &lt;b&gt;doubled&lt;/b&gt;.</mark> More *text* here." in html
    assert "Intro paragraph." in html
    assert '<span class="pb"></span>' in html
    assert "T &lt;i&gt;1&lt;/i&gt;</span> — O &amp; Co, 2024 · ¶2" in html
    assert "javascript:" in html
    assert 'href="javascript' not in html
    assert "[7] does not name a retrieved passage; removed." in html
    assert "q &lt;script&gt;" in html


def test_only_the_latest_turn_is_shown() -> None:
    from rag.ui.render import sources_html

    one = _answer([AnswerSentence("The fare doubled.", (1,), True, 0)])
    html = sources_html([one, one])
    assert html.index('data-turn="2"') < html.index('data-turn="1"')
    assert '<section class="turn-sources" data-turn="2">' in html
    assert '<section class="turn-sources inactive" data-turn="1">' in html


def test_error_messages_keep_commands_readable() -> None:
    from rag.ui.render import EMPTY_INDEX, message_html

    html = message_html(EMPTY_INDEX)
    assert "<code>make run</code>" in html
    assert "<code>rag ingest</code>" in html
    assert "`" not in html
    assert "&lt;x&gt;" in message_html("bad <x>")


def test_app_module_sets_offline_environment_before_gradio() -> None:
    source = (Path(__file__).parent.parent / "app.py").read_text(encoding="utf-8")
    assert source.index("apply_offline_environment(os.environ)") < source.index("rag.ui")


def test_each_tab_exports_to_its_own_folder() -> None:
    """Gradio gives every browser tab a copy of one initial session: the export id must come
    later, or every reporter's answer.md and audit.json would land in the same folder."""
    import copy

    from rag.ui.session import Session

    template = Session.start("ports-case")
    one, other = copy.deepcopy(template), copy.deepcopy(template)
    answer = _answer([AnswerSentence("The fare doubled.", (1,), True, 0)])
    first = one.answered("q", answer, [])
    assert first.id
    assert first.id != other.answered("q", answer, []).id
    assert first.answered("q2", answer, []).id == first.id
    assert first.history == [("q", answer.text)]
    assert one.answers == []  # a handler's session is a value: the old one is unchanged

    cleared = first.cleared()
    assert (cleared.messages, cleared.answers, cleared.history) == ([], [], [])
    assert (cleared.id, cleared.audit) == (first.id, first.audit)
    moved = first.switched_to("other-case")
    assert (moved.collection, moved.answers, moved.history) == ("other-case", [], [])
    assert moved.id == first.id
    assert moved.audit is first.audit


def test_stylesheet_and_scripts_ship_with_the_package() -> None:
    """Every file in rag/ui/static is package data (a wheel without it has an unstyled page)."""
    import tomllib
    from fnmatch import fnmatch

    from rag.ui import launch_kwargs
    from rag.ui.assets import STATIC

    kwargs = launch_kwargs()
    for path in [*kwargs["css_paths"], *kwargs["head_paths"]]:
        assert Path(path).is_file()
        assert Path(path).parent == STATIC
    assert "<script>" in Path(kwargs["head_paths"][0]).read_text(encoding="utf-8")
    pyproject = Path(__file__).parent.parent / "pyproject.toml"
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["rag.ui"]
    shipped = [f"static/{p.name}" for p in STATIC.iterdir()]
    assert len(shipped) >= 5
    assert [f for f in shipped if not any(fnmatch(f, p) for p in patterns)] == []
