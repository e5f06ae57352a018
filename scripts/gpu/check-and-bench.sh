#!/usr/bin/env bash
# On the GPU machine, from the repo root, with .gpu/ carried (scripts/gpu/stage-gpu-dir.sh builds it here):
#   scripts/gpu/check-and-bench.sh [quick]
# 1. parity of every kernel family against float64 references (the core's oracle for attention, ForwardReference for
# the linear layers and the rest of the forward pass; one JVM per family, so a crash stays local),
# 2. our kernels' timings (GpuBench; both in attention/gpu-tools), 3. the peers and ceilings in the same job, joined
# into the tables: bench/attention_bench.py for attention (PEERS=0 skips it), scripts/gpu/kernel_peers.py for the
# gemm, gemv and forward rows (torch.matmul on the same shapes, a copy; KPEERS=0 skips it).
# SASS=1 also compiles the GEMM sources here and counts their tensor-core instructions (cuobjdump); SASS_SRC lists
# other sources of attention/gpu/src/main/cuda to count instead (e.g. "compressed_decode kivi_decode").
# PEERS=decode times only the decode peers and ceilings (no prefill peers).
# Logs and the tables go to $OUT (or the git-ignored .gpu/out when OUT is unset). While iterating on one kernel:
#   PARITY="kivi" BENCH="kivi" PEERS=0 scripts/gpu/check-and-bench.sh
#   PARITY="gemm forward" BENCH="gemm gemv forward" PEERS=0 scripts/gpu/check-and-bench.sh
# The CUDA runtime (CudaModel): RUNTIME=1 runs RuntimeParityCheck (stories260K golden greedy, the transformers
# fixtures, policies against the float64 oracle; fp32 and bf16); CASES=DIR runs the demo model's token cases through
# RunCases on the GPU (fp32) for each DIR/cpu-POLICY.jsonl the CPU wrote and compares them (CompareCases). "none" in
# PARITY or BENCH skips those families:
#   RUNTIME=1 CASES=bench/results/2026-12-02-h200-runtime PARITY=none BENCH=none PEERS=0 scripts/gpu/check-and-bench.sh
# E2E=1: the end-to-end bench of a Llama-3.1-8B shape with random bf16 weights (E2eBench; E2E_ARGS passes its
# options, default 8K and 32K, batch 1 and 8, the largest batch), then the transformers peers in the same job
# (.gpu/peer_e2e_bench.py, staged from ../shared/gpu; E2E_PEERS lists CONTEXT:BATCH runs, "none" skips them), and
# scripts/gpu/e2e_table.py joins both into the table of issue 16's targets (e2e.jsonl, e2e-peers.jsonl, e2e.md):
#   RUNTIME=1 PRECISION=fp32 E2E=1 PARITY=none BENCH=none PEERS=0 KPEERS=0 scripts/gpu/check-and-bench.sh
# EVAL=1: configs/demo.yaml's evaluate grid (240 text cases, every method) on the GPU in fp32 through RunCases (eval's
# CaseRunner), compared case by case with the CPU's answers staged in .gpu/eval (CompareCases: >= 98% per policy):
#   EVAL=1 PARITY=none BENCH=none PEERS=0 KPEERS=0 scripts/gpu/check-and-bench.sh
# (EVAL_BF16=1 also runs them with bf16 weights, compared without a bound.)
# HF_ARTIFACT=.gpu/export-demo: transformers loads an export stage's model directory (staged there with its
# headroom dense greedy tokens in .gpu/export-demo-expected.json) and greedy-decodes it (scripts/gpu/hf_artifact_check.py).
set -uo pipefail
out=${OUT:-.gpu/out}
mkdir -p "$out"
quick=${1:-}
java=.gpu/jre/bin/java
cp='.gpu/lib/*'  # the slim classpath stage-gpu-dir.sh builds (core, quantize, attention/gpu, gpu-tools, JCuda)
tools=dev.headroom.attention.gpu.tools
# $OUT returns at most 8 files: run.log, parity.log, ours.jsonl, kernels.json and bench.{txt,json,csv,parquet}
# (EVAL adds gpu-eval.jsonl and eval-compare.txt, EVAL_BF16 gpu-eval-bf16.jsonl).
exec > >(tee "$out/run.log") 2>&1
started=$(date +%s)
echo "check-and-bench $(date -u '+%Y-%m-%d %H:%M:%S UTC') ${quick:-full}"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw,memory.used \
  --format=csv 2>&1
