"""Rehearses a `headroom train-demo` run on the GPU machine, in minutes instead of the CPU's hour and a half.

The data are the run's own batches, written by `TrainingSetExport --steps` (dev.headroom.train.TrainingSteps: the same
seed, curriculum, task generators, tokenizer and batch sizes as DemoTrainer). The model is transformers'
LlamaForCausalLM built from the exported config.json (the architecture headroom loads), trained in fp32 with
DemoTrainer's loss weights (each sequence's answer tokens share 1/rows, the other tokens share --lm-weight), AdamW
(0.9, 0.95, weight decay 0.01 on every tensor), linear warm-up over min(30, steps/10) steps then cosine decay to 10%,
gradient clipping at 1, and the same stochastic local layers. Only the initial weights and the random draws of the
local steps differ. It logs per-task answer accuracy and teacher-forced held-out exact match, and writes
model.safetensors (float32, Hugging Face names) that headroom loads like any checkpoint.

    python3 rehearse_train_demo.py --data DIR --out DIR [--minutes M] [--lr LR] [--rope-theta T] [--local-prob P]
"""
import argparse, json, math, os, shutil, struct, time

import numpy as np
import torch
import torch.nn.functional as F
from transformers import AttentionInterface, LlamaConfig, LlamaForCausalLM
from transformers.integrations.sdpa_attention import sdpa_attention_forward

from sink_window import additive_mask

try:
    from transformers import AttentionMaskInterface
    from transformers.masking_utils import sdpa_mask
    AttentionMaskInterface.register("headroom", sdpa_mask)
except ImportError:      # older transformers pick the mask by a fixed table
    pass

# Stochastic local layers: with probability LOCAL["prob"] a training batch runs the listed layers with a sink +
# sliding window (headroom's rule: key j is visible from query i when j <= i and (j < sink or i - j < window)).
# The model is still a plain Llama and is evaluated and exported with full attention everywhere.
LOCAL = {"on": False, "layers": set(), "sink": 4, "window": 16}


def headroom_attention(module, query, key, value, attention_mask, **kwargs):
    if LOCAL["on"] and module.layer_idx in LOCAL["layers"]:
        LOCAL["calls"] = LOCAL.get("calls", 0) + 1
        attention_mask = additive_mask(query.shape[-2], key.shape[-2], LOCAL["sink"], LOCAL["window"], query.device, query.dtype)
        kwargs.pop("is_causal", None)
        return sdpa_attention_forward(module, query, key, value, attention_mask, is_causal=False, **kwargs)
    return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)


AttentionInterface.register("headroom", headroom_attention)

TASKS = ["passkey", "niah_single", "niah_multikey", "variable_tracking", "mqar", "copy"]


def read_sequences(path):
    data = open(path, "rb").read()
    out, off = [], 0
    while off < len(data):
        (n,) = struct.unpack_from("<i", data, off); off += 4
        inp = np.frombuffer(data, dtype="<u2", count=n, offset=off); off += 2 * n
        tgt = np.frombuffer(data, dtype="<u2", count=n, offset=off); off += 2 * n
        flags = np.frombuffer(data, dtype=np.uint8, count=n, offset=off); off += n
        (length,) = struct.unpack_from("<i", data, off); off += 4
        task = data[off]; off += 1
        out.append((inp.astype(np.int64), tgt.astype(np.int64), flags.copy(), length, TASKS[task]))
    return out


def step_batches(seqs, steps_file):
    """train-demo's own batches (TrainingSetExport --steps): consecutive groups, as many as train.steps says."""
    rows = np.frombuffer(open(steps_file, "rb").read(), dtype="<i4")
    out, at = [], 0
    for r in rows:
        out.append(seqs[at:at + int(r)]); at += int(r)
    return out


def collate_per_sequence(group, dev, lm_weight):
    """DemoTrainer.Batch's weights: each sequence's answer tokens share 1/rows; other tokens share lm_weight."""
    n = max(len(s[0]) for s in group)
    inp = torch.full((len(group), n), 3, dtype=torch.long)
    tgt = torch.full((len(group), n), 3, dtype=torch.long)
    ans = torch.zeros((len(group), n)); lm = torch.zeros((len(group), n))
    for i, (a, b, f, _, _) in enumerate(group):
        inp[i, :len(a)] = torch.from_numpy(a); tgt[i, :len(b)] = torch.from_numpy(b)
        ff = torch.from_numpy(f.astype(np.int64))
        fa = (ff & 1).float(); fl = ((ff >> 1) & 1).float() * (1 - fa)
        ans[i, :len(a)] = fa / fa.sum().clamp(min=1) / len(group)
        lm[i, :len(a)] = fl
    wt = ans + lm_weight * lm / lm.sum().clamp(min=1)
    return inp.to(dev), tgt.to(dev), wt.to(dev), (ans > 0).to(dev)


