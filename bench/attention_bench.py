"""headroom's attention benchmark, run on the GPU machine by scripts/gpu/check-and-bench.sh.

Times the peers (PyTorch SDPA, FlexAttention with the same per-head block masks) and the two ceilings (device copy,
bf16 GEMM) in this process, joins them with our kernels' times (GpuBench's JSON lines, measured in the same job) and
writes the table: JSON, CSV and text (Parquet too where pyarrow is installed).
Derived from ../shared/gpu/peer_attention_bench.py (same timing: triton do_bench medians, CUDA events).

    python3 bench/attention_bench.py --ours OURS.jsonl --out DIR [--quick]
"""
import argparse, csv, json, os, time

import torch
import torch.nn.functional as F
from torch.nn.attention.flex_attention import flex_attention, create_block_mask
from triton.testing import do_bench

dev, dt = "cuda", torch.bfloat16
H, D, SINK = 32, 128, 64
MIXED_WINDOWS = [1024, 1024, 2048, 2048, 4096, 4096, 8192, None]  # per KV group of 4 query heads; None = full
flex = torch.compile(flex_attention)


def bench(fn):
    return do_bench(fn, warmup=50, rep=200, return_mode="median")  # milliseconds


def peer_prefill(res, L):
    q = torch.randn(1, H, L, D, device=dev, dtype=dt)
    k, v = [torch.randn(1, H, L, D, device=dev, dtype=dt) for _ in range(2)]
    k8, v8 = [torch.randn(1, 8, L, D, device=dev, dtype=dt) for _ in range(2)]
    res[f"sdpa_causal_L{L}_kv32_ms"] = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
    res[f"sdpa_causal_L{L}_kv8_ms"] = bench(
        lambda: F.scaled_dot_product_attention(q, k8, v8, is_causal=True, enable_gqa=True))
    for W in (1024, 4096):
        sw = lambda b, h, qi, ki, W=W: (qi >= ki) & ((qi - ki < W) | (ki < SINK))
        bm = create_block_mask(sw, None, None, L, L, device=dev, _compile=True)
        res[f"flex_sink64_win{W}_L{L}_kv32_ms"] = bench(lambda: flex(q, k, v, block_mask=bm))
    win = torch.tensor([w if w else L + 1 for w in MIXED_WINDOWS], device=dev).repeat_interleave(H // 8)
    mixed = lambda b, h, qi, ki: (qi >= ki) & ((qi - ki < win[h]) | (ki < SINK))
    bm = create_block_mask(mixed, None, H, L, L, device=dev, _compile=True)
    res[f"flex_mixed_L{L}_kv8_ms"] = bench(lambda: flex(q, k8, v8, block_mask=bm, enable_gqa=True))


def peer_decode(res, L, kvh):
    q = torch.randn(1, H, 1, D, device=dev, dtype=dt)
    k, v = [torch.randn(1, kvh, L, D, device=dev, dtype=dt) for _ in range(2)]
    res[f"sdpa_decode_L{L}_kv{kvh}_ms"] = bench(lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=True))


def ceilings(res):
    x = torch.randint(0, 255, (2**30,), dtype=torch.uint8, device=dev)
    y = torch.empty_like(x)
    res["copy_GBps"] = 2 * 2**30 / (bench(lambda: y.copy_(x)) / 1e3) / 1e9  # bytes read + written
    a = torch.randn(8192, 8192, device=dev, dtype=dt)
    res["gemm_bf16_tflops"] = 2 * 8192**3 / (bench(lambda: a @ a) / 1e3) / 1e12


def peer_for(name):
    """The peer row an our-row is compared with."""
    if "_L" not in name or "_kv" not in name or name.startswith("linear"):
        return None
    L = name.split("_L")[1].split("_")[0]
    kv = name.split("_kv")[1]
    if name.startswith("dense_prefill"):
        return f"sdpa_causal_L{L}_kv{kv}_ms"
    if name.startswith("sink64_win"):
        return f"flex_{name.split('_prefill')[0]}_L{L}_kv{kv}_ms"
    if name.startswith("mixed_prefill"):
        return f"flex_mixed_L{L}_kv{kv}_ms"
    if "_decode_L" in name:
        return f"sdpa_decode_L{L}_kv{kv}_ms"
    return None


