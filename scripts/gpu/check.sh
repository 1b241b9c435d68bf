#!/usr/bin/env bash
# The GPU check of zscl, as one prepared script (the device tool runs it on a CUDA machine):
# builds the whole addon against the machine's CUDA libtorch (PyTorch's bundled one), then runs
# the core test bundle on CUDA, the CLIP/ZSCL CUDA checks, and the data-parallel NCCL/Gloo checks.
#   here:   bash scripts/gpu/check.sh prepare      (writes .carry/gpu, .carry/core-gpu, .carry/dist-gpu)
#   there:  bash scripts/gpu/check.sh run          (carry: .carry)
set -uo pipefail
cd "$(dirname "$0")/../.."

prepare() {
  mkdir -p .carry/gpu/fixtures .carry/gpu/bench
  node_modules/.bin/esbuild scripts/gpu/cuda-checks.ts --bundle --platform=node --target=node20 --log-level=warning \
    --external:sharp --outfile=.carry/gpu/cuda-checks.js || exit 1
  cp -r ../shared/fixtures/tiny-clip ../shared/fixtures/zscl-mtil ../shared/fixtures/zscl-cil .carry/gpu/fixtures/
  cp ../shared/bench/reference_clip.py .carry/gpu/bench/
  bash scripts/gpu/dist-nccl.sh prepare >/dev/null || exit 1
  du -sh .carry
}

run() {
  local out=${OUT:-/tmp/zscl-gpu}
  mkdir -p "$out"
  gunzip -c .carry/core-gpu/node.gz >/tmp/node && chmod +x /tmp/node
  export NODE=/tmp/node PATH=/tmp:$PATH
  # Build (the dist script builds the whole addon into build-gpu; its checks run at the end).
  SECONDS=0
  OUT=$out/dist bash scripts/gpu/dist-nccl.sh run >"$out/dist.log" 2>&1 &
  local dist=$!
  # Wait for the build, then run the CUDA checks beside the dist checks' start.
  while [ ! -f build-gpu/zscl.node ] && [ ! -f build-gpu/Release/zscl.node ] && kill -0 $dist 2>/dev/null; do sleep 2; done
  local addon
  addon=$(find build-gpu -name zscl.node | head -1)
  echo "build: $addon after $SECONDS s"
  wait $dist
  echo "dist checks rc=$? after $SECONDS s"; grep -E "^=== |dist-nccl:" "$out/dist.log"
  export ZSCL_ADDON=$PWD/$addon ZSCL_FIXTURES=$PWD/.carry/gpu/fixtures ZSCL_REFERENCE_BENCH=$PWD/.carry/gpu/bench
  timeout 240 /tmp/node .carry/gpu/cuda-checks.js 2>&1 | tee "$out/cuda-checks.log"
  echo "cuda checks after $SECONDS s"
  SKIP='child process|reported to V8' timeout 150 /tmp/node .carry/core-gpu/tests.js >"$out/core-tests.log" 2>&1
  echo "core tests rc=$? after $SECONDS s"; tail -3 "$out/core-tests.log"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: $0 prepare | run"; exit 2 ;;
esac
