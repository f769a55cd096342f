"""Helpers several test modules share, so that test modules never import from each other.

Fixtures live in conftest.py (and the fake LLM server's in the ``tests.fake_llm`` plugin);
browser page helpers in ``tests.browser``; plain functions and shared data here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from rag.store import Store

RAG = str(Path(sys.executable).parent / "rag")
"""The installed ``rag`` command of the running interpreter's environment."""

QUESTION = "Who designated the cartels as foreign terrorist organizations?"
"""A corpus question with a known, cited answer (the README's example)."""

SIDE_KEYS = ["doc_id", "title", "outlet", "date", "paragraph", "quote", "start", "end", "stance"]
"""A conflict side's JSON keys, in order (``stance``: the pole on an assessment card, else null)."""

HOSTILE_DOC = """---
title: "Harbor Bridge <b>toll</b> memo"
outlet: "City Desk <i>Weekly</i>"
date: "2024-05-01"
reliability: "internal memo"
---
Harbor Bridge toll committee minutes

The Harbor Bridge toll committee voted to double the crossing fare for trucks <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> from the first of March.

Committee members said the *new* fare of $_4_ would pay for # repairs [5] and ${7*7} {{value}} upkeep of the bridge deck, which has not been resurfaced since 1998.
"""  # noqa: E501
"""A document whose title, outlet and text carry markup, scripts and template syntax."""


STATEMENT = """---
title: "Statement on the designation of cartels as Foreign Terrorist Organizations"
outlet: "State Department"
date: "2025-02-20"
url: "https://www.state.gov/releases/cartel-designations"
reliability: "official statement"
---
Statement on the designation of cartels as Foreign Terrorist Organizations

The Secretary of State designated eight cartels and transnational gangs as Foreign Terrorist Organizations on February 20, 2025.

The designations allow the United States to use sanctions and material-support prosecutions against anyone who helps these groups.
"""  # noqa: E501
"""An official statement with an outlet, a date and a dated sentence (the corpus has none)."""


def run_rag(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``rag ARGS`` as a user does, on the store in ``data_dir`` (plus ``env``)."""
    full_env = {**os.environ, "RAG_DATA_DIR": str(data_dir), **env}
    return subprocess.run(
        [RAG, *args], capture_output=True, text=True, env=full_env, timeout=300, check=False
    )


def assert_consistent(store: Store) -> None:
    """Every stored chunk belongs to a complete document; counts match; offsets round-trip."""
    records = store.doc_records()
    owners = store.chunk_owners()
    assert len(owners) == sum(r.n_chunks for r in records.values())
    for doc_id, rec in records.items():
        doc = store.get_document(doc_id)
        assert doc is not None
        mine = [c for c in store.live_chunks(records) if c.doc_id == doc_id]
        assert len(mine) == rec.n_chunks
        assert sorted(c.index for c in mine) == list(range(rec.n_chunks))
        for c in mine:
            assert doc.text[c.start : c.end] == c.text


def start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    """`chroma run` on 127.0.0.1:``port`` storing in ``path``; returns once it answers."""
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("chroma server did not start") from None
            time.sleep(0.3)


def user_prompt(body: dict[str, Any]) -> str:
    """The user message of a chat request the fake LLM server received."""
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def passage_number(body: dict[str, Any], needle: str) -> int:
    """Which [n] of the prompt's passages contains ``needle`` (as a model would see it)."""
    passages = user_prompt(body).split("<passages>", 1)[1].split("</passages>", 1)[0]
    for block in re.split(r"\n\n(?=\[\d+\] )", passages.strip()):
        if needle in block:
            match = re.match(r"\[(\d+)\]", block)
            assert match is not None
            return int(match.group(1))
    raise AssertionError(f"{needle!r} not in any passage")


def write_doc(path: Path, title: str, body: str, date: str = "") -> Path:
    """A text document with front matter (title, optional date), as a journalist adds one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    front = f'---\ntitle: "{title}"\n' + (f'date: "{date}"\n' if date else "") + "---\n"
    path.write_text(front + body + "\n", encoding="utf-8")
    return path


def corpus_services(root: Path, embeddings: Any) -> Any:
    """Services on the repo's corpus/, ingested into ``root`` (a module's read-only store)."""
    from rag.config import Settings
    from rag.services import build_services

    from .conftest import CORPUS

    services = build_services(Settings(data_dir=root / "data", corpus_dir=CORPUS), embeddings)
    services.ingestor.ingest([CORPUS])
    return services


def assert_quotes_exact(services: Any, answer: Any) -> None:
    """JSON quotes stay verbatim: each is the document's text at its offsets, inside its
    passage, in the paragraph it names."""
    for c in answer.citations:
        doc = services.store.get_document(c.doc_id)
        assert doc.text[c.start : c.end] == c.quote
        assert c.passage is not None
        assert c.passage.chunk.start <= c.start < c.end <= c.passage.chunk.end
        assert doc.paragraph_of(c.start) == c.paragraph


def write_outlet_doc(folder: Path, name: str, outlet: str, body: str) -> Path:
    """A markdown document from a named outlet (front matter: title, outlet)."""
    path = folder / f"{name}.md"
    front = f'---\ntitle: "{name}"\noutlet: "{outlet}"\n---\n'
    path.write_text(front + body + "\n", encoding="utf-8")
    return path


COURIER = "The Harbour Courier"


def strike_coverage(folder: Path, wires: list[str], courier: str) -> Path:
    """Wire copies of a dock strike (``wires``: one body each, "Wire Service i") and The
    Harbour Courier's own report (``courier``), as a folder to ingest: a question naming the
    Courier must find and quote it although the wires share more of its words."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, body in enumerate(wires):
        write_outlet_doc(folder, f"wire-{i}", f"Wire Service {i}", body)
    write_outlet_doc(folder, "courier", COURIER, courier)
    return folder
