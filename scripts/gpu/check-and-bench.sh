#!/usr/bin/env bash
# On the GPU machine, from the repo root, with .gpu/ carried (scripts/gpu/stage-gpu-dir.sh builds it here):
#   scripts/gpu/check-and-bench.sh [quick]
# 1. parity of every kernel family against the core's float64 oracle (one JVM per family, so a crash stays local),
# 2. our kernels' timings (GpuBench; both in attention/gpu-tools), 3. the peers and ceilings in the same job, joined into the table.
# Logs and the table go to $OUT (or the git-ignored .gpu/out when OUT is unset). While iterating on one kernel:
#   PARITY="kivi" BENCH="kivi" PEERS=0 scripts/gpu/check-and-bench.sh
set -uo pipefail
out=${OUT:-.gpu/out}
mkdir -p "$out"
quick=${1:-}
java=.gpu/jre/bin/java
cp='.gpu/lib/*'  # the slim classpath stage-gpu-dir.sh builds (core, quantize, attention/gpu, gpu-tools, JCuda)
tools=dev.headroom.attention.gpu.tools
# $OUT returns at most 8 files: run.log, parity.log, ours.jsonl and bench.{txt,json,csv,parquet}.
exec > >(tee "$out/run.log") 2>&1
started=$(date +%s)
echo "check-and-bench $(date -u '+%Y-%m-%d %H:%M:%S UTC') ${quick:-full}"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw,memory.used \
  --format=csv 2>&1
echo "slim classpath: $(cat .gpu/lib/*.jar | wc -c) bytes of jars in $(ls .gpu/lib | wc -l) jars"
status=0
for family in ${PARITY:-prefill compressed kivi linear}; do
  timeout 120 $java -cp "$cp" $tools.GpuParityCheck $family 2>&1 | tee -a "$out/parity.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
done
rm -f "$out/ours.jsonl"
for family in ${BENCH:-prefill decode kivi linear}; do
  timeout 150 $java -Xmx8g -cp "$cp" $tools.GpuBench "$out/ours.jsonl" $quick $family 2>&1
done
if [ "${PEERS:-1}" != 0 ]; then
  PYTHONUNBUFFERED=1 timeout 300 python3 bench/attention_bench.py --ours "$out/ours.jsonl" --out "$out" \
    ${quick:+--quick} 2>&1
fi
grep -h "parity:" "$out/parity.log"
echo "check-and-bench took $(( $(date +%s) - started )) s, exit $status"
sleep 1  # let tee flush run.log
exit $status
