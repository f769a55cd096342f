"""Wire the parts together once per process: settings -> model -> store -> retriever/ingestor.

The model is loaded once and shared; the CLI, the app, the tests and the bench all build their
parts here, so they run the same code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rag import language
from rag.answerers import make_answerer, make_chat_model
from rag.citations import CitationChecker
from rag.config import Settings
from rag.conflicts import ConflictDetector, LLMJudge
from rag.conflicts.model_judge import ModelJudge
from rag.conflicts.sentence_model import SentenceJudge
from rag.embeddings import LocalEmbeddings
from rag.ingest import Ingestor
from rag.pipeline import Pipeline
from rag.retrieval import Retriever
from rag.sentence_vectors import SentenceVectorStore, StoredSentenceEmbeddings
from rag.store import Store, open_store
from rag.support import SupportScorer


@dataclass
class Services:
    settings: Settings
    embeddings: LocalEmbeddings
    sentences: StoredSentenceEmbeddings  # the model behind stored sentence vectors
    store: Store
    retriever: Retriever
    ingestor: Ingestor
    pipeline: Pipeline
    judge: ModelJudge | None = None

    def warm_up(self) -> float:
        """Wait for the embedder and load the sentence judge and the language identifier now,
        not at the first question or upload (the app runs this in a thread once its page is
        up). Seconds it took."""
        start = time.perf_counter()
        self.embeddings.wait_ready()
        if self.judge is not None:
            self.judge.load()
        language.load()
        return time.perf_counter() - start


def build_services(
    settings: Settings,
    embeddings: LocalEmbeddings | None = None,
    sentence_model: ModelJudge | None = None,
) -> Services:
    """Open the store (raises ``StoreUnavailable``) and load the model unless one is given;
    a ``sentence_model`` judge given is shared (a workspace's collections use one)."""
    store = open_store(settings)
    embeddings = embeddings or LocalEmbeddings.from_settings(settings)
    retriever = Retriever(store, embeddings, settings)
    # The sentence readers (answer, citations, conflicts) read the vectors made at ingest.
    sentences = StoredSentenceEmbeddings(
        embeddings, SentenceVectorStore(settings.sentence_vectors_dir, embeddings.signature)
    )
    answerer = make_answerer(settings, sentences)
    # With an LLM configured, the same kind of chat model also judges candidate disagreements.
    chat_model = make_chat_model(settings)
    judge = LLMJudge(chat_model) if chat_model is not None else None
    model = sentence_model
    if model is None and settings.conflict_judge == "model":
        model = sentence_judge(settings)
    pipeline = Pipeline(
        store,
        retriever,
        answerer,
        CitationChecker(SupportScorer(sentences, contradiction=model)),
        ConflictDetector(sentences, judge=judge, model=model),
    )
    return Services(
        settings=settings,
        embeddings=embeddings,
        sentences=sentences,
        store=store,
        retriever=retriever,
        ingestor=Ingestor(store, embeddings, settings),
        pipeline=pipeline,
        judge=model,
    )


def sentence_judge(settings: Settings) -> ModelJudge:
    """The trained judge, loaded when it is first asked (a cold ``rag ask`` that finds one
    source pays nothing) and shared by the conflict check and the citation check."""
    return ModelJudge(
        lambda: SentenceJudge(
            backend=settings.judge_backend,
            cache_dir=settings.model_cache_dir,
            threads=settings.judge_threads,
        )
    )
