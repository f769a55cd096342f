"""Opening Chroma: an embedded ``PersistentClient`` or an ``HttpClient`` by settings.

Chroma's own client is the seam, so this is all that differs between a laptop and a team
server: where the client points, and a clear ``StoreUnavailable`` (instead of an ``httpx``
traceback) while a server is down.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

import chromadb
import httpx
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from rag.config import Settings

COSINE: Any = {"hnsw": {"space": "cosine"}}


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached (or the embedded store cannot be opened)."""


def server_address(settings: Settings) -> str:
    scheme = "https" if settings.chroma_ssl else "http"
    return f"{scheme}://{settings.chroma_host}:{settings.chroma_port}"


def connect(settings: Settings) -> ClientAPI:
    """A Chroma client for the configured location; telemetry always off."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.uses_chroma_server:
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    where = server_address(settings)
    try:
        client = chromadb.HttpClient(
            host=str(settings.chroma_host),
            port=settings.chroma_port,
            ssl=settings.chroma_ssl,
            settings=chroma_settings,
        )
        client.heartbeat()
    except Exception as exc:  # the client raises several types for a dead server
        raise StoreUnavailable(f"cannot reach the Chroma server at {where} ({exc})") from exc
    return client


def unreachable(where: str, exc: Exception) -> StoreUnavailable:
    """The error for a server that went away mid-session: it says that waiting is enough."""
    return StoreUnavailable(
        f"the Chroma server at {where} is not answering ({exc}); "
        "try again when it is back, no restart needed"
    )


class _Guarded:
    """A collection whose calls raise ``StoreUnavailable`` while its server is unreachable.

    Why a wrapper and not a reconnect loop: the HTTP client opens a new connection on the next
    call by itself, so a server that comes back (same path) is used again at once; all that is
    missing is a clear error meanwhile instead of an ``httpx`` traceback.
    """

    def __init__(self, collection: Collection, where: str) -> None:
        self._collection = collection
        self._where = where

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except httpx.TransportError as exc:
                raise unreachable(self._where, exc) from exc

        return call


def open_collection(client: ClientAPI, name: str, where: str | None) -> Collection:
    """``get_or_create`` a cosine collection; guarded when it lives on a server."""
    make: Callable[[], Collection] = functools.partial(
        client.get_or_create_collection, name, configuration=COSINE, embedding_function=None
    )
    if where is None:
        return make()
    try:
        return cast(Collection, _Guarded(make(), where))
    except httpx.TransportError as exc:
        raise unreachable(where, exc) from exc
