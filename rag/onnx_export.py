"""Export the local sentence-transformers model to ONNX (fp32 or int8) once, offline; cache it.

Why by hand rather than sentence-transformers' ``backend="onnx"``: that path needs optimum-onnx,
whose releases require transformers < 4.58 while this project pins transformers 5. The recipe
is the one optimum runs: trace the encoder to ONNX with torch, then quantise the weights to int8
dynamically (per channel, 7-bit range so AVX2 CPUs without VNNI do not saturate; ONNX Runtime
fuses the graph itself when it loads it). No data and no network are needed. Fusing attention
ahead of quantising (ORT's BERT optimizer) was tried: no faster here, and it cost accuracy
(cosine to torch down to 0.979 on a corpus sentence, against 0.986 without). fp32 is the trace
itself, unquantised: the torch model's vectors (cosine 1.0000), the default since
``bench/startup.py`` compared the two.

The cache key is a hash of the model's weights and config plus the recipe version, so a new
model or recipe gets a new file. A first export is written to a temp folder and renamed into
place, so two processes (or threads) exporting at once never leave a half-written model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

Precision = Literal["int8", "fp32"]
TRACE = "v1:eager-trace-opset17"
RECIPES: dict[str, str] = {
    "int8": f"{TRACE}:dynamic-qint8-per-channel-reduce-range",
    "fp32": f"{TRACE}:fp32",
}
RECIPE = RECIPES["int8"]
ONNX_NAME = "model_int8.onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_lock = threading.Lock()


def onnx_name(precision: Precision) -> str:
    return f"model_{precision}.onnx"


def cache_key(model_path: Path, precision: Precision = "fp32") -> str:
    """Hash of what determines the exported file: weights, config, recipe."""
    digest = hashlib.sha256(RECIPES[precision].encode())
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = model_path / name
        if path.exists():
            digest.update(name.encode())
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def cached_model_dir(model_path: Path, cache_dir: Path, precision: Precision = "fp32") -> Path:
    key = cache_key(model_path, precision)
    return Path(cache_dir) / f"{model_path.name}-onnx-{precision}-{key}"


def ensure_onnx_model(model_path: Path, cache_dir: Path, precision: Precision = "fp32") -> Path:
    """The cached ONNX file for ``model_path``, exported first if it is not there yet."""
    return export_once(
        cached_model_dir(model_path, cache_dir, precision),
        onnx_name(precision),
        lambda work: _export(model_path, work, precision),
    )


def export_once(target: Path, name: str, export: Callable[[Path], None]) -> Path:
    """``target/name``, made first by ``export(work_dir)`` in a temp folder renamed into place,
    so two processes (or threads) exporting at once never leave a half-written model."""
    out = target / name
    if out.exists():
        return out
    with _lock:
        if out.exists():
            return out
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
        try:
            export(work)
            try:
                os.rename(work, target)
            except OSError:  # another process finished first: its file is the same
                if not out.exists():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out


def _export(model_path: Path, out: Path, precision: Precision) -> None:
    """fp32 trace (-> int8 weights), inside ``out``."""
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    # Eager attention traces to plain ops (the sdpa path bakes shape checks into the trace).
    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager")
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    sample = tokenizer(
        ["a short one", "a somewhat longer sample sentence"], return_tensors="pt", padding=True
    )
    names = [n for n in _INPUTS if n in sample]

    class Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    fp32 = out / "model_fp32.onnx"
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(model),
            tuple(sample[n] for n in names),
            str(fp32),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    if precision == "int8":
        logging.disable(logging.WARNING)  # ORT advises "pre-processing" on the root logger
        try:
            quantize_dynamic(
                str(fp32),
                str(out / onnx_name(precision)),
                per_channel=True,
                reduce_range=True,
                weight_type=QuantType.QInt8,
            )
        finally:
            logging.disable(logging.NOTSET)
        fp32.unlink()
    (out / "export.json").write_text(
        json.dumps({"source": str(model_path), "recipe": RECIPES[precision]}, indent=2),
        encoding="utf-8",
    )
