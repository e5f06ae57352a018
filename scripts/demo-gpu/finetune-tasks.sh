#!/usr/bin/env bash
# Fine-tunes models/demo on a task mix (curriculum from the start: copy bootstrap, then the mix, lengths growing), with
# stochastic local layers kept on, several settings side by side on the GPU machine.
#   scripts/demo-gpu/finetune-tasks.sh MINUTES COUNT "name:lr:shares[:batch_tokens] ..."   (shares: task=share,...)
set -euo pipefail
minutes=${1:?}; count=${2:?}; variants=${3:?}
out=${OUT:-/tmp/out}
java=.gpu/jre/bin/java; cp_="$(ls .gpu-train/*.jar | tr '\n' ':')"
for v in $variants; do
  IFS=: read -r name lr shares batch <<<"$v"
  data=/tmp/data-$name
  $java -cp "$cp_" dev.headroom.train.TrainingSetExport $data "$count" 20261124 TRAIN 128 2048 4 "$shares" &
done
wait
for v in $variants; do
  IFS=: read -r name lr shares batch <<<"$v"
  $java -cp "$cp_" dev.headroom.train.TrainingSetExport /tmp/data-$name 600 99 HELD_OUT 128 2048 4
  mkdir -p "$out/$name"
  python3 scripts/demo-gpu/train_demo_torch.py --data /tmp/data-$name --out "$out/$name" --init models/demo \
    --minutes "$minutes" --warmup 50 --batch-tokens "${batch:-16384}" --lm-weight 0.02 --lr "$lr" --local-prob 0.5 \
    --local-layers 0,1 --local-sink 4 --local-window 16 > "$out/$name/console.log" 2>&1 &
done
wait
for v in $variants; do name=${v%%:*}; echo "== $name"; tail -n 3 "$out/$name/console.log" | grep final; done
for v in $variants; do name=${v%%:*}; tar -C "$out" -czf "$out/$name.tgz" "$name" && rm -rf "${out:?}/$name"; done
