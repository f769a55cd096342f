"""Readers and cleaning: fast, no model. Fixture files are generated in tmp_path."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from rag.reading import (
    SUPPORTED_SUFFIXES,
    LoadedFile,
    UnreadableFile,
    iter_corpus_files,
    read_file,
    sidecar_path,
    split_front_matter,
)
from rag.reading.cleaning import guess_outlet, is_furniture, strip_furniture
from rag.reading.ocr import OcrOptions
from rag.reading.paragraphs import is_hard_wrapped, reflow_lines, split_paragraphs
from rag.types import PARAGRAPH_SEPARATOR

LONG = "This is a long sentence of an article that keeps going well past the limit, " * 3


def _corpus_dir() -> Path | None:
    for folder in (Path(__file__).parent.parent / "corpus", Path("/work/shared/corpus")):
        if folder.is_dir() and any(folder.glob("*.txt")):
            return folder
    return None


CORPUS = _corpus_dir()
CORPUS_FILES = sorted(CORPUS.glob("*.txt")) if CORPUS else []


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def assert_well_formed(loaded: LoadedFile) -> None:
    """The contract every caller relies on: one-line, stripped, non-empty paragraphs."""
    assert loaded.meta.title.strip()
    assert "\n\n\n" not in loaded.text
    for paragraph in loaded.text.split(PARAGRAPH_SEPARATOR):
        assert paragraph
        assert "\n" not in paragraph
        assert paragraph == paragraph.strip()


# --- split_paragraphs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("One.\nTwo.\nThree.", ["One.", "Two.", "Three."]),
        ("One.\n\nTwo.\n\n\n\nThree.", ["One.", "Two.", "Three."]),
        ("One.\r\nTwo.\rThree.", ["One.", "Two.", "Three."]),
        ("  a\u00a0\u00a0b\tc  \n", ["a b c"]),
        ("", []),
        ("\n \n\t\n", []),
        (
            "Head\n\nShort line one\nshort line two\n\nThird block\nhas two",
            ["Head", "Short line one short line two", "Third block has two"],
        ),
        (
            "Wrapped text here\nand more text\n\n- item one\n- item two\nwrapped item",
            ["Wrapped text here and more text", "- item one", "- item two wrapped item"],
        ),
        (
            "Lone block\nof short lines\nstays per line",
            ["Lone block", "of short lines", "stays per line"],
        ),
        (f"{LONG}\n{LONG}\n\n{LONG}\n{LONG}", [LONG.strip()] * 4),
        ("zero\u200bwidth\u00adsoft", ["zerowidthsoft"]),
    ],
)
def test_split_paragraphs(raw: str, expected: list[str]) -> None:
    assert split_paragraphs(raw) == expected


@pytest.mark.parametrize(
    "raw", ["a\n\n\n\nb", "x\r\n\r\n\r\ny\n", "p\n \n \nq\n\n", "l1\nl2\n\nl3\nl4"]
)
def test_split_paragraphs_invariants(raw: str) -> None:
    joined = "\n\n".join(split_paragraphs(raw))
    assert "\n\n\n" not in joined
    assert all("\n" not in p and p == p.strip() and p for p in split_paragraphs(raw))


def test_hard_wrap_detection_explicit_override() -> None:
    raw = "short one\nshort two\n\nshort three\nshort four"
    assert is_hard_wrapped(raw)
    assert split_paragraphs(raw, hard_wrapped=False) == [
        "short one",
        "short two",
        "short three",
        "short four",
    ]


def test_reflow_lines_joins_layout_lines_and_breaks_at_paragraph_ends() -> None:
    lines = [
        "Heading of the piece",
        "The first paragraph talks about cartels and the long struggle of law enforcement across",
        "the Americas to coordinate their actions. It goes on for a while.",
        "A second paragraph starts here and also explains things at some length so that it wraps",
        "at least once.",
        "Third paragraph.",
    ]
    assert reflow_lines("\n".join(lines)) == [
        "Heading of the piece",
        lines[1] + " " + lines[2],
        lines[3] + " " + lines[4],
        "Third paragraph.",
    ]


# --- furniture -----------------------------------------------------------------------------------

DONATION_PLEA = (
    "Whether you agree or disagree with our analysis, these conversations matter for democracy. "
    "We don't take money from political groups - even a $5 donation helps us keep it that way."
)
FURNITURE = [
    "00:00",
    "01:31",
    "1:02:03",
    "00:12 / 03:45",
    "Leave a Reply",
    "Leave a comment",
    "Scroll to Top",
    "Skip to content",
    "Subscribe now to keep reading and get access to the full archive.",
    "Subscribe",
    "Continue reading",
    "Discover more from NEWS NEST",
    "About The Author",
    "Verified by MonsterInsights",
    "Keep Factually independent",
    DONATION_PLEA,
    "Donate",
    "Donate now",
    "Support our journalism",
    "Share this:",
    "Share this article",
    "Share on Facebook",
    "Share on X",
    "Click to share on Twitter (Opens in new window)",
    "Related posts",
    "Related Articles:",
    "Advertisement",
    "ADVERTISEMENT",
    "Sign up for our newsletter",
    "Follow us on Twitter",
    "Read more",
    "Read more: Cartels",
    "We use cookies to improve your experience. Accept",
    "Accept all cookies",
    "Privacy Policy",
    "Print this page",
    "Comments",
    "3 Comments",
    "Copyright © 2024 News Nest",
    "© 2024 News Nest. All rights reserved.",
    "All rights reserved.",
    "Tags: cartels, DEA",
    "Page 2 of 5",
    "Next article",
    "---",
    "* * *",
    "\u2022",
]

CONTENT = [
    "The Limits of Militarized Strategies",
    "1. Summary of the results",
    "Military and Security Coordination:",
    "Share prices fell sharply after the announcement.",
    "Shares of the company fell 5%.",
    "Subscribers said the archive was hard to use.",
    "Comments from officials were sparse.",
    "2024 was a record year for seizures.",
    "Copyright law is changing.",
    "Follow the money",
    "But one thing is already clear.",
    "Attorney General Pam Bondi said a $50 million reward has been announced.",
    "Print media is in decline.",
    "Read the full report before judging.",
    "Subscribe now, the article says, and you will never miss a story; " + LONG,
    "Donate " + LONG,
]


@pytest.mark.parametrize("paragraph", FURNITURE)
def test_furniture_is_dropped(paragraph: str) -> None:
    assert is_furniture(paragraph)
    assert strip_furniture(["Real content stays.", paragraph]) == ["Real content stays."]


@pytest.mark.parametrize("paragraph", CONTENT)
def test_content_is_kept(paragraph: str) -> None:
    assert not is_furniture(paragraph)
    assert strip_furniture([paragraph]) == [paragraph]


def test_author_box_with_bio_is_dropped_with_trailing_furniture() -> None:
    page = [
        "Headline",
        "Body sentence.",
        "About the Author",
        "Jane Doe",
        "Jane covers security for the site.",
        "Leave a Reply",
        "Scroll to Top",
    ]
    assert strip_furniture(page) == ["Headline", "Body sentence."]


def test_about_the_author_mid_article_only_drops_heading() -> None:
    page = ["About the author", *[f"Real paragraph {i}." for i in range(5)]]
    assert strip_furniture(page) == page[1:]


@pytest.mark.parametrize(
    ("paragraphs", "outlet"),
    [
        (["Story.", "Discover more from NEWS NEST"], "NEWS NEST"),
        (["Keep Factually independent", "Story."], "Factually"),
        (["Story.", "© 2024 The Daily Planet. All rights reserved."], "The Daily Planet"),
        (["Just a story.", "Nothing else."], None),
        (["\u00a9 Reuters", "Copyright 2023 Daily Planet", "Keep Nest independent"], "Nest"),
        (["\u00a9 Reuters photo", "Story."], None),
        ([LONG + " Discover more from NOWHERE"], None),
    ],
)
def test_guess_outlet(paragraphs: list[str], outlet: str | None) -> None:
    assert guess_outlet(paragraphs) == outlet


# --- the real corpus ---------------------------------------------------------------------------

CORPUS_FURNITURE = {
    "00:00",
    "01:31",
    "About The Author",
    "Leave a Reply",
    "Scroll to Top",
    "Discover more from NEWS NEST",
    "Subscribe now to keep reading and get access to the full archive.",
    "Continue reading",
    "Verified by MonsterInsights",
    "Keep Factually independent",
    DONATION_PLEA,
}
CORPUS_SENTENCES = [
    "War on Narco-Terror: Americas Unite in Unprecedented Crackdown on Powerful Cartels",
    "The new alliance, officials say, is designed to confront that reality.",
    "But one thing is already clear.",
    "The Limits of Militarized Strategies",
    "A Broader Paradigm Failure",
    "Following the Money",
    "1. Summary of the results",
    "3. Potential misinformation/bias in the original statement",
    "Legal and Extradition Mechanisms:",
    "A $50 million reward has been announced for information that leads to Maduro's arrest.",
]


@pytest.mark.skipif(not CORPUS_FILES, reason="no corpus *.txt files")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_loses_only_furniture(path: Path) -> None:
    loaded = read_file(path)
    assert_well_formed(loaded)
    kept = loaded.text.split(PARAGRAPH_SEPARATOR)
    raw = split_paragraphs(split_front_matter(path.read_text(encoding="utf-8"))[1])
    dropped = [p for p in raw if p not in kept]
    assert set(dropped) <= CORPUS_FURNITURE
    assert not CORPUS_FURNITURE & set(kept)


@pytest.mark.skipif(not CORPUS_FILES, reason="no corpus *.txt files")
def test_corpus_spot_sentences_and_outlets() -> None:
    loaded = [read_file(path) for path in CORPUS_FILES]
    text = "\n".join(item.text for item in loaded)
    for sentence in CORPUS_SENTENCES:
        assert sentence in text
    outlets = {item.meta.outlet for item in loaded}
    assert {"NEWS NEST", "Factually"} <= outlets


# --- text files, front matter, sidecars --------------------------------------------------------


def test_txt_headline_becomes_title_and_stays(tmp_path: Path) -> None:
    path = write(tmp_path, "story.txt", "Cartels Unite\n00:00\nThe alliance was announced.\n")
    loaded = read_file(path)
    assert loaded.meta.title == "Cartels Unite"
    assert loaded.text == "Cartels Unite\n\nThe alliance was announced."


@pytest.mark.parametrize(
    ("name", "first", "title"),
    [
        ("my_report-2024.txt", "It starts with a sentence.", "my report 2024"),
        ("x.txt", "A" * 160, "x"),
        ("x.txt", "Question headline?", "Question headline?"),
    ],
)
def test_title_fallback(tmp_path: Path, name: str, first: str, title: str) -> None:
    assert read_file(write(tmp_path, name, f"{first}\nBody.")).meta.title == title


def test_front_matter_is_parsed_and_removed(tmp_path: Path) -> None:
    content = (
        "---\ntitle: Cartel story\noutlet: News Nest\ndate: 2024-05-06\n"
        "url: https://example.org/a\nreliability: medium\nextra: ignored\n---\n"
        "Body sentence one.\nDiscover more from SOMEONE ELSE\n"
    )
    loaded = read_file(write(tmp_path, "a.txt", content))
    assert loaded.text == "Body sentence one."
    assert loaded.meta.to_dict() == {
        "title": "Cartel story",
        "outlet": "News Nest",
        "date": "2024-05-06",
        "url": "https://example.org/a",
        "reliability": "medium",
        "language": None,  # detected at ingest, not by the reader
    }


@pytest.mark.parametrize(
    ("front", "date"),
    [
        ("date: 2024-05-06T10:00:00Z", "2024-05-06"),
        ("date: '6 May 2024'", "6 May 2024"),
        ("", None),
    ],
)
def test_front_matter_dates(tmp_path: Path, front: str, date: str | None) -> None:
    path = write(tmp_path, "a.md", f"---\n{front}\n---\nBody.\n")
    assert read_file(path).meta.date == date


def test_front_matter_invalid_yaml_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="invalid YAML in front matter"):
        read_file(write(tmp_path, "a.txt", "---\ntitle: [unclosed\n---\nBody.\n"))


@pytest.mark.parametrize(
    "content",
    ["---\nJust a rule, then prose: with a colon.\n---\nMore.", "---\n[not: yaml\n---\nMore."],
)
def test_leading_rule_is_not_front_matter(tmp_path: Path, content: str) -> None:
    text = read_file(write(tmp_path, "a.txt", content)).text
    assert text.split(PARAGRAPH_SEPARATOR) == [content.split("\n")[1], "More."]


def test_other_tools_front_matter_is_removed(tmp_path: Path) -> None:
    loaded = read_file(write(tmp_path, "a.md", "---\nauthor: Jane\ntags: [a, b]\n---\nBody."))
    assert loaded.text == "Body."


@pytest.mark.parametrize(
    ("sidecar", "reason"),
    [("title: [x", "invalid YAML in a.txt.meta.yml"), ("- a list", "is not a key: value mapping")],
)
def test_bad_sidecar_is_reported(tmp_path: Path, sidecar: str, reason: str) -> None:
    path = write(tmp_path, "a.txt", "Body.")
    sidecar_path(path).write_text(sidecar)
    with pytest.raises(UnreadableFile, match=reason):
        read_file(path)


def test_dashes_later_in_text_are_not_front_matter(tmp_path: Path) -> None:
    loaded = read_file(write(tmp_path, "a.txt", "Intro line.\n---\ntitle: no\n---\n"))
    assert "title: no" in loaded.text


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".pdf", ".docx"])
def test_sidecar_overrides_file_metadata(tmp_path: Path, suffix: str) -> None:
    path = MAKERS[suffix](tmp_path)
    sidecar_path(path).write_text("title: From sidecar\ndate: 2020-01-02\nreliability: low\n")
    loaded = read_file(path)
    assert (loaded.meta.title, loaded.meta.date, loaded.meta.reliability) == (
        "From sidecar",
        "2020-01-02",
        "low",
    )
    assert sidecar_path(path).name == path.name + ".meta.yml"


# --- html, markdown -------------------------------------------------------------------------------

HTML = """<!doctype html><html><head><title>Cartels Unite | News Nest</title>
<meta property="og:site_name" content="News Nest">
<meta property="article:published_time" content="2024-05-06T10:00:00Z">
<link rel="canonical" href="https://newsnest.example/cartels">
<style>p { color: red }</style><script>alert(1)</script></head>
<body><header><nav><a href="/">Home</a> <a href="/about">About us</a></nav></header>
<main><article><h1>Cartels Unite</h1>
<p>The <b>new</b> alliance
   was <a href="x">announced</a> on Monday.</p><!-- a comment -->
