"""The fake LLM server works with the real clients.

That is: openai, langchain-openai, ollama and langchain-ollama, sync and async.

Every test runs with the process's outbound connections guarded: anything but loopback is
refused and fails the test, and the environment variables that could redirect a client
(proxies, base URLs, tracing) are cleared.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from .fake_llm import FakeLLMServer, split_pieces

SCRIPT = "The council approved the budget on 4 March [1], but the mayor disputes it [2]."

_REDIRECTING_ENV = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "OPENAI_ORG_ID",
    "OPENAI_ORGANIZATION",
    "OPENAI_PROJECT_ID",
    "OLLAMA_HOST",
    "OLLAMA_API_KEY",
    "LANGSMITH_GATEWAY",
    "LANGSMITH_TRACING",
    "LANGSMITH_TRACING_V2",
    "LANGCHAIN_TRACING",
    "LANGCHAIN_TRACING_V2",
)
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuse (and fail on) any connection that is not to loopback."""
    for name in _REDIRECTING_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")

    violations: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def allowed(address: Any) -> bool:
        return not isinstance(address, tuple) or address[0] in _LOOPBACK

    def connect(self: socket.socket, address: Any) -> None:
        if not allowed(address):
            violations.append(address)
            raise ConnectionRefusedError(f"test tried to reach {address!r}")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not allowed(address):
            violations.append(address)
            return 111
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield violations
    assert violations == [], f"non-loopback connections attempted: {violations}"


def openai_client(server: FakeLLMServer, **kwargs: Any) -> openai.OpenAI:
    kwargs.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=server.base_url, api_key="test", **kwargs)


def chat_openai(server: FakeLLMServer, **kwargs: Any) -> Any:
    from langchain_openai import ChatOpenAI

    kwargs.setdefault("max_retries", 0)
    return ChatOpenAI(base_url=server.base_url, api_key="test", model=server.model, **kwargs)


def chat_ollama(server: FakeLLMServer, **kwargs: Any) -> Any:
    from langchain_ollama import ChatOllama

    return ChatOllama(base_url=server.root_url, model=server.model, **kwargs)


MESSAGES: list[Any] = [
    {"role": "system", "content": "Answer only from the sources."},
    {"role": "user", "content": "When was the budget approved?"},
]
LC_MESSAGES: list[Any] = [
    SystemMessage("Answer only from the sources."),
    HumanMessage("When was the budget approved?"),
]


# -- the server itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", " ", "word", SCRIPT, "  leading and trailing  \n", "Ünïcode — “quotes” 🙂\n\nnext"],
)
def test_split_pieces_is_lossless(text: str) -> None:
    pieces = split_pieces(text)
    assert "".join(pieces) == text
    assert all(len(p.strip()) <= 6 for p in pieces)


def test_urls_and_lifecycle() -> None:
    server = FakeLLMServer(["hello"], model="m1")
    with pytest.raises(RuntimeError):
        _ = server.base_url  # not started yet
    with server:
        assert server.root_url.startswith("http://127.0.0.1:")
        assert server.base_url == server.root_url + "/v1"
        with openai_client(server) as client:
            reply = client.chat.completions.create(model="m1", messages=MESSAGES)
        assert reply.choices[0].message.content == "hello"
        assert reply.model == "m1"
    # Stopped, the URL stays known but nothing answers there: an unreachable backend.
    with (
        openai_client(server) as client,
        pytest.raises(openai.APIConnectionError),
    ):
        client.chat.completions.create(model="m1", messages=MESSAGES)


def test_script_order_repeat_and_callables(fake_llm: FakeLLMServer) -> None:
    client = openai_client(fake_llm)

    def ask() -> str | None:
        return (
            client.chat.completions.create(model="m", messages=MESSAGES).choices[0].message.content
        )

    assert ask() == ""  # nothing scripted yet
    fake_llm.enqueue("one", "two")
    assert [ask(), ask(), ask()] == ["one", "two", "two"]  # the last reply repeats
    fake_llm.enqueue(lambda body: f"you said: {body['messages'][-1]['content']}")
    assert ask() == "you said: When was the budget approved?"


