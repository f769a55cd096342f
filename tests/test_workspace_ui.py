"""The workspace in a real browser, one test per flow a reporter uses: upload, edit, delete,
focus, quote search, the document view, exports, login.

One server per module over a private copy of the corpus plus three documents of our own (an
official statement with an outlet and a date, a briefing that gets deleted, a hostile memo).
Tests that change the library touch only the documents they own, so the order does not matter.
Each flow leaves a screenshot in test-output/ (ws-*.png) for a person to look at.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from rag.config import Settings
from rag.scope import Scope

from .browser import Requests, ask, norm, serve
from .conftest import CORPUS
from .helpers import HOSTILE_DOC, QUESTION, STATEMENT

FERRY = """---
title: "Ferry fares briefing"
outlet: "Harbor Gazette"
date: "2023-11-02"
reliability: "news report"
---
Ferry fares briefing

The ferry operator raised the weekday fare for foot passengers to $3.75 in November.

Commuters said the weekend timetable was cut to one boat an hour.
"""
FERRY_QUESTION = "What did the ferry operator do to the weekday fare for foot passengers?"
GOOD_UPLOAD = """---
title: "Port authority minutes, March session"
outlet: "Port Authority"
date: "2024-03-12"
reliability: "primary document"
---
Port authority minutes