<script>alert(1)</script><noscript>Enable JS</noscript>
<ul><li>One item</li><li>Two items</li></ul><p>Share this</p>
</article><aside>Related posts</aside></main>
<form>Search</form><footer>Copyright &copy; 2024 News Nest</footer></body></html>"""


def make_html(tmp_path: Path) -> Path:
    return write(tmp_path, "page.html", HTML)


def test_html_text_and_metadata(tmp_path: Path) -> None:
    loaded = read_file(make_html(tmp_path))
    assert_well_formed(loaded)
    assert loaded.text.split(PARAGRAPH_SEPARATOR) == [
        "Cartels Unite",
        "The new alliance was announced on Monday.",
        "One item",
        "Two items",
    ]
    assert loaded.meta.to_dict() == {
        "title": "Cartels Unite",
        "outlet": "News Nest",
        "date": "2024-05-06",
        "url": "https://newsnest.example/cartels",
        "reliability": None,
        "language": None,  # detected at ingest, not by the reader
    }


@pytest.mark.parametrize(
    "junk", ["alert(1)", "<", "color: red", "a comment", "Home", "Search", "Enable JS"]
)
def test_html_drops_code_and_chrome(tmp_path: Path, junk: str) -> None:
    assert junk not in read_file(make_html(tmp_path)).text


@pytest.mark.parametrize(
    ("head", "title"),
    [
        (
            '<title>Story | Other Site</title><meta property="og:site_name" content="News Nest">',
            "Story | Other Site",
        ),
        ('<title>Ignored</title><meta property="og:title" content="OG title">', "OG title"),
        ("", "Lead paragraph without a full stop"),
    ],
)
def test_html_title_sources(tmp_path: Path, head: str, title: str) -> None:
    html = f"<html><head>{head}</head><body><p>Lead paragraph without a full stop</p></body></html>"
    assert read_file(write(tmp_path, "p.htm", html)).meta.title == title


def test_html_date_from_time_element_and_body_without_article(tmp_path: Path) -> None:
    html = (
        "<body><div>Intro text.<div>Nested <i>block</i>.</div></div>"
        '<time datetime="2023-02-01T09:00">x</time></body>'
    )
    loaded = read_file(write(tmp_path, "p.html", html))
    assert loaded.meta.date == "2023-02-01"
    assert loaded.text.split(PARAGRAPH_SEPARATOR)[:2] == ["Intro text.", "Nested block."]


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"http://example.com/page", "http://example.com/page"),
        (
            b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><p>Hi.</p></html>',
            "Hi.",
        ),
        (b'<meta charset="windows-1252"><p>caf\xe9 cr\xe8me.</p>', "caf\u00e9 cr\u00e8me."),
    ],
)
def test_html_odd_inputs_parse_without_warnings(tmp_path: Path, content: bytes, text: str) -> None:
    assert read_file(write(tmp_path, "odd.html", content)).text == text


MARKDOWN = """---
title: Notes on cartels
---
# The *Big* Heading

