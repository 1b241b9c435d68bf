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

function aptCommand(names) {
  return `sudo apt-get install -y ${names.join(' ')}`;
}

module.exports = { PACKAGES, ensurePackages, isDebianLike, isInstalled, isRoot, aptCommand };
