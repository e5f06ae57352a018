"""The peers and ceilings of headroom's forward-pass kernels, run on the GPU machine by scripts/gpu/check-and-bench.sh.

Reads GpuBench's rows of the gemm, gemv and forward families (ForwardBench: operations and fewest bytes per row, our
median ms from CUDA events), times in this process torch.matmul in bf16 on every linear-layer shape (cuBLAS), a
device copy and an 8192^3 bf16 GEMM (the ceilings), and prints one table: FLOPs and bytes first, then our time,
TFLOP/s, GB/s, the fraction of the copy bandwidth, and the ratio to torch on the same shape (> 1: ours faster).
Timing as GpuBench's: triton do_bench medians, L2 flushed before each run. Writes kernels.json to --out.

    python3 scripts/gpu/kernel_peers.py --ours OURS.jsonl --out DIR
"""
import argparse, json, os, time

import torch
from triton.testing import do_bench

dev, dt = "cuda", torch.bfloat16
FAMILIES = ("gemm", "gemv", "forward")


def bench(fn):
    return do_bench(fn, warmup=25, rep=100, return_mode="median")  # milliseconds


def ceilings(res):
    x = torch.randint(0, 255, (2**30,), dtype=torch.uint8, device=dev)
    y = torch.empty_like(x)
    res["copy_GBps"] = 2 * 2**30 / (bench(lambda: y.copy_(x)) / 1e3) / 1e9  # bytes read + written
    del x, y
    a = torch.randn(8192, 8192, device=dev, dtype=dt)
    res["gemm_bf16_tflops"] = 2 * 8192**3 / (bench(lambda: a @ a) / 1e3) / 1e12


def matmul_peers(shapes):
    """torch.matmul(x, W^T) in bf16 for each (m, n, k): x [m][k], W [n][k] as a checkpoint stores it."""
    out = {}
    for m, n, k in sorted(shapes, key=lambda s: (s[1] * s[2], s[0])):
        x = torch.randn(m, k, device=dev, dtype=dt)
        w = torch.randn(n, k, device=dev, dtype=dt) * 0.05
        out[(m, n, k)] = bench(lambda: torch.matmul(x, w.t()))
        del x, w
        torch.cuda.empty_cache()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rows = [json.loads(line) for line in open(args.ours) if line.strip()]
    rows = [r for r in rows if r.get("family") in FAMILIES]
    if not rows:
        print("kernel_peers: no gemm/gemv/forward rows in", args.ours)
        return
    res = {"device": torch.cuda.get_device_name(), "torch": torch.__version__,
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    ceilings(res)
    peers = matmul_peers({(r["m"], r["n"], r["k"]) for r in rows if r["family"] in ("gemm", "gemv")})
    for r in rows:
        s = r["ms"] * 1e-3
        r["tflops"] = r["flops"] / s / 1e12 if r["flops"] else None
        r["frac_gemm"] = r["tflops"] / res["gemm_bf16_tflops"] if r["tflops"] else None
        r["GBps"] = r["bytes"] / s / 1e9 if r["bytes"] else None
        r["frac_copy"] = r["GBps"] / res["copy_GBps"] if r["GBps"] else None
        p = peers.get((r["m"], r["n"], r["k"])) if r["family"] in ("gemm", "gemv") else None
        r["peer"] = "torch.matmul bf16" if p else None
        r["peer_ms"] = p
        r["speedup"] = p / r["ms"] if p else None
    os.makedirs(args.out, exist_ok=True)
    json.dump({"peers_and_ceilings": res, "torch_matmul_ms": {f"{m}x{n}x{k}": v for (m, n, k), v in peers.items()},
               "rows": rows}, open(os.path.join(args.out, "kernels.json"), "w"), indent=1)
    fmt = lambda x, f: "-" if x is None else f.format(x)
    lines = [f"{res['device']}, torch {res['torch']}, {res['date']}; ceilings in this run: torch copy "
             f"{res['copy_GBps']:.0f} GB/s, torch bf16 GEMM 8192^3 {res['gemm_bf16_tflops']:.0f} TFLOP/s",
             f"{'kernel':34s} {'m':>5s} {'n':>6s} {'k':>5s} {'GFLOP':>9s} {'MB':>8s} {'ms':>9s} {'TFLOP/s':>8s} "
             f"{'GB/s':>6s} {'%copy':>6s} {'torch ms':>9s} {'x torch':>7s}"]
    for r in rows:
        lines.append(f"{r['name']:34s} {r['m']:5d} {r['n']:6d} {r['k']:5d} {fmt(r['flops'] and r['flops'] / 1e9, '{:9.2f}')} "
                     f"{r['bytes'] / 1e6:8.2f} {r['ms']:9.4f} {fmt(r['tflops'], '{:8.1f}')} {fmt(r['GBps'], '{:6.0f}')} "
                     f"{fmt(r['frac_copy'] and 100 * r['frac_copy'], '{:6.1f}')} {fmt(r['peer_ms'], '{:9.4f}')} "
                     f"{fmt(r['speedup'], '{:7.2f}')}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
