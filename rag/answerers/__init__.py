"""Who writes the answer: the extractive default (no LLM) or any LangChain chat model."""

from rag.answerers.base import NO_ANSWER, Answerer, BackendUnavailable
from rag.answerers.chat_models import make_chat_model
from rag.answerers.factory import make_answerer

__all__ = ["NO_ANSWER", "Answerer", "BackendUnavailable", "make_answerer", "make_chat_model"]
