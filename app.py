"""Start the web UI: ``python app.py`` (``make run`` ingests ``corpus/`` first).

Listens on 127.0.0.1 unless GRADIO_SERVER_NAME says otherwise; GRADIO_SERVER_PORT picks the
port (default 7860, or the next free one). Settings come from RAG_* environment variables;
RAG_AUTH / RAG_AUTH_FILE turn on a login for a shared deployment.
"""

from __future__ import annotations

import os

from rag.config import Settings, apply_offline_environment

# Before gradio is imported: no analytics, no hub look-ups.
apply_offline_environment(os.environ)  # type: ignore[arg-type]


def main() -> None:
    from rag.store import StoreUnavailable
    from rag.ui import build_ui, launch_kwargs
    from rag.workspace import Workspace

    settings = Settings()
    try:
        kwargs = launch_kwargs(settings)  # a bad RAG_AUTH / RAG_AUTH_FILE stops here, clearly
    except ValueError as exc:
        raise SystemExit(f"app.py: {exc}") from None
    workspace, services, error = None, None, None
    try:
        workspace = Workspace(settings)  # loads the model once, shared by collections
        services = workspace.services(settings.collection)
    except StoreUnavailable as exc:
        error = str(exc)  # the UI still starts and shows it
    ui = build_ui(services, startup_error=error, workspace=workspace if services else None)
    # Gradio reads GRADIO_SERVER_PORT itself; pass the host only when the user did not set one.
    host = None if os.environ.get("GRADIO_SERVER_NAME") else "127.0.0.1"
    ui.launch(server_name=host, **kwargs)


if __name__ == "__main__":
    main()
