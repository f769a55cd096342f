"""Load: many reporters chatting at once through the real app while documents change under them.

The newsroom set-up as documented: a Chroma server (`chroma run` on 127.0.0.1), the app
(`python app.py`) pointed at it, and `rag ingest` runs in another process, over and over, while
``--sessions`` chat sessions (gradio_client, one client each) ask corpus questions for
``--duration`` seconds. Every answer is checked: no error, and every citation's quote is exactly
the text of a complete version of its document at the cited offsets -- never a half-written one.
Bounded in time and count, 127.0.0.1 only. Run once per ``--load-concurrency`` value (the
app's RAG_UI_CONCURRENCY), same documents, same writer, so the rows compare.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ROOT, free_port, log, markdown_table, median_p95, running
from bench.corpus import QUESTIONS

APP_PORTS = range(7940, 7960)
CHROMA_PORTS = range(8100, 8120)
INGEST_PAUSE = 2.0  # seconds between two ingest runs of the writer
KEEP_NOTES = 4  # desk notes the writer keeps before deleting the oldest
# A browser waits for its answer however long the queue; gradio_client gives up after 20 s,
# which would count a wait in line as an error.
CLIENT_TIMEOUT = 600.0


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of a live process (its peak resident memory), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# -- the writer: documents change while people ask ---------------------------------------------
@dataclass
class Writer:
    """Rewrites corpus files (a desk update prepended, so every offset moves), adds and removes
    desk notes, and runs ``rag ingest`` on the folder, again and again, in another process.

    Each version's cleaned text is recorded before the file appears (written under a hidden
    name, then renamed), so the checker knows every complete version that could be cited.
    """

    folder: Path
    env: dict[str, str]
    versions: dict[str, list[str]] = field(default_factory=dict)
    runs: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    step: int = 0

    def record(self, path: Path, text_of: Path) -> None:
        from rag.ingest import doc_id_for
        from rag.reading import read_file

        text = read_file(text_of).text
        with self.lock:
            self.versions.setdefault(doc_id_for(path), []).append(text)

    def _write(self, path: Path, content: str) -> None:
        hidden = path.with_name("." + path.name)
        hidden.write_text(content, encoding="utf-8")
        self.record(path, hidden)
        os.replace(hidden, path)

    def change_something(self) -> None:
        self.step += 1
        corpus = sorted(p for p in self.folder.glob("*.txt"))
        target = corpus[self.step % len(corpus)]
        text = target.read_text(encoding="utf-8")
        update = f"Desk update {self.step}: this report was revised during the load test."
        head, sep, body = text.partition("\n---\n")
        body = re.sub(r"\ADesk update \d+:[^\n]*\n\n", "", body)
        self._write(target, f"{head}{sep}{update}\n\n{body}")
        note = self.folder / f"desk_note_{self.step:04d}.md"
        self._write(
            note,
            f"# Desk note {self.step}\n\nThe harbour authority confirmed toll rise number "
            f"{self.step} on Friday, the desk was told.\n",
        )
        old = self.folder / f"desk_note_{self.step - KEEP_NOTES:04d}.md"
        old.unlink(missing_ok=True)

    def ingest(self) -> None:
        cmd = [sys.executable, "-m", "rag.cli", "ingest", str(self.folder), "--json"]
        done = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            self.failures.append(done.stderr.strip()[-300:])
            return
        report = json.loads(done.stdout)
        if report["failed"]:
            self.failures.append(str(report["failed"]))
        self.runs += 1

    def loop(self) -> None:
        while not self.stop.is_set():
            self.change_something()
            self.ingest()
            self.stop.wait(INGEST_PAUSE)

    def known(self, doc_id: str) -> list[str]:
        with self.lock:
            return list(self.versions.get(doc_id, []))


# -- the sessions ---------------------------------------------------------------------------------
_CARD = re.compile(
    r'<article class="source-card" id="src-(\d+)-(\d+)".*?<mark>(.*?)</mark>.*?'
    r'data-doc="([^"]+)" data-start="(\d+)" data-end="(\d+)"',
    re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")


def _plain(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment))


def _norm(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refusals: int = 0
    citations: int = 0
    current: int = 0
    superseded: int = 0
    inconsistent: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _outputs(result: Any) -> tuple[list[Any], str]:
    """(chat messages, sources HTML) from the ask event's final outputs, whatever their order."""
    values = list(result) if isinstance(result, list | tuple) else [result]
    messages = next((v for v in values if isinstance(v, list)), [])
    sources = next((v for v in values if isinstance(v, str) and "turn-sources" in v), "")
    return messages, sources


