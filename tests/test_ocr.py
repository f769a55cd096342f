"""Scans: PDF pages without a text layer and images are read by the real Tesseract.

Pages are corpus text typeset with Pillow at 200 dpi (``bench.ocr.typeset``) and saved as an
image-only PDF, as a scanner writes one. Real Chroma, the real model and the real CLI: a phrase
on page 3 is quoted with its page, citations say "OCR nn%", and what cannot be read (a blank
scan, a locked PDF) is reported with its reason while the rest of the ingest goes in.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from bench.ocr import DPI, PAGE_INCHES, Typeset, typeset
from rag.config import Settings
from rag.present import footnoted_markdown
from rag.reading import UnreadableFile, read_file
from rag.reading.ocr import OcrOptions, parse_tsv
from rag.ui.render import source_card
from rag.ui.views import document_html

from .conftest import CORPUS
from .helpers import assert_consistent, run_rag

PHRASE = "joint intelligence centers will be established"  # on page 3 of the scan
QUESTION = "What will the joint intelligence centers allow investigators to do?"


def _paragraphs(name: str) -> list[str]:
    return read_file(next(CORPUS.glob(f"{name}_*.txt"))).text.split("\n\n")


@pytest.fixture(scope="module")
def scan() -> Typeset:
    """Corpus article 000 typeset on exactly three A4 pages; PHRASE is on the third."""
    sheet = typeset(_paragraphs("000"))
    assert len(sheet.pages) == 3
    assert any(PHRASE in p for p in sheet.pages[2])
    return sheet


def _write_scan(folder: Path, sheet: Typeset, name: str = "scan.pdf") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(sheet.pdf())
    assert all(not page.extract_text() for page in PdfReader(path).pages)  # no text layer
    return path


def _blank_scan(path: Path) -> Path:
    width, height = (round(inches * DPI) for inches in PAGE_INCHES)
    Image.new("L", (width, height), 255).save(path, format="PDF", resolution=DPI)
    return path


def _locked_pdf(path: Path) -> Path:
    pdf = canvas.Canvas(str(path), encrypt="secret")
    pdf.drawString(72, 700, "The harbour master resigned on Tuesday.")
    pdf.save()
    return path


def test_scan_is_read_quoted_and_cited_with_page_and_ocr(
    services, tmp_path: Path, scan: Typeset
) -> None:
    folder = tmp_path / "scans"
    _write_scan(folder, scan)
    _locked_pdf(folder / "locked.pdf")
    _blank_scan(folder / "blank.pdf")
    memo = typeset(_paragraphs("004"), max_pages=1)
    memo.images[0].save(folder / "city_desk_memo.png", dpi=(DPI, DPI))
    pages: list[tuple[int, int, str]] = []

    report = services.ingestor.ingest(
        [folder], ocr_progress=lambda done, total, name: pages.append((done, total, name))
    )

    failed = {Path(f["path"]).name: f["reason"] for f in report.failed}
    assert failed == {
        "locked.pdf": "PDF is password-protected",
        "blank.pdf": "no text found by OCR",
    }
    assert (report.added, report.notes) == (2, [])
    assert {n for _, _, n in pages} == {"blank.pdf", "city_desk_memo.png", "scan.pdf"}
    assert (3, 3, "scan.pdf") in pages
    assert_consistent(services.store)
    records = {Path(r.source).name: r for r in services.store.doc_records().values()}
    assert set(records) == {"scan.pdf", "city_desk_memo.png"}  # nothing stored for the others
    assert records["city_desk_memo.png"].meta.title == "city desk memo"
    confidences = dict(m.split(":") for m in records["scan.pdf"].meta.ocr_pages.split(","))
    assert set(confidences) == {"1", "2", "3"}
    assert all(80 < float(c) <= 100 for c in confidences.values())

    data = services.settings.data_dir
    quote = run_rag(["quote", PHRASE, "--json"], data)
    assert quote.returncode == 0, quote.stderr
    hit = json.loads(quote.stdout)[0]
    assert (hit["title"], hit["page"]) == (
        "War on Narco-Terror: Americas Unite in Unprecedented Crackdown on Powerful Cartels",
        3,
    )
    assert hit["ocr_confidence"] == float(confidences["3"])
    text = run_rag(["quote", PHRASE], data)
    assert f"p. 3, ¶{hit['paragraph']}, OCR {float(confidences['3']):.0f}%" in text.stdout

    answer = services.pipeline.ask(QUESTION)
    cited = next(c for c in answer.citations if "joint intelligence centers" in c.quote)
    assert (cited.page, cited.ocr_confidence) == (3, float(confidences["3"]))
    label = f"p. 3, para. {cited.paragraph}, OCR {cited.ocr_confidence:.0f}%"
    assert label in footnoted_markdown(answer)
    card = source_card(cited, 1)
    assert f' · p. 3 · ¶{cited.paragraph} · <span class="ocr-mark"' in card
    assert f">OCR {cited.ocr_confidence:.0f}%</span>" in card
    ask = run_rag(["ask", QUESTION, "--json"], data)
    assert ask.returncode == 0, ask.stderr
    shown = [c for c in json.loads(ask.stdout)["citations"] if c["doc_id"] == cited.doc_id]
    assert shown
    assert all(c["ocr_confidence"] == float(confidences[str(c["page"])]) for c in shown)

    doc = services.store.get_document(cited.doc_id)
    m = doc.meta
    view = document_html(doc.doc_id, doc.text, m.title, page_of=m.page_of, ocr_of=m.ocr_confidence)
    assert view.count('class="page-mark ocr"') == 3
    assert 'id="page-3">p. 3 · scanned, <span class="ocr-mark"' in view


def test_scan_over_the_page_limit_keeps_what_was_read(tmp_path: Path, scan: Typeset) -> None:
    """The real CLI with RAG_OCR_MAX_PAGES=2: page 3 is not read, and the report says so."""
    folder = tmp_path / "scans"
    _write_scan(folder, scan)
    data = tmp_path / "data"
    ingest = run_rag(["ingest", str(folder), "--json", "--progress"], data, RAG_OCR_MAX_PAGES="2")
    assert ingest.returncode == 0, ingest.stderr
    report = json.loads(ingest.stdout)
    assert (report["added"], report["failed"]) == (1, [])
    [note] = report["notes"]
    assert Path(note["path"]).name == "scan.pdf"
    assert note["note"].startswith("1 scanned page not read (p. 3): over the limit of 2 OCR pages")
    assert "OCR scan.pdf: 2/2 pages" in ingest.stderr
    docs = json.loads(run_rag(["docs", "--json"], data).stdout)
    assert [d["ocr_pages"].count(":") for d in docs] == [2]
    quote = run_rag(["quote", PHRASE, "--json"], data)
    assert all(h.get("page") in (1, 2) for h in json.loads(quote.stdout))  # page 3 never read


def test_mixed_pdf_keeps_its_text_layer_and_reads_the_scanned_page(
    tmp_path: Path, scan: Typeset
) -> None:
    path = tmp_path / "mixed.pdf"
    width, height = (inches * 72 for inches in PAGE_INCHES)
    pdf = canvas.Canvas(str(path), pagesize=(width, height))
    typed = "Harbour board minutes, typed page: the dredging contract was signed in March."
    pdf.drawString(72, height - 72, typed)
    pdf.showPage()
    buffer = io.BytesIO()
    scan.images[2].save(buffer, format="PNG")
    pdf.drawImage(ImageReader(buffer), 0, 0, width, height)
    pdf.save()

    loaded = read_file(path)
    assert loaded.text.startswith(typed)  # the text layer, verbatim
    assert loaded.meta.page_of(0) == 1
    assert loaded.meta.ocr_confidence(0) is None
    at = loaded.text.index("joint intelligence centers")
    assert loaded.meta.page_of(at) == 2
    assert loaded.meta.ocr_pages is not None
    assert loaded.meta.ocr_pages.startswith("2:")


def test_long_scan_is_read_up_to_the_limit(tmp_path: Path) -> None:
    """500 scanned pages: the first ``max_pages`` are read, the rest named in a note."""
    font = ImageFont.load_default(size=20)
    strips = []
    for n in range(1, 501):
        strip = Image.new("L", (400, 60), 255)
        ImageDraw.Draw(strip).text((10, 15), f"Ledger sheet {n} of the archive", fill=0, font=font)
        strips.append(strip)
    path = tmp_path / "archive.pdf"
    strips[0].save(path, format="PDF", resolution=72, save_all=True, append_images=strips[1:])
    loaded = read_file(path, ocr=OcrOptions(max_pages=3, dpi=150))
    assert loaded.text.split("\n\n") == [f"Ledger sheet {n} of the archive" for n in (1, 2, 3)]
    assert loaded.meta.ocr_pages is not None
    assert [m.split(":")[0] for m in loaded.meta.ocr_pages.split(",")] == ["1", "2", "3"]
    assert loaded.notes == (
        "497 scanned pages not read (pp. 4-500): over the limit of 3 OCR pages per document "
        "(RAG_OCR_MAX_PAGES); the document keeps the pages read",
    )


def test_ocr_off_and_bad_images_are_reported(tmp_path: Path) -> None:
    png = tmp_path / "note.png"
    Image.new("L", (300, 100), 255).save(png)
    with pytest.raises(UnreadableFile, match=r"^no text found by OCR$"):
        read_file(png)
    with pytest.raises(UnreadableFile, match=r"OCR, which is off \(RAG_OCR_MAX_PAGES=0\)"):
        read_file(png, ocr=OcrOptions(max_pages=0))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(UnreadableFile, match=r"^not a valid image"):
        read_file(broken)
    with pytest.raises(UnreadableFile, match="Tesseract cannot load its languages"):
        read_file(png, ocr=OcrOptions(languages="eng+xyz"))


def test_tesseract_tsv_becomes_lines_and_paragraphs() -> None:
    rows = [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tFirst",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tline",
        "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t20\t|~",  # speckle: dropped, and so is its confidence
        "5\t1\t1\t2\t1\t1\t0\t0\t1\t1\t70\tSecond",
        "5\t1\t1\t2\t1\t2\t0\t0\t1\t1\t-1\t ",
    ]
    page = parse_tsv("\n".join(rows))
    assert page.lines == ["First line", "", "Second"]
    assert page.confidence == 80.0


def test_settings_defaults_are_the_readers_defaults() -> None:
    """``read_file`` without settings reads scans as ``rag ingest`` does by default."""
    fields = Settings.model_fields
    names = ("languages", "max_pages", "dpi", "workers")
    assert OcrOptions(*(fields[f"ocr_{name}"].default for name in names)) == OcrOptions()
