"""The ``rag`` command: ingest, search, docs (and ask). A stable contract for scripts and tests.

Errors a user can fix (empty question, nothing indexed, Chroma server down) print one line on
stderr and exit non-zero; ``rag ingest`` exits 0 even when some files failed (they are listed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rag.config import Settings, apply_offline_environment
from rag.types import DocMeta, ocr_label

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """A problem the user can fix; printed as one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="add or update documents (default: the corpus folder)")
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--progress",
        action="store_true",
        help="print 'embedded N/M chunks' lines (and 'OCR <file>: N/M pages' for scans) on stderr",
    )
    p = sub.add_parser("search", help="passages that answer a question, best first")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("ask", help="a cited answer to a question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("docs", help="the indexed documents")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("quote", help="who said this, and where: every passage quoting a phrase")
    p.add_argument("phrase")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    return parser


def _emit(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _services(settings: Settings) -> Any:
    from rag.services import build_services
    from rag.store import StoreUnavailable

    try:
        return build_services(settings)
    except StoreUnavailable as exc:
        raise UserError(str(exc)) from exc


def _print_progress(done: int, total: int, title: str) -> None:
    """One line per stored batch, for scripts and logs (the terminal gets a progress bar)."""
    print(f"embedded {done}/{total} chunks", file=sys.stderr, flush=True)


def _print_ocr_progress(done: int, total: int, name: str) -> None:
    """Every few pages of a scan: OCR takes about 2 CPU seconds a page, so a long scan must show
    it is moving (on a terminal too, where the embedding has its progress bar)."""
    print(f"OCR {name}: {done}/{total} pages", file=sys.stderr, flush=True)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    paths = args.paths or [settings.corpus_dir]
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise UserError(f"no such file or folder: {', '.join(missing)}")
    with _as_user_errors():
        progress = _print_progress if args.progress else None
        pages = _print_ocr_progress if args.progress or sys.stderr.isatty() else None
        report = services.ingestor.ingest(paths, progress=progress, ocr_progress=pages)
    if args.json:
        _emit(report.to_dict())
        return 0
    print(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"removed {report.removed}; {report.chunks} chunks embedded"
    )
    for failure in report.failed:
        print(f"skipped {failure['path']}: {failure['reason']}", file=sys.stderr)
    for note in report.notes:
        print(f"partly read {note['path']}: {note['note']}", file=sys.stderr)
    return 0


def _question(args: argparse.Namespace) -> str:
    question = str(args.question).strip()
    if not question:
        raise UserError("the question is empty")
    return question


@contextmanager
def _as_user_errors() -> Iterator[None]:
    """Turn the failures a user can fix into one-line messages."""
    from rag.answerers import BackendUnavailable
    from rag.retrieval import EmptyIndex
    from rag.store import StoreUnavailable

    try:
        yield
    except EmptyIndex as exc:
        raise UserError(f"{exc}: run `rag ingest` first") from exc
    except (BackendUnavailable, StoreUnavailable) as exc:
        raise UserError(str(exc)) from exc


def _where(meta: DocMeta) -> str:
    where = ", ".join(x for x in (meta.outlet, meta.date) if x)
    return f" ({where})" if where else ""


def _place(page: int | None, paragraph: int, ocr: float | None) -> str:
    """ "p. 3, ¶2, OCR 94%": the page only for PDFs, the OCR mark only for scans."""
    parts = [f"p. {page}"] if page is not None else []
    parts.append(f"¶{paragraph}")
    return ", ".join(parts + ([ocr_label(ocr)] if ocr is not None else []))


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    question = _question(args)
    services = _services(settings)
    with _as_user_errors():
        passages = services.retriever.search(question, k=args.k)
    if args.json:
        _emit([p.to_dict() for p in passages])
        return 0
    for i, p in enumerate(passages, start=1):
        place = _place(p.page, p.chunk.paragraph, p.ocr_confidence)
        print(f"[{i}] {p.meta.title}{_where(p.meta)}, {place}")
        print(f"    {p.chunk.text[:300]}{'…' if len(p.chunk.text) > 300 else ''}\n")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    question = _question(args)
    services = _services(settings)
    with _as_user_errors():
        answer = services.pipeline.ask(question)
    if args.json:
        _emit(answer.to_dict())
        return 0
    from rag.present import footnoted_markdown

    print(footnoted_markdown(answer))
    return 0


def _marked(text: str, start: int, end: int) -> str:
    return f"{text[:start]}**{text[start:end]}**{text[end:]}"


def cmd_quote(args: argparse.Namespace, settings: Settings) -> int:
    """Exact and fuzzy phrase search; needs no model, so it starts fast."""
    from rag.quotes import QuoteSearch, clean_phrase
    from rag.store import Store, StoreUnavailable, connect

    if not clean_phrase(str(args.phrase)):
        raise UserError("the phrase is empty")
    if args.limit < 1:
        raise UserError("--limit must be at least 1")
    try:
        store = Store(connect(settings), settings.collection)
        with _as_user_errors():
            search = QuoteSearch(store, settings.quote_index_dir)
            hits = search.find(str(args.phrase), limit=args.limit)
    except StoreUnavailable as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        _emit([h.to_dict() for h in hits])
        return 0
    if not hits:
        print(f"no passage quotes “{args.phrase.strip()}”")
    for i, h in enumerate(hits, start=1):
        kind = "exact" if h.exact else f"close match ({h.score:.2f})"
        label = f" [{h.reliability}]" if h.reliability else ""
        where = _where(DocMeta(h.title, h.outlet, h.date))
        place = _place(h.page, h.paragraph, h.ocr_confidence)
        print(f"[{i}] {h.title}{where}, {place}{label}: {kind}")
        print(f"    {_marked(h.text, h.match_start, h.match_end)}\n")
    return 0


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from rag.store import open_store

    with _as_user_errors():
        records = sorted(
            open_store(settings).doc_records().values(), key=lambda r: r.meta.title.lower()
        )
    if args.json:
        _emit([r.to_dict() for r in records])
        return 0
    if not records:
        print(f"nothing is indexed in collection '{settings.collection}' yet")
    for r in records:
        print(f"{r.doc_id}  {r.n_chunks:4d} chunks  {r.meta.title}{_where(r.meta)}")
    return 0


COMMANDS = {
    "ingest": cmd_ingest,
    "search": cmd_search,
    "ask": cmd_ask,
    "docs": cmd_docs,
    "quote": cmd_quote,
}


def main(argv: Sequence[str] | None = None) -> int:
    apply_offline_environment(os.environ)  # type: ignore[arg-type]
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
        return COMMANDS[args.command](args, settings)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted: run the same command again to complete it", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