Some **bold** text with a [link](http://x.y) and ![img](a.png) and _emph_ in snake_case_name.
It continues on a second line that is
wrapped at a short width.

- item one
- item two that is
  wrapped

```python
# a comment, not a heading
x = 1
```

> A quoted paragraph that is also
> wrapped across two lines.
"""


def make_md(tmp_path: Path) -> Path:
    return write(tmp_path, "notes.md", MARKDOWN)


def test_markdown_syntax_is_dropped_lightly(tmp_path: Path) -> None:
    loaded = read_file(make_md(tmp_path))
    assert_well_formed(loaded)
    assert loaded.meta.title == "Notes on cartels"
    assert loaded.text.split(PARAGRAPH_SEPARATOR) == [
        "The Big Heading",
        "Some bold text with a link and and emph in snake_case_name. It continues on a second "
        "line that is wrapped at a short width.",
        "- item one",
        "- item two that is wrapped",
        "# a comment, not a heading",
        "x = 1",
        "A quoted paragraph that is also wrapped across two lines.",
    ]


def test_markdown_one_paragraph_per_line_style(tmp_path: Path) -> None:
    path = write(tmp_path, "a.markdown", f"## Head\n{LONG}\n{LONG}\n[Read](x) *this*.\n")
    assert read_file(path).text.split(PARAGRAPH_SEPARATOR) == [
        "Head",
        LONG.strip(),
        LONG.strip(),
        "Read this.",
    ]


# --- pdf ---------------------------------------------------------------------------------------

PDF_P1 = (
    "The first paragraph talks about cartels and the long struggle of law enforcement "
    "agencies across the Americas to coordinate their actions. It goes on for a while."
)
PDF_P2 = (
    "A second paragraph starts here and also explains things at some length so that "
    "the line wraps at least once or twice in the output PDF document."
)


def make_pdf(tmp_path: Path, name: str = "report.pdf", title: str = "Cartel Report") -> Path:
    path = tmp_path / name
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=title)
    doc.build([Paragraph(PDF_P1, styles["Normal"]), Paragraph(PDF_P2, styles["Normal"])])
    return path


def test_pdf_text_and_title(tmp_path: Path) -> None:
    loaded = read_file(make_pdf(tmp_path))
    assert_well_formed(loaded)
    assert loaded.text == PDF_P1 + PARAGRAPH_SEPARATOR + PDF_P2
    assert loaded.meta.title == "Cartel Report"
    assert loaded.meta.date is not None
    assert len(loaded.meta.date) == 10


def test_pdf_placeholder_title_falls_back_to_file_name(tmp_path: Path) -> None:
    assert (
        read_file(make_pdf(tmp_path, "cartel_brief.pdf", "untitled")).meta.title == "cartel brief"
    )


def test_pdf_drops_page_numbers_and_joins_pages(tmp_path: Path) -> None:
    path = tmp_path / "pages.pdf"
    pdf = canvas.Canvas(str(path))
    for number, line in enumerate(["Headline of the report", "The body text ends here."], 1):
        pdf.drawString(72, 700, line)
        pdf.drawString(300, 40, str(number))
        pdf.showPage()
    pdf.save()
    assert read_file(path).text == "Headline of the report\n\nThe body text ends here."


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.4 garbage", "not a valid PDF (EOF marker not found)"),
        (b"hello, not a pdf at all", "not a valid PDF (no %PDF header)"),
        (
            b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF",
            "not a valid PDF",
        ),
    ],
)
def test_corrupt_pdf(tmp_path: Path, content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_file(write(tmp_path, "bad.pdf", content))


def test_pdf_without_text_layer_or_readable_text(tmp_path: Path) -> None:
    """A page with no text layer is OCR'd; a black box has no words to find."""
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(72, 72, 300, 400, fill=1)
    pdf.save()
    with pytest.raises(UnreadableFile, match=r"^no text found by OCR$"):
        read_file(path)
    off = OcrOptions(max_pages=0)
    with pytest.raises(UnreadableFile, match=r"PDF has no extractable text \(scanned image\?\)"):
        read_file(path, ocr=off)


def test_password_protected_pdf(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    pdf = canvas.Canvas(str(path), encrypt="secret")
    pdf.drawString(72, 700, "Top secret text.")
    pdf.save()
    with pytest.raises(UnreadableFile, match="PDF is password-protected"):
        read_file(path)


# --- docx --------------------------------------------------------------------------------------


def make_docx(tmp_path: Path, name: str = "memo.docx", title: str = "") -> Path:
    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("Memo on cartel finance", level=1)
    document.add_paragraph("First paragraph of the memo.\tWith a tab.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Cell A"
    table.rows[0].cells[1].text = "Cell B"
    document.add_paragraph("")
    document.add_paragraph("Last paragraph.")
    path = tmp_path / name
    document.save(str(path))
    return path


def test_docx_paragraphs_tables_and_heading_title(tmp_path: Path) -> None:
    loaded = read_file(make_docx(tmp_path))
    assert_well_formed(loaded)
    assert loaded.text.split(PARAGRAPH_SEPARATOR) == [
        "Memo on cartel finance",
        "First paragraph of the memo. With a tab.",
        "Cell A",
        "Cell B",
        "Last paragraph.",
    ]
    assert loaded.meta.title == "Memo on cartel finance"
    assert loaded.meta.date is None  # python-docx template date is not the author's


def test_docx_merged_cells_are_read_once(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Merged cell text"
    table.cell(0, 2).text = "Other cell"
    document.save(str(tmp_path / "t.docx"))
    assert read_file(tmp_path / "t.docx").text == "Merged cell text\n\nOther cell"


def test_unreadable_file_message_is_flattened() -> None:
    assert str(UnreadableFile("line one\n  line two")) == "line one line two"


def test_docx_core_title_wins(tmp_path: Path) -> None:
    assert read_file(make_docx(tmp_path, title="Core Title")).meta.title == "Core Title"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "not a valid .docx"),
        (b"plain text pretending", "not a valid .docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "password-protected or old"),
    ],
)
def test_corrupt_docx(tmp_path: Path, content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile, match=reason):
        read_file(write(tmp_path, "bad.docx", content))


def test_zip_without_word_document(tmp_path: Path) -> None:
    path = _zip(tmp_path / "x.docx", {"hello.txt": b"hi"})
    with pytest.raises(UnreadableFile, match="not a Word document"):
        read_file(path)


def test_docx_with_broken_xml(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "x.docx", {"word/document.xml": b"<w:document", "[Content_Types].xml": b"<"}
    )
    with pytest.raises(UnreadableFile, match="not a valid .docx"):
        read_file(path)


def test_docx_zip_bomb_ratio_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.docx", {"word/document.xml": bytes(8 * 1024 * 1024)})
    with pytest.raises(
        UnreadableFile, match=r"docx member word/document.xml expands \d+x: refused"
    ):
        read_file(path)


def test_docx_total_size_refused(tmp_path: Path) -> None:
    path = make_docx(tmp_path)
    with pytest.raises(UnreadableFile, match=r"docx expands to 0 MB: refused"):
        read_file(path, max_unpacked=1000)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "no text"),
        ("blank.md", b"  \n\t\r\n  ", "no text"),
        ("only_furniture.txt", b"00:00\nLeave a Reply\nScroll to Top\n", "no text"),
        ("front_only.md", b"---\ntitle: x\n---\n", "no text"),
        ("junk.txt", bytes(range(256)) * 4, "binary data, not text"),
        ("nul.md", b"hello\x00world", "binary data, not text"),
        ("ctrl.txt", b"\x1b\x02\x03\x04\x05\x06" * 20, "binary data, not text"),
        ("bad.txt", b"caf\x81 \x8d", "not UTF-8 text"),
        ("nul.html", b"<p>hi\x00</p>", "binary data, not text"),
        ("notes.rtf", b"{\\rtf1 hi}", "unsupported file type '.rtf'"),
        ("missing.txt", None, "cannot read file"),
    ],
)
def test_refusals(tmp_path: Path, name: str, content: bytes | None, reason: str) -> None:
    path = tmp_path / name if content is None else write(tmp_path, name, content)
    with pytest.raises(UnreadableFile, match=reason):
        read_file(path)


