"""One chat-model factory for the answerer and the conflict judge, over a real HTTP server."""

from __future__ import annotations

import pytest

from rag.answerers import make_chat_model
from rag.config import Settings

from .fake_llm import FakeLLMServer


def test_extractive_has_no_chat_model(tmp_path) -> None:
    assert make_chat_model(Settings(data_dir=tmp_path)) is None


@pytest.mark.parametrize("answerer", ["openai", "ollama"])
def test_chat_model_talks_to_the_configured_server(
    tmp_path, fake_llm: FakeLLMServer, answerer: str
) -> None:
    url = fake_llm.base_url if answerer == "openai" else fake_llm.root_url
    settings = Settings(
        data_dir=tmp_path, answerer=answerer, llm_base_url=url, llm_model=fake_llm.model
    )
    fake_llm.enqueue("Hello there.")
    model = make_chat_model(settings)
    assert model is not None
    assert model.invoke("hi").content == "Hello there."
    path = "/v1/chat/completions" if answerer == "openai" else "/api/chat"
    assert fake_llm.chat_requests[-1]["_path"] == path
    assert fake_llm.chat_requests[-1]["model"] == fake_llm.model
