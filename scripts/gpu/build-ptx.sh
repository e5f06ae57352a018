#!/usr/bin/env bash
# Regenerates the committed PTX of attention/gpu from its CUDA C, with a sidecar holding the source hash.
# Usage: scripts/gpu/build-ptx.sh            (needs nvcc; 13.0 was used)
# The sidecar NAME.ptx.sha256 holds sha256(NAME.cu followed by every *.cuh of the folder, sorted by name);
# PtxFreshnessTest recomputes it, so a .cu edited without regenerating its PTX fails the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/attention/gpu/src/main/cuda
dst=$root/attention/gpu/src/main/resources/dev/headroom/attention/gpu
# NAME_sm90a.cu uses Hopper-only instructions (wgmma): PTX for sm_90a; the rest: sm_90.
mkdir -p "$dst"
cd "$src"
for cu in *.cu; do
  name=${cu%.cu}
  case $name in *_sm90a) arch=-arch=compute_90a ;; *) arch=-arch=sm_90 ;; esac
  nvcc $arch -O3 -std=c++17 --ptx -o "$dst/$name.ptx" "$cu"
  cat "$cu" $(LC_ALL=C ls *.cuh) | sha256sum | cut -d' ' -f1 > "$dst/$name.ptx.sha256"
  echo "$name.ptx $(cat "$dst/$name.ptx.sha256")"
done
