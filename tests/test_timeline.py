"""The Timeline's data (``rag.timeline``) on the real corpus, and its drawing's escaping.

The corpus's documents carry no publication date, and two of its sentences name a year (Plan
Colombia "launched in 2000", the designations "in 2025"); tests that need a dated document
give a copy of a corpus file a date in its front matter, as a journalist does in the Library.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.doc_ids import doc_id_for
from rag.reading import read_file
from rag.sentences import sentence_spans
from rag.timeline import (
    When,
    build_timeline,
    parse_doc_date,
    sentence_date,
    sides_off_axis,
    source_doc_ids,
)
from rag.types import Answer, Conflict, ConflictSide, Document
from rag.ui.timeline import timeline_html

from .conftest import CORPUS
from .helpers import HOSTILE_DOC

PLAN_COLOMBIA = "Plan Colombia (launched in 2000"
DESIGNATIONS = "as FTOs in 2025"
NEWS_NEST = "001_d8fc623f0d255708.txt"  # the analysis with both dated sentences
ALLIANCE = "000_c9380f70ec4f2621.txt"  # a news report with no dated sentence


def load(folder: Path) -> list[Document]:
    """The folder's documents as the store keeps them (same ids, cleaned text, metadata)."""
    docs = []
    for path in sorted(folder.iterdir()):
        loaded = read_file(path)
        docs.append(Document(doc_id_for(path, folder), str(path), loaded.text, loaded.meta))
    return docs


