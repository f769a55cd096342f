import pytest

from rag.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two.", ["One.", "Two."]),
        ("Mr. Smith left. He came back.", ["Mr. Smith left.", "He came back."]),
        ("It went to the U.S. Congress today.", ["It went to the U.S. Congress today."]),
        ("He lives in the U.S. The rest do not.", ["He lives in the U.S.", "The rest do not."]),
        ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
        ("See No. 5 and go.", ["See No. 5 and go."]),
        ("J. Doe spoke. Others did not!", ["J. Doe spoke.", "Others did not!"]),
        ("Is it? Yes.", ["Is it?", "Yes."]),
        (
            "They move $19-29 billion. Officials agree.",
            ["They move $19-29 billion.", "Officials agree."],
        ),
        ("(It was 2025.) Done", ["(It was 2025.)", "Done"]),
        ("Heading\n\nBody text here. More.", ["Heading", "Body text here.", "More."]),
        ("prices rose 3.5 percent. Then fell.", ["prices rose 3.5 percent.", "Then fell."]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "A.\n\nB.\n\n\n", "  leading space. And trailing  ", "No punctuation at all"],
)
def test_spans_are_exact_and_stripped(text: str) -> None:
    for start, end in sentence_spans(text):
        piece = text[start:end]
        assert piece == piece.strip()
        assert piece
        assert "\n\n" not in piece


def test_spans_never_cross_paragraphs() -> None:
    text = "First para without stop\n\nSecond para. With two"
    assert split_sentences(text) == ["First para without stop", "Second para.", "With two"]
