#!/usr/bin/env bash
# Here (not on the GPU machine): builds attention/gpu and stages what the GPU machine needs under .gpu/ (git-ignored):
# a slim JRE, the module jar, JCuda and its natives without the 24 MB libJNvPTXCompiler. Pass carry: [".gpu"].
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mvn -B -q -o -pl attention/gpu install -DskipTests
mkdir -p .gpu
[ -x .gpu/jre/bin/java ] || ../shared/gpu/make-jre.sh .gpu/jre
m2=${M2_REPO:-$HOME/.m2/repository}/org/jcuda
cp attention/gpu/target/headroom-attention-gpu-*.jar .gpu/headroom-attention-gpu.jar
cp "$m2/jcuda/12.6.0/jcuda-12.6.0.jar" .gpu/jcuda.jar
cp "$m2/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar" .gpu/jcuda-natives.jar
chmod u+w .gpu/jcuda-natives.jar
zip -q -d .gpu/jcuda-natives.jar 'lib/libJNvPTXCompiler-*' 'lib/libJNvrtc-*' || true
du -sh .gpu
