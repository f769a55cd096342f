"""The Timeline tab in a real browser: ask on the corpus, open the tab, read the points in date
order, see the disagreements marked, click a point and land on its passage.

The server runs over a private copy of the corpus in which two reports have a publication date
(the corpus's own files have none) plus a dated official statement, so the axis has sentences,
publications and sides of a disagreement on it. The screenshot goes to test-output/timeline.png.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from rag.config import Settings
from rag.timeline import build_timeline, parse_doc_date, source_doc_ids

from .browser import ask, norm, serve
from .conftest import CORPUS
from .helpers import STATEMENT

QUESTION = "Has the US campaign against the cartels worked?"
DATES = {"000_c9380f70ec4f2621.txt": "2025-03-04", "001_d8fc623f0d255708.txt": "2025-10-14"}


@pytest.fixture(scope="module")
def services(tmp_path_factory, embeddings) -> Any:
    """The corpus (two reports dated) and the statement, ingested once for the module."""
    from rag.services import build_services

    root = tmp_path_factory.mktemp("timeline")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    for name, date in DATES.items():
        path = corpus / name
        text = path.read_text(encoding="utf-8").replace("date: null", f'date: "{date}"', 1)
        path.write_text(text, encoding="utf-8")
    (corpus / "state_statement.md").write_text(STATEMENT, encoding="utf-8")
    services = build_services(Settings(data_dir=root / "data", corpus_dir=corpus), embeddings)
    report = services.ingestor.ingest([corpus])
    assert report.added == 6, report
    return services


@pytest.fixture(scope="module")
def server(services) -> Iterator[Any]:
    from rag.ui import build_ui, launch_kwargs

    with serve(build_ui(services), **launch_kwargs(services.settings)) as running:
        yield running


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1440, "height": 900}


def point_dates(points: Any) -> list[Any]:
    """The date of each point as drawn (its label), read back into a sortable date."""
    labels = points.locator(".tl-date").all_text_contents()  # SVG text has no innerText
    whens = [parse_doc_date(x.removeprefix("before ").removeprefix("after ")) for x in labels]
    assert None not in whens, labels
    return whens


@pytest.mark.browser
def test_timeline_points_in_order_open_their_passage(
    server, services, page_of, output_dir: Path, tmp_path: Path
) -> None:
    expected = services.pipeline.ask(QUESTION)
    docs = [services.store.get_document(i) for i in source_doc_ids(expected)]
    want = build_timeline([d for d in docs if d is not None], expected.conflicts)
    assert any(c.disputed for c in want), "the sources should disagree on a dated point"
    assert {c.kind for c in want} == {"claim", "published", "side"}

    page = page_of(server.url)
    ask(page, QUESTION)
    page.get_by_role("tab", name="Timeline").click()
    chart = page.locator("#timeline-view #timeline-chart")
    expect(chart).to_be_visible(timeout=30_000)
    points = chart.locator(".tl-point")
    expect(points).to_have_count(len(want))

    # Drawn in date order, top to bottom, and the same points as the data says.
    whens = point_dates(points)
    assert [w.key for w in whens] == sorted(w.key for w in whens)
    assert [w.key for w in whens] == [c.when.key for c in want]
    tops = [points.nth(i).bounding_box()["y"] for i in range(points.count())]
    assert tops == sorted(tops)
    assert [points.nth(i).get_attribute("data-start") for i in range(len(want))] == [
        str(c.start) for c in want
    ]
    # In the overview the same points stand left to right on a proportional axis.
    dots = page.locator("#timeline-overview .tl-point")
    boxes = [dots.nth(i).bounding_box() for i in range(dots.count())]
    xs = [b["x"] + b["width"] / 2 for b in boxes]
    assert len(xs) == len(want)
    assert [xs[i] <= xs[i + 1] + 0.5 for i in range(len(xs) - 1)] == [True] * (len(xs) - 1)

    # The sides of the disagreement are red and name the disputed point.
    disputed = chart.locator(".tl-point.disputed")
    expect(disputed).to_have_count(sum(1 for c in want if c.disputed))
    point = expected.conflicts[0].point
    assert norm(point) in norm(disputed.first.locator(".tl-dispute").first.text_content() or "")
    expect(page.locator("#timeline-legend li")).to_have_count(len(source_doc_ids(expected)))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot = page.locator("#timeline-view")
    shot.screenshot(path=str(tmp_path / "timeline.png"))
    shot.screenshot(path=str(output_dir / "timeline.png"))

    # A dated sentence opens in the Document tab, highlighted and in view.
    i = next(k for k, c in enumerate(want) if c.kind == "claim")
    points.nth(i).click()
    mark = page.locator("#doc-view mark.hit")
    expect(mark).to_be_visible(timeout=30_000)
    assert norm(mark.inner_text()) == norm(want[i].text)
    expect(mark).to_be_in_viewport()
    expect(page.locator("#doc-view .doc-head h2")).to_have_text(want[i].meta.title)
    para = page.locator("#doc-view .para.has-hit").first
    assert para.get_attribute("data-n") == str(want[i].paragraph)

    # A publication point opens its document from the top, nothing highlighted.
    page.get_by_role("tab", name="Timeline").click()
    j = next(k for k, c in enumerate(want) if c.kind == "published")
    points.nth(j).click()
    expect(page.locator("#doc-view .doc-head h2")).to_have_text(want[j].meta.title)
    expect(page.locator("#doc-view mark.hit")).to_have_count(0)
