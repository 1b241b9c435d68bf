#!/usr/bin/env bash
# Data-parallel checks on a CUDA machine: builds the addon against a CUDA libtorch with NCCL, then
# trains the zscl-mtil fixture in one process and in data-parallel ranks on the GPU and compares
# per-step losses and averaged weights (test/distributed/support/parity.ts):
#   1. NCCL, world size 1 (one GPU cannot hold two NCCL ranks: NCCL refuses a duplicate GPU)
#   2. Gloo, 2 ranks, CUDA tensors (both ranks on the one GPU)
#   3. NCCL, 2 ranks: required when the machine has ≥ 2 GPUs, else tried and reported only
#   4. Gloo, 2 ranks, CPU (the CPU acceptance check, as a sanity check of that machine)
#
# Two steps, because the GPU machine has no npm registry and no dev dependencies:
#   here:   bash scripts/gpu/dist-nccl.sh prepare [--with-node]
#           writes .carry/dist-gpu (git-ignored): bundles of the rank worker and the parity
#           driver (esbuild), the fixture files, node-addon-api/node-api-headers, Debian's Gloo
#           headers, and with --with-node an xz-compressed copy of this node binary.
#   there:  bash scripts/gpu/dist-nccl.sh run          (carry: .carry/dist-gpu; `build` only builds)
#           env: TORCH_DIR (default: python3's torch), NCCL_INCLUDE (default: python3's
#           nvidia.nccl), GLOO_INCLUDE (default: torch's include/gloo, else the carried Debian
#           headers), NODE (default: node on PATH, else the carried one), CUDA_TOLERANCE (1e-4:
#           CUDA kernels are not bit-reproducible across the batch shapes of 1 vs N ranks),
#           OUT (log folder, default /tmp/dist-nccl).
set -uo pipefail
cd "$(dirname "$0")/../.."
CARRY=.carry/dist-gpu

prepare() {
  rm -rf "$CARRY" && mkdir -p "$CARRY/fixtures/zscl-mtil" "$CARRY/node_modules" "$CARRY/gloo-include"
  local esbuild=node_modules/.bin/esbuild
  "$esbuild" test/distributed/support/zscl-rank.ts --bundle --platform=node --target=node20 --log-level=warning --outfile="$CARRY/zscl-rank.js" || exit 1
  "$esbuild" scripts/gpu/dist-parity.ts --bundle --platform=node --target=node20 --log-level=warning --outfile="$CARRY/dist-parity.js" || exit 1
  local fixtures=${ZSCL_FIXTURES:-../shared/fixtures}
  cp "$fixtures"/zscl-mtil/{config.json,init_weights.safetensors,inputs.safetensors} "$CARRY/fixtures/zscl-mtil/" || exit 1
  cp -r node_modules/node-addon-api node_modules/node-api-headers "$CARRY/node_modules/"
  if [ -d /usr/include/gloo ]; then cp -r /usr/include/gloo "$CARRY/gloo-include/"; fi
  if [ "${1:-}" = "--with-node" ]; then xz -T2 -6 -c "$(command -v node)" >"$CARRY/node.xz"; fi
  du -sh "$CARRY"
  echo "prepared $CARRY: carry it to the GPU machine and run: bash scripts/gpu/dist-nccl.sh run"
}

# Builds the addon into build-gpu against the CUDA libtorch (NCCL and Gloo headers found as above).
build() {
  local out=${OUT:-/tmp/dist-nccl}
  mkdir -p "$out"
  local torch_dir=${TORCH_DIR:-$(python3 -c 'import os, torch; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))')}
  local torch_include
  torch_include=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "include"))' 2>/dev/null || true)
  local nccl_include=${NCCL_INCLUDE:-$(python3 -c 'import os, nvidia.nccl as n; print(os.path.join(list(n.__path__)[0], "include"))' 2>/dev/null || true)}
  local gloo_include=${GLOO_INCLUDE:-}
  if [ -z "$gloo_include" ] && [ ! -d "$torch_include/gloo" ] && [ -d "$CARRY/gloo-include/gloo" ]; then
    gloo_include=$PWD/$CARRY/gloo-include
  fi
  echo "Torch_DIR=$torch_dir" >&2
  echo "nccl.h from ${nccl_include:-<not found>}; Gloo headers from ${gloo_include:-the torch include folder, if it has them}" >&2
  local flags="${nccl_include:+-I$nccl_include}${gloo_include:+ -I$gloo_include}"
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir" -DZSCL_VERSION=0.1.0 \
    -DCMAKE_JS_INC="$PWD/$CARRY/node_modules/node-api-headers/include;$PWD/$CARRY/node_modules/node-addon-api" \
    -DCMAKE_CXX_FLAGS="$flags" >"$out/cmake-configure.log" 2>&1 || { tail -40 "$out/cmake-configure.log" >&2; echo "FAILED: cmake configure" >&2; return 1; }
  cmake --build build-gpu -j"$(nproc)" >"$out/cmake-build.log" 2>&1 || { grep -E "error" "$out/cmake-build.log" | head -40 >&2; echo "FAILED: build" >&2; return 1; }
  find build-gpu -name zscl.node | head -1
}

