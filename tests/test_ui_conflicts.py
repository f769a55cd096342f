""" "Sources disagree" in the web UI: a banner, one card per point, each side's quote opening
its highlighted passage. Real corpus, real model, real Gradio server, headless Chromium; the
HTML itself is also checked without a browser (escaping, numbering)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from playwright.sync_api import expect

from rag.config import Settings
from rag.types import Answer, AnswerSentence, Citation, Conflict, ConflictSide, DocMeta
from rag.ui.render import answer_html, conflicts_html

from .browser import ANSWER_TIMEOUT, norm, serve
from .conftest import CORPUS

QUESTION = "Who designated the Latin American cartels as foreign terrorist organizations?"


@pytest.fixture(scope="module")
def ui_services(tmp_path_factory, embeddings):
    from rag.services import build_services

    root = tmp_path_factory.mktemp("ui-conflicts")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    services = build_services(Settings(data_dir=root / "data", corpus_dir=corpus), embeddings)
    services.ingestor.ingest([corpus])
    return services


@pytest.fixture(scope="module")
def server(ui_services) -> Iterator[Any]:
    from rag.ui import build_ui, launch_kwargs

    with serve(build_ui(ui_services), **launch_kwargs()) as running:
        yield running


@pytest.mark.browser
def test_disagreement_banner_cards_and_quotes_open_passages(
    server, ui_services, output_dir, page_of
) -> None:
    expected: Answer = ui_services.pipeline.ask(QUESTION)
    assert expected.conflicts, expected.text
    numbers = {(c.doc_id, c.start, c.end): c.n for c in expected.citations}

    page = page_of(server.url)
    page.fill("#question textarea", QUESTION)
    page.click("#ask")
    banner = page.locator("#chat .conflicts .conflict-banner")
    banner.wait_for(state="visible", timeout=ANSWER_TIMEOUT)
    assert "Sources disagree" in banner.inner_text()

    cards = page.locator("#chat .conflict-card")
    assert cards.count() == len(expected.conflicts)
    card = cards.first
    conflict = expected.conflicts[0]
    assert norm(conflict.point) in norm(card.locator(".conflict-point").inner_text())
    sides = card.locator(".conflict-side")
    assert sides.count() == len(conflict.sides) >= 2
    # Side by side, each wide enough to read; nothing spills sideways.
    boxes = [sides.nth(i).bounding_box() for i in range(sides.count())]
    assert all(b is not None and b["width"] >= 200 for b in boxes), boxes
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2, boxes
    assert not page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    for i, side in enumerate(conflict.sides):
        shown = sides.nth(i)
        assert norm(side.quote) in norm(shown.inner_text())
        assert side.meta.title in shown.inner_text()
        assert f"¶{side.paragraph}" in shown.inner_text()
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "ui-conflicts.png"))

    # Clicking the second side's quote opens its passage, the quote highlighted.
    side = conflict.sides[1]
    n = numbers[side.key]
    sides.nth(1).locator("a.conflict-quote").click()
    source = page.locator(f"#src-1-{n}")
    source.wait_for(state="visible")
    page.wait_for_function(
        "id => document.getElementById(id).classList.contains('active')",
        arg=f"src-1-{n}",
    )
    expect(source).to_be_in_viewport()
    mark = source.locator("mark")
    expect(mark).to_be_in_viewport()
    assert norm(mark.inner_text()) == norm(side.quote)
    page.screenshot(path=str(output_dir / "ui-conflicts-source.png"))


@pytest.mark.browser
def test_an_assessment_card_shows_each_sides_pole(server, ui_services, output_dir, page_of) -> None:
    question = "Has the US campaign against narco-terrorism worked?"
    expected: Answer = ui_services.pipeline.ask(question)
    conflict = next(c for c in expected.conflicts if c.kind == "assessment")
    page = page_of(server.url)
    page.fill("#question textarea", question)
    page.click("#ask")
    card = page.locator("#chat .conflict-card").first
    card.wait_for(state="visible", timeout=ANSWER_TIMEOUT)
    stances = card.locator(".conflict-side .stance")
    assert [stances.nth(i).inner_text() for i in range(stances.count())] == [
        s.stance for s in conflict.sides
    ]
    assert {"failure", "success"} <= {s.stance for s in conflict.sides}
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "ui-conflicts-stance.png"))


# -- the HTML itself (no browser) ----------------------------------------------------------------
HOSTILE = "The toll <script>window.__x=1</script> was <b>$4</b> [5]."


def _hostile_answer() -> Answer:
    meta = DocMeta("Memo <i>A</i>", outlet="Desk & Co", date="2024-01-02")
    a = ConflictSide("d1", meta, 3, 0, len(HOSTILE), HOSTILE)
    b = ConflictSide("d2", DocMeta("Memo B", date="2025-02-03"), 1, 10, 30, "The toll was $6.")
    conflict = Conflict("the figure: $4 vs $6 <toll>", "temporal", 0.9, [a, b], newer_doc_id="d2")
    citations = [
        Citation(i, s.doc_id, s.meta, s.paragraph, s.start, s.end, s.quote, 1.0)
        for i, s in enumerate((a, b), start=1)
    ]
    return Answer(
        question="What is the toll?",
        text="The toll is set. [1]\n\nSources disagree on …",
        grounded=True,
        sentences=[
            AnswerSentence("The toll is set.", (1,), True, 0),
            AnswerSentence("Sources disagree on …: [1] says …", (1, 2), True, 1, conflict=True),
        ],
        citations=citations,
        conflicts=[conflict],
    )


def test_conflict_cards_escape_document_text_and_link_each_side() -> None:
    html = conflicts_html(_hostile_answer(), turn=4)
    assert "<script>" not in html
    assert "<b>" not in html
    assert "<i>" not in html
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in html
    assert "Memo &lt;i&gt;A&lt;/i&gt;" in html
    assert "&lt;toll&gt;" in html
    assert 'href="#src-4-1" data-turn="4" data-n="1"' in html
    assert 'href="#src-4-2" data-turn="4" data-n="2"' in html
    assert "changed over time" in html  # the temporal badge
    assert html.count("newer source") == 1  # on the newer side only
    assert html.index("newer source") > html.index("Memo B")


def test_answer_html_shows_cards_instead_of_the_plain_disagreement_sentence() -> None:
    html = answer_html(_hostile_answer(), turn=2)
    assert "Sources disagree on …: [1] says" not in html
    assert html.count('class="conflict-card"') == 1
    assert "The toll is set." in html


def test_each_side_of_an_assessment_card_shows_its_pole() -> None:
    answer = _hostile_answer()
    conflict = answer.conflicts[0]
    a, b = conflict.sides
    conflict.sides = [replace(a, stance="failure <x>"), replace(b, stance="success")]
    html = conflicts_html(answer, turn=1)
    assert '<span class="stance">failure &lt;x&gt;</span>' in html
    assert html.index('<span class="stance">success</span>') > html.index("Memo B")


def test_no_conflicts_no_banner() -> None:
    answer = _hostile_answer()
    answer.conflicts = []
    assert conflicts_html(answer, turn=1) == ""