def targets(rows, res):
    by = {r["name"]: r for r in rows}
    out = []
    def speed(name, need):
        r = by.get(name)
        if r and r.get("peer_ms"):
            out.append((f"{name}: >= {need}x faster than {r['peer']}", f"{r['speedup']:.2f}x", r["speedup"] >= need))
    for w in ("sink64_win1024", "sink64_win4096"):
        speed(f"{w}_prefill_L32768_kv32", 1.5)
    speed("mixed_prefill_L32768_kv8", 1.5)
    r = by.get("dense_prefill_L32768_kv32")
    if r and r.get("peer_ms"):
        out.append(("dense_prefill_L32768_kv32: >= 0.75x SDPA TFLOP/s", f"{r['speedup']:.2f}x", r["speedup"] >= 0.75))
    for L in (32768, 131072):  # issue 15: the bf16 decode at 8 KV heads
        r = by.get(f"dense_decode_L{L}_kv8")
        if r and r.get("peer_ms"):
            out.append((f"dense_decode_L{L}_kv8: >= 0.95x SDPA", f"{r['speedup']:.2f}x", r["speedup"] >= 0.95))
    r = by.get("kivi2_decode_L131072_kv8")
    if r:
        us = r["ms"] * 1e3
        out.append(("kivi2_decode_L131072_kv8: <= 40 us", f"{us:.1f} us", us <= 40))
        if r.get("peer_ms"):
            out.append(("kivi2_decode_L131072_kv8: >= 4.8x faster than SDPA bf16 decode", f"{r['speedup']:.2f}x",
                        r["speedup"] >= 4.8))
        floor_ms = r["bytes"] / (res["copy_GBps"] * 1e9) * 1e3
        out.append(("kivi2_decode_L131072_kv8: <= 1.5x the bytes at copy bandwidth",
                    f"{r['ms'] / floor_ms:.2f}x of {floor_ms * 1e3:.1f} us", r["ms"] <= 1.5 * floor_ms))
    r = by.get("kivi4_decode_L131072_kv8")
    if r:
        floor_ms = r["bytes"] / (res["copy_GBps"] * 1e9) * 1e3
        out.append(("kivi4_decode_L131072_kv8: <= 1.5x its bytes at copy bandwidth",
                    f"{r['ms'] / floor_ms:.2f}x of {floor_ms * 1e3:.1f} us", r["ms"] <= 1.5 * floor_ms))
    for w in ("1024", "4096"):
        a, b = by.get(f"stream_sink64_win{w}_decode_L32768_kv8"), by.get(f"stream_sink64_win{w}_decode_L131072_kv8")
        if a and b:
            ratio = b["ms"] / a["ms"]
            out.append((f"stream sink64+win{w} decode: time independent of length (128K / 32K within 1.15)",
                        f"{ratio:.2f}", ratio <= 1.15))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--decode-only", action="store_true", help="skip the prefill peers (decode rows only)")
    args = ap.parse_args()
    res = {"device": torch.cuda.get_device_name(), "torch": torch.__version__,
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    ceilings(res)
    for L in () if args.decode_only else ((8192,) if args.quick else (8192, 32768)):
        peer_prefill(res, L)
    for L in ((32768,) if args.quick else (32768, 131072)):
        peer_decode(res, L, 8)
    peer_decode(res, 32768, 32)
    rows = [json.loads(line) for line in open(args.ours) if line.strip()]
    for r in rows:
        r["peer"] = peer_for(r["name"])
        r["peer_ms"] = res.get(r["peer"]) if r["peer"] else None
        r["speedup"] = r["peer_ms"] / r["ms"] if r["peer_ms"] else None
        r["tflops"] = r["flops"] / (r["ms"] * 1e-3) / 1e12 if r["flops"] else None
        r["frac_gemm"] = r["tflops"] / res["gemm_bf16_tflops"] if r["tflops"] else None
        r["GBps"] = r["bytes"] / (r["ms"] * 1e-3) / 1e9 if r["bytes"] else None
        r["frac_copy"] = r["GBps"] / res["copy_GBps"] if r["GBps"] else None
    checks = targets(rows, res)
    os.makedirs(args.out, exist_ok=True)
    json.dump({"peers_and_ceilings": res, "rows": rows,
               "targets": [{"target": t, "value": v, "met": m} for t, v, m in checks]},
              open(os.path.join(args.out, "bench.json"), "w"), indent=1)
    cols = ["name", "kind", "length", "kv_heads", "ms", "tflops", "frac_gemm", "GBps", "frac_copy", "peer", "peer_ms",
            "speedup"]
    with open(os.path.join(args.out, "bench.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    try:
        import pyarrow as pa, pyarrow.parquet as pq
        pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows]),
                       os.path.join(args.out, "bench.parquet"))
    except ImportError:
        pass
    fmt = lambda x, f: "-" if x is None else f.format(x)
    lines = [f"{res['device']}, torch {res['torch']}, {res['date']}; ceilings: copy {res['copy_GBps']:.0f} GB/s, "
             f"bf16 GEMM {res['gemm_bf16_tflops']:.0f} TFLOP/s",
             f"{'kernel':44s} {'ms':>9s} {'TFLOP/s':>8s} {'%gemm':>6s} {'GB/s':>7s} {'%copy':>6s} "
             f"{'peer ms':>9s} {'x peer':>7s}  peer"]
    for r in rows:
        lines.append(f"{r['name']:44s} {r['ms']:9.4f} {fmt(r['tflops'], '{:8.1f}')} "
                     f"{fmt(r['frac_gemm'] and 100 * r['frac_gemm'], '{:6.1f}')} {fmt(r['GBps'], '{:7.0f}')} "
                     f"{fmt(r['frac_copy'] and 100 * r['frac_copy'], '{:6.1f}')} {fmt(r['peer_ms'], '{:9.4f}')} "
                     f"{fmt(r['speedup'], '{:7.2f}')}  {r['peer'] or '-'}")
    lines.append("targets:")
    for t, v, m in checks:
        lines.append(f"  [{'met' if m else 'NOT met'}] {t}: {v}")
    text = "\n".join(lines)
    open(os.path.join(args.out, "bench.txt"), "w").write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
