'use strict';
// Finds a libtorch to build against, in the documented order:
//   1. LIBTORCH (a libtorch root) or Torch_DIR (the folder holding TorchConfig.cmake)
//   2. the libtorch bundled with a Python torch, when `python3 -c "import torch"` works
//   3. Debian's libtorch-dev
// Returns { torchDir, source, root } or null; never downloads anything.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const CONFIG = 'TorchConfig.cmake';

function configIn(dir) {
  return dir && fs.existsSync(path.join(dir, CONFIG)) ? path.resolve(dir) : null;
}

function fromEnvironment(env) {
  if (env.Torch_DIR) {
    const dir = configIn(env.Torch_DIR);
    if (!dir) throw new Error(`Torch_DIR=${env.Torch_DIR} does not contain ${CONFIG}`);
    return { torchDir: dir, source: 'Torch_DIR' };
  }
  if (env.LIBTORCH) {
    const dir = configIn(path.join(env.LIBTORCH, 'share', 'cmake', 'Torch'));
    if (!dir) {
      throw new Error(`LIBTORCH=${env.LIBTORCH} is not a libtorch folder (no share/cmake/Torch/${CONFIG})`);
    }
    return { torchDir: dir, source: 'LIBTORCH' };
  }
  return null;
}

function fromPython(env) {
  const python = env.PYTHON || 'python3';
  try {
    const prefix = execFileSync(python, ['-c', 'import torch.utils; print(torch.utils.cmake_prefix_path)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60000,
    }).trim();
    const dir = configIn(path.join(prefix, 'Torch'));
    return dir ? { torchDir: dir, source: `python torch (${python})` } : null;
  } catch {
    return null;
  }
}

function debianDirs() {
  const dirs = [];
  for (const base of ['/usr/lib', '/usr/lib64', '/usr/share']) {
    dirs.push(path.join(base, 'cmake', 'Torch'));
    if (!fs.existsSync(base)) continue;
    for (const entry of fs.readdirSync(base)) {
      if (/-linux-gnu/.test(entry)) dirs.push(path.join(base, entry, 'cmake', 'Torch'));
    }
  }
  return dirs;
}

function fromDebian() {
  for (const dir of debianDirs()) {
    if (configIn(dir)) return { torchDir: dir, source: "Debian's libtorch-dev" };
  }
  return null;
}

function findLibtorch(env = process.env) {
  return fromEnvironment(env) || fromPython(env) || fromDebian();
}

module.exports = { findLibtorch };
