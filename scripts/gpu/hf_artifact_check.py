"""Hugging Face transformers loads a headroom export as the plain model, and its greedy tokens equal headroom's.

Run where transformers 5.17 and torch are installed (the GPU machine; this runs on its CPU, float32):
    python3 scripts/gpu/hf_artifact_check.py ARTIFACT_DIR EXPECTED_JSON
ARTIFACT_DIR is an export stage's artifacts/model (config.json with a headroom block and a quantization_config
whose quant_method transformers does not know). EXPECTED_JSON holds headroom's dense greedy tokens for some prompts:
    {"cases": [{"prompt_ids": [...], "tokens": [...]}, ...]}
made here by `headroom generate --model ARTIFACT_DIR --dense --prompt-ids ... --max-new-tokens N --json`.
Prints one line per case and a last line "hf-artifact: K/N cases equal"; exits 1 unless every case is equal.
"""
import json, logging, sys

import torch
import transformers
from transformers import AutoModelForCausalLM

artifact, expected_file = sys.argv[1], sys.argv[2]
records = []


class Keep(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())


transformers.logging.get_logger().addHandler(Keep())
model = AutoModelForCausalLM.from_pretrained(artifact, dtype=torch.float32)
model.eval()
print(f"transformers {transformers.__version__}: loaded {type(model).__name__},"
      f" quantized={getattr(model, 'is_quantized', False)}, hf_quantizer={getattr(model, 'hf_quantizer', None)}")
for m in records:
    print("  transformers said:", m.splitlines()[0][:200])
cases = json.load(open(expected_file))["cases"]
equal = 0
with torch.no_grad():
    for i, c in enumerate(cases):
        ids = torch.tensor([c["prompt_ids"]])
        out = []
        for _ in range(len(c["tokens"])):
            nxt = int(model(ids).logits[0, -1].argmax())
            out.append(nxt)
            ids = torch.cat([ids, torch.tensor([[nxt]])], dim=1)
        same = out == c["tokens"]
        equal += same
        print(f"case {i}: {len(c['prompt_ids'])} prompt tokens, {len(out)} new:"
              f" {'equal' if same else 'DIFFER'}" + ("" if same else f" headroom {c['tokens']} transformers {out}"))
print(f"hf-artifact: {equal}/{len(cases)} cases equal")
sys.exit(0 if equal == len(cases) else 1)
