#!/usr/bin/env bash
# Rehearses `train-demo` runs on the GPU machine, several side by side: TrainingSetExport --steps writes exactly the
# batches a CPU run of STEPS steps draws (same seed, curriculum, batch sizes), and train_demo_torch.py --steps-mode
# trains on them with DemoTrainer's loss weights, schedule and optimizer settings (fp32). Run from the repository
# root with .gpu/jre and .gpu-train/ carried.
#   scripts/demo-gpu/rehearse.sh STEPS MINUTES "name:rope_theta:lr:local_prob[:shares[:shape[:torch_seed]]]] ..."
#   shares: task=share,... or default; shape: the curriculum's shortPhase,grownBy,longShare
set -euo pipefail
steps=${1:?steps}; minutes=${2:?minutes}; variants=${3:?variants}
out=${OUT:-/tmp/out}
java=.gpu/jre/bin/java; cp_="$(ls .gpu-train/*.jar | tr '\n' ':')"
t0=$(date +%s)
declare -A made
for v in $variants; do
  IFS=: read -r name theta lr local shares shape <<<"$v"
  key=${shares:-default}:${shape:-}
  [ -n "${made[$key]:-}" ] && continue
  made[$key]=1
  data=/tmp/steps-$(echo "$key" | md5sum | cut -c1-8)
  $java -cp "$cp_" dev.headroom.train.TrainingSetExport --steps $data "$steps" 1234 4096 2048 8 "${shares:-default}" ${shape:+"$shape"} &
done
wait
for key in "${!made[@]}"; do
  data=/tmp/steps-$(echo "$key" | md5sum | cut -c1-8)
  $java -cp "$cp_" dev.headroom.train.TrainingSetExport $data 600 99 HELD_OUT 128 2048 8 > /dev/null
done
echo "export took $(( $(date +%s) - t0 )) s"
for v in $variants; do
  IFS=: read -r name theta lr local shares shape seed <<<"$v"
  data=/tmp/steps-$(echo "${shares:-default}:${shape:-}" | md5sum | cut -c1-8)
  mkdir -p "$out/$name"
  python3 scripts/demo-gpu/rehearse_train_demo.py --data $data --out "$out/$name" --minutes "$minutes" \
    --lm-weight 0.1 --lr "$lr" --rope-theta "$theta" --local-prob "$local" --local-layers 0,1 --local-sink 4 \
    --local-window 16 --seed "${seed:-0}" > "$out/$name/console.log" 2>&1 &
done
wait
for v in $variants; do name=${v%%:*}; echo "== $name"; grep -h final "$out/$name/console.log" | cut -c1-900; grep -c '"step"' "$out/$name/console.log"; done
for v in $variants; do name=${v%%:*}; tar -C "$out" -czf "$out/$name.tgz" "$name" && rm -rf "${out:?}/$name"; done