# -- openai ------------------------------------------------------------------------------------


def test_openai_non_streaming(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue(SCRIPT)
    client = openai_client(fake_llm)
    completion = client.chat.completions.create(model=fake_llm.model, messages=MESSAGES)
    assert completion.choices[0].message.content == SCRIPT
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0
    [request] = fake_llm.requests
    assert request["_path"] == "/v1/chat/completions"
    assert request["messages"] == MESSAGES
    assert request["model"] == fake_llm.model


@pytest.mark.parametrize("include_usage", [False, True])
def test_openai_streaming(fake_llm: FakeLLMServer, include_usage: bool) -> None:
    fake_llm.enqueue(SCRIPT)
    client = openai_client(fake_llm)
    stream = client.chat.completions.create(
        model=fake_llm.model,
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True} if include_usage else openai.omit,
    )
    chunks = list(stream)
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert "".join(pieces) == SCRIPT
    assert len(pieces) > 5
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop"
    assert all(f is None for f in finishes[:-1])
    usage = [c.usage for c in chunks if c.usage is not None]
    if include_usage:
        assert not chunks[-1].choices
        assert len(usage) == 1
        assert usage[0].total_tokens > 0
    else:
        assert usage == []
    assert fake_llm.requests[-1]["stream"] is True
    assert fake_llm.requests[-1]["messages"] == MESSAGES


def test_openai_models(fake_llm: FakeLLMServer) -> None:
    assert [m.id for m in openai_client(fake_llm).models.list()] == [fake_llm.model]
    assert fake_llm.hits == [("GET", "/v1/models")]
    assert fake_llm.requests == []  # no JSON body to record


def test_openai_errors_are_raised_without_retrying(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue(SCRIPT)
    fake_llm.fail_next(500)
    client = openai_client(fake_llm, max_retries=3)  # x-should-retry: false wins
    with pytest.raises(openai.InternalServerError) as raised:
        client.chat.completions.create(model=fake_llm.model, messages=MESSAGES)
    assert raised.value.status_code == 500
    assert "scripted failure" in str(raised.value)
    assert len(fake_llm.hits) == 1
    # The failure did not use up the scripted reply.
    reply = client.chat.completions.create(model=fake_llm.model, messages=MESSAGES)
    assert reply.choices[0].message.content == SCRIPT


def test_openai_errors_while_streaming_and_for_other_statuses(fake_llm: FakeLLMServer) -> None:
    fake_llm.fail_next(429, times=2)
    client = openai_client(fake_llm)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model=fake_llm.model, messages=MESSAGES, stream=True)
    with pytest.raises(openai.RateLimitError):
        client.models.list()