def test_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "A sentence.\n" * 200_000)
    with pytest.raises(UnreadableFile, match=r"file is 2.3 MB, over the 1 MB limit"):
        read_file(path, max_bytes=1024 * 1024)


def test_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(UnreadableFile, match="not a regular file"):
        read_file(tmp_path / "dir.txt")


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("Café au lait, naïve résumé.".encode("latin-1"), "Café au lait, naïve résumé."),
        ("“Smart quotes” – en dash.".encode("cp1252"), "“Smart quotes” – en dash."),
        ("\ufeffBOM first line.".encode(), "BOM first line."),
        ("UTF-16 text.".encode("utf-16"), "UTF-16 text."),
    ],
)
def test_accepted_encodings(tmp_path: Path, content: bytes, text: str) -> None:
    assert read_file(write(tmp_path, "enc.txt", content)).text == text


def test_unreadable_file_reason_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile) as info:
        read_file(write(tmp_path, "bad.pdf", b"%PDF-1.4 garbage"))
    assert "\n" not in str(info.value)


# --- iter_corpus_files ---------------------------------------------------------------------------


def test_iter_corpus_files(tmp_path: Path) -> None:
    names = [
        "b.txt",
        "a.md",
        "sub/c.pdf",
        "sub/deeper/d.docx",
        "e.HTML",
        "f.htm",
        "g.markdown",
        ".hidden.txt",
        "_draft.txt",
        ".git/x.txt",
        "_private/y.txt",
        "notes.rtf",
        "b.txt.meta.yml",
        "a.md.meta.yaml",
        "README.md",
    ]
    for name in names:
        write(tmp_path, name, "x")
    found = iter_corpus_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "README.md",
        "a.md",
        "b.txt",
        "e.HTML",
        "f.htm",
        "g.markdown",
        "sub/c.pdf",
        "sub/deeper/d.docx",
    ]
    assert all(p.suffix.lower() in SUPPORTED_SUFFIXES for p in found)


def test_iter_corpus_files_explicit_files_and_dedup(tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", "x")
    hidden = write(tmp_path, ".h.txt", "x")
    other = write(tmp_path, "o.rtf", "x")
    missing = tmp_path / "missing.pdf"
    assert iter_corpus_files([a, tmp_path, hidden, other, missing]) == [a, hidden, missing]


MAKERS = {
    ".txt": lambda tmp: write(tmp, "s.txt", "Headline\nBody sentence.\n"),
    ".md": make_md,
    ".html": make_html,
    ".pdf": make_pdf,
    ".docx": make_docx,
}
