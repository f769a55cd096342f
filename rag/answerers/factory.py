"""Choose the answerer by name in settings; LLM client packages are optional extras."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from rag.answerers.base import Answerer
from rag.answerers.chat import ChatAnswerer
from rag.answerers.extractive import ExtractiveAnswerer
from rag.config import Settings
from rag.embeddings import LocalEmbeddings

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"


def _missing(extra: str) -> ImportError:
    return ImportError(f"the '{extra}' answerer needs its client: pip install -e '.[{extra}]'")


def make_answerer(settings: Settings, embeddings: LocalEmbeddings) -> Answerer:
    match settings.answerer:
        case "extractive":
            return ExtractiveAnswerer(embeddings)
        case "ollama":
            try:
                from langchain_ollama import ChatOllama
            except ImportError as exc:
                raise _missing("ollama") from exc
            url = settings.llm_base_url or OLLAMA_DEFAULT_URL
            model: BaseChatModel = ChatOllama(
                model=settings.llm_model,
                base_url=url,
                temperature=0,
                client_kwargs={"timeout": settings.llm_timeout},
            )
            return ChatAnswerer(model, "ollama", url)
        case "openai":
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as exc:
                raise _missing("openai") from exc
            from pydantic import SecretStr

            openai_model: BaseChatModel = ChatOpenAI(
                model=settings.llm_model,
                base_url=settings.llm_base_url,
                api_key=SecretStr(settings.llm_api_key or "not-needed"),
                temperature=0,
                timeout=settings.llm_timeout,
                max_retries=1,
            )
            return ChatAnswerer(openai_model, "openai", settings.llm_base_url or "the OpenAI API")
    raise ValueError(f"unknown answerer {settings.answerer!r}")
