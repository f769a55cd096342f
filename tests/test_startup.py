"""Fast start: a question on the ONNX backend never imports torch, and the app serves its page
while the model is still loading (a question asked meanwhile waits for it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from rag.config import Settings
from rag.embeddings import LocalEmbeddings, ModelUnavailable, default_model_path
from rag.onnx_export import cached_model_dir, onnx_name
from rag.ui.header import APP_TITLE

from .browser import free_port
from .conftest import ROOT
from .helpers import QUESTION

HEAVY = ("torch", "transformers", "sentence_transformers", "langchain_core", "gradio")

# Runs the real CLI in this process, then reports which heavy libraries it imported.
CLI_THEN_MODULES = f"""
import sys
from rag.cli import main
code = main(sys.argv[1:])
heavy = [m for m in {HEAVY!r} if m in sys.modules]
print("IMPORTED=" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def _with_export(embeddings: LocalEmbeddings, data_dir: Path) -> Path:
    """``data_dir`` holding a copy of the session's ONNX export (so nothing exports again)."""
    assert embeddings.backend == "onnx"
    source = embeddings.onnx_file.parent
    shutil.copytree(source, data_dir / "models" / source.name)
    return data_dir


@pytest.fixture
def onnx_store(tmp_path: Path, corpus_dir: Path, embeddings: LocalEmbeddings) -> Settings:
    """The corpus ingested with the ONNX embedder into a data dir that has its export."""
    from rag.services import build_services

    settings = Settings(data_dir=_with_export(embeddings, tmp_path / "data"), corpus_dir=corpus_dir)
    assert settings.embedding_backend == "onnx"  # the default
    assert build_services(settings, embeddings).ingestor.ingest([corpus_dir]).added == 5
    return settings


def _cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "RAG_DATA_DIR": str(settings.data_dir), **env}
    return subprocess.run(
        [sys.executable, "-c", CLI_THEN_MODULES, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _imported(result: subprocess.CompletedProcess[str]) -> list[str]:
    line = [x for x in result.stderr.splitlines() if x.startswith("IMPORTED=")][-1]
    return [m for m in line.removeprefix("IMPORTED=").split(",") if m]


def test_rag_ask_on_onnx_never_imports_torch(onnx_store: Settings) -> None:
    result = _cli(onnx_store, "ask", QUESTION)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "designated" in result.stdout
    assert "[^1]" in result.stdout
    assert _imported(result) == []
    # and the check sees torch when it is there: the torch backend imports it (and then
    # refuses the ONNX-embedded store, with the way out)
    torch_run = _cli(onnx_store, "ask", QUESTION, RAG_EMBEDDING_BACKEND="torch")
    assert torch_run.returncode == 1
    assert "re-ingest" in torch_run.stderr
    assert {"torch", "sentence_transformers"} <= set(_imported(torch_run))


def test_a_question_asked_while_the_model_loads_waits_for_it(
    onnx_store: Settings, embeddings: LocalEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.services import build_services

    expected = [
        p.chunk.chunk_id for p in build_services(onnx_store, embeddings).retriever.search(QUESTION)
    ]
    gate = threading.Event()
    load = LocalEmbeddings._load_onnx

    def held_load(self: LocalEmbeddings, *args: object) -> None:
        gate.wait(60)  # the load is held until the test lets it go
        load(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(LocalEmbeddings, "_load_onnx", held_load)
    loading = LocalEmbeddings.from_settings(onnx_store, background=True)
    services = build_services(onnx_store, loading)  # the app builds its page meanwhile
    assert not loading.ready
    found: list[list[str]] = []
    asker = threading.Thread(
        target=lambda: found.append([p.chunk.chunk_id for p in services.retriever.search(QUESTION)])
    )
    asker.start()
    asker.join(0.5)
    assert asker.is_alive()  # waiting for the model, not failing
    assert not found
    gate.set()
    asker.join(60)
    assert found == [expected]
    assert loading.ready


def test_a_model_that_fails_to_load_in_the_background_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "models"  # a cache whose export is broken
    folder = cached_model_dir(default_model_path(), broken, "int8")
    folder.mkdir(parents=True)
    (folder / onnx_name("int8")).write_bytes(b"not an onnx model")
    failing = LocalEmbeddings(backend="onnx", cache_dir=broken, background=True)
    with pytest.raises(ModelUnavailable, match="could not be loaded"):
        failing.embed_query(QUESTION)
    assert failing.ready
    with pytest.raises(ModelUnavailable, match="could not be loaded"):
        failing.count_tokens([QUESTION])  # every later call says so too


def test_the_app_serves_its_page_before_the_model_is_ready(tmp_path: Path) -> None:
    """A first start exports the ONNX model (torch, quantisation: many seconds); the page must
    not wait for that."""
    port = free_port()
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(tmp_path / "data"),  # no export yet
        "GRADIO_SERVER_PORT": str(port),
    }
    log_path = tmp_path / "app.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        page = _first_page(proc, f"http://127.0.0.1:{port}/", log_path)
        assert f'"title":"{APP_TITLE}"' in page  # the app's own page, not an error
        assert "models ready" not in log_path.read_text(errors="replace")
        deadline = time.monotonic() + 300
        while "models ready" not in log_path.read_text(errors="replace"):
            _still_running(proc, deadline, log_path)
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    exported = list((tmp_path / "data" / "models").iterdir())
    assert [p.name for p in exported[0].iterdir() if p.suffix == ".onnx"] == [onnx_name("int8")]


def _first_page(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> str:
    deadline = time.monotonic() + 120
    while True:
        _still_running(proc, deadline, log_path)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode("utf-8", "replace")
        except OSError:
            time.sleep(0.1)


def _still_running(proc: subprocess.Popen[bytes], deadline: float, log_path: Path) -> None:
    assert proc.poll() is None, log_path.read_text()
    assert time.monotonic() < deadline, log_path.read_text()


def test_the_ui_imports_gradio_without_rewriting_its_type_stubs(tmp_path: Path) -> None:
    """gradio regenerates its ``.pyi`` stubs on every import (1-2 s of each start); the app's
    import skips that, and the components still build a working page."""
    probe = (
        "import sys, time\n"
        "from rag.ui.gradio_import import stub_writing_skipped\n"
        "import rag.ui\n"
        "import gradio as gr\n"
        "with gr.Blocks() as demo:\n"
        "    box = gr.Textbox(label='Question')\n"
        "print('SKIPPED=' + str(stub_writing_skipped()))\n"
        "print('CONFIG=' + str(any(c.get('props', {}).get('label') == 'Question'"
        " for c in demo.get_config_file()['components'])))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "SKIPPED=True" in out.stdout
    assert "CONFIG=True" in out.stdout
    plain = subprocess.run(  # gradio imported on its own keeps its own behaviour
        [sys.executable, "-c", "import gradio.component_meta as m; print(m.create_or_modify_pyi)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "_skip_stubs" not in plain.stdout
    assert "create_or_modify_pyi" in plain.stdout
