"""Helpers every section shares: timing, percentiles, markdown tables, memory, a temp store.

The embedding model is loaded once per process and shared by all sections, exactly as the app
does, so ingest and query timings never include model loading.
"""

from __future__ import annotations

import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rag.embeddings import LocalEmbeddings
    from rag.retrieval import Retriever
    from rag.services import Services

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_COLLECTION = "bench"


# --- timing -----------------------------------------------------------------------------------


def free_port(ports: range) -> int:
    """The first port in ``ports`` free on 127.0.0.1 (each bench keeps to its own range)."""
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


@contextmanager
def running(
    cmd: list[str],
    ready: str,
    what: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    startup_seconds: float = 300,
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process (output to ``log_path``), yielded once ``ready`` answers over HTTP;
    terminated (killed if it hangs) on exit."""
    with log_path.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                with urllib.request.urlopen(ready, timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start (see {log_path})") from None
                time.sleep(0.5)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and its wall-clock duration in milliseconds."""
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000.0


def median_p95(values_ms: Sequence[float]) -> tuple[float, float]:
    """Median and 95th percentile (inclusive quantiles, so small samples stay within range)."""
    if not values_ms:
        return float("nan"), float("nan")
    if len(values_ms) == 1:
        return values_ms[0], values_ms[0]
    p95 = statistics.quantiles(values_ms, n=20, method="inclusive")[18]
    return statistics.median(values_ms), p95


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is KB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# --- output -----------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 4) -> str:
    """Floats to fixed digits; everything else as text."""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table; floats are formatted by the caller or with 4 digits."""
    cells = [[fmt(c) for c in row] for row in rows]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def log(message: str) -> None:
    """Progress for the person waiting, on stderr so stdout stays pure markdown."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- shared model and temp stores -------------------------------------------------------------


@dataclass
class ModelLoad:
    embeddings: LocalEmbeddings
    seconds: float


_MODEL: ModelLoad | None = None


def shared_embeddings() -> ModelLoad:
    """The one embedding model of this process (loaded on first use; its load time kept).

    Backend and model come from the settings (``RAG_EMBEDDING_BACKEND``...), as in the app.
    """
    global _MODEL
    if _MODEL is None:
        from rag.config import Settings
        from rag.embeddings import LocalEmbeddings

        start = time.perf_counter()
        embeddings = LocalEmbeddings.from_settings(Settings())
        _MODEL = ModelLoad(embeddings, time.perf_counter() - start)
    return _MODEL


def model_load_seconds() -> float | None:
    """How long the shared model took to load, or None if no section loaded it."""
    return _MODEL.seconds if _MODEL else None


@contextmanager
def temp_services(
    corpus_dir: Path, embeddings: LocalEmbeddings | None = None
) -> Iterator[Services]:
    """Fresh services on an embedded Chroma in a temp dir, deleted afterwards.

    The store location, collection and answerer are forced so a bench run can never write into
    a user's store or Chroma server set through ``RAG_*`` variables; the retrieval knobs
    (``RAG_CANDIDATES``, ``RAG_CHUNK_TOKENS``, ...) still come from the environment, so they can
    be compared run against run.
    """
    from rag.config import Settings
    from rag.services import build_services

    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data",
            corpus_dir=corpus_dir,
            collection=BENCH_COLLECTION,
            chroma_host=None,
            answerer="extractive",
        )
        yield build_services(settings, embeddings or shared_embeddings().embeddings)


def retriever_without(services: Services, setting: str) -> Retriever:
    """The services' retriever, on the same store, with one of its refinements (a boolean
    ``setting``) off: the baseline a bench measures it against in the same run."""
    from rag.retrieval import Retriever

    settings = services.settings.model_copy(update={setting: False})
    return Retriever(services.store, services.embeddings, settings)


@contextmanager
def time_calls(obj: object, method: str) -> Iterator[list[float]]:
    """Seconds of every call to ``obj.method`` inside the block (the instance is patched).

    Used to split a run into model time and the rest within the same run, so the split is
    not skewed by load that changes between two separate measurements.
    """
    original = getattr(obj, method)
    durations: list[float] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            durations.append(time.perf_counter() - start)

    setattr(obj, method, wrapper)
    try:
        yield durations
    finally:
        delattr(obj, method)


def settings_line(services: Services) -> str:
    """The retrieval settings a number was measured with."""
    s = services.settings
    return (
        f"settings: chunk_tokens={s.chunk_tokens}, overlap_sentences={s.chunk_overlap_sentences}, "
        f"candidates={s.candidates}, embedding_batch_size={s.embedding_batch_size}"
    )
