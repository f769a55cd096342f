"""Shared fixtures: the real model (loaded once), real Chroma in tmp_path, the real corpus."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings, apply_offline_environment

apply_offline_environment(os.environ)  # type: ignore[arg-type]

pytest_plugins = ["tests.fake_llm"]  # the ``fake_llm`` fixture, for any test that asks for it

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
OUTPUT = ROOT / "test-output"


@pytest.fixture(scope="session")
def embeddings(tmp_path_factory: pytest.TempPathFactory):
    """The default backend, as the app loads it (an ONNX export goes to a session folder)."""
    from rag.embeddings import LocalEmbeddings

    data_dir = tmp_path_factory.mktemp("model-cache")
    return LocalEmbeddings.from_settings(Settings(data_dir=data_dir))


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A private copy of the corpus, so tests can change, add and remove files."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus_dir)


@pytest.fixture
def services(settings: Settings, embeddings):
    from rag.services import build_services

    return build_services(settings, embeddings)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Screenshots and other artefacts a person should look at after a run."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium, one per test module (the browser tests' pages open in it)."""
    from tests.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def viewport() -> dict[str, int]:
    """The window size ``page_of`` opens pages at (a module may override it)."""
    from tests.browser import VIEWPORT

    return VIEWPORT


@pytest.fixture
def page_of(browser, viewport):
    """Open app pages in the module's browser, closed after the test."""
    from tests.browser import Requests, open_page

    pages: list[Any] = []
    default = viewport

    def open_(url: str, requests: Requests | None = None, viewport: dict[str, int] = default):
        page = open_page(browser, url, requests, viewport)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real ``chroma run`` server on a free local port, stopped after the test."""
    from tests.browser import free_port
    from tests.helpers import start_chroma

    port = free_port()
    proc = start_chroma(tmp_path / "server", port)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
