/**
 * Finds libtorch at load time for a prebuilt addon. A prebuild carries no rpath (the folder of
 * the machine that built it means nothing elsewhere); `scripts/prebuild.js` writes the sonames it
 * links (`libtorch.json` beside it). Before the addon loads, the first folder holding all of them
 * is looked up and they are loaded from there, dependencies first: the dynamic linker then binds
 * the addon's own dependencies to those already loaded (it matches them by soname).
 *
 * Looked in, in order: `$LIBTORCH` (a libtorch folder: its `lib/`, or itself) when set; otherwise
 * the folders of `$ZSCL_LIBTORCH_SEARCH` (`:`-separated) when set, which replace the defaults — the
 * folder the prebuild was built against, `$LD_LIBRARY_PATH`, Debian's `/usr/lib/<triplet>`,
 * `/usr/local/lib`, `/usr/lib`, and a Python torch's `torch/lib` (`$PYTHON` or python3).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZsclError } from './errors';
import { readJsonFile } from './io/json-file';

/** What `scripts/prebuild.js` records beside a prebuilt addon. */
export interface PrebuildLibtorch {
  /** The libtorch sonames the addon links, e.g. libc10.so.1.13. */
  libraries: string[];
  /** The libtorch version it was built against, e.g. 1.13.1. */
  torchVersion: string;
  /** The libtorch library folder of the build machine (tried first). */
  builtAgainst?: string;
}

/** The file beside a prebuilt addon that marks it as one and names its libtorch libraries. */
const PREBUILD_LIBTORCH_FILE = 'libtorch.json';

// glibc's RTLD_NODELETE (macOS: 0x80): process.dlopen closes a library that registers no addon,
// and this keeps it loaded for the addon that follows.
const RTLD_NODELETE = process.platform === 'darwin' ? 0x80 : 0x1000;

const preloaded = new Set<string>();

/** The prebuild's libtorch record, or undefined for an addon built here (it keeps its rpath). */
export function prebuildLibtorch(addonFile: string): PrebuildLibtorch | undefined {
  const file = path.join(path.dirname(addonFile), PREBUILD_LIBTORCH_FILE);
  if (!fs.existsSync(file)) return undefined;
  const damaged = (why: string, cause?: unknown) =>
    new ZsclError(`zscl: ${file} is damaged (${why}). Fix: reinstall zscl (npm install zscl)`, 'E_NATIVE_LOAD', { cause });
  let record: PrebuildLibtorch;
  try {
    record = readJsonFile(file, { what: 'the prebuild record' }) as PrebuildLibtorch;
  } catch (error) {
    throw damaged((error as Error).message, error);
  }
  if (typeof record !== 'object' || record === null || !Array.isArray(record.libraries)) throw damaged('no "libraries" list');
  return record;
}

/**
 * Loads the libtorch libraries a prebuilt addon needs from the first folder that has them all.
 * Returns that folder. Sync.
 * @throws ZsclError E_NATIVE_LOAD naming what to install when no folder has them, or when they do
 *   not load there.
 */
export function preloadLibtorch(record: PrebuildLibtorch, env: NodeJS.ProcessEnv = process.env): string {
  const { folder, looked } = findLibtorchFolder(record, env);
  if (!folder) throw notFound(record, looked, env);
  for (const name of [...record.libraries].sort((a, b) => loadRank(a) - loadRank(b))) {
    const file = path.join(folder, name);
    if (preloaded.has(file)) continue;
    try {
      process.dlopen({ exports: {} }, file, os.constants.dlopen.RTLD_NOW | RTLD_NODELETE);
    } catch (error) {
      // A plain library loads, then Node reports that it registered no addon: that is success.
      if (!/did not self-register/.test((error as Error).message)) throw unloadable(file, error);
    }
    preloaded.add(file);
  }
  return folder;
}

/** The first folder holding every library of `record`, and the places looked in. */
export function findLibtorchFolder(record: PrebuildLibtorch, env: NodeJS.ProcessEnv = process.env): { folder?: string; looked: string[] } {
  const looked: string[] = [];
  for (const candidate of candidateFolders(record, env)) {
    const folder = typeof candidate === 'function' ? candidate() : candidate;
    if (!folder) continue;
    looked.push(folder);
    if (record.libraries.every((name) => fs.existsSync(path.join(folder, name)))) return { folder, looked };
  }
  return { looked };
}

