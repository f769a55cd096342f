"""What every tab's handlers need from outside the page: the services of each collection.

One object built by ``build_ui`` and handed to each tab, instead of handlers closing over the
arguments of one long function. The UI stays presentation only: it asks these services and
renders what they return.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rag.config import Settings
from rag.library import Library
from rag.services import Services
from rag.store import StoreUnavailable
from rag.workspace import Workspace

NO_STORE = "The document store is not available."


def _exports_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="rag-exports-"))


@dataclass
class UIContext:
    """The app's services; ``services`` is None when the store could not be opened.

    With a ``workspace`` the page offers every collection in it; ``services`` is the one shown
    first (``default_collection``). Exported answers and audit files go under ``exports``.
    """

    services: Services | None
    workspace: Workspace | None = None
    startup_error: str | None = None
    exports: Path = field(default_factory=_exports_dir)

    @property
    def settings(self) -> Settings | None:
        return self.services.settings if self.services is not None else None

    @property
    def default_collection(self) -> str:
        return self.settings.collection if self.settings is not None else ""

    @property
    def condenses(self) -> bool:
        """Whether the answerer rewrites follow-ups with the conversation (an LLM does)."""
        return bool(self.services and self.services.pipeline.answerer.condenses_followups)

    @property
    def concurrency(self) -> int:
        """How many events run at once (Gradio's default of one would queue a newsroom)."""
        return self.settings.ui_concurrency if self.settings is not None else 1

    def services_for(self, collection: str) -> Services:
        """The services of ``collection``; ``StoreUnavailable`` when the store is not open."""
        if self.services is None:
            raise StoreUnavailable(self.startup_error or NO_STORE)
        if self.workspace is None or not collection or collection == self.default_collection:
            return self.services
        return self.workspace.services(collection)

    def model_ready(self, collection: str) -> bool:
        """Whether a question would start at once (the app loads the model in the background)."""
        try:
            return self.services_for(collection).embeddings.ready
        except Exception:  # the question itself will report what is wrong
            return True

    def library_for(self, collection: str) -> Library:
        return Library(self.services_for(collection))
