"""Start the web UI: ``python app.py`` (``make run`` ingests ``corpus/`` first).

Listens on 127.0.0.1 unless GRADIO_SERVER_NAME says otherwise; GRADIO_SERVER_PORT picks the
port (default 7860, or the next free one). Settings come from RAG_* environment variables;
RAG_AUTH / RAG_AUTH_FILE turn on a login for a shared deployment.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TYPE_CHECKING

from rag.config import Settings, apply_offline_environment

if TYPE_CHECKING:
    from rag.services import Services

# Before gradio is imported: no analytics, no hub look-ups.
apply_offline_environment(os.environ)  # type: ignore[arg-type]
STARTED = time.perf_counter()


def main() -> None:
    settings = Settings()
    # The model loads in a thread from here on, while gradio is imported and the page built:
    # the page is served before the model is ready, and a question asked meanwhile waits for it.
    from rag.embeddings import LocalEmbeddings

    embeddings = LocalEmbeddings.from_settings(settings, background=True)

    from rag.store import StoreUnavailable
    from rag.ui import build_ui, launch_kwargs
    from rag.workspace import Workspace

    try:
        kwargs = launch_kwargs(settings)  # a bad RAG_AUTH / RAG_AUTH_FILE stops here, clearly
    except ValueError as exc:
        raise SystemExit(f"app.py: {exc}") from None
    workspace, services, error = None, None, None
    try:
        workspace = Workspace(settings, embeddings)  # one model, shared by collections
        services = workspace.services(settings.collection)
    except StoreUnavailable as exc:
        error = str(exc)  # the UI still starts and shows it
    ui = build_ui(services, startup_error=error, workspace=workspace if services else None)
    if services is not None:  # the sentence judge too, before the first question needs it
        threading.Thread(target=_warm_up, args=(services,), daemon=True).start()
    # Gradio reads GRADIO_SERVER_PORT itself; pass the host only when the user did not set one.
    host = None if os.environ.get("GRADIO_SERVER_NAME") else "127.0.0.1"
    ui.launch(server_name=host, **kwargs)


def _warm_up(services: Services) -> None:
    """Load the models in the background; one line on stderr when they are ready (or not)."""
    try:
        services.warm_up()
    except Exception as exc:  # every question will say so too
        print(f"app.py: the model could not be loaded: {exc}", file=sys.stderr, flush=True)
        return
    seconds = time.perf_counter() - STARTED
    print(f"app.py: models ready, {seconds:.1f} s after start", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
