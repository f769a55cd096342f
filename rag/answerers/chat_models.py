"""The one place a LangChain chat model is built from settings, for the answerer and the judge.

A new provider is one ``case`` here. Client packages are optional extras, imported lazily, and
a missing one is an ImportError that names the extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.config import Settings

if TYPE_CHECKING:  # langchain is imported only when a chat model is configured (cold start)
    from langchain_core.language_models import BaseChatModel

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"


def _missing(extra: str) -> ImportError:
    return ImportError(f"the '{extra}' answerer needs its client: pip install -e '.[{extra}]'")


def chat_model_endpoint(settings: Settings) -> str:
    """Where the configured chat model answers, for messages like "the ollama answerer at URL"."""
    if settings.answerer == "ollama":
        return settings.llm_base_url or OLLAMA_DEFAULT_URL
    return settings.llm_base_url or "the OpenAI API"


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model ``settings.answerer`` names (temperature 0), or None for "extractive"."""
    match settings.answerer:
        case "extractive":
            return None
        case "ollama":
            try:
                from langchain_ollama import ChatOllama
            except ImportError as exc:
                raise _missing("ollama") from exc
            return ChatOllama(
                model=settings.llm_model,
                base_url=chat_model_endpoint(settings),
                temperature=0,
                client_kwargs={"timeout": settings.llm_timeout},
            )
        case "openai":
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as exc:
                raise _missing("openai") from exc
            from pydantic import SecretStr

            return ChatOpenAI(
                model=settings.llm_model,
                base_url=settings.llm_base_url,
                api_key=SecretStr(settings.llm_api_key or "not-needed"),
                temperature=0,
                timeout=settings.llm_timeout,
                max_retries=1,
            )
    raise ValueError(f"unknown answerer {settings.answerer!r}")
