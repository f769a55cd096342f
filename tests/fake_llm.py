"""A small, real HTTP server that plays an LLM backend for tests.

It speaks enough of two protocols for the real clients to work against it, over a real
socket on 127.0.0.1:

* OpenAI chat completions (``openai`` client, ``langchain_openai.ChatOpenAI``):
  ``POST /v1/chat/completions`` (JSON, or ``text/event-stream`` when ``"stream": true``)
  and ``GET /v1/models``.
* Ollama (``ollama`` client, ``langchain_ollama.ChatOllama``): ``POST /api/chat``
  (NDJSON when ``"stream"`` is true or absent, one JSON object when it is false),
  ``GET /api/tags``, ``POST /api/show``, ``GET /api/version``, ``GET /api/ps``.

Replies are scripted: ``enqueue("a", "b")`` makes the next two chat requests answer "a"
then "b"; once the script runs out the last reply is repeated ("" if there never was one).
A scripted reply may also be a callable taking the request body and returning the text.
Streamed replies are split into several small pieces that join back to the exact text.

``fail_next(status, times)`` makes the next request(s), of any kind, answer with an HTTP
error and a JSON error body in the protocol's own shape. By default the error carries
``x-should-retry: false`` so the openai client raises at once instead of retrying with
back-off; ``fail_next(..., retry=True)`` asks it to retry immediately instead.

Usage (the module is a pytest plugin, loaded by tests/conftest.py, so any test can take the
``fake_llm`` fixture without importing it)::

    def test_something(fake_llm):
        fake_llm.enqueue("Hello there.")
        model = ChatOpenAI(base_url=fake_llm.base_url, api_key="test", model=fake_llm.model)
        assert model.invoke("hi").content == "Hello there."
        assert fake_llm.requests[-1]["messages"][-1]["content"] == "hi"
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Reply = str | Callable[[dict[str, Any]], str]

_PIECE = re.compile(r"\s*\S{1,6}|\s+\Z")


def split_pieces(text: str) -> list[str]:
    """Split ``text`` into small pieces (at most six visible characters each) that join back
    to exactly ``text``."""
    pieces = _PIECE.findall(text)
    if "".join(pieces) != text:  # pragma: no cover - the pattern covers every string
        raise AssertionError(f"could not split {text!r} losslessly")
    return pieces


def _count_tokens(text: str) -> int:
    return len(text.split())


class FakeLLMServer:
    """An OpenAI- and Ollama-compatible chat server with scripted replies."""

    def __init__(self, replies: Sequence[Reply] | None = None, model: str = "fake-model") -> None:
        self.model = model
        self.piece_delay = 0.0
        """Seconds between streamed pieces (a real model's pace, so a UI can show drafts)."""
        self.requests: list[dict[str, Any]] = []
        """Every JSON request body received, with its path under ``"_path"``."""
        self.hits: list[tuple[str, str]] = []
        """Every request received, as ``(method, path)``, bodies or not."""
        self._script: list[Reply] = list(replies or [])
        self._last: Reply = ""
        self._failures: list[tuple[int, bool]] = []
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- control -------------------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Script the next replies, consumed one per chat request, in order."""
        with self._lock:
            self._script.extend(replies)

    def fail_next(self, status: int = 500, times: int = 1, *, retry: bool = False) -> None:
        """Make the next ``times`` requests answer HTTP ``status`` with a JSON error body.

        ``retry=False`` (default) sends ``x-should-retry: false``, so the openai client
        raises on the first failure whatever its ``max_retries``; ``retry=True`` sends
        ``x-should-retry: true`` and ``retry-after-ms: 1`` so it retries without back-off.
        """
        with self._lock:
            self._failures.extend([(status, retry)] * times)

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        """The recorded bodies of chat requests only (either protocol)."""
        return [r for r in self.requests if r["_path"] in _CHAT_PATHS]

    @property
    def port(self) -> int:
        """The port, once started (it stays known after ``stop()``, then pointing nowhere)."""
        if self._port is None:
            raise RuntimeError("FakeLLMServer has not been started")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` — what Ollama clients take as ``base_url``/``host``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` — what OpenAI clients take as ``base_url``."""
        return f"{self.root_url}/v1"

    def start(self) -> FakeLLMServer:
        if self._httpd is not None:
            return self
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-llm-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- used by the handler ---------------------------------------------------------------

    def _record(self, method: str, path: str, body: dict[str, Any] | None) -> None:
        with self._lock:
            self.hits.append((method, path))
            if body is not None:
                self.requests.append({**body, "_path": path})

    def _take_failure(self) -> tuple[int, bool] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _next_reply(self, body: dict[str, Any]) -> str:
        with self._lock:
            if self._script:
                self._last = self._script.pop(0)
            reply = self._last
        return reply(body) if callable(reply) else reply


_CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions", "/api/chat"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeLLMServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Drop idle keep-alive connections so their handler threads end."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up (mid-stream, or on stop()) is normal; anything else is loud.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output clean

    # -- plumbing ------------------------------------------------------------------------

    @property
    def fake(self) -> FakeLLMServer:
        return self.server.fake

    def _read_body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            return {"_raw": raw.decode("utf-8", "replace")}
        return body if isinstance(body, dict) else {"_json": body}

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_stream(self, content_type: str, frames: Iterator[bytes]) -> None:
        """Send ``frames`` with chunked transfer encoding, flushing each one."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for frame in frames:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/") or "/"

    def _dispatch(self, method: str) -> None:
        path = self._path()
        body = self._read_body() if method == "POST" else None
        self.fake._record(method, path, body)
        failure = self.fake._take_failure()
        if failure is not None:
            self._send_failure(path, *failure)
            return
        route = _ROUTES.get((method, path))
        if route is None:
            self._send_not_found(path)
            return
        route(self, body or {})

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_HEAD(self) -> None:  # noqa: N802 - Ollama's "is it up?" probe is a HEAD /
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_failure(self, path: str, status: int, retry: bool) -> None:
        message = f"fake LLM server: scripted failure (HTTP {status})"
        headers = (
            {"x-should-retry": "true", "retry-after-ms": "1"}
            if retry
            else {"x-should-retry": "false"}
        )
        if path.startswith("/api/"):
            self._send_json(status, {"error": message}, headers)
        else:
            error = {"message": message, "type": "server_error", "param": None, "code": None}
            self._send_json(status, {"error": error}, headers)

    def _send_not_found(self, path: str) -> None:
        message = f"fake LLM server: no route for {self.command} {path}"
        if path.startswith("/api/"):
            self._send_json(404, {"error": message})
        else:
            self._send_json(404, {"error": {"message": message, "type": "invalid_request_error"}})

    # -- OpenAI --------------------------------------------------------------------------

    def openai_models(self, body: dict[str, Any]) -> None:
        model = {"id": self.fake.model, "object": "model", "created": 0, "owned_by": "fake"}
        self._send_json(200, {"object": "list", "data": [model]})

    def openai_chat(self, body: dict[str, Any]) -> None:
        text = self.fake._next_reply(body)
        model = body.get("model") or self.fake.model
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        prompt_tokens = sum(
            _count_tokens(m["content"])
            for m in body.get("messages", [])
            if isinstance(m, dict) and isinstance(m.get("content"), str)
        )
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": _count_tokens(text),
            "total_tokens": prompt_tokens + _count_tokens(text),
        }
        if not body.get("stream"):
            self._send_json(
                200,
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text, "refusal": None},
                            "logprobs": None,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                    "system_fingerprint": "fp_fake",
                },
            )
            return

        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            payload: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [
                    {
                        "index": 0,
                        "delta": delta,
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
            }
            if include_usage:
                payload["usage"] = None
            return payload

        def frames() -> Iterator[bytes]:
            def sse(payload: Any) -> bytes:
                return b"data: " + json.dumps(payload).encode() + b"\n\n"

            yield sse(chunk({"role": "assistant", "content": ""}))
            for piece in split_pieces(text):
                time.sleep(self.fake.piece_delay)
                yield sse(chunk({"content": piece}))
            yield sse(chunk({}, "stop"))
            if include_usage:
                last = chunk({})
                last["choices"] = []
                last["usage"] = usage
                yield sse(last)
            yield b"data: [DONE]\n\n"

        self._send_stream("text/event-stream; charset=utf-8", frames())

    # -- Ollama --------------------------------------------------------------------------

    def _ollama_model_entry(self) -> dict[str, Any]:
        model = self.fake.model if ":" in self.fake.model else f"{self.fake.model}:latest"
        return {
            "name": model,
            "model": model,
            "modified_at": "2024-01-01T00:00:00Z",
            "size": 1,
            "digest": "0" * 64,
            "details": _OLLAMA_DETAILS,
        }

    def ollama_tags(self, body: dict[str, Any]) -> None:
        self._send_json(200, {"models": [self._ollama_model_entry()]})

    def ollama_ps(self, body: dict[str, Any]) -> None:
        entry = {**self._ollama_model_entry(), "expires_at": "2999-01-01T00:00:00Z"}
        self._send_json(200, {"models": [{**entry, "size_vram": 0}]})

    def ollama_version(self, body: dict[str, Any]) -> None:
        self._send_json(200, {"version": "0.0.0-fake"})

    def ollama_show(self, body: dict[str, Any]) -> None:
        self._send_json(
            200,
            {
                "modelfile": f"FROM {self.fake.model}",
                "parameters": "",
                "template": "{{ .Prompt }}",
                "details": _OLLAMA_DETAILS,
                "model_info": {"general.architecture": "fake"},
                "capabilities": ["completion"],
                "modified_at": "2024-01-01T00:00:00Z",
            },
        )

    def ollama_chat(self, body: dict[str, Any]) -> None:
        text = self.fake._next_reply(body)
        model = body.get("model") or self.fake.model
        prompt_tokens = sum(
            _count_tokens(m["content"])
            for m in body.get("messages", [])
            if isinstance(m, dict) and isinstance(m.get("content"), str)
        )

        def stamp() -> str:
            return datetime.now(UTC).isoformat().replace("+00:00", "Z")

        final: dict[str, Any] = {
            "model": model,
            "created_at": stamp(),
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1_000_000,
            "load_duration": 1_000,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 1_000,
            "eval_count": _count_tokens(text),
            "eval_duration": 1_000,
        }
        # Ollama streams unless told "stream": false (the ollama client always says which).
        if body.get("stream") is False:
            self._send_json(200, {**final, "message": {"role": "assistant", "content": text}})
            return

        def frames() -> Iterator[bytes]:
            for piece in split_pieces(text):
                line = {
                    "model": model,
                    "created_at": stamp(),
                    "message": {"role": "assistant", "content": piece},
                    "done": False,
                }
                yield json.dumps(line).encode() + b"\n"
            yield json.dumps({**final, "created_at": stamp()}).encode() + b"\n"

        self._send_stream("application/x-ndjson", frames())


_OLLAMA_DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "fake",
    "families": ["fake"],
    "parameter_size": "1B",
    "quantization_level": "Q4_0",
}

_ROUTES: dict[tuple[str, str], Callable[[_Handler, dict[str, Any]], None]] = {
    ("GET", "/v1/models"): _Handler.openai_models,
    ("GET", "/models"): _Handler.openai_models,
    ("POST", "/v1/chat/completions"): _Handler.openai_chat,
    ("POST", "/chat/completions"): _Handler.openai_chat,
    ("GET", "/api/tags"): _Handler.ollama_tags,
    ("GET", "/api/ps"): _Handler.ollama_ps,
    ("GET", "/api/version"): _Handler.ollama_version,
    ("POST", "/api/show"): _Handler.ollama_show,
    ("POST", "/api/chat"): _Handler.ollama_chat,
}


@pytest.fixture(name="fake_llm")
def fake_llm_fixture() -> Iterator[FakeLLMServer]:
    """A started :class:`FakeLLMServer` on 127.0.0.1 (fixture ``fake_llm``), stopped after.

    Named ``fake_llm_fixture`` in Python so that tests importing this module's helpers do not
    shadow the fixture name ``fake_llm`` (ruff F811 at every test taking it as a parameter).
    """
    with FakeLLMServer() as server:
        yield server
