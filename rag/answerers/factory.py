"""Choose the answerer by name in settings: extractive (no LLM), or a chat model's answerer."""

from __future__ import annotations

from rag.answerers.base import Answerer
from rag.answerers.chat_models import chat_model_endpoint, make_chat_model
from rag.answerers.extractive import ExtractiveAnswerer
from rag.config import Settings
from rag.vector_cache import TextEmbedder


def make_answerer(settings: Settings, embeddings: TextEmbedder) -> Answerer:
    """The answerer ``settings.answerer`` names; its chat model comes from ``make_chat_model``.
    With a chat model and ``quotes_first``, the quotes come first and its answer under them."""
    model = make_chat_model(settings)
    quotes = ExtractiveAnswerer(
        embeddings, named_sources=settings.named_sources, base_passages=settings.k
    )
    if model is None:
        return quotes
    from rag.answerers.chat import ChatAnswerer  # langchain: only with a chat model (cold start)
    from rag.answerers.layered import QuotesThenWritten

    written = ChatAnswerer(model, settings.answerer, chat_model_endpoint(settings))
    return QuotesThenWritten(quotes, written) if settings.quotes_first else written