def _content(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else message
    if isinstance(content, list):
        return " ".join(str(c.get("text", c)) if isinstance(c, dict) else str(c) for c in content)
    return str(content or "")


def _other_inputs(client: Any) -> list[Any]:
    """Neutral values for the ask event's inputs after the question (scope filters, ...)."""
    params = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/ask"]
    values: list[Any] = []
    for param in params["parameters"][1:]:
        if param.get("parameter_has_default"):
            values.append(param.get("parameter_default"))
        elif param.get("type", {}).get("type") == "array":
            values.append([])
        else:
            values.append("")
    return values


class Session:
    """One reporter: a gradio_client session asking corpus questions in a loop."""

    def __init__(self, n: int, url: str, store: Any, writer: Writer, tally: Tally) -> None:
        self.n, self.url, self.store, self.writer, self.tally = n, url, store, writer, tally

    def run(self, deadline: float, budget: threading.Semaphore) -> None:
        from gradio_client import Client

        try:
            client = Client(
                self.url,
                verbose=False,
                download_files=False,
                analytics_enabled=False,
                httpx_kwargs={"timeout": CLIENT_TIMEOUT},
            )
        except Exception as exc:
            with self.tally.lock:
                self.tally.errors.append(f"session {self.n}: connect: {exc}")
            return
        extra = _other_inputs(client)
        turn, i = 0, self.n
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            question = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            start = time.perf_counter()
            try:
                result = client.predict(question, *extra, api_name="/ask")
            except Exception as exc:
                with self.tally.lock:
                    self.tally.errors.append(f"{question}: {type(exc).__name__}: {exc}")
                continue
            elapsed = (time.perf_counter() - start) * 1000
            turn += 1
            self.check(question, result, turn, elapsed)

    def check(self, question: str, result: Any, turn: int, elapsed: float) -> None:
        messages, sources = _outputs(result)
        last = _content(messages[-1]) if messages else ""
        problem = None
        if not last:
            problem = "no answer in the chat"
        elif "message error" in last or "Something went wrong" in last:
            problem = _norm(_plain(last))
        cards = [m for m in _CARD.finditer(sources) if int(m.group(1)) == turn]
        verdicts = [self.verdict(m) for m in cards]
        with self.tally.lock:
            self.tally.latencies_ms.append(elapsed)
            if problem:
                self.tally.errors.append(f"{question}: {problem}")
                return
            if "refusal" in last:
                self.tally.refusals += 1
            for verdict, detail in verdicts:
                self.tally.citations += 1
                if verdict == "current":
                    self.tally.current += 1
                elif verdict == "superseded":
                    self.tally.superseded += 1
                else:
                    self.tally.inconsistent.append(f"{question}: {detail}")

    def verdict(self, card: re.Match[str]) -> tuple[str, str]:
        """current: the stored document, read now, has the quote at the offsets; superseded:
        a newer version replaced it since, but a complete earlier version had it; otherwise
        the citation came from no complete version (a half-written document)."""
        quote = _norm(_plain(card.group(3)))
        doc_id, start, end = card.group(4), int(card.group(5)), int(card.group(6))
        doc = self.store.get_document(doc_id)
        if doc is not None and _norm(doc.text[start:end]) == quote:
            return "current", ""
        if not self.writer.known(doc_id):
            return "inconsistent", f"{doc_id} is no document the bench wrote"
        if any(_norm(text[start:end]) == quote for text in self.writer.known(doc_id)):
            return "superseded", ""
        return "inconsistent", f"{doc_id}[{start}:{end}] {quote[:80]!r}"


# -- one run ---------------------------------------------------------------------------------
def _one_run(
    concurrency: int, env: dict[str, str], work: Path, writer: Writer, args: argparse.Namespace
) -> list[Any]:
    from rag.config import Settings
    from rag.store import open_store

    port = free_port(APP_PORTS)
    app_env = {**env, "GRADIO_SERVER_PORT": str(port), "RAG_UI_CONCURRENCY": str(concurrency)}
    url = f"http://127.0.0.1:{port}/"
    store = open_store(
        Settings(
            data_dir=Path(env["RAG_DATA_DIR"]),
            chroma_host="127.0.0.1",
            chroma_port=int(env["RAG_CHROMA_PORT"]),
            collection=env["RAG_COLLECTION"],
        )
    )
    tally = Tally()
    cap = args.limit * args.sessions if args.limit else args.max_requests
    budget = threading.Semaphore(cap)
    log(f"load: app with RAG_UI_CONCURRENCY={concurrency} on {url}")
    with running(
        [sys.executable, str(ROOT / "app.py")],
        url,
        "the app",
        work / f"app-{concurrency}.log",
        app_env,
    ) as app:
        runs_before = writer.runs
        started = time.monotonic()
        deadline = started + args.duration
        sessions = [Session(n, url, store, writer, tally) for n in range(args.sessions)]
        threads = [threading.Thread(target=s.run, args=(deadline, budget)) for s in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.monotonic() - started
        rss = _peak_rss_mb(app.pid)
        ingests = writer.runs - runs_before
    med, p95 = median_p95(tally.latencies_ms)
    answers = len(tally.latencies_ms)
    for problem in (tally.errors + tally.inconsistent)[:10]:
        log(f"load: PROBLEM {problem}")
    return [
        concurrency,
        args.sessions,
        f"{seconds:.0f}",
        answers,
        len(tally.errors),
        tally.refusals,
        tally.citations,
        tally.current,
        tally.superseded,
        len(tally.inconsistent),
        f"{med:.0f}",
        f"{p95:.0f}",
        f"{answers / seconds:.2f}" if seconds else "–",
        ingests,
        f"{rss:.0f}",
    ]


def run(args: argparse.Namespace) -> str:
    """Chroma server + app + writer, then ``--sessions`` sessions per concurrency value."""
    levels = [int(x) for x in str(args.load_concurrency).split(",") if x.strip()]
    work = Path(tempfile.mkdtemp(prefix="rag-load-"))
    folder = work / "corpus"
    folder.mkdir()
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        shutil.copy(f, folder / f.name)
    chroma_port = free_port(CHROMA_PORTS)
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(work / "data"),
        "RAG_CHROMA_HOST": "127.0.0.1",
        "RAG_CHROMA_PORT": str(chroma_port),
        "RAG_COLLECTION": "load",
        "RAG_ANSWERER": "extractive",
        "GRADIO_SERVER_NAME": "127.0.0.1",
    }
    chroma = [
        str(Path(sys.executable).parent / "chroma"),
        "run",
        "--path",
        str(work / "server"),
        "--host",
        "127.0.0.1",
        "--port",
        str(chroma_port),
    ]
    heartbeat = f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat"
    writer = Writer(folder, env)
    rows = []
    try:
        with running(chroma, heartbeat, "chroma", work / "chroma.log", env):
            for f in sorted(folder.iterdir()):
                writer.record(f, f)
            log("load: first ingest")
            writer.ingest()
            if writer.failures:
                raise RuntimeError(f"first ingest failed: {writer.failures}")
            background = threading.Thread(target=writer.loop, daemon=True)
            background.start()
            try:
                for level in levels:
                    rows.append(_one_run(level, env, work, writer, args))
            finally:
                writer.stop.set()
                background.join(timeout=600)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = markdown_table(
        [
            "RAG_UI_CONCURRENCY",
            "sessions",
            "s",
            "answers",
            "errors",
            "refusals",
            "citations checked",
            "= current version",
            "= earlier complete version",
            "from no complete version",
            "p50 ms",
            "p95 ms",
            "answers/s",
            "ingest runs meanwhile",
            "app peak RSS MB",
        ],
        rows,
    )
    lines = [
        "## Load: concurrent chat sessions while documents change",
        "",
        f"{args.sessions} gradio_client sessions against `python app.py` (extractive answerer, "
        "Chroma server on 127.0.0.1), each asking the corpus questions in a loop; meanwhile "
        "another process rewrites a corpus file (a paragraph prepended, so every offset "
        "moves), adds and deletes desk notes and runs `rag ingest`, again and again. Latency "
        "= the whole ask event (question to checked answer with sources). A citation is "
        "checked against the stored document right after the answer; *earlier complete "
        "version*: a newer one replaced it in between; *from no complete version* must be 0.",
        "",
        table,
        "",
        f"writer: {writer.runs} ingest runs, {len(writer.failures)} failed"
        + (f" ({writer.failures[:2]})" if writer.failures else ""),
    ]
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text
