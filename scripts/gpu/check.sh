#!/usr/bin/env bash
# The GPU check of zscl, as one prepared script (the device tool runs it on a CUDA machine):
# builds the whole addon against the machine's CUDA libtorch (PyTorch's bundled one), then runs
# the CLIP/ZSCL CUDA checks, the GPU step benchmark (scripts/bench/gpu-zscl-step.ts), the data-parallel NCCL/Gloo checks and the core test bundle on CUDA.
#   here:   bash scripts/gpu/check.sh prepare      (writes .carry/gpu, .carry/core-gpu, .carry/dist-gpu)
#   there:  bash scripts/gpu/check.sh run          (carry: .carry)
set -uo pipefail
cd "$(dirname "$0")/../.."

prepare() {
  mkdir -p .carry/gpu/fixtures .carry/gpu/bench
  node_modules/.bin/esbuild scripts/gpu/cuda-checks.ts --bundle --platform=node --target=node20 --log-level=warning \
    --external:sharp --outfile=.carry/gpu/cuda-checks.js || exit 1
  # The bundle finds the package root (version, configs) one folder above itself.
  cp package.json .carry/ && rm -rf .carry/configs && cp -r configs .carry/
  # The checks decode no images; the GPU machine has no sharp, so a stub answers its require().
  mkdir -p .carry/gpu/node_modules/sharp
  echo "module.exports = () => { throw new Error('sharp is not installed on this machine'); };" >.carry/gpu/node_modules/sharp/index.js
  # zscl-cil stays behind: the carry is limited to 64 MiB and zscl-mtil exercises the same code on CUDA.
  rm -rf .carry/gpu/fixtures/* && cp -r ../shared/fixtures/tiny-clip ../shared/fixtures/zscl-mtil .carry/gpu/fixtures/
  cp ../shared/bench/reference_clip.py ../shared/bench/reference_zscl_step.py ../shared/bench/reference_image_pipeline.py .carry/gpu/bench/
  # The GPU step benchmark and its zscl child, side by side (it finds the child beside itself).
  for b in gpu-zscl-step zscl-step; do
    node_modules/.bin/esbuild scripts/bench/$b.ts --bundle --platform=node --target=node20 --log-level=warning \
      --external:sharp --external:esbuild --outfile=.carry/gpu/$b.js || exit 1
  done
  bash scripts/gpu/dist-nccl.sh prepare >/dev/null || exit 1
  du -sh .carry
}

run() {
  local out=${OUT:-/tmp/zscl-gpu}
  mkdir -p "$out"
  gunzip -c .carry/core-gpu/node.gz >/tmp/node && chmod +x /tmp/node
  export NODE=/tmp/node PATH=/tmp:$PATH
  SECONDS=0
  local addon
  addon=$(OUT=$out bash scripts/gpu/dist-nccl.sh build | tail -1)
  echo "build: ${addon:-FAILED} after $SECONDS s"
  [ -f "$addon" ] || exit 1
  # Most informative first: CLIP and ZSCL on CUDA, then data-parallel, then the core bundle.
  ZSCL_ADDON=$PWD/$addon ZSCL_FIXTURES=$PWD/.carry/gpu/fixtures ZSCL_REFERENCE_BENCH=$PWD/.carry/gpu/bench \
    timeout 170 /tmp/node .carry/gpu/cuda-checks.js 2>&1 | tee "$out/cuda-checks.log"
  echo "cuda checks after $SECONDS s"
  # ZSCL step per precision vs PyTorch, MFU, evaluation rate, MTIL order I projection, decode rate.
  ZSCL_ADDON=$PWD/$addon ZSCL_REFERENCE_BENCH=$PWD/.carry/gpu/bench ZSCL_PYTHON=python3 \
    timeout 240 /tmp/node .carry/gpu/gpu-zscl-step.js --device cuda --steps 8 --warmup 2 --workers 1,4,8,16 \
    >"$out/gpu-zscl-step.json" 2>"$out/gpu-zscl-step.log"
  echo "gpu step bench rc=$? after $SECONDS s"; tail -c 3000 "$out/gpu-zscl-step.json"
  OUT=$out/dist timeout 120 bash scripts/gpu/dist-nccl.sh run >"$out/dist.log" 2>&1
  echo "dist checks rc=$? after $SECONDS s"; grep -E "^=== |dist-nccl:|skipped" "$out/dist.log"
  ZSCL_ADDON=$PWD/$addon SKIP='child process|reported to V8' timeout 60 /tmp/node .carry/core-gpu/tests.js >"$out/core-tests.log" 2>&1
  echo "core tests rc=$? after $SECONDS s"; tail -3 "$out/core-tests.log"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: $0 prepare | run"; exit 2 ;;
esac
