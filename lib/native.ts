/**
 * Loads the native addon (node-gyp-build: build/ first, then prebuilds/) once, on first use,
 * and types its surface. A prebuilt addon finds libtorch at load time (lib/libtorch.ts); one
 * built here links it by rpath. A load failure becomes an E_NATIVE_LOAD error that says what was
 * looked for, what is missing, and the exact fix; the raw loader text is only its `cause`.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { blasWarning } from './blas-check';
import { ZsclError } from './errors';
import { prebuildLibtorch, preloadLibtorch } from './libtorch';

/** Opaque native tensor handle (owned by exactly one {@link Tensor}). */
export interface NativeHandle {
  readonly __brand: 'TensorHandle';
}

/** Argument accepted where an op takes a tensor or a scalar. */
export type NativeOperand = NativeHandle | number | boolean;

/** Result of the native op table. */
export type NativeResult = NativeHandle | NativeHandle[] | number | boolean | null | undefined;

/** CUDA's TF32 switches, as PyTorch's torch.backends flags. */
export interface TF32Settings {
  /** float32 convolutions through cuDNN (PyTorch default true). */
  cudnn: boolean;
  /** float32 matrix products through cuBLAS (PyTorch default false). */
  matmul: boolean;
}

export interface RuntimeInfo {
  zsclNative: string;
  torchVersion: string;
  torchBuiltAgainst: string;
  torchLibrary: string;
  /** `threading`: OpenBLAS's own threads (openblas_get_parallel), when OpenBLAS serves the products. */
  blas: { name: 'openblas' | 'mkl' | 'reference' | 'unknown'; library: string; detail?: string; threading?: 'openmp' | 'pthread' | 'sequential' };
  parallel: string;
  cudaAvailable: boolean;
  cudaCompiled: boolean;
  cudaDevices: string[];
}

