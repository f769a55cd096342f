"""Choose the answerer by name in settings: extractive (no LLM), or a chat model's answerer."""

from __future__ import annotations

from rag.answerers.base import Answerer
from rag.answerers.chat_models import chat_model_endpoint, make_chat_model
from rag.answerers.extractive import ExtractiveAnswerer
from rag.config import Settings
from rag.embeddings import LocalEmbeddings


def make_answerer(settings: Settings, embeddings: LocalEmbeddings) -> Answerer:
    """The answerer ``settings.answerer`` names; its chat model comes from ``make_chat_model``."""
    model = make_chat_model(settings)
    if model is None:
        return ExtractiveAnswerer(embeddings)
    from rag.answerers.chat import ChatAnswerer  # langchain: only with a chat model (cold start)

    return ChatAnswerer(model, settings.answerer, chat_model_endpoint(settings))
