#!/usr/bin/env bash
# Trains demo-model variants side by side on the GPU machine (run there from the repository root, with .gpu/jre and
# .gpu-train/ carried; see stage-train-dir.sh). Exports the training data with headroom's own generators
# (TrainingSetExport, 16 threads), then runs scripts/demo-gpu/train_demo_torch.py once per variant, in parallel.
#   scripts/demo-gpu/train-variants.sh MINUTES COUNT "name:layers:kv_heads:seed[:local_prob] ..."
set -euo pipefail
minutes=${1:?minutes}; count=${2:?sequences}; variants=${3:?variants}
out=${OUT:-/tmp/out}
data=/tmp/demo-data
java=.gpu/jre/bin/java
cp_="$(ls .gpu-train/*.jar | tr '\n' ':')"
t0=$(date +%s)
$java -cp "$cp_" dev.headroom.train.TrainingSetExport $data "$count" 20261122 TRAIN 128 2048 16
$java -cp "$cp_" dev.headroom.train.TrainingSetExport $data 600 99 HELD_OUT 128 2048 16
echo "export took $(( $(date +%s) - t0 )) s"
nvidia-smi --query-gpu=name,memory.used --format=csv,noheader
for v in $variants; do
  IFS=: read -r name layers kv seed local <<<"$v"
  mkdir -p "$out/$name"
  python3 scripts/demo-gpu/train_demo_torch.py --data $data --out "$out/$name" --minutes "$minutes" \
    --batch-tokens 16384 --lm-weight 0.02 --lr 2e-3 --layers "$layers" --kv-heads "$kv" --seed "$seed" --local-prob "${local:-0}" \
    > "$out/$name/console.log" 2>&1 &
done
wait
for v in $variants; do name=${v%%:*}; echo "== $name"; tail -n 2 "$out/$name/console.log"; done
# the device returns few files: pack each variant into one archive
for v in $variants; do name=${v%%:*}; tar -C "$out" -czf "$out/$name.tgz" "$name" && rm -rf "${out:?}/$name"; done
