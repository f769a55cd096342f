"""``python -m bench``: run every section (or ``--only NAME``), print markdown, save it.

The offline environment is applied before anything heavy is imported, exactly as the CLI does,
so the bench loads the same local model and never reaches a hub.
"""

from __future__ import annotations

import os

from rag.config import apply_offline_environment

apply_offline_environment(os.environ)  # type: ignore[arg-type]

import argparse  # noqa: E402
import importlib  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.common import (  # noqa: E402
    RESULTS,
    ROOT,
    log,
    markdown_table,
    model_load_seconds,
    peak_rss_mb,
)

# (name, module): each module has ``run(args) -> str``. Add later sections here, in run order.
SECTIONS: list[tuple[str, str]] = [
    ("retrieval", "bench.retrieval"),
    ("corpus", "bench.corpus"),
    ("answers", "bench.answers"),
    ("shapes", "bench.answer_shapes"),
    ("citations", "bench.citations"),
    ("conflicts", "bench.conflicts"),
    ("sentences", "bench.sentence_cost"),
    ("speed", "bench.timing"),
    ("baseline", "bench.baseline"),
    ("scale", "bench.scale"),
    ("quotes", "bench.quotes"),
    ("ocr", "bench.ocr"),
    ("load", "bench.load"),
    ("spanish", "bench.spanish"),
    ("startup", "bench.startup"),
    ("chunkvec", "bench.chunk_vectors"),
    ("phrasings", "bench.phrasings"),
]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=[name for name, _ in SECTIONS], help="one section")
    parser.add_argument("--limit", type=int, default=None, help="cap queries (quick run)")
    parser.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared",
        help="folder holding eval/ (default: <repo>/../shared)",
    )
    load = parser.add_argument_group("load section")
    load.add_argument("--duration", type=float, default=120.0, help="seconds per load run")
    load.add_argument("--sessions", type=int, default=20, help="concurrent chat sessions")
    load.add_argument(
        "--load-concurrency",
        default="1,4",
        help="RAG_UI_CONCURRENCY values to compare, one load run each (default 1,4)",
    )
    load.add_argument(
        "--max-requests", type=int, default=3000, help="cap on questions per load run"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    load_start = os.getloadavg()[0]
    parts: list[str] = []
    timings: list[list[str]] = []
    for name, module_name in SECTIONS:
        if args.only and name != args.only:
            continue
        log(f"section {name}")
        section_start = time.perf_counter()
        module = importlib.import_module(module_name)
        parts.append(module.run(args))
        timings.append([name, f"{time.perf_counter() - section_start:.1f}"])
    total = time.perf_counter() - start
    timings.append(["total", f"{total:.1f}"])
    loaded = model_load_seconds()
    model_load = f"{loaded:.1f} s" if loaded is not None else "not loaded"
    footer = "\n".join(
        [
            "## Run",
            "",
            markdown_table(["section", "seconds"], timings),
            "",
            f"embedding model load: {model_load}; peak RSS: {peak_rss_mb():.0f} MB"
            + (f"; --limit {args.limit}" if args.limit else ""),
            f"machine: {os.cpu_count()} CPUs; 1-min load average at start {load_start:.2f}, "
            f"at end {os.getloadavg()[0]:.2f} (timings are wall-clock: other processes count)",
        ]
    )
    print(footer + "\n", flush=True)
    parts.append(footer)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
    log(f"written to {RESULTS / 'latest.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
