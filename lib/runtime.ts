/** Process-level settings and facts: threads, seeds, memory, and what libtorch runs on. */
import fs from 'node:fs';
import path from 'node:path';
import { argumentError } from './errors';
import type { RuntimeInfo, TF32Settings } from './native';
import { native, packageRoot } from './native';

/** Sets libtorch's intra-op thread count for this process (default: the cores it may use). Sync. */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw argumentError('setNumThreads', 'a positive integer', threads);
  }
  native().setNumThreads(threads);
}

/** The intra-op thread count in effect on this thread. */
export function getNumThreads(): number {
  return native().getNumThreads();
}

/** Seeds libtorch's global generators (CPU and CUDA) so random draws repeat. Sync. */
export function manualSeed(seed: number): void {
  native().manualSeed(seed);
}

/**
 * Whether CUDA may compute float32 convolutions (cuDNN) and matrix products (cuBLAS) in TF32:
 * PyTorch's `torch.backends.cudnn.allow_tf32` (default true) and
 * `torch.backends.cuda.matmul.allow_tf32` (default false). TF32 keeps 10 mantissa bits, so
 * results differ from CPU float32 by ~1e-4 relative; turn both off for bit-closer CUDA results.
 * Unset fields keep their value. Sync.
 * @throws ZsclError E_ARG for an unknown field or a value that is not a boolean.
 */
export function setAllowTF32(settings: Partial<TF32Settings>): void {
  const current = native().allowTF32();
  for (const [key, value] of Object.entries(settings)) {
    if (!(key in current)) throw argumentError('setAllowTF32', 'the keys cudnn and matmul only', key);
    if (typeof value !== 'boolean') throw argumentError('setAllowTF32', `${key} to be a boolean`, value);
  }
  native().setAllowTF32(settings.cudnn ?? current.cudnn, settings.matmul ?? current.matmul);
}

/** The TF32 settings in effect (see {@link setAllowTF32}). Sync. */
export function allowTF32(): TF32Settings {
  return native().allowTF32();
}

/** Live tensors and the bytes of the storages they hold (views share one storage). */
export interface MemoryInfo {
  tensors: number;
  bytes: number;
  storages: number;
}

/** Live native tensors of this thread's environment. Sync. */
export function memory(): MemoryInfo {
  return native().memory();
}

/**
 * The process-wide cache of large CPU tensor blocks (128 KiB and up). libtorch's CPU tensors are
 * allocated on several threads; rather than leave freed memory in each thread's malloc arena, zscl
 * keeps freed large blocks in one cache that every thread reuses, bounded by the peak of live
 * bytes plus 64 MiB. `ZSCL_CPU_ALLOCATOR=system` in the environment turns it off.
 */
export interface CpuCacheInfo {
  /** Bytes mapped for large blocks, live and cached. */
  mappedBytes: number;
  /** Bytes of freed blocks kept for reuse. */
  cachedBytes: number;
  /** The most bytes of large blocks live at once so far. */
  peakLiveBytes: number;
}

/** The CPU block cache's figures (process-wide). Sync. */
export function cpuCache(): CpuCacheInfo {
  return native().cpuCache();
}

/** Returns every cached CPU block to the operating system and the number of bytes released. Sync. */
export function releaseCpuCache(): number {
  return native().releaseCpuCache();
}

/** Waits for queued CUDA work (a no-op on CPU). */
export function cudaSynchronize(): void {
  native().cudaSynchronize();
}

/** Whether a CUDA device can be used. */
export function cudaAvailable(): boolean {
  return native().runtimeInfo().cudaAvailable;
}

/** Everything `zscl info` prints. */
export interface SystemInfo extends RuntimeInfo {
  zsclVersion: string;
  node: string;
  threads: number;
  /** How the build found libtorch (from build/libtorch.json), when built from source here. */
  libtorchSource?: string;
}

/** Versions, libtorch location, BLAS, threads and CUDA devices. Sync. */
export function systemInfo(): SystemInfo {
  const runtime = native().runtimeInfo();
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  let libtorchSource: string | undefined;
  try {
    const built = JSON.parse(fs.readFileSync(path.join(packageRoot, 'build', 'libtorch.json'), 'utf8')) as {
      torchDir: string;
      source: string;
    };
    libtorchSource = `${built.source}: ${built.torchDir}`;
  } catch {
    libtorchSource = undefined;
  }
  return { ...runtime, zsclVersion: pkg.version, node: process.version, threads: getNumThreads(), libtorchSource };
}
