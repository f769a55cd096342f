"""One cold question, timed phase by phase, in a fresh process (run by ``bench/startup.py``).

``python -m bench.startup_probe ask QUESTION`` prints one JSON line: seconds spent importing our
code, importing the model's runtime (torch + sentence-transformers, or onnxruntime +
tokenizers), loading the embedder, building the services, loading the sentence judge and
answering; which heavy libraries ended up imported; peak RSS. ``load NAME`` loads only the
embedder the settings name (NAME labels the report) and embeds one question. Settings come from
``RAG_*`` as in the CLI, so the parent picks backend, data dir and collection through them.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import functools  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

HEAVY = ("torch", "transformers", "sentence_transformers", "langchain_core", "gradio", "bs4")
RUNTIMES = {
    "torch": ("torch", "sentence_transformers"),
    "onnx": ("onnxruntime", "tokenizers"),
}


class Phases:
    """Seconds per named step, in order."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def run(self, name: str, step: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = step()
        self.seconds[name] = round(time.perf_counter() - start, 4)
        return result


def _report(phases: Phases, **extra: Any) -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "phases": phases.seconds,
                "total": round(time.perf_counter() - STARTED, 4),
                "imported": [m for m in HEAVY if m in sys.modules],
                "peak_rss_mb": round(peak_mb, 1),
                **extra,
            }
        ),
        flush=True,
    )


def ask(question: str) -> None:
    from rag.config import Settings, apply_offline_environment

    apply_offline_environment(os.environ)  # type: ignore[arg-type]
    phases = Phases()
    phases.run("import rag", lambda: importlib.import_module("rag.services"))
    from rag.embeddings import LocalEmbeddings
    from rag.services import build_services

    settings = Settings()
    for module in RUNTIMES[settings.embedding_backend]:
        phases.run(f"import {module}", functools.partial(importlib.import_module, module))
    embeddings = phases.run("load embedder", lambda: LocalEmbeddings.from_settings(settings))
    services = phases.run("build services", lambda: build_services(settings, embeddings))
    if services.judge is not None:
        phases.run("load judge", services.judge.load)
    answer = phases.run("answer", lambda: services.pipeline.ask(question))
    _report(phases, backend=embeddings.flavour, sentences=len(answer.sentences))


def load(name: str) -> None:
    from rag.config import Settings, apply_offline_environment

    apply_offline_environment(os.environ)  # type: ignore[arg-type]
    phases = Phases()
    from rag.embeddings import LocalEmbeddings

    settings = Settings()
    embeddings = phases.run("load", lambda: LocalEmbeddings.from_settings(settings))
    phases.run("first query", lambda: embeddings.embed_query("Who designated the cartels?"))
    _report(phases, backend=embeddings.flavour, name=name)


if __name__ == "__main__":
    {"ask": ask, "load": load}[sys.argv[1]](sys.argv[2])