The port authority board approved a new customs scanner for the container terminal by a vote of five to two.
"""  # noqa: E501
DISPUTED = "Has the US campaign against the cartels worked?"
SMALL_VIEWPORT = {"width": 1280, "height": 800}
WIDE_VIEWPORT = {"width": 1440, "height": 900}


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ws(tmp_path_factory, embeddings) -> Any:
    """A workspace over the corpus and our three documents, ingested once for the module."""
    from rag.workspace import Workspace

    root = tmp_path_factory.mktemp("ws")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "state_statement.md").write_text(STATEMENT, encoding="utf-8")
    (corpus / "ferry_briefing.md").write_text(FERRY, encoding="utf-8")
    (corpus / "hostile_memo.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, upload_max_mb=1)
    workspace = Workspace(settings, embeddings)
    services = workspace.services(settings.collection)
    report = services.ingestor.ingest([corpus])
    assert report.added == 8, report
    assert not report.failed, report
    return workspace


@pytest.fixture(scope="module")
def ws_services(ws) -> Any:
    return ws.services(ws.settings.collection)


@pytest.fixture(scope="module")
def server(ws, ws_services) -> Iterator[Any]:
    from rag.ui import build_ui, launch_kwargs

    with serve(build_ui(ws_services, workspace=ws), **launch_kwargs(ws.settings)) as running:
        yield running


@pytest.fixture
def viewport() -> dict[str, int]:
    """The workspace is checked at the main window size (``page_of`` opens pages at it)."""
    return WIDE_VIEWPORT


# -- helpers -------------------------------------------------------------------------------------
def tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def library_row(page: Any, title: str) -> Any:
    return page.locator("#library-panel tr[data-doc]").filter(has_text=title)


def select_in_library(page: Any, title: str) -> None:
    tab(page, "Library")
    row = library_row(page, title)
    expect(row).to_have_count(1, timeout=30_000)
    row.locator("td.col-title").click()
    expect(page.locator("#edit-title textarea, #edit-title input").first).to_have_value(
        title, timeout=30_000
    )


def fill(page: Any, elem_id: str, value: str) -> None:
    page.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(value)


def pick(page: Any, elem_id: str, option: str) -> None:
    """Choose ``option`` in a Gradio dropdown."""
    box = page.locator(f"#{elem_id} input").first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def source_headers(page: Any, turn: int) -> list[str]:
    cards = page.locator(f'#sources .turn-sources[data-turn="{turn}"] .source-card header')
    return [norm(h) for h in cards.all_inner_texts()]


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def drop_files(page: Any, files: dict[str, bytes]) -> None:
    """Drag and drop files onto the upload box, as a person does from a file manager."""
    payload = {name: list(data) for name, data in files.items()}
    page.evaluate(
        """(files) => {
          const dt = new DataTransfer();
          for (const [name, bytes] of Object.entries(files)) {
            dt.items.add(new File([new Uint8Array(bytes)], name));
          }
          const target = document.querySelector('#upload button.upload-container');
          for (const type of ['dragenter', 'dragover', 'drop']) {
            target.dispatchEvent(new DragEvent(type,
              {dataTransfer: dt, bubbles: true, cancelable: true}));
          }
        }""",
        payload,
    )


# -- flows ---------------------------------------------------------------------------------------
@pytest.mark.browser
def test_upload_two_files_one_broken(server, ws_services, page_of, output_dir) -> None:
    page = page_of(server.url)
    tab(page, "Library")
    expect(library_row(page, "Statement on the designation")).to_have_count(1, timeout=30_000)
    before = len(ws_services.store.doc_records())
    drop_files(
        page,
        {
            "port-minutes.md": GOOD_UPLOAD.encode(),
            "leaked-memo.pdf": b"%PDF-1.7\n this is not really a pdf \x00\x01\x02",
            "scan.txt": b"x" * (1536 * 1024),  # over the 1 MB limit of this server
        },
    )
    results = page.locator("#upload-result .upload-results")
    expect(results.locator("li.ok")).to_contain_text("Port authority minutes", timeout=90_000)
    failed = results.locator("li.failed")
    expect(failed).to_have_count(2)
    expect(failed.filter(has_text="leaked-memo.pdf")).to_have_count(1)
    expect(failed.filter(has_text="scan.txt")).to_contain_text("MB")
    assert all(norm(r) for r in failed.locator(".reason").all_inner_texts())
    expect(library_row(page, "Port authority minutes, March session")).to_have_count(1)
    row = norm(library_row(page, "Port authority minutes").inner_text())
    assert "Port Authority" in row
    assert "2024-03-12" in row
    assert "primary document" in row
    language = library_row(page, "Port authority minutes").locator("td.col-language")
    expect(language).to_have_text("en")  # detected at ingest
    assert len(ws_services.store.doc_records()) == before + 1  # nothing else pruned
    page.screenshot(path=str(output_dir / "ws-upload.png"), full_page=True)

    # The new document answers questions at once, with its label on the card.
    tab(page, "Ask")
    answer = ask(page, "How did the port authority board vote on the customs scanner?")
    assert answer.locator("a.cite").count() >= 1
    assert any(
        "Port authority minutes" in h and "primary document" in h for h in source_headers(page, 1)
    )


@pytest.mark.browser
def test_edited_metadata_reaches_the_next_footnote(
    server, ws_services, page_of, output_dir
) -> None:
    expected = ws_services.pipeline.ask(QUESTION)
    assert expected.grounded, expected.text
    # The news report (no outlet, no date in its file); other tests rely on the statement's.
    cited = next(c for c in expected.citations if c.meta.title.startswith("Trump secretly"))
    page = page_of(server.url)
    select_in_library(page, cited.meta.title)
    fill(page, "edit-outlet", "Fox News Digital")
    fill(page, "edit-date", "2025-08-08")
    fill(page, "edit-url", "https://example.org/trump-cartels")
    pick(page, "edit-reliability", "primary document")
    page.click("#save-doc")
    row = library_row(page, cited.meta.title)
    expect(row).to_contain_text("Fox News Digital", timeout=30_000)
    expect(row).to_contain_text("2025-08-08")
    expect(row).to_contain_text("primary document")
    page.screenshot(path=str(output_dir / "ws-edit.png"))

    tab(page, "Ask")
    ask(page, QUESTION)
    page.click("#copy-footnotes")
    footnotes = page.locator("#footnotes .cm-content")
    expect(footnotes).to_contain_text("Fox News Digital", timeout=30_000)
    note = next(line for line in footnotes.inner_text().splitlines() if cited.meta.title in line)
    assert "(primary document)" in note
    assert "2025-08-08" in note
    assert "https://example.org/trump-cartels" in note
    header = next(h for h in source_headers(page, 1) if cited.meta.title in h)
    assert "Fox News Digital, 2025-08-08" in header
    assert "primary document" in header


@pytest.mark.browser
def test_deleted_document_is_gone_from_answers(server, ws_services, page_of, output_dir) -> None:
    page = page_of(server.url)
    ask(page, FERRY_QUESTION)
    assert any("Ferry fares briefing" in h for h in source_headers(page, 1))
    chunks_before = ws_services.store.chunks.count()

    select_in_library(page, "Ferry fares briefing")
    page.click("#delete-doc")
    expect(page.locator("#confirm-row")).to_be_visible()
    page.screenshot(path=str(output_dir / "ws-delete-confirm.png"))
    page.click("#confirm-delete")
    expect(library_row(page, "Ferry fares briefing")).to_have_count(0, timeout=30_000)
    assert ws_services.store.chunks.count() < chunks_before
    assert not any(
        r.meta.title == "Ferry fares briefing" for r in ws_services.store.doc_records().values()
    )

    tab(page, "Ask")
    ask(page, FERRY_QUESTION)
    sources = page.locator('#sources .turn-sources[data-turn="2"]').inner_text()
    assert "Ferry fares briefing" not in sources
    assert "$3.75" not in sources
    page.screenshot(path=str(output_dir / "ws-delete-after.png"))


@pytest.mark.browser
def test_question_restricted_to_one_outlet(server, ws_services, page_of, output_dir) -> None:
    everything = ws_services.pipeline.ask(QUESTION)
    assert {c.meta.outlet for c in everything.citations} - {"State Department"}
    scoped = ws_services.pipeline.ask(QUESTION, scope=Scope(outlets=("State Department",)))
    assert scoped.grounded
    assert scoped.citations

    page = page_of(server.url)
    page.get_by_text("Focus: limit questions").click()
    pick(page, "focus-outlets", "State Department")
    ask(page, QUESTION)
    headers = source_headers(page, 1)
    assert headers
    assert all("State Department" in h and "official statement" in h for h in headers), headers
    page.screenshot(path=str(output_dir / "ws-focus-outlet.png"))

    # A date range keeps only dated documents inside it (undated ones are outside any range).
    page.locator("#focus-outlets").get_by_role(
        "button", name=re.compile("Remove|Clear|×")
    ).first.click()
    fill(page, "focus-from", "2025-01-01")
    fill(page, "focus-to", "2025-12-31")
    ask(page, QUESTION)
    headers = source_headers(page, 2)
    assert headers
    assert all("2025" in h for h in headers), headers


@pytest.mark.browser
def test_quote_search_highlights_and_opens(server, ws_services, page_of, output_dir) -> None:
    page = page_of(server.url)
    tab(page, "Find a quote")
    fill(page, "phrase", "foreign terrorist organizations")
    page.click("#find")
    hits = page.locator("#quote-hits .quote-hit")
    expect(hits.first).to_be_visible(timeout=30_000)
    assert hits.count() >= 3
    kinds = [k.strip() for k in hits.locator(".kind").all_inner_texts()]
    assert kinds[0] == "exact"
    assert kinds == sorted(kinds, key=lambda k: k != "exact")  # exact above near
    first_mark = norm(hits.first.locator("mark").inner_text()).casefold()
    assert first_mark == "foreign terrorist organizations"
    titles = hits.locator(".src-title").all_inner_texts()
    assert "Statement on the designation of cartels as Foreign Terrorist Organizations" in titles
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "ws-quotes.png"))

    button = hits.first.locator("button.open-doc")
    doc_id = button.get_attribute("data-doc")
    start, end = int(button.get_attribute("data-start")), int(button.get_attribute("data-end"))
    button.click()
    mark = page.locator("#doc-view mark.hit")
    expect(mark).to_be_visible(timeout=30_000)
    text = ws_services.store.get_document(doc_id).text
    assert norm(mark.inner_text()) == norm(text[start:end])
    expect(mark).to_be_in_viewport()


@pytest.mark.browser
def test_citation_opens_the_document_view(server, ws_services, page_of, output_dir) -> None:
    expected = ws_services.pipeline.ask(DISPUTED)
    first = expected.citations[0]
    page = page_of(server.url)
    ask(page, DISPUTED)
    # The analysis and the other reports disagree on whether the campaign worked: every side of
    # every disagreement card says how reliable its source is, like every citation card does.
    # (The fixture's statement and the news report do not disagree: the Secretary of State and
    # the White House are one government at two levels.)
    assert expected.conflicts, "the corpus's sources should disagree on whether it worked"
    shown = page.locator("#chat .conflict-side")
    want = [s.meta.reliability or "unlabelled" for c in expected.conflicts for s in c.sides]
    assert [norm(t) for t in shown.locator(".reliability").all_inner_texts()] == want
    labels = page.locator("#sources .turn-sources[data-turn='1'] .source-card .reliability")
    assert labels.count() == len(expected.citations)
    card = page.locator(f"#src-1-{first.n}")
    card.locator("button.open-doc").click()
    view = page.locator("#doc-view")
    mark = view.locator("mark.hit")
    expect(mark).to_be_visible(timeout=30_000)
    assert norm(mark.inner_text()) == norm(first.quote)
    expect(mark).to_be_in_viewport()
    para = view.locator(".para.has-hit")
    assert para.first.get_attribute("data-n") == str(first.paragraph)
    numbers = [int(n) for n in view.locator(".para .pn").all_inner_texts()]
    assert numbers == list(range(1, len(numbers) + 1))
    doc = ws_services.store.get_document(first.doc_id)
    assert len(numbers) == len(doc.paragraph_starts)
    expect(view.locator(".doc-head h2")).to_have_text(first.meta.title)
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "ws-document.png"))


@pytest.mark.browser
def test_exports_parse(server, page_of, output_dir, tmp_path) -> None:
    page = page_of(server.url)
    ask(page, QUESTION)
    ask(page, "Who is Anna Kelly?")
    with page.expect_download() as md_download:
        page.click("#download-md")
    md_path = tmp_path / "answer.md"
    md_download.value.save_as(md_path)
    markdown = md_path.read_text(encoding="utf-8")
    notes = re.findall(r"^\[\^(\d+)\]: (.+)$", markdown, flags=re.M)
    assert notes, markdown
    body = markdown.split("\n[^1]:")[0]
    for n, note in notes:
        assert f"[^{n}]" in body
        assert re.search(r"para\. \d+", note), note
        assert re.search(r"“.+”$", note), note
    assert "Anna Kelly" in markdown

    with page.expect_download() as audit_download:
        page.click("#download-audit")
    audit_path = tmp_path / "audit.json"
    audit_download.value.save_as(audit_path)
    audit = json.loads(audit_path.read_text(encoding="utf-8"))
    assert audit["format"] == "newsroom-rag-audit/1"
    entries = audit["entries"]
    assert [e["question"] for e in entries] == [QUESTION, "Who is Anna Kelly?"]
    for e in entries:
        assert e["answer"]
        assert e["answerer"] == "extractive"
        assert e["retrieved"]
        assert all("score" in p for p in e["retrieved"])
        assert e["asked_at"]
        assert e["answered_at"]
        assert "citations" in e
        assert "conflicts" in e
    page.screenshot(path=str(output_dir / "ws-exports.png"))


@pytest.mark.browser
def test_login_required_when_auth_is_set(ws, ws_services, browser, output_dir) -> None:
    from rag.ui import build_ui, launch_kwargs

    settings = ws.settings.model_copy(update={"auth": "ana:correct horse"})
    with serve(build_ui(ws_services), **launch_kwargs(settings)) as guarded:
        requests = Requests()
        page = browser.new_page(viewport=WIDE_VIEWPORT)
        requests.attach(page)
        try:
            page.goto(guarded.url, wait_until="load")
            username = page.get_by_label("username")
            expect(username).to_be_visible(timeout=30_000)
            assert page.locator("#question").count() == 0
            # The API is closed too, not only the page.
            status = page.evaluate(
                "async (u) => (await fetch(u + 'gradio_api/info')).status", guarded.url
            )
            assert status in (401, 403), status
            username.fill("ana")
            page.get_by_label("password").fill("wrong")
            page.get_by_role("button", name="Login").click()
            expect(page.get_by_text(re.compile("Incorrect", re.I))).to_be_visible()
            page.screenshot(path=str(output_dir / "ws-login.png"))
            username.fill("ana")  # the form is cleared after a failed attempt
            page.get_by_label("password").fill("correct horse")
            page.get_by_role("button", name="Login").click()
            page.wait_for_selector("#question textarea", timeout=30_000)
            outside = [u for u in requests.urls if not u.startswith(guarded.url)]
            assert outside == [], outside
        finally:
            page.close()


@pytest.mark.browser
def test_document_text_is_shown_as_text_everywhere(server, page_of, output_dir) -> None:
    page = page_of(server.url)
    tab(page, "Library")
    row = library_row(page, "Harbor Bridge <b>toll</b> memo")
    expect(row).to_have_count(1, timeout=30_000)
    expect(row).to_contain_text("City Desk <i>Weekly</i>")
    assert page.locator("#library-panel b, #library-panel i").count() == 0

    tab(page, "Find a quote")
    fill(page, "phrase", "crossing fare for trucks")
    page.click("#find")
    hit = page.locator("#quote-hits .quote-hit").first
    expect(hit).to_contain_text("<script>window.__pwned=1</script>", timeout=30_000)
    hit.locator("button.open-doc").click()
    view = page.locator("#doc-view")
    expect(view.locator("mark.hit")).to_be_visible(timeout=30_000)
    expect(view).to_contain_text('<img src=x onerror="window.__pwned=2">')
    expect(view.locator(".doc-head h2")).to_have_text("Harbor Bridge <b>toll</b> memo")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for panel in ("#library-panel", "#quote-hits", "#doc-view"):
        assert page.locator(f"{panel} script, {panel} img, {panel} b, {panel} i").count() == 0
    page.screenshot(path=str(output_dir / "ws-hostile.png"))


@pytest.mark.browser
def test_tabs_are_readable_on_a_laptop(server, page_of, output_dir) -> None:
    """Every tab at 1280x800: no sideways scrolling, the main panels keep a usable size, and
    nothing is loaded from outside the server."""
    requests = Requests()
    page = page_of(server.url, viewport=SMALL_VIEWPORT, requests=requests)
    ask(page, QUESTION)
    sizes = page.evaluate(
        """() => ['chat', 'sources'].map(id => {
            const r = document.getElementById(id).getBoundingClientRect();
            return [id, Math.round(r.width), Math.round(r.height)]; })"""
    )
    for _name, width, height in sizes:
        assert width >= 400, sizes
        assert height >= 280, sizes
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "ws-laptop-ask.png"))
    page.locator("#sources button.open-doc").first.click()
    expect(page.locator("#doc-view mark.hit")).to_be_visible(timeout=30_000)
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "ws-laptop-document.png"))
    tab(page, "Library")
    expect(page.locator("#library-panel tr[data-doc]").first).to_be_visible()
    no_sideways_scroll(page)
    widths = page.evaluate(
        "() => [...document.querySelectorAll('#library-panel th')].map(th => th.offsetWidth)"
    )
    assert len(widths) == 8, widths  # title outlet date reliability language passages added url
    assert min(widths) >= 40, widths
    page.screenshot(path=str(output_dir / "ws-laptop-library.png"))
    tab(page, "Find a quote")
    fill(page, "phrase", "terrorist organizations")
    page.click("#find")
    expect(page.locator("#quote-hits .quote-hit").first).to_be_visible(timeout=30_000)
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "ws-laptop-quotes.png"))
    tab(page, "Timeline")
    expect(page.locator("#timeline-chart .tl-point").first).to_be_visible(timeout=30_000)
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "ws-laptop-timeline.png"))
    # Every tab visited, nothing was fetched from anywhere but this server.
    outside = [u for u in requests.urls if not u.startswith(server.url)]
    assert outside == [], outside


@pytest.mark.browser
def test_collections_keep_investigations_apart(server, page_of, output_dir) -> None:
    page = page_of(server.url)
    picker = page.locator("#collection input").first
    picker.click()
    picker.fill("harbor-probe")
    picker.press("Enter")
    expect(page.get_by_test_id("toast-body").filter(has_text="harbor-probe")).to_be_visible()
    tab(page, "Library")
    expect(page.locator("#library-panel")).to_contain_text("No documents in this collection")
    drop_files(page, {"ferry-notes.md": FERRY.encode()})
    expect(library_row(page, "Ferry fares briefing")).to_have_count(1, timeout=90_000)
    expect(page.locator("#library-panel tr[data-doc]")).to_have_count(1)
    tab(page, "Ask")
    answer = ask(page, QUESTION)  # the cartel documents are in the other collection
    assert answer.locator("a.cite").count() == 0, answer.inner_text()
    page.screenshot(path=str(output_dir / "ws-collection-new.png"))

    picker.click()
    page.get_by_role("option", name="newsroom", exact=True).click()
    expect(page.locator("#chat .message-row")).to_have_count(0)
    tab(page, "Library")
    expect(library_row(page, "Statement on the designation")).to_have_count(1, timeout=30_000)
    expect(library_row(page, "Harbor Bridge")).to_have_count(1)