echo "slim classpath: $(cat .gpu/lib/*.jar | wc -c) bytes of jars in $(ls .gpu/lib | wc -l) jars"
if [ "${SASS:-0}" != 0 ]; then
  src=attention/gpu/src/main/cuda
  for f in ${SASS_SRC:-gemm gemm_sm90a}; do
    case $f in *_sm90a) arch=-gencode=arch=compute_90a,code=sm_90a ;; *) arch=-arch=sm_90 ;; esac
    nvcc $arch -O3 -std=c++17 -cubin -Xptxas -v -o "/tmp/$f.cubin" "$src/$f.cu" 2>&1 | grep -E "entry|registers|spill"
    echo "$f SASS: $(cuobjdump --dump-sass "/tmp/$f.cubin" | grep -cE 'HGMMA') HGMMA," \
      "$(cuobjdump --dump-sass "/tmp/$f.cubin" | grep -cE 'HMMA') HMMA," \
      "$(cuobjdump --dump-sass "/tmp/$f.cubin" | grep -cE 'LDL|STL') local loads/stores," \
      "$(cuobjdump --dump-sass "/tmp/$f.cubin" | grep -cE 'LDG.E.128') 16-byte loads," \
      "$(cuobjdump --dump-sass "/tmp/$f.cubin" | grep -cE 'PRMT') byte-permutes"
  done
fi
status=0
for family in ${PARITY:-prefill compressed kivi linear gemm forward}; do
  [ "$family" = none ] && continue
  timeout 240 $java -cp "$cp" $tools.GpuParityCheck $family 2>&1 | tee -a "$out/parity.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
done
rm -f "$out/ours.jsonl"
for family in ${BENCH:-prefill decode kivi linear gemm gemv forward}; do
  [ "$family" = none ] && continue
  timeout 150 $java -Xmx8g -cp "$cp" $tools.GpuBench "$out/ours.jsonl" $quick $family 2>&1
done
if [ "${RUNTIME:-0}" != 0 ]; then
  timeout 360 $java -Xmx8g -cp "$cp" $tools.RuntimeParityCheck --stories .gpu/models/stories260K \
    --fixtures attention/src/test/resources/hf-fixtures --precision "${PRECISION:-fp32,bf16}" 2>&1 \
    | tee -a "$out/parity.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
