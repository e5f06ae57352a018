#!/usr/bin/env bash
# Rehearses `train-demo` runs on the GPU machine, several side by side: TrainingSetExport --steps writes exactly the
# batches a CPU run of STEPS steps draws (same seed, curriculum, batch sizes), and rehearse_train_demo.py
# trains on them with DemoTrainer's loss weights, schedule and optimizer settings (fp32). Run from the repository
# root with .gpu/jre and .gpu-train/ carried.
#   scripts/demo-gpu/rehearse.sh STEPS MINUTES "name:rope_theta:lr:local_prob[:shares[:shape[:torch_seed[:steps[:config]]]]]] ..."
#   shares: task=share,... or default; shape: the curriculum's shortPhase,grownBy,longShare; steps: this variant's
#   schedule length (default STEPS); config: config.json overrides key=int;key=int
set -euo pipefail
steps=${1:?steps}; minutes=${2:?minutes}; variants=${3:?variants}
out=${OUT:-/tmp/out}
java=.gpu/jre/bin/java; cp_="$(ls .gpu-train/*.jar | tr '\n' ':')"
t0=$(date +%s)
declare -A made
for v in $variants; do
  IFS=: read -r name theta lr local shares shape seed vsteps <<<"$v"
  key=${shares:-default}:${shape:-}:${vsteps:-$steps}
  [ -n "${made[$key]:-}" ] && continue
  made[$key]=1
  data=/tmp/steps-$(echo "$key" | md5sum | cut -c1-8)
  $java -cp "$cp_" dev.headroom.train.TrainingSetExport --steps $data "${vsteps:-$steps}" 1234 4096 2048 8 "${shares:-default}" ${shape:+"$shape"} &
done
wait
for key in "${!made[@]}"; do
  data=/tmp/steps-$(echo "$key" | md5sum | cut -c1-8)
  $java -cp "$cp_" dev.headroom.train.TrainingSetExport $data 600 99 HELD_OUT 128 2048 8 > /dev/null
done
echo "export took $(( $(date +%s) - t0 )) s"
for v in $variants; do
  IFS=: read -r name theta lr local shares shape seed vsteps cfg <<<"$v"
  data=/tmp/steps-$(echo "${shares:-default}:${shape:-}:${vsteps:-$steps}" | md5sum | cut -c1-8)
  mkdir -p "$out/$name"
  python3 scripts/demo-gpu/rehearse_train_demo.py --data $data --out "$out/$name" --minutes "$minutes" \
    --lm-weight 0.1 --lr "$lr" --rope-theta "$theta" --local-prob "$local" --local-layers 0,1 --local-sink 4 \
    --local-window 16 --seed "${seed:-0}" --config "${cfg:-}" > "$out/$name/console.log" 2>&1 &
done
wait
for v in $variants; do
  name=${v%%:*}
  python3 - "$out/$name/console.log" "$name" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
steps = [r["step"] for r in recs if "step" in r]
for r in recs:
    for key in ("final_held_out_exact", "final_held_out_exact_local_layers"):
        if key in r:
            cells = {k: v for k, v in r[key].items() if not k.startswith("copy")}
            print(sys.argv[2], "local" if "local" in key else "dense", "last step", steps[-1] if steps else "-",
                  " ".join(f"{k.replace('variable_tracking', 'vt').replace('niah_', '')}={v}" for k, v in cells.items()))
PY
done
for v in $variants; do name=${v%%:*}; tar -C "$out" -czf "$out/$name.tgz" "$name" && rm -rf "${out:?}/$name"; done