export interface NativeAddon {
  ops: Record<string, (...args: unknown[]) => NativeResult>;
  opAsync(name: string, ...args: unknown[]): Promise<NativeResult>;
  /** Drops the async ops not yet started (their promises stay pending); returns how many. */
  cancelPending(): number;
  /** Frees a handle's tensor (or object); `recycle` promises the caller dropped the handle. */
  dispose(handle: NativeHandle, recycle?: boolean): void;
  /** The handle every disposed Tensor points at: ops given it throw E_DISPOSED. */
  readonly disposedHandle: NativeHandle;
  isDisposed(handle: NativeHandle): boolean;
  meta(handle: NativeHandle): [number, string, number[]];
  readData(handle: NativeHandle, raw?: boolean): ArrayBuffer;
  item(handle: NativeHandle): number | boolean;
  memory(): { tensors: number; bytes: number; storages: number };
  cpuCache(): { mappedBytes: number; cachedBytes: number; peakLiveBytes: number };
  releaseCpuCache(): number;
  setNumThreads(n: number): void;
  initThreads(fallback: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  setAllowTF32(cudnn: boolean, matmul: boolean): void;
  allowTF32(): TF32Settings;
  setGradEnabled(enabled: boolean): void;
  isGradEnabled(): boolean;
  setErrorClass(errorClass: unknown): void;
  runtimeInfo(): RuntimeInfo;
  cudaSynchronize(): void;
}

/** The package root: holds package.json, build/ and prebuilds/ (lib/ or dist/ sit below it). */
export const packageRoot = path.resolve(__dirname, '..');

let addon: NativeAddon | undefined;
let blasWarned = false;

/** The native addon, loaded on first call. Throws E_NATIVE_LOAD with a fix when it cannot load. */
export function native(): NativeAddon {
  if (addon) return addon;
  const loaded = loadAddon();
  loaded.setErrorClass(ZsclError);
  loaded.initThreads(defaultThreadCount());
  // An exiting process (or worker) would otherwise wait for every queued async op to run.
  process.once('exit', () => loaded.cancelPending());
  addon = loaded;
  warnIfSlowBlas(loaded);
  return loaded;
}

/** Threads for libtorch's intra-op pool: ZSCL_NUM_THREADS, else the cores this process may use. */
function defaultThreadCount(): number {
  const fromEnv = Number(process.env.ZSCL_NUM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, os.availableParallelism());
}

// The file the main thread loaded, for worker threads: they must load the very same file (a
// second copy of the addon in one process would not share its state, and the checkout's build
// may be rebuilt while a process still runs from the file it mapped).
const LOADED_ADDON_ENV = 'ZSCL_ADDON_LOADED';

function loadAddon(): NativeAddon {
  const require = createRequire(__filename);
  let file: string;
  try {
    file = addonFile(require);
  } catch (error) {
    throw explainLoadFailure(error);
  }
  const libtorch = prebuildLibtorch(file);
  if (libtorch) preloadLibtorch(libtorch);
  try {
    const addon = require(file) as NativeAddon;
    // Tagged with the pid: child processes inherit the environment but load their own addon.
    if (isMainThread) process.env[LOADED_ADDON_ENV] = `${process.pid}:${file}`;
    return addon;
  } catch (error) {
    throw explainLoadFailure(error);
  }
}

function addonFile(require: NodeJS.Require): string {
  const loaded = /^(\d+):(.+)$/.exec(process.env[LOADED_ADDON_ENV] ?? '');
  if (!isMainThread && loaded && Number(loaded[1]) === process.pid) return loaded[2];
  // ZSCL_ADDON picks one .node file (e.g. a CUDA build kept beside the default one).
  if (process.env.ZSCL_ADDON) return path.resolve(process.env.ZSCL_ADDON);
  const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  return nodeGypBuild.resolve(packageRoot);
}

const APT_FIX = 'sudo apt-get install -y libtorch-dev libopenblas0-openmp';

/** Turns a loader failure into what a user can act on. */
function explainLoadFailure(error: unknown): ZsclError {
  const raw = error instanceof Error ? error.message : String(error);
  const looked = `Looked for the addon in ${path.join(packageRoot, 'build', 'Release')} and ${path.join(
    packageRoot,
    'prebuilds',
    `${process.platform}-${process.arch}`,
  )}.`;
  let lines: string[];
  const missingLib = /(lib[\w.+-]+\.so[.\d]*): cannot open shared object file/.exec(raw);
  if (/No native build was found/.test(raw)) {
    lines = [
      'zscl: the native addon is not built.',
      looked,
      'Fix: run `npm rebuild zscl` (in a checkout: `npm run build:native`). It needs libtorch:',
      `  on Debian/Ubuntu: ${APT_FIX}`,
      '  elsewhere: set LIBTORCH=/path/to/libtorch (unzipped from pytorch.org) before building.',
    ];
  } else if (missingLib) {
    const lib = missingLib[1];
    const isTorch = /^lib(torch|c10|caffe2|shm)/.test(lib);
    lines = [
      `zscl: the native addon was found but the shared library ${lib} it needs is missing.`,
      isTorch
        ? `libtorch was removed or moved since the addon was built. Fix: ${APT_FIX}, or rebuild against your libtorch: LIBTORCH=/path/to/libtorch npm rebuild zscl`
        : `Fix: install the package that provides ${lib} (apt-file search ${lib}), then npm rebuild zscl.`,
    ];
  } else if (/undefined symbol|version `.*' not found/.test(raw)) {
    lines = [
      'zscl: the native addon does not match the libtorch found at run time (it was built against another version).',
      'Fix: rebuild it against the libtorch you have: npm rebuild zscl',
    ];
  } else {
    lines = ['zscl: the native addon could not be loaded.', looked, 'Fix: npm rebuild zscl'];
  }
  return new ZsclError(lines.join('\n'), 'E_NATIVE_LOAD', { cause: error });
}

function warnIfSlowBlas(loaded: NativeAddon): void {
  if (blasWarned || process.env.ZSCL_NO_BLAS_WARNING) return;
  blasWarned = true;
  const warning = blasWarning(loaded.runtimeInfo().blas);
  if (warning) process.emitWarning(`${warning} (set ZSCL_NO_BLAS_WARNING=1 to silence).`, { code: 'ZSCL_SLOW_BLAS' });
}