if [ -n "${CASES:-}" ]; then
  for cpu in "$CASES"/cpu-*.jsonl; do
    name=$(basename "$cpu" .jsonl); name=${name#cpu-}
    policy=$(echo "$name" | tr '-' ':')
    started_cases=$(date +%s)
    timeout 240 $java -Xmx4g -cp "$cp" $tools.RunCases --model models/demo --backend gpu --precision fp32 \
      --tasks copy,mqar --lengths 512,1024,2048 --samples 12 --seed 2026 --policy "$policy" > "$out/gpu-$name.jsonl"
    echo "cases $policy: $(grep '^run-cases' "$out/gpu-$name.jsonl"), $(( $(date +%s) - started_cases )) s wall"
    $java -cp "$cp" $tools.CompareCases "$cpu" "$out/gpu-$name.jsonl" 2>&1 | tee -a "$out/parity.log" | tail -15
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
  done
  if [ "${CASES_BF16:-0}" != 0 ]; then  # the same dense cases in bf16, reported beside (bf16 rounding moves answers)
    timeout 240 $java -Xmx4g -cp "$cp" $tools.RunCases --model models/demo --backend gpu --precision bf16 \
      --tasks copy,mqar --lengths 512,1024,2048 --samples 12 --seed 2026 --policy dense > "$out/gpu-bf16-dense.jsonl"
    $java -cp "$cp" $tools.CompareCases "$CASES/cpu-dense.jsonl" "$out/gpu-bf16-dense.jsonl" --min-percent 0 2>&1 \
      | sed 's/^cases:/cases (bf16):/' | tee -a "$out/parity.log" | tail -15
  fi
fi
if [ "${EVAL:-0}" != 0 ]; then  # the demo evaluate grid on the GPU (fp32) against the CPU's answers (issue 16)
  # .gpu/eval is staged here by EVAL_RUN=runs/demo scripts/gpu/stage-gpu-dir.sh: the cases with their encodings
  # (the slim classpath has no tokenizer), the run's plans, the policies and the CPU's answers and times
  started_eval=$(date +%s)
  timeout 300 $java -Xmx4g -cp "$cp" $tools.RunCases --model models/demo --backend gpu --precision fp32 \
    --add-bos false --cases .gpu/eval/cases.json --policy "$(cat .gpu/eval/policies.txt)" > "$out/gpu-eval.jsonl"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  grep '^run-cases' "$out/gpu-eval.jsonl" | tee -a "$out/parity.log"
  echo "eval (gpu): $(( $(date +%s) - started_eval )) s wall, JVM start and model load included" | tee -a "$out/parity.log"
  echo "eval (cpu, staged): $(grep '^run-cases' .gpu/eval/cpu.jsonl | tr '\n' ' ')" | tee -a "$out/parity.log"
  $java -cp "$cp" $tools.CompareCases .gpu/eval/cpu.jsonl "$out/gpu-eval.jsonl" 2>&1 | tee "$out/eval-compare.txt" \
    | grep -E '^(policy|cases)' | sed 's/^/eval /' | tee -a "$out/parity.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  if [ "${EVAL_BF16:-0}" != 0 ]; then  # the same cases with bf16 weights, reported beside (bf16 rounding moves answers)
    timeout 300 $java -Xmx4g -cp "$cp" $tools.RunCases --model models/demo --backend gpu --precision bf16 \
      --add-bos false --cases .gpu/eval/cases.json --policy "$(cat .gpu/eval/policies.txt)" > "$out/gpu-eval-bf16.jsonl"
    $java -cp "$cp" $tools.CompareCases .gpu/eval/cpu.jsonl "$out/gpu-eval-bf16.jsonl" --min-percent 0 2>&1 \
      | grep -E '^(policy|cases)' | sed 's/^/eval (bf16) /' | tee -a "$out/parity.log"
  fi
fi
if [ -n "${HF_ARTIFACT:-}" ]; then  # transformers loads a headroom export as the plain model (issue: model artifact)
  timeout 240 python3 scripts/gpu/hf_artifact_check.py "$HF_ARTIFACT" "$HF_ARTIFACT-expected.json" 2>&1 \
    | tee -a "$out/parity.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
if [ "${E2E:-0}" != 0 ]; then
  started_e2e=$(date +%s)
  # shellcheck disable=SC2086  # E2E_ARGS is a list of options
  timeout 420 $java -Xmx8g -cp "$cp" $tools.E2eBench "$out/e2e.jsonl" \
    ${E2E_ARGS:---contexts 8192,32768 --batches 1,8 --steps 32 --max-batch 1} 2>&1
  if [ "${PIPESTATUS[0]}" != 0 ]; then  # a failed check: the same bench again with every decode step launched
    status=1
    # shellcheck disable=SC2086
    timeout 420 $java -Xmx8g -Dheadroom.gpu.graphs=false -cp "$cp" $tools.E2eBench "$out/e2e-nograph.jsonl" \
      ${E2E_ARGS:---contexts 8192,32768 --batches 1,8 --steps 32 --max-batch 1} 2>&1
  fi
  echo "e2e (ours) took $(( $(date +%s) - started_e2e )) s"
  rm -f "$out/e2e-peers.jsonl"
  for run in ${E2E_PEERS:-32768:1 32768:8}; do
    [ "$run" = none ] && continue
    PYTHONUNBUFFERED=1 timeout 300 python3 .gpu/peer_e2e_bench.py "${run%%:*}" "${run##*:}" 2>&1 \
      | grep '^{' | tail -1 | tee -a "$out/e2e-peers.jsonl"
  done
  python3 scripts/gpu/e2e_table.py "$out/e2e.jsonl" "$out/e2e-peers.jsonl" | tee "$out/e2e.md"
fi
if [ "${PEERS:-1}" != 0 ]; then
  PYTHONUNBUFFERED=1 timeout 300 python3 bench/attention_bench.py --ours "$out/ours.jsonl" --out "$out" \
    ${quick:+--quick} $([ "$PEERS" = decode ] && echo --decode-only) 2>&1
fi
if [ "${KPEERS:-1}" != 0 ] && grep -qE '"family":"(gemm|gemv|forward)"' "$out/ours.jsonl" 2>/dev/null; then
  PYTHONUNBUFFERED=1 timeout 240 python3 scripts/gpu/kernel_peers.py --ours "$out/ours.jsonl" --out "$out" 2>&1
fi
grep -hE "parity:|^cases|^eval" "$out/parity.log"
echo "check-and-bench took $(( $(date +%s) - started )) s, exit $status"
sleep 1  # let tee flush run.log
exit $status
