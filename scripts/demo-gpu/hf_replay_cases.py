"""Replays `headroom evaluate-demo --cases FILE` through Hugging Face transformers, as an independent check of the
demo model's table: the same checkpoint directory (LlamaForCausalLM.from_pretrained), the same prompts (encoded by
the `tokenizers` library from the model's tokenizer.json), greedy decoding in float32 (TF32 off). Uniform sink +
window rows use an explicit mask with headroom's rule (key j visible from query i when j <= i and (j < sink or
i - j < window)). MQAR cases compare the argmax at the scored positions.

    python3 hf_replay_cases.py --model models/demo --cases cases.jsonl [--out replay.json]

Prints, per task, attention and length, how many cases transformers answered with exactly headroom's tokens, and
every case where they differ.
"""
import argparse, json, re
from collections import defaultdict

import torch
from tokenizers import Tokenizer
from transformers import AttentionInterface, LlamaForCausalLM
from transformers.integrations.sdpa_attention import sdpa_attention_forward

from sink_window import additive_mask

WINDOW = {"sink": 0, "window": 0}   # window 0 = dense causal


def sink_window_attention(module, query, key, value, attention_mask, **kwargs):
    if WINDOW["window"] <= 0:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    mask = additive_mask(query.shape[-2], key.shape[-2], WINDOW["sink"], WINDOW["window"], query.device, query.dtype)
    kwargs.pop("is_causal", None)
    return sdpa_attention_forward(module, query, key, value, mask, is_causal=False, **kwargs)


AttentionInterface.register("sink_window", sink_window_attention)


def set_policy(name):
    m = re.search(r"sink=(\d+),\s*window=(\d+)", name)
    WINDOW.update(sink=int(m.group(1)), window=int(m.group(2))) if m else WINDOW.update(sink=0, window=0)


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--out")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    model = LlamaForCausalLM.from_pretrained(args.model, torch_dtype=torch.float32,
                                             attn_implementation="sink_window").to(dev).eval()
    tok = Tokenizer.from_file(f"{args.model}/tokenizer.json")
    eos = model.config.eos_token_id
    cells, diffs = defaultdict(lambda: [0, 0]), []
    for line in open(args.cases):
        c = json.loads(line)
        set_policy(c["policy"])
        key = (c["task"], c["policy"], c["length"])
        if c["prompt"] is None:   # token-level MQAR: argmax at the scored positions, teacher-forced
            ids = torch.tensor([c["promptIds"]], device=dev)
            logits = model(ids).logits[0]
            got = [int(logits[p].argmax()) for p in c["outputIds"]]
            ours = [int(x) for x in c["output"].split()]
        else:
            ids = tok.encode(c["prompt"]).ids
            if len(ids) != c["promptTokens"]:
                diffs.append({"case": key, "depth": c["depth"], "problem": f"{len(ids)} prompt tokens, headroom {c['promptTokens']}"})
            ours = [t for t in c["outputIds"] if t != eos]
            out = model.generate(torch.tensor([ids], device=dev), max_new_tokens=len(c["outputIds"]), do_sample=False,
                                 num_beams=1, eos_token_id=eos, pad_token_id=eos)
            got = [t for t in out[0, len(ids):].tolist() if t != eos][:len(ours)]
        same = got == ours
        cells[key][0] += same
        cells[key][1] += 1
        if not same:
            diffs.append({"case": key, "depth": c["depth"], "headroom": ours, "transformers": got})
    total = sum(n for _, n in cells.values())
    agree = sum(s for s, _ in cells.values())
    for (task, policy, length), (s, n) in sorted(cells.items()):
        print(f"{task:18s} {policy:28s} {length:5d}: transformers gives headroom's tokens in {s}/{n} cases")
    for d in diffs:
        print("differs:", json.dumps(d))
    print(f"all: {agree}/{total} cases identical")
    if args.out:
        json.dump({"agree": agree, "total": total, "diffs": diffs,
                   "cells": {"|".join(map(str, k)): v for k, v in cells.items()}}, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