def test_openai_retryable_failure_is_retried_quickly(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue(SCRIPT)
    fake_llm.fail_next(503, times=2, retry=True)
    client = openai_client(fake_llm, max_retries=2)
    reply = client.chat.completions.create(model=fake_llm.model, messages=MESSAGES)
    assert reply.choices[0].message.content == SCRIPT
    assert len(fake_llm.chat_requests) == 3


# -- langchain-openai --------------------------------------------------------------------------


def test_chat_openai_invoke(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue(SCRIPT)
    message = chat_openai(fake_llm).invoke(LC_MESSAGES)
    assert message.content == SCRIPT
    [request] = fake_llm.requests
    assert request["_path"] == "/v1/chat/completions"
    assert request["messages"] == MESSAGES
    assert not request.get("stream")


@pytest.mark.parametrize("stream_usage", [False, True])
def test_chat_openai_stream(fake_llm: FakeLLMServer, stream_usage: bool) -> None:
    fake_llm.enqueue(SCRIPT)
    chunks = list(chat_openai(fake_llm, stream_usage=stream_usage).stream(LC_MESSAGES))
    assert "".join(c.content for c in chunks) == SCRIPT
    assert sum(1 for c in chunks if c.content) > 5
    assert fake_llm.requests[-1]["stream"] is True
    assert fake_llm.requests[-1]["messages"] == MESSAGES
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    if stream_usage:
        assert fake_llm.requests[-1]["stream_options"] == {"include_usage": True}
        assert usage
        assert usage[-1]["output_tokens"] > 0
    else:
        assert "stream_options" not in fake_llm.requests[-1]


def test_chat_openai_async(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue("first answer", SCRIPT)
    model = chat_openai(fake_llm)

    async def run() -> tuple[str, str]:
        first = await model.ainvoke(LC_MESSAGES)
        pieces = [chunk.content async for chunk in model.astream(LC_MESSAGES)]
        return first.content, "".join(pieces)

    assert asyncio.run(run()) == ("first answer", SCRIPT)


def test_chat_openai_raises_on_failure(fake_llm: FakeLLMServer) -> None:
    fake_llm.fail_next(500)
    with pytest.raises(openai.InternalServerError):
        chat_openai(fake_llm, max_retries=1).invoke(LC_MESSAGES)
    fake_llm.fail_next(502)
    with pytest.raises(openai.InternalServerError):
        list(chat_openai(fake_llm).stream(LC_MESSAGES))


# -- ollama ------------------------------------------------------------------------------------


def test_chat_ollama_invoke(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue(SCRIPT)
    message = chat_ollama(fake_llm).invoke(LC_MESSAGES)
    assert message.content == SCRIPT
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] > 0
    [request] = fake_llm.requests
    assert request["_path"] == "/api/chat"
    assert request["model"] == fake_llm.model
    assert [{"role": m["role"], "content": m["content"]} for m in request["messages"]] == MESSAGES
    assert request["stream"] is True  # ChatOllama streams even for invoke


def test_chat_ollama_stream(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue(SCRIPT)
    chunks = list(chat_ollama(fake_llm).stream(LC_MESSAGES))
    assert "".join(c.content for c in chunks) == SCRIPT
    assert sum(1 for c in chunks if c.content) > 5
    assert any(c.response_metadata.get("done_reason") == "stop" for c in chunks)
    assert fake_llm.requests[-1]["_path"] == "/api/chat"


def test_chat_ollama_async(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue(SCRIPT)
    model = chat_ollama(fake_llm)

    async def run() -> str:
        return "".join([chunk.content async for chunk in model.astream(LC_MESSAGES)])

    assert asyncio.run(run()) == SCRIPT


def test_chat_ollama_validates_model_against_tags(fake_llm: FakeLLMServer) -> None:
    fake_llm.enqueue(SCRIPT)
    assert chat_ollama(fake_llm, validate_model_on_init=True).invoke("hi").content == SCRIPT
    assert fake_llm.hits[0] == ("GET", "/api/tags")
    from langchain_ollama import ChatOllama

    with pytest.raises(ValueError, match="not found"):
        ChatOllama(base_url=fake_llm.root_url, model="other", validate_model_on_init=True)


def test_ollama_client_non_streaming_and_show(fake_llm: FakeLLMServer) -> None:
    import ollama

    fake_llm.enqueue(SCRIPT)
    client = ollama.Client(host=fake_llm.root_url)
    response = client.chat(model=fake_llm.model, messages=MESSAGES, stream=False)
    assert response.message.content == SCRIPT
    assert response.done
    assert response.done_reason == "stop"
    assert fake_llm.requests[-1]["stream"] is False
    assert client.show(fake_llm.model).capabilities == ["completion"]
    assert [m.model for m in client.list().models] == [f"{fake_llm.model}:latest"]


def test_chat_ollama_raises_on_failure(fake_llm: FakeLLMServer) -> None:
    import ollama

    fake_llm.enqueue(SCRIPT)
    fake_llm.fail_next(503)
    with pytest.raises(ollama.ResponseError) as raised:
        chat_ollama(fake_llm).invoke(LC_MESSAGES)
    assert raised.value.status_code == 503
    assert "scripted failure" in str(raised.value.error)
    assert chat_ollama(fake_llm).invoke(LC_MESSAGES).content == SCRIPT