@torch.no_grad()
def evaluate(model, seqs, dev, local=False):
    """Teacher-forced exact match of every answer token, per task and length, with full attention (or local layers)."""
    LOCAL["on"] = local
    model.eval()
    res = {}
    for a, b, f, length, task in seqs:
        x = torch.from_numpy(a).unsqueeze(0).to(dev)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            pred = model(x).logits[0].argmax(-1).cpu().numpy()
        ans = (f & 1) == 1
        ok = bool((pred[ans] == b[ans]).all())
        r = res.setdefault((task, length), [0, 0]); r[0] += ok; r[1] += 1
    model.train()
    return {f"{t}@{l}": round(c / n, 3) for (t, l), (c, n) in sorted(res.items())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="TrainingSetExport --steps output (train.bin, train.steps, held_out.bin)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=8.0, help="stop after this many minutes (the schedule spans the steps)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lm-weight", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0, help="torch seed: initial weights and local-step draws")
    ap.add_argument("--rope-theta", type=float, help="override rope_theta of the exported config.json")
    ap.add_argument("--config", default="", help="other config.json overrides, key=int;key=int (e.g. num_attention_heads=4;head_dim=32)")
    ap.add_argument("--local-prob", type=float, default=0.0, help="share of steps run with local layers")
    ap.add_argument("--local-layers", default="0,1", help="layers that go local in those steps")
    ap.add_argument("--local-sink", type=int, default=4)
    ap.add_argument("--local-window", type=int, default=16)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    dev = "cuda"
    cfg = json.load(open(os.path.join(args.data, "config.json")))
    if args.rope_theta: cfg["rope_theta"] = args.rope_theta
    for kv in filter(None, args.config.split(";")):
        k, v = kv.split("="); cfg[k] = int(v)
    os.makedirs(args.out, exist_ok=True)
    json.dump(cfg, open(os.path.join(args.out, "headroom_config.json"), "w"), indent=2)
    shutil.copy(os.path.join(args.data, "tokenizer.json"), os.path.join(args.out, "tokenizer.json"))
    config = LlamaConfig(**{k: v for k, v in cfg.items() if k not in ("architectures", "torch_dtype")})
    model = LlamaForCausalLM(config).to(dev)
    LOCAL.update(layers={int(x) for x in args.local_layers.split(",") if x}, sink=args.local_sink, window=args.local_window)
    if args.local_prob > 0:
        # same weights through transformers' sdpa and through headroom_attention with the local layers off
        x = torch.randint(6, cfg["vocab_size"], (2, 64), device=dev)
        with torch.no_grad():
            ref = model(x).logits
            if hasattr(model, "set_attn_implementation"):
                model.set_attn_implementation("headroom")
            else:
                model.config._attn_implementation = "headroom"
            got = model(x).logits
            LOCAL["on"] = True; loc = model(x).logits; LOCAL["on"] = False
        print(f"headroom attention check: max |diff| {float((got - ref).abs().max()):.2e}, local changes logits by "
              f"{float((loc - ref).abs().max()):.2e}", flush=True)
        assert float((got - ref).abs().max()) < 1e-4 and LOCAL["calls"] == len(LOCAL["layers"])
    local_rng = np.random.default_rng(args.seed + 17)
    train = read_sequences(os.path.join(args.data, "train.bin"))
    held = read_sequences(os.path.join(args.data, "held_out.bin"))
    plan = step_batches(train, os.path.join(args.data, "train.steps"))
    steps = len(plan)
    print(f"{len(train)} training sequences, {sum(len(s[0]) for s in train) / 1e6:.1f}M tokens, {steps} steps; "
          f"{len(held)} held-out; model {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01, fused=True)
    warmup = max(1, min(30, steps // 10))   # DemoTrainer's: linear from 0, then cosine to 10% over the rest
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / warmup if s < warmup else
                                              0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, (s - warmup) / max(1, steps - warmup)))))
    budget = args.minutes * 60
    t0 = time.time()
    log = open(os.path.join(args.out, "training_log.jsonl"), "w")
    task_acc = {}
    for step, group in enumerate(plan):
        inp, tgt, wt, ans = collate_per_sequence(group, dev, args.lm_weight)
        LOCAL["on"] = bool(local_rng.random() < args.local_prob)
        logits = model(inp).logits
        loss_tok = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), tgt.reshape(-1), reduction="none")
        loss = (loss_tok * wt.reshape(-1)).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); sched.step()
        if step % 10 == 0:
            with torch.no_grad():   # answer-token accuracy per task, sampled every 10th batch
                right = ((logits.argmax(-1) == tgt) & ans).sum(1).tolist(); total = ans.sum(1).tolist()
                for s, r, n in zip(group, right, total):
                    a = task_acc.setdefault(s[4], [0, 0]); a[0] += r; a[1] += n
        if step % 50 == 0 or step == steps - 1:
            rec = {"train_answer_acc": {t: round(c / max(1, n), 3) for t, (c, n) in sorted(task_acc.items())}}
            task_acc.clear()
            rec.update({"step": step, "seconds": round(time.time() - t0, 1), "loss": round(loss.item(), 4),
                        "lr": sched.get_last_lr()[0], "grad_norm": round(gn.item(), 3), "max_len": inp.size(1), "batch": inp.size(0)})
            if step % 500 == 0 or step == steps - 1:
                rec["held_out_exact"] = evaluate(model, held[:120], dev)
            print(json.dumps(rec), flush=True); log.write(json.dumps(rec) + "\n"); log.flush()
        if time.time() - t0 > budget:
            print(f"time budget reached at step {step}", flush=True)
            break
    if args.local_prob > 0:
        local = evaluate(model, held, dev, local=True)
        print(json.dumps({"final_held_out_exact_local_layers": local}), flush=True)
        log.write(json.dumps({"final_held_out_exact_local_layers": local}) + "\n")
    final = evaluate(model, held, dev)
    print(json.dumps({"final_held_out_exact": final}), flush=True)
    log.write(json.dumps({"final_held_out_exact": final}) + "\n"); log.close()
    model.to(torch.float32).save_pretrained(args.out, safe_serialization=True)
    # headroom's config.json (DemoModelSpec's fields, rope_theta) replaces the one transformers writes
    os.replace(os.path.join(args.out, "headroom_config.json"), os.path.join(args.out, "config.json"))


if __name__ == "__main__":
    main()