type Candidate = string | (() => string | undefined);

function candidateFolders(record: PrebuildLibtorch, env: NodeJS.ProcessEnv): Candidate[] {
  if (env.LIBTORCH) return [path.join(env.LIBTORCH, 'lib'), env.LIBTORCH];
  if (env.ZSCL_LIBTORCH_SEARCH !== undefined) return env.ZSCL_LIBTORCH_SEARCH.split(path.delimiter).filter(Boolean);
  const multiarch = fs.existsSync('/usr/lib') ? fs.readdirSync('/usr/lib').filter((entry) => /-linux-gnu/.test(entry)) : [];
  return [
    ...(record.builtAgainst ? [record.builtAgainst] : []),
    ...(env.LD_LIBRARY_PATH ?? '').split(path.delimiter).filter(Boolean),
    ...multiarch.map((entry) => path.join('/usr/lib', entry)),
    '/usr/local/lib',
    '/usr/lib',
    () => pythonTorchLib(env),
  ];
}

/** A Python torch's bundled libtorch folder, found without importing torch (that takes seconds). */
function pythonTorchLib(env: NodeJS.ProcessEnv): string | undefined {
  const script = "import importlib.util as u; s = u.find_spec('torch'); print(s.submodule_search_locations[0] if s else '')";
  const result = spawnSync(env.PYTHON || 'python3', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20000, env });
  const torch = result.status === 0 ? result.stdout.trim() : '';
  return torch ? path.join(torch, 'lib') : undefined;
}

/** Dependencies first: c10, then torch_cpu (and the CUDA parts), then torch. */
function loadRank(name: string): number {
  const order = [/^libc10\./, /^libc10_/, /^libtorch_cpu\./, /^libtorch_/, /^libtorch\./];
  const rank = order.findIndex((pattern) => pattern.test(name));
  return rank < 0 ? order.length : rank;
}

function wanted(record: PrebuildLibtorch): string {
  return `libtorch ${record.torchVersion} (${record.libraries.join(', ')})`;
}

function notFound(record: PrebuildLibtorch, looked: string[], env: NodeJS.ProcessEnv): ZsclError {
  // Debian names its libraries with the version (libc10.so.1.13); pytorch.org and pip do not.
  const debian = record.libraries.some((name) => /\.so\.\d/.test(name));
  const minor = record.torchVersion.split('.').slice(0, 2).join('.');
  const lines = [
    `zscl: libtorch was not found. The prebuilt addon needs ${wanted(record)}.`,
    env.LIBTORCH ? `LIBTORCH=${env.LIBTORCH} does not hold them (looked in ${looked.join(', ')}).` : `Looked in: ${looked.join(', ') || 'nothing'}.`,
    'Fix, one of:',
    ...(debian ? [`  on Debian 12: sudo apt-get install -y libtorch-dev libopenblas0-openmp`] : []),
    `  set LIBTORCH=/path/to/libtorch (a libtorch ${minor} folder whose lib/ holds ${record.libraries[0]})`,
    ...(debian ? [] : [`  pip install torch==${minor}.* (zscl uses a Python torch's bundled libtorch)`]),
    '  or build the addon against the libtorch you have: npm rebuild zscl (needs a C++ compiler and cmake)',
  ];
  return new ZsclError(lines.join('\n'), 'E_NATIVE_LOAD');
}

function unloadable(file: string, error: unknown): ZsclError {
  const raw = error instanceof Error ? error.message : String(error);
  const missing = /(lib[\w.+-]+\.so[.\d]*): cannot open shared object file/.exec(raw)?.[1];
  const lines = missing
    ? [
        `zscl: libtorch's ${path.basename(file)} needs ${missing}, which is missing.`,
        `Fix: install the package that provides ${missing} (apt-file search ${missing}).`,
      ]
    : [`zscl: libtorch's ${file} could not be loaded.`, 'Fix: reinstall libtorch, or point LIBTORCH at another libtorch folder.'];
  return new ZsclError(lines.join('\n'), 'E_NATIVE_LOAD', { cause: error });
}
