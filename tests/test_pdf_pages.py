"""PDF page numbers: a chunk knows its page, and every citation names it (p. N, para. M).

A generated three-page PDF, real Chroma, the real model and the real CLI: a phrase on page 3
must be cited as page 3 wherever a citation is shown, with offsets still exact.
"""

from __future__ import annotations

import json
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from rag.present import footnoted_markdown
from rag.reading import read_file
from rag.ui.views import document_html

from .helpers import assert_consistent, run_rag

ROUTINE = (
    "Page {page}, item {n}: the harbour office logged berth {n} allocations, pilot rosters "
    "and customs inspections for the quarter without incident."
)
AURORA = "The harbour master reported that the tanker Aurora ran aground at dawn on 14 June."
# Each page is longer than a chunk (160 tokens), so the chunk quoting page 3 starts on page 3.
PAGES = [
    ["Port authority annual report", *(ROUTINE.format(page=1, n=n) for n in range(8))],
    [*(ROUTINE.format(page=2, n=n) for n in range(8))],
    [*(ROUTINE.format(page=3, n=n) for n in range(8)), AURORA],
]
QUESTION = "Which tanker ran aground at dawn?"


def _three_page_pdf(path: Path) -> Path:
    style = getSampleStyleSheet()["BodyText"]
    story: list = []
    for number, paragraphs in enumerate(PAGES):
        if number:
            story.append(PageBreak())
        story.extend(Paragraph(text, style) for text in paragraphs)
    SimpleDocTemplate(str(path), pagesize=A4, title="Port authority annual report").build(story)
    return path


def test_pdf_paragraphs_know_their_page(tmp_path: Path) -> None:
    loaded = read_file(_three_page_pdf(tmp_path / "report.pdf"))
    for number, paragraphs in enumerate(PAGES, 1):
        for text in paragraphs:
            offset = loaded.text.index(text)
            assert loaded.meta.page_of(offset) == number, text
            assert loaded.meta.page_of(offset + len(text) - 1) == number, text


def test_page_three_is_cited_as_page_three(services, tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    _three_page_pdf(folder / "report.pdf")
    report = services.ingestor.ingest([folder])
    assert report.failed == []
    assert_consistent(services.store)

    answer = services.pipeline.ask(QUESTION)
    assert answer.grounded
    first = answer.citations[0]
    assert "Aurora ran aground" in first.quote
    assert first.page == 3
    assert first.to_dict()["page"] == 3
    paragraph = first.paragraph
    assert f"p. 3, para. {paragraph}" in footnoted_markdown(answer)

    doc = services.store.get_document(first.doc_id)
    m = doc.meta
    view = document_html(
        doc.doc_id, doc.text, m.title, span=(first.start, first.end), page_of=m.page_of
    )
    assert "highlighted passage on p. 3" in view
    assert [f'id="page-{n}"' in view for n in (1, 2, 3)] == [True, True, True]

    hit = services.retriever.search(QUESTION, k=1)[0]
    assert (hit.page, hit.to_dict()["page"]) == (3, 3)

    data = services.settings.data_dir
    search = run_rag(["search", QUESTION, "--k", "1", "--json"], data)
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)[0]["page"] == 3
    ask = run_rag(["ask", QUESTION, "--json"], data)
    assert ask.returncode == 0, ask.stderr
    cited = json.loads(ask.stdout)["citations"][0]
    assert (cited["page"], cited["paragraph"]) == (3, paragraph)