run() {
  local out=${OUT:-/tmp/dist-nccl}
  mkdir -p "$out"
  exec > >(tee "$out/dist-nccl.log") 2>&1
  [ -d "$CARRY" ] || { echo "no $CARRY: run 'bash scripts/gpu/dist-nccl.sh prepare' on the dev machine and carry it"; exit 2; }
  local node=${NODE:-$(command -v node || true)}
  if [ -z "$node" ] && [ -f "$CARRY/node.xz" ]; then
    xz -dc "$CARRY/node.xz" >/tmp/zscl-node && chmod +x /tmp/zscl-node && node=/tmp/zscl-node
  fi
  [ -n "$node" ] || { echo "no node: set NODE or prepare with --with-node"; exit 2; }
  echo "node $("$node" --version); $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -4)"
  local addon
  addon=$(build | tail -1)
  [ -f "$addon" ] || { echo "FAILED: no addon built ($addon)"; exit 1; }
  export ZSCL_ADDON=$PWD/$addon ZSCL_FIXTURES=$PWD/$CARRY/fixtures ZSCL_DIST_WORKER_JS=$PWD/$CARRY/zscl-rank.js ZSCL_DIST_TIMEOUT_MS=30000
  local backends
  backends=$("$node" -e 'const a = require(process.env.ZSCL_ADDON); console.log(a.ops.distCompiledBackends().join(","), "cuda devices:", a.runtimeInfo().cudaDevices.length)')
  echo "built $addon; backends: $backends"
  local gpus
  gpus=$(nvidia-smi -L 2>/dev/null | wc -l)
  local tol=${CUDA_TOLERANCE:-1e-4}
  local failed=0

  check() { # label, required (1/0), env..., -- driver args
    local label=$1 required=$2
    shift 2
    echo
    echo "=== $label"
    if env "$@"; then echo "=== $label: ok"; else
      if [ "$required" = 1 ]; then echo "=== $label: FAILED"; failed=1; else echo "=== $label: failed (informational)"; fi
    fi
  }
  local parity="$PWD/$CARRY/dist-parity.js"
  case ",$backends" in *,nccl*) check "1. NCCL, world size 1, CUDA" 1 ZSCL_TEST_DEVICE=cuda ZSCL_DIST_BACKEND=nccl "$node" "$parity" --nproc 1 --tolerance "$tol" ;;
    *) echo "FAILED: this build has no NCCL (is the libtorch CUDA-enabled, and was nccl.h found?)"; failed=1 ;; esac
  case ",$backends" in *,gloo*|gloo*) check "2. Gloo, 2 ranks, CUDA tensors" 1 ZSCL_TEST_DEVICE=cuda ZSCL_DIST_BACKEND=gloo "$node" "$parity" --nproc 2 --tolerance "$tol"
    check "4. Gloo, 2 ranks, CPU" 1 ZSCL_TEST_DEVICE=cpu ZSCL_DIST_BACKEND=gloo "$node" "$parity" --nproc 2 ;;
    *) echo "skipped Gloo checks: this build has no Gloo (libtorch ships no Gloo headers; set GLOO_INCLUDE)" ;; esac
  if [ "$gpus" -ge 2 ]; then
    check "3. NCCL, 2 ranks on 2 GPUs" 1 ZSCL_TEST_DEVICE=cuda ZSCL_DIST_BACKEND=nccl "$node" "$parity" --nproc 2 --tolerance "$tol"
  else
    echo "skipped 3. NCCL, 2 ranks: this machine has $gpus GPU and NCCL refuses two ranks on one GPU"
  fi
  echo
  [ "$failed" = 0 ] && echo "dist-nccl: all required checks passed" || echo "dist-nccl: FAILED"
  exit "$failed"
}

case "${1:-}" in
  prepare) shift; prepare "$@" ;;
  build) build ;;
  run) run ;;
  *) echo "usage: $0 prepare [--with-node] | build | run"; exit 2 ;;
esac
