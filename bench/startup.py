"""Startup: a cold ``rag ask`` and the app's first page, torch vs ONNX in the same run.

Why cold processes: a reporter runs ``rag ask`` once and waits for the whole process, so the
figure that matters is interpreter start + imports + model load + one answer, not a warm query.
Each run is a fresh subprocess (the page cache stays warm, as on a desk machine); wall time is
measured around it and peak RSS comes from ``os.wait4`` for that child alone. Backends take
turns round by round, so a change in the machine's load hits both. A probe process
(``bench.startup_probe``) splits the same cold question into import / model load / answer.

The ONNX precision table backs the default: int8 against fp32 (both exported from the same local
model) and torch, on load time and memory in a cold process and on speed and cosine to the
torch vectors in one process, alternating.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import ROOT, free_port, log, markdown_table
from bench.corpus import QUESTIONS

if TYPE_CHECKING:
    from rag.embeddings import Backend
    from rag.onnx_export import Precision

RUNS = 3
# name -> (RAG_EMBEDDING_BACKEND, RAG_EMBEDDING_PRECISION); every table compares all three
# (onnx-int8 is the default since session 12).
EMBEDDERS: dict[str, tuple[Backend, Precision]] = {
    "torch": ("torch", "fp32"),
    "onnx": ("onnx", "fp32"),
    "onnx-int8": ("onnx", "int8"),
}
BACKENDS = tuple(EMBEDDERS)
QUESTION = "Who designated the cartels as foreign terrorist organizations?"
APP_PORTS = range(7970, 7990)
PAGE_POLL = 0.05  # seconds between two requests for the first page
READY_LINE = "app.py: models ready"


def _env(data_dir: Path, embedder: str, **extra: str) -> dict[str, str]:
    """The parent's environment with the store and embedder forced (never a user's store)."""
    backend, precision = EMBEDDERS[embedder]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "GRADIO_"))}
    return env | {
        "RAG_DATA_DIR": str(data_dir),
        "RAG_COLLECTION": f"startup-{embedder}",
        "RAG_EMBEDDING_BACKEND": backend,
        "RAG_EMBEDDING_PRECISION": precision,
        "RAG_ANSWERER": "extractive",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def run_cold(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (of this child alone) and stdout of one process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... exited {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, text


def _rounds(work: Callable[[str], None], names: Sequence[str]) -> None:
    """``RUNS`` rounds, each of ``names`` once per round (the same load for all)."""
    for i in range(RUNS):
        for name in names:
            log(f"startup: round {i + 1}/{RUNS}, {name}")
            work(name)


def _cell(values: Sequence[float], digits: int = 2) -> str:
    return f"{statistics.median(values):.{digits}f}" if values else ""


def cold_ask(data_dir: Path) -> str:
    cli = [sys.executable, "-m", "rag.cli", "ask", QUESTION]
    probe = [sys.executable, "-m", "bench.startup_probe", "ask", QUESTION]
    names = list(EMBEDDERS)
    walls: dict[str, list[float]] = {n: [] for n in names}
    rss: dict[str, list[float]] = {n: [] for n in names}
    phases: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    imported: dict[str, set[str]] = {n: set() for n in names}

    def one(name: str) -> None:
        wall, peak, _ = run_cold(cli, _env(data_dir, name))
        walls[name].append(wall)
        rss[name].append(peak)
        _, _, text = run_cold(probe, _env(data_dir, name))
        report = json.loads(text.strip().splitlines()[-1])
        for phase, seconds in report["phases"].items():
            phases[name].setdefault(phase, []).append(seconds)
        imported[name].update(report["imported"])

    for name in names:  # untimed: the page cache warm for all
        run_cold(cli, _env(data_dir, name))
    _rounds(one, names)
    rows = [[n, _cell(walls[n]), _cell(rss[n], 0), ", ".join(sorted(imported[n]))] for n in names]
    ratio = statistics.median(walls["torch"]) / statistics.median(walls["onnx"])
    rows.append(["torch / onnx", f"{ratio:.2f}x", "", ""])
    table = markdown_table(
        ["embedder", "cold `rag ask` s (median)", "peak RSS MB", "heavy modules imported"], rows
    )
    steps = list(dict.fromkeys(p for n in names for p in phases[n]))
    split = markdown_table(
        ["phase (probe process, s)", *names],
        [[p, *(_cell(phases[n].get(p, [])) for n in names)] for p in steps],
    )
    return table + "\n\n" + split


def first_page(data_dir: Path) -> str:
    """Seconds from ``python app.py`` to the first HTTP 200, and to its "models ready" line."""
    page: dict[str, list[float]] = {b: [] for b in BACKENDS}
    ready: dict[str, list[float]] = {b: [] for b in BACKENDS}

    def one(backend: str) -> None:
        port = free_port(APP_PORTS)
        env = _env(data_dir, backend, GRADIO_SERVER_PORT=str(port))
        with tempfile.NamedTemporaryFile(suffix=".log") as log_file:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log_file, stderr=log_file
            )
            try:
                seen = _watch(proc, f"http://127.0.0.1:{port}/", Path(log_file.name), start)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        page[backend].append(seen["page"])
        ready[backend].append(seen["ready"])

    _rounds(one, BACKENDS)
    rows = [
        [
            b,
            _cell(page[b]),
            _cell(ready[b]),
            f"{sum(p < r for p, r in zip(page[b], ready[b], strict=True))}/{RUNS}",
        ]
        for b in BACKENDS
    ]
    return markdown_table(
        ["backend", "first page s (median)", "models ready s", "page before models"], rows
    )


def _watch(
    proc: subprocess.Popen[bytes], url: str, log_path: Path, start: float
) -> dict[str, float]:
    """Poll the page and the log until both the first 200 and the ready line are seen."""
    seen: dict[str, float] = {}
    deadline = start + 300
    while len(seen) < 2:
        if proc.poll() is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"app.py did not come up: {log_path.read_text()[-2000:]}")
        if "page" not in seen:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        seen["page"] = time.perf_counter() - start
            except OSError:
                pass
        if "ready" not in seen and READY_LINE in log_path.read_text(errors="replace"):
            seen["ready"] = time.perf_counter() - start
        time.sleep(PAGE_POLL)
    return seen


def precision_table(data_dir: Path) -> str:
    """int8 vs fp32 ONNX vs torch: cold load + memory, then speed and cosine in one process."""
    from bench.timing import _corpus_texts, _model_throughput
    from rag.embeddings import LocalEmbeddings
    from rag.sentences import split_sentences

    names = list(EMBEDDERS)
    loads: dict[str, list[tuple[float, float]]] = {n: [] for n in names}

    def one(name: str) -> None:  # the exports exist: the ingest made them
        probe = [sys.executable, "-m", "bench.startup_probe", "load"]
        _, peak, text = run_cold([*probe, name], _env(data_dir, name))
        loads[name].append((json.loads(text.strip().splitlines()[-1])["phases"]["load"], peak))

    _rounds(one, names)  # before this process loads any model (a child's peak counts the fork)
    models = {
        n: LocalEmbeddings(backend=b, cache_dir=data_dir / "models", precision=p)
        for n, (b, p) in EMBEDDERS.items()
    }
    throughput = _model_throughput(dict(models), _corpus_texts())
    query_ms = _query_ms(models)
    sentences = [
        s
        for path in sorted((ROOT / "corpus").glob("*.txt"))
        for s in split_sentences(path.read_text(encoding="utf-8").split("---", 2)[-1])
        if len(s.split()) >= 4
    ]
    ref = models["torch"].encode(sentences)
    rows = []
    for name, model in models.items():
        cosine = (model.encode(sentences) * ref).sum(axis=1)
        size = f"{model.onnx_file.stat().st_size / 1e6:.0f}" if model.backend == "onnx" else ""
        rows.append(
            [
                model.flavour,
                _cell([c[0] for c in loads[name]]),
                _cell([c[1] for c in loads[name]], 0),
                size,
                _cell(query_ms[name], 1),
                f"{throughput[name]:.1f}",
                f"{cosine.min():.4f} / {cosine.mean():.4f}",
            ]
        )
    headers = ["embedder", "cold load s", "load peak RSS MB", "file MB", "query ms (median)"]
    headers += ["chunk texts/s", f"cosine to torch min / mean ({len(sentences)} sentences)"]
    return markdown_table(headers, rows)


def _query_ms(models: dict[str, Any]) -> dict[str, list[float]]:
    """One question at a time, as ``rag ask`` embeds it; models take turns per question."""
    out: dict[str, list[float]] = {name: [] for name in models}
    for model in models.values():
        model.encode([QUESTIONS[0]])
    for question in QUESTIONS:
        for name, model in models.items():
            start = time.perf_counter()
            model.encode([question])  # the model, not the vector cache
            out[name].append((time.perf_counter() - start) * 1000)
    return out


def run(args: argparse.Namespace) -> str:
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rag-bench-startup-") as tmp:
        data_dir = Path(tmp) / "data"
        for name in EMBEDDERS:  # the ONNX exports are made here, before anything is timed
            log(f"startup: ingest corpus/ with {name}")
            cmd = [sys.executable, "-m", "rag.cli", "ingest", str(ROOT / "corpus")]
            run_cold(cmd, _env(data_dir, name))
        ask_tables = cold_ask(data_dir)
        log("startup: cold rag ask\n" + ask_tables)  # shown now: the later parts take minutes
        page = first_page(data_dir)
        log("startup: first page\n" + page)
        log("startup: ONNX int8 vs fp32 vs torch")
        precision = precision_table(data_dir)
    parts = [
        "## Startup",
        "",
        f"`python -m bench --only startup`: {RUNS} cold processes per backend, backends "
        f'alternating; question "{QUESTION}" on corpus/, extractive answerer. 1-min load '
        f"average {load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, "
        f"{os.cpu_count()} CPUs.",
        "",
        ask_tables,
        "",
        "App (`python app.py`): seconds from start to the first HTTP 200 of the page, and to the "
        "background thread's models-ready line (embedder + sentence judge).",
        "",
        page,
        "",
        "Embedder precision (cold load: a fresh process loading the export and embedding one "
        "question; the rest in one process, models alternating):",
        "",
        precision,
    ]
    text = "\n".join(parts)
    print(text + "\n", flush=True)
    return text
