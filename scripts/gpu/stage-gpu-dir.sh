#!/usr/bin/env bash
# Here (not on the GPU machine): builds the GPU path and stages what the GPU machine needs under .gpu/ (git-ignored):
# a slim JRE and the slim classpath .gpu/lib/ = the runtime classpath of attention/gpu-tools (the core, quantize, eval,
# attention/gpu, the tools, JCuda, Jackson for the core) with JCuda's natives stripped of the 24 MB
# libJNvPTXCompiler and libJNvrtc (we load PTX through the driver API). Pass carry: [".gpu"].
# The classpath must stay under 15 MB of jars (it travels in the 64 MiB working tree): this script fails above.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mvn -B -q -o install -pl attention/core,quantize,attention/gpu,attention/gpu-tools -am -DskipTests -Dspotless.check.skip=true \
  -Dmdep.analyze.skip=true
mkdir -p .gpu
rm -rf .gpu/lib .gpu/*.jar  # .gpu/*.jar: the layout before the tools module
mvn -B -q -o -pl attention/gpu-tools dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$root/.gpu/lib"
cp attention/gpu-tools/target/headroom-gpu-tools-*.jar .gpu/lib/
for natives in .gpu/lib/jcuda-natives-*.jar; do
  chmod u+w "$natives"
  zip -q -d "$natives" 'lib/libJNvPTXCompiler-*' 'lib/libJNvrtc-*' || true
done
[ -x .gpu/jre/bin/java ] || ../shared/gpu/make-jre.sh .gpu/jre
# the pretrained checkpoint of the runtime's golden check (../shared does not travel; the hf fixtures are tracked)
if [ -d ../shared/models/stories260K ]; then
  mkdir -p .gpu/models && rm -rf .gpu/models/stories260K && cp -r ../shared/models/stories260K .gpu/models/
  chmod -R u+w .gpu/models
fi
# the transformers peers of the end-to-end bench (E2E=1 in check-and-bench.sh)
[ -f ../shared/gpu/peer_e2e_bench.py ] && cp ../shared/gpu/peer_e2e_bench.py .gpu/
# EVAL_RUN=DIR (a finished run of configs/demo.yaml, e.g. runs/demo): the demo evaluate grid for the GPU evaluation
# (EVAL=1 in check-and-bench.sh). The slim classpath has no tokenizer, so the text cases are made and encoded here
# (RunCases --write-cases, with the attention module's tokenizer and CPU runtime on the classpath), the run's plans
# copied, and the CPU's answers for every policy written beside them: .gpu/eval/{cases.json,plans/,policies.txt,cpu.jsonl}.
if [ -n "${EVAL_RUN:-}" ]; then
  mvn -B -q -o install -pl attention -DskipTests -Dspotless.check.skip=true -Dmdep.analyze.skip=true
  mvn -B -q -o -pl attention dependency:build-classpath -Dmdep.outputFile="$root/.gpu/cp-attention.txt" >/dev/null
  cpu_cp="$(ls .gpu/lib/*.jar | tr '\n' ':')attention/target/headroom-attention-0.1.0-SNAPSHOT.jar:$(cat .gpu/cp-attention.txt)"
  rm -rf .gpu/eval && mkdir -p .gpu/eval/plans
  for plan in plan duo_plan kv_plan spans_same_bytes_plan; do
    cp "$EVAL_RUN/artifacts/$plan.json" .gpu/eval/plans/
  done
  p=.gpu/eval/plans
  # configs/demo.yaml's evaluate grid at 4 samples per cell (240 cases), and its methods
  echo "dense,uniform:4:390,plan:$p/plan.json:plan,plan:$p/duo_plan.json:duo,kivi:4,uniform:16:256,plan:$p/kv_plan.json:plan-kv,plan:$p/spans_same_bytes_plan.json:plan-spans-same-bytes,kivi:2:32,kivi:2:128,fp8" \
    > .gpu/eval/policies.txt
  run_cases() { java -Xmx3g -Dai.djl.offline=true -cp "$cpu_cp" dev.headroom.attention.gpu.tools.RunCases \
    --model models/demo --backend cpu --add-bos false "$@"; }
  run_cases --tasks passkey,niah_single --lengths 512,1024,2048 --depths 0.0,0.11,0.22,0.33,0.44,0.56,0.67,0.78,0.89,1.0 \
    --samples 4 --seed 2026 --max-new-tokens 12 --write-cases .gpu/eval/cases.json 2>/dev/null
  started_cpu=$(date +%s)
  run_cases --cases .gpu/eval/cases.json --policy "$(cat .gpu/eval/policies.txt)" > .gpu/eval/cpu.jsonl 2>/dev/null
  grep '^run-cases' .gpu/eval/cpu.jsonl
  echo "cpu answers: $(( $(date +%s) - started_cpu )) s wall"
fi
ls -l .gpu/lib
bytes=$(cat .gpu/lib/*.jar | wc -c)
awk -v b="$bytes" 'BEGIN { printf "slim classpath: %.2f MB of jars (limit 15 MB)\n", b / 1e6 }'
du -sh .gpu
[ "$bytes" -lt 15000000 ] || { echo "slim classpath over 15 MB" >&2; exit 1; }
