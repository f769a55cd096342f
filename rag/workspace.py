"""Collections: one per investigation, each with its own documents, index and uploads.

The embedding model is the expensive part (hundreds of MB), so a workspace loads it once and
shares it; each collection's services (store, retriever, pipeline) are built the first time it
is opened and kept. A question is always asked of one collection's pipeline, so cases never mix.
"""

from __future__ import annotations

import re
import threading

from rag.config import Settings
from rag.embeddings import LocalEmbeddings
from rag.services import Services, build_services, sentence_judge
from rag.store import DOCS_SUFFIX, connect

# Chroma's rule for collection names, minus the suffix our document collections use.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$")
NAME_RULE = (
    "3-63 characters: letters, digits, '.', '_' or '-', starting and ending with a letter or digit"
)


def check_name(name: str) -> str:
    """The name, stripped, if it can name a collection; ``ValueError`` with the rule if not."""
    name = name.strip()
    if not _NAME.match(name) or ".." in name:
        raise ValueError(f"a collection name is {NAME_RULE}, got {name!r}")
    if name.endswith(DOCS_SUFFIX):
        raise ValueError(f"a collection name cannot end in '{DOCS_SUFFIX}' (used internally)")
    return name


class Workspace:
    """Every collection under one data dir (or Chroma server), sharing one model."""

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or LocalEmbeddings.from_settings(settings)
        # One sentence judge too (loaded at first use), whichever collection asks.
        self.judge = sentence_judge(settings) if settings.conflict_judge == "model" else None
        self._open: dict[str, Services] = {}
        self._lock = threading.Lock()

    @property
    def default(self) -> str:
        """The collection named by the settings (RAG_COLLECTION): the one opened first."""
        return self.settings.collection

    def collections(self) -> list[str]:
        """Names of the collections that exist, and the default one even when still empty."""
        client = connect(self.settings)
        names = {c.name for c in client.list_collections()}
        found = {n for n in names if not n.endswith(DOCS_SUFFIX) and n + DOCS_SUFFIX in names}
        return sorted(found | {self.default} | set(self._open), key=str.casefold)

    def services(self, name: str) -> Services:
        """The parts for collection ``name``, built once. ``KeyError`` for an unknown name
        (a typo must not silently start an empty investigation: use ``create``)."""
        with self._lock:
            if name in self._open:
                return self._open[name]
        if name not in self.collections():
            raise KeyError(f"no collection named {name!r}")
        return self._build(name)

    def create(self, name: str) -> Services:
        """Start a new, empty collection. ``ValueError`` for an invalid or taken name."""
        name = check_name(name)
        if name.casefold() in {n.casefold() for n in self.collections()}:
            raise ValueError(f"a collection named {name!r} already exists")
        return self._build(name)

    def _build(self, name: str) -> Services:
        with self._lock:
            if name not in self._open:
                settings = self.settings.model_copy(update={"collection": name})
                self._open[name] = build_services(settings, self.embeddings, self.judge)
            return self._open[name]
