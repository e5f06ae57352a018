#!/usr/bin/env bash
# Here (not on the GPU machine): builds the GPU path and stages what the GPU machine needs under .gpu/ (git-ignored):
# a slim JRE and the slim classpath .gpu/lib/ = the runtime classpath of attention/gpu-tools (the core, quantize, eval,
# attention/gpu, the tools, JCuda, Jackson for the core) with JCuda's natives stripped of the 24 MB
# libJNvPTXCompiler and libJNvrtc (we load PTX through the driver API). Pass carry: [".gpu"].
# The classpath must stay under 15 MB of jars (it travels in the 64 MiB working tree): this script fails above.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mvn -B -q -o install -pl attention/core,quantize,attention/gpu,attention/gpu-tools -am -DskipTests
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
ls -l .gpu/lib
bytes=$(cat .gpu/lib/*.jar | wc -c)
awk -v b="$bytes" 'BEGIN { printf "slim classpath: %.2f MB of jars (limit 15 MB)\n", b / 1e6 }'
du -sh .gpu
[ "$bytes" -lt 15000000 ] || { echo "slim classpath over 15 MB" >&2; exit 1; }
