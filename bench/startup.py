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
from typing import Any

import numpy as np

from bench.common import ROOT, free_port, log, markdown_table
from bench.corpus import QUESTIONS

RUNS = 3
BACKENDS = ("torch", "onnx")
QUESTION = "Who designated the cartels as foreign terrorist organizations?"
APP_PORTS = range(7970, 7990)
PAGE_POLL = 0.05  # seconds between two requests for the first page
READY_LINE = "app.py: models ready"


def _env(data_dir: Path, backend: str, **extra: str) -> dict[str, str]:
    """The parent's environment with the store and backend forced (never a user's store)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "GRADIO_"))}
    return env | {
        "RAG_DATA_DIR": str(data_dir),
        "RAG_COLLECTION": f"startup-{backend}",
        "RAG_EMBEDDING_BACKEND": backend,
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


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _rounds(work: Callable[[str], None]) -> None:
    """``RUNS`` rounds, every backend once per round (same load for both)."""
    for i in range(RUNS):
        for backend in BACKENDS:
            log(f"startup: round {i + 1}/{RUNS}, {backend}")
            work(backend)


def cold_ask(data_dir: Path) -> str:
    cli = [sys.executable, "-m", "rag.cli", "ask", QUESTION]
    probe = [sys.executable, "-m", "bench.startup_probe", "ask", QUESTION]
    walls: dict[str, list[float]] = {b: [] for b in BACKENDS}
    rss: dict[str, list[float]] = {b: [] for b in BACKENDS}
    phases: dict[str, dict[str, list[float]]] = {b: {} for b in BACKENDS}
    imported: dict[str, set[str]] = {b: set() for b in BACKENDS}

    def one(backend: str) -> None:
        wall, peak, _ = run_cold(cli, _env(data_dir, backend))
        walls[backend].append(wall)
        rss[backend].append(peak)
        _, _, text = run_cold(probe, _env(data_dir, backend))
        report = json.loads(text.strip().splitlines()[-1])
        for name, seconds in report["phases"].items():
            phases[backend].setdefault(name, []).append(seconds)
        imported[backend].update(report["imported"])

    for backend in BACKENDS:  # untimed: page cache warm for both
        run_cold(cli, _env(data_dir, backend))
    _rounds(one)
    rows = [
        [b, f"{_median(walls[b]):.2f}", f"{_median(rss[b]):.0f}", ", ".join(sorted(imported[b]))]
        for b in BACKENDS
    ]
    ratio = _median(walls["torch"]) / _median(walls["onnx"])
    rows.append(["torch / onnx", f"{ratio:.2f}x", "", ""])
    table = markdown_table(
        ["backend", "cold `rag ask` s (median)", "peak RSS MB", "heavy modules imported"], rows
    )
    names = list(dict.fromkeys(n for b in BACKENDS for n in phases[b]))
    split = markdown_table(
        ["phase (probe process)", *BACKENDS],
        [[n, *(f"{_median(phases[b].get(n, [])):.2f}" for b in BACKENDS)] for n in names],
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

    _rounds(one)
    rows = [
        [
            b,
            f"{_median(page[b]):.2f}",
            f"{_median(ready[b]):.2f}",
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

    loads: dict[str, list[tuple[float, float]]] = {"int8": [], "fp32": []}
    probe = [sys.executable, "-m", "bench.startup_probe", "load"]
    env = _env(data_dir, "onnx")
    models_dir = data_dir / "models"
    models: dict[str, LocalEmbeddings] = {
        "torch": LocalEmbeddings(backend="torch"),
        **{
            f"onnx-{p}": LocalEmbeddings(backend="onnx", cache_dir=models_dir, precision=p)
            for p in ("fp32", "int8")
        },
    }  # exports made before anything is timed
    for _ in range(RUNS):
        for precision in loads:
            _, peak, text = run_cold([*probe, precision], env)
            report = json.loads(text.strip().splitlines()[-1])
            loads[precision].append((report["phases"]["load"], peak))
    texts = _corpus_texts()
    throughput = _model_throughput(dict(models), texts)
    query_ms = _query_ms(models)
    sentences = [
        s
        for path in sorted((ROOT / "corpus").glob("*.txt"))
        for s in split_sentences(path.read_text(encoding="utf-8").split("---", 2)[-1])
        if len(s.split()) >= 4
    ]
    ref = np.asarray(models["torch"].embed_documents(sentences))
    rows = []
    for name, model in models.items():
        cosine = (np.asarray(model.embed_documents(sentences)) * ref).sum(axis=1)
        cold = loads.get(name.removeprefix("onnx-"), [])
        size = model.onnx_file.stat().st_size / 1e6 if name != "torch" else float("nan")
        rows.append(
            [
                name,
                f"{_median([c[0] for c in cold]):.2f}" if cold else "",
                f"{_median([c[1] for c in cold]):.0f}" if cold else "",
                f"{size:.0f}" if name != "torch" else "",
                f"{_median(query_ms[name]):.1f}",
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
        model.embed_query(QUESTIONS[0])
    for question in QUESTIONS:
        for name, model in models.items():
            start = time.perf_counter()
            model.embed_query(question)
            out[name].append((time.perf_counter() - start) * 1000)
    return out


def run(args: argparse.Namespace) -> str:
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rag-bench-startup-") as tmp:
        data_dir = Path(tmp) / "data"
        for backend in BACKENDS:  # the ONNX export is made here, before anything is timed
            log(f"startup: ingest corpus/ with {backend}")
            cmd = [sys.executable, "-m", "rag.cli", "ingest", str(ROOT / "corpus")]
            run_cold(cmd, _env(data_dir, backend))
        ask_tables = cold_ask(data_dir)
        page = first_page(data_dir)
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
