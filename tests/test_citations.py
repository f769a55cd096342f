"""Citation checking: parsing markers, and verifying drafts against passages (real model)."""

from __future__ import annotations

import pytest

from rag.answerers.base import NO_ANSWER
from rag.citations import (
    CitationChecker,
    is_refusal,
    parse_markers,
    split_draft,
    split_trailing_markers,
    strip_all_markers,
)
from rag.support import SupportScorer, numbers_in
from rag.types import Chunk, DocMeta, Passage


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A claim [1].", [1]),
        ("A claim [1][3].", [1, 3]),
        ("A claim [1, 2].", [1, 2]),
        ("A claim [2] and another [2].", [2]),
        ("No citation.", []),
        ("Brackets [a] are not markers.", []),
        ("[7] leading marker.", [7]),
        ("A claim [12].", [12]),
    ],
)
def test_parse_markers(sentence: str, expected: list[int]) -> None:
    assert parse_markers(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "head", "cited"),
    [
        ("claim [1][2].", "claim.", [1, 2]),
        ("claim. [1, 2]", "claim.", [1, 2]),
        ("claim [5], more [2].", "claim [5], more.", [2]),
        ("claim.", "claim.", []),
        ("claim [3]", "claim", [3]),
    ],
)
def test_split_trailing_markers(sentence: str, head: str, cited: list[int]) -> None:
    assert split_trailing_markers(sentence) == (head, cited)


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("One [1]. Two [2].", [["One [1].", "Two [2]."]]),
        ("One. [1] Two. [2]", [["One. [1]", "Two. [2]"]]),
        ("One [1].\n\nTwo [2].", [["One [1]."], ["Two [2]."]]),
        ("  ", []),
    ],
)
def test_split_draft(draft: str, expected: list[list[str]]) -> None:
    assert split_draft(draft) == expected


@pytest.mark.parametrize(
    ("text", "plain"),
    [("A [1] b [2].", "A b."), ("A [1, 2], b.", "A, b."), ("Plain.", "Plain.")],
)
def test_strip_all_markers(text: str, plain: str) -> None:
    assert strip_all_markers(text) == plain


@pytest.mark.parametrize(
    "draft", [NO_ANSWER, NO_ANSWER.rstrip("."), f"  {NO_ANSWER}\n", f"{NO_ANSWER} [1]"]
)
def test_refusal_variants(draft: str) -> None:
    assert is_refusal(draft)


def test_numbers_are_normalised() -> None:
    assert numbers_in("over 4,000 Marines and $50 million in 2025") == {"4000", "50", "2025"}


DOC_A = (
    "The US has deployed over 4,000 Marines and sailors to waters around Latin America.\n\n"
    "US and Mexican law enforcement arrested 26 fugitives associated with major cartels [3]."
)
DOC_B = (
    "Upon assuming office, Trump facilitated the extradition of 29 cartel members to face "
    "justice.\n\nA $50 million reward has been announced for information on Maduro."
)


def _passage(doc_id: str, text: str, title: str) -> Passage:
    chunk = Chunk(f"{doc_id}:c", doc_id, 0, 0, len(text), 1, text)
    return Passage(chunk, DocMeta(title=title, outlet="Outlet"), score=1.0)


@pytest.fixture(scope="module")
def checker(embeddings) -> CitationChecker:
    return CitationChecker(SupportScorer(embeddings))


@pytest.fixture
def passages() -> list[Passage]:
    return [_passage("a", DOC_A, "Doc A"), _passage("b", DOC_B, "Doc B")]


TEXTS = {"a": DOC_A, "b": DOC_B}


def test_verbatim_quote_is_cited_exactly(checker, passages) -> None:
    draft = "Upon assuming office, Trump facilitated the extradition of 29 cartel members to face justice. [2]"  # noqa: E501
    result = checker.verify(draft, passages, TEXTS)
    (c,) = result.citations
    assert (c.n, c.doc_id, c.paragraph, c.support) == (1, "b", 1, 1.0)
    assert DOC_B[c.start : c.end] == c.quote
    assert result.grounded
    assert result.text.endswith("[1]")


def test_paraphrase_is_supported_and_points_at_the_right_span(checker, passages) -> None:
    result = checker.verify("Maduro has a $50 million bounty on his head [2].", passages, TEXTS)
    (c,) = result.citations
    assert c.quote == "A $50 million reward has been announced for information on Maduro."
    assert c.paragraph == 2
    assert result.sentences[0].supported


def test_out_of_range_marker_is_removed(checker, passages) -> None:
    result = checker.verify("The cartels were disbanded in 1990 [7].", passages, TEXTS)
    assert result.citations == []
    assert not result.sentences[0].supported
    assert "[7]" not in result.text
    assert any("[7] does not name a retrieved passage" in n for n in result.notes)
    assert not result.grounded


def test_wrong_number_is_corrected_to_the_supporting_passage(checker, passages) -> None:
    result = checker.verify(
        "Trump facilitated the extradition of 29 cartel members [1].", passages, TEXTS
    )
    (c,) = result.citations
    assert c.doc_id == "b"
    assert any("corrected" in n for n in result.notes)


def test_wrong_figure_is_not_supported(checker, passages) -> None:
    result = checker.verify(
        "US and Mexican law enforcement arrested 62 fugitives associated with cartels [1].",
        passages,
        TEXTS,
    )
    assert result.citations == []
    assert not result.sentences[0].supported


def test_uncited_sentence_is_marked_unsupported(checker, passages) -> None:
    draft = "Over 4,000 Marines and sailors were deployed [1]. Everyone agrees this will work."
    result = checker.verify(draft, passages, TEXTS)
    assert [s.supported for s in result.sentences] == [True, False]
    assert result.text == (
        "Over 4,000 Marines and sailors were deployed. [1] Everyone agrees this will work."
    )


def test_document_reference_marks_are_text_not_citations(checker, passages) -> None:
    draft = (
        "US and Mexican law enforcement arrested 26 fugitives associated with major "
        "cartels [3]. [1]"
    )
    result = checker.verify(draft, passages, TEXTS)
    (c,) = result.citations
    assert c.doc_id == "a"
    assert c.quote.endswith("major cartels [3].")
    assert result.notes == []


def test_same_span_keeps_one_number(checker, passages) -> None:
    draft = (
        "Over 4,000 Marines and sailors were deployed [1]. "
        "The US deployed more than 4,000 Marines and sailors around Latin America [1]."
    )
    result = checker.verify(draft, passages, TEXTS)
    assert [s.citations for s in result.sentences] == [(1,), (1,)]
    assert len(result.citations) == 1


def test_refusal_is_not_grounded(checker, passages) -> None:
    result = checker.verify(NO_ANSWER, passages, TEXTS)
    assert (result.grounded, result.citations, result.text) == (False, [], NO_ANSWER)
