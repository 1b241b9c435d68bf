'use strict';
// The Debian/Ubuntu packages zscl uses, and installing the missing ones with apt-get when we may
// (root on Debian/Ubuntu). Never downloads anything else.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const PACKAGES = [
  { name: 'libtorch-dev', why: 'libtorch (headers, CMake config, libraries) to build the addon' },
  { name: 'libopenblas0-openmp', why: 'OpenBLAS: without it libtorch uses the reference BLAS, ~30x slower' },
  { name: 'libjpeg62-turbo-dev', why: "libjpeg-turbo's headers: the addon's JPEG fast path (decoded exactly as Pillow does); without it sharp decodes JPEGs" },
  { name: 'libgloo-dev', why: "Gloo's headers, for data-parallel training over torch.distributed on CPU" },
  { name: 'dataset-fashion-mnist', why: 'Fashion-MNIST, a task of the demo sequence' },
  { name: 'fonts-dejavu-core', why: 'DejaVu fonts for report charts' },
];

// Debian-like, and dpkg-query runs (it may be off PATH, e.g. in a minimal install environment).
function isDebianLike() {
  try {
    if (!/^(ID|ID_LIKE)=.*(debian|ubuntu)/m.test(fs.readFileSync('/etc/os-release', 'utf8'))) return false;
  } catch {
    return false;
  }
  return !spawnSync('dpkg-query', ['--version'], { stdio: 'ignore' }).error;
}

function isInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && /install ok installed/.test(result.stdout);
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installs the missing packages when root on Debian/Ubuntu; returns what is still missing. */
function ensurePackages(names = PACKAGES.map((p) => p.name), log = console.log) {
  if (!isDebianLike()) return [];
  const missing = names.filter((n) => !isInstalled(n));
  if (missing.length === 0 || !isRoot()) return missing;
  log(`zscl: installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  return missing.filter((n) => !isInstalled(n));
}

// Debian ships OpenBLAS built two ways behind the same sonames, chosen by update-alternatives:
// with its own pthread pool (libopenblas0-pthread, priority 100, pulled in by libopenblas-dev) and
// with OpenMP (libopenblas0-openmp, 95). libtorch runs its intra-op work on an OpenMP pool, so the
// pthread build keeps a second pool whose idle threads spin (sched_yield) beside OpenMP's and take
// their cores; the OpenMP build shares libtorch's pool and runs single-threaded inside its
// parallel regions. Products are the same sums either way (neither splits the inner dimension).
const OPENBLAS_SONAMES = ['libblas.so.3', 'liblapack.so.3', 'libopenblas.so.0'];

/** The multiarch library folders (e.g. /usr/lib/x86_64-linux-gnu) that hold Debian's OpenMP OpenBLAS. */
function openmpBlasDirs(libRoot = '/usr/lib') {
  let entries;
  try {
    entries = fs.readdirSync(libRoot);
  } catch {
    return [];
  }
  return entries.map((e) => `${libRoot}/${e}`).filter((dir) => OPENBLAS_SONAMES.every((so) => fs.existsSync(`${dir}/openblas-openmp/${so}`)));
}

/** The update-alternatives commands that select the OpenMP OpenBLAS in the multiarch folder `dir`. */
function openmpBlasCommands(dir) {
  const triplet = dir.slice(dir.lastIndexOf('/') + 1);
  return OPENBLAS_SONAMES.map((so) => ['update-alternatives', '--set', `${so}-${triplet}`, `${dir}/openblas-openmp/${so}`]);
}

/** Selects the OpenMP OpenBLAS (see OPENBLAS_SONAMES) when root on Debian/Ubuntu and it is installed. */
function preferOpenmpBlas(log = console.log) {
  if (!isDebianLike() || !isRoot()) return;
  for (const dir of openmpBlasDirs()) {
    for (const [cmd, ...args] of openmpBlasCommands(dir)) {
      const current = spawnSync(cmd, ['--query', args[1]], { encoding: 'utf8' });
      if (current.status !== 0 || new RegExp(`^Value: ${args[2]}$`, 'm').test(current.stdout)) continue;
      log(`zscl: selecting the OpenMP OpenBLAS for ${args[1]} (the pthread build spins beside libtorch's OpenMP threads)`);
      spawnSync(cmd, args, { stdio: 'inherit' });
    }
  }
}

function aptCommand(names) {
  return `sudo apt-get install -y ${names.join(' ')}`;
}

module.exports = { PACKAGES, ensurePackages, preferOpenmpBlas, isDebianLike, isInstalled, isRoot, aptCommand };
