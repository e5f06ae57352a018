#!/usr/bin/env bash
# Fine-tunes the committed demo model (models/demo) with stochastic local layers, several settings side by side, on
# the GPU machine (run from the repository root with .gpu/jre and .gpu-train/ carried).
#   scripts/demo-gpu/finetune-local.sh MINUTES COUNT SKIP "name:lr:local_prob ..."
set -euo pipefail
minutes=${1:?}; count=${2:?}; skip=${3:?}; variants=${4:?}
out=${OUT:-/tmp/out}; data=/tmp/demo-data
java=.gpu/jre/bin/java; cp_="$(ls .gpu-train/*.jar | tr '\n' ':')"
$java -cp "$cp_" dev.headroom.train.TrainingSetExport $data "$count" 20261123 TRAIN 128 2048 16
$java -cp "$cp_" dev.headroom.train.TrainingSetExport $data 600 99 HELD_OUT 128 2048 16
for v in $variants; do
  IFS=: read -r name lr prob <<<"$v"
  mkdir -p "$out/$name"
  python3 scripts/demo-gpu/train_demo_torch.py --data $data --out "$out/$name" --init models/demo --minutes "$minutes" \
    --skip-fraction "$skip" --warmup 50 --batch-tokens 16384 --lm-weight 0.02 --lr "$lr" --local-prob "$prob" \
    --local-layers 0,1 --local-sink 4 --local-window 16 > "$out/$name/console.log" 2>&1 &
done
wait
for v in $variants; do name=${v%%:*}; echo "== $name"; grep -m1 "attention check" "$out/$name/console.log" || true; tail -n 2 "$out/$name/console.log"; done
for v in $variants; do name=${v%%:*}; tar -C "$out" -czf "$out/$name.tgz" "$name" && rm -rf "${out:?}/$name"; done