def dated(folder: Path, name: str, date: str) -> None:
    """Give a corpus copy's file a publication date in its front matter."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("date: null", f'date: "{date}"', 1), encoding="utf-8")


def side(doc: Document, needle: str) -> ConflictSide:
    """The sentence of ``doc`` that contains ``needle``, as a side of a disagreement."""
    for start, end in sentence_spans(doc.text):
        if needle in doc.text[start:end]:
            quote = doc.text[start:end]
            return ConflictSide(doc.doc_id, doc.meta, doc.paragraph_of(start), start, end, quote)
    raise AssertionError(f"no sentence with {needle!r}")


def by_name(docs: list[Document], name: str) -> Document:
    return next(d for d in docs if Path(d.source).name == name)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("On March 3, 2025, the ministry announced the plan.", When(2025, 3, 3)),
        ("The ban took effect in February 2025.", When(2025, 2)),
        ("It was launched on 3 March 2024 in Bogotá.", When(2024, 3, 3)),
        ("Plan Colombia was launched in 2000.", When(2000)),
        ("The fleet was rebuilt before 2019.", When(2019, bound="upper")),
        ("Seizures rose sharply last year.", None),
        ("Officials met on March 3 to sign it.", None),  # no year: not placed
        ("About 2000 people marched in the capital.", None),
        ("The cartel earned $2025 million.", None),
        ("Recently, the figures doubled.", None),
    ],
)
def test_sentence_date(sentence: str, expected: When | None) -> None:
    assert sentence_date(sentence) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-02-20", When(2025, 2, 20)),
        ("2025-02", When(2025, 2)),
        ("2024", When(2024)),
        ("2026-11-23T11:40:00+00:00", When(2026, 11, 23)),
        ("March 5, 2024", When(2024, 3, 5)),
        ("", None),
        (None, None),
        ("unknown", None),
    ],
)
def test_parse_doc_date(value: str | None, expected: When | None) -> None:
    assert parse_doc_date(value) == expected


def test_labels_and_order_keys() -> None:
    assert When(2025, 2, 20).label == "20 Feb 2025"
    assert When(2025, 2).label == "Feb 2025"
    assert When(2019, bound="upper").label == "before 2019"
    assert When(2025).key < When(2025, 1).key < When(2025, 1, 2).key < When(2026).key
    assert When(2000).position < When(2025, 2, 20).position < When(2025, 10, 14).position


def test_corpus_dated_claims_in_order() -> None:
    """The corpus as it is: its two dated sentences, oldest first; nothing undated."""
    docs = load(CORPUS)
    claims = build_timeline(docs)
    assert [c.kind for c in claims] == ["claim", "claim"]
    assert PLAN_COLOMBIA in claims[0].text
    assert claims[0].when == When(2000)
    assert DESIGNATIONS in claims[1].text
    assert claims[1].when == When(2025)
    news_nest = by_name(docs, NEWS_NEST)
    for c in claims:
        assert c.doc_id == news_nest.doc_id
        assert news_nest.text[c.start : c.end] == c.text  # verbatim, offsets round-trip
        assert c.paragraph == news_nest.paragraph_of(c.start)
        assert not c.disputed
    # Every other sentence of the corpus has no year in it, so none is a point.
    years = re.compile(r"\b(?:19|20)\d\d\b")
    with_year = [
        d.text[s:e] for d in docs for s, e in sentence_spans(d.text) if years.search(d.text[s:e])
    ]
    assert sorted(with_year) == sorted(c.text for c in claims)


def test_publication_dates_on_the_axis(corpus_dir: Path) -> None:
    """A dated document is a point at its date, among the sentences, in time order."""
    dated(corpus_dir, ALLIANCE, "2025-03-04")
    dated(corpus_dir, NEWS_NEST, "2025-10-14")
    docs = load(corpus_dir)
    claims = build_timeline(docs)
    keys = [c.when.key for c in claims]
    assert keys == sorted(keys)
    assert [(c.when.label, c.kind) for c in claims] == [
        ("2000", "claim"),
        ("2025", "claim"),
        ("4 Mar 2025", "published"),
        ("14 Oct 2025", "published"),
    ]
    alliance = by_name(docs, ALLIANCE)
    published = claims[2]
    assert published.doc_id == alliance.doc_id
    assert published.text == alliance.meta.title
    assert (published.start, published.end) == (0, 0)  # opens the document from the top
    # Undated documents have no publication point; undated sentences are still absent.
    assert {c.doc_id for c in claims if c.kind == "published"} == {
        alliance.doc_id,
        by_name(docs, NEWS_NEST).doc_id,
    }


def test_sides_of_a_disagreement_are_marked(corpus_dir: Path) -> None:
    """A dated side is marked where it stands; an undated side stands at its document's date
    when it has one, and is off the axis when it has none."""
    dated(corpus_dir, ALLIANCE, "2025-03-04")
    docs = load(corpus_dir)
    news_nest, alliance = by_name(docs, NEWS_NEST), by_name(docs, ALLIANCE)
    fact_check = by_name(docs, "003_905051f889ce1f7d.txt")
    conflicts = [
        Conflict(
            "whether it works",
            "assessment",
            0.9,
            [
                side(news_nest, DESIGNATIONS),
                side(alliance, "The new alliance, officials say"),
                side(fact_check, "This cooperative framework has yielded concrete results"),
            ],
        )
    ]
    claims = build_timeline(docs, conflicts)
    marked = [c for c in claims if c.disputed]
    assert [(c.kind, c.doc_id) for c in marked] == [
        ("claim", news_nest.doc_id),  # "in 2025", as its own sentence dates it
        ("side", alliance.doc_id),  # undated sentence, at its report's date
    ]
    assert all(c.disputes == ("whether it works",) for c in marked)
    assert marked[1].when == When(2025, 3, 4)
    assert alliance.text[marked[1].start : marked[1].end] == marked[1].text
    assert sides_off_axis(conflicts, claims) == 1  # the undated fact check's side
    plan = next(c for c in claims if PLAN_COLOMBIA in c.text)
    assert not plan.disputed


def test_source_doc_ids_of_a_real_answer(services) -> None:
    """The documents of the last answer's passages, once each, in retrieval order."""
    services.ingestor.ingest([services.settings.corpus_dir])
    answer = services.pipeline.ask("Has the US campaign against the cartels worked?")
    ids = source_doc_ids(answer)
    assert ids
    assert len(ids) == len(set(ids))
    assert ids[0] == answer.passages[0].doc_id
    assert set(ids) == {p.doc_id for p in answer.passages}
    docs = [services.store.get_document(i) for i in ids]
    claims = build_timeline([d for d in docs if d is not None], answer.conflicts)
    points = {c.point for c in answer.conflicts}
    assert all(set(c.disputes) <= points for c in claims)
    assert source_doc_ids(None) == []


def test_drawing_escapes_document_text(tmp_path: Path) -> None:
    """A hostile title, outlet and sentence are text in the SVG, never markup."""
    path = tmp_path / "hostile_memo.txt"
    path.write_text(HOSTILE_DOC, encoding="utf-8")
    docs = load(tmp_path)
    answer = Answer(question="When <b>was</b> the deck resurfaced?", text="", grounded=True)
    html = timeline_html(answer, docs)
    for tag in ("<script", "<img", "<b>", "<i>"):
        assert tag not in html
    assert "&lt;b&gt;toll&lt;/b&gt;" in html  # the title, escaped
    assert "1 May 2024" in html  # the memo's date ...
    assert "1998" in html  # ... and its dated sentence
    assert html.count('class="tl-point open-doc"') == 4  # two points, in both drawings
