#!/usr/bin/env node
'use strict';
// Builds the native addon with cmake-js against the libtorch that scripts/libtorch.js finds,
// installing Debian's libtorch-dev first when none is found and we may (root on Debian/Ubuntu).
//   --gyp           for binding.gyp's action: CMake works in build/cmake (node-gyp's own Makefile
//                   is in build/), and the addon is copied to build/Release/zscl.node
//   --list-inputs   prints the files the build reads (binding.gyp's action inputs) and exits
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { findLibtorch } = require('./libtorch');
const { ensurePackages, preferOpenmpBlas, isDebianLike, aptCommand } = require('./system-packages');

const root = path.resolve(__dirname, '..');
const gyp = process.argv.includes('--gyp');

if (process.argv.includes('--list-inputs')) {
  const sources = fs.readdirSync(path.join(root, 'native'), { recursive: true }).filter((f) => /\.(cc|h)$/.test(f));
  console.log(['CMakeLists.txt', ...sources.map((f) => path.posix.join('native', f.split(path.sep).join('/')))].join('\n'));
  process.exit(0);
}

function fail(lines) {
  console.error(['', 'zscl: cannot build the native addon.', ...lines, ''].join('\n'));
  process.exit(1);
}

function locate() {
  let found;
  try {
    found = findLibtorch();
  } catch (error) {
    fail([error.message]);
  }
  if (found) return found;
  ensurePackages(['libtorch-dev', 'libopenblas0-openmp', 'libgloo-dev']);
  found = findLibtorch();
  if (found) return found;
  fail([
    'Looked for libtorch in: $LIBTORCH, $Torch_DIR, a Python torch (python3 -c "import torch"),',
    "and Debian's libtorch-dev (/usr/lib/<arch>/cmake/Torch). None was found.",
    isDebianLike()
      ? `Fix: ${aptCommand(['libtorch-dev', 'libopenblas0-openmp'])}   (then run: npm rebuild zscl)`
      : 'Fix: download libtorch from pytorch.org, unzip it, and set LIBTORCH=/path/to/libtorch',
  ]);
}

const torch = locate();
preferOpenmpBlas();
// The JPEG fast path needs libjpeg's headers; without them the addon builds without it (sharp
// decodes JPEGs then), so a missing package is a note, not a failure.
const missingJpeg = ensurePackages(['libjpeg62-turbo-dev']);
if (missingJpeg.length > 0) {
  console.log(`zscl: libjpeg's headers are missing: building without the JPEG fast path. For it: ${aptCommand(missingJpeg)}`);
}
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
console.log(`zscl: building against libtorch at ${torch.torchDir} (${torch.source})`);
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const jobs = String(Math.max(1, require('node:os').availableParallelism()));
const out = path.join(root, 'build', ...(gyp ? ['cmake'] : []));
const args = [cmakeJs, 'build', '--directory', root, '--out', out, `--CDTorch_DIR=${torch.torchDir}`, `--CDZSCL_VERSION=${version}`, '--parallel', jobs];
if (process.env.ZSCL_DEBUG) args.push('--debug');
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
if (result.status !== 0) fail(['cmake-js failed (see the compiler output above).']);
if (gyp) {
  // Where node-gyp (and node-gyp-build) expect it; a new file, so running processes keep theirs.
  const built = path.join(out, process.env.ZSCL_DEBUG ? 'Debug' : 'Release', 'zscl.node');
  const product = path.join(root, 'build', 'Release', 'zscl.node');
  fs.mkdirSync(path.dirname(product), { recursive: true });
  fs.copyFileSync(built, `${product}.fresh`);
  fs.renameSync(`${product}.fresh`, product);
}
fs.writeFileSync(path.join(root, 'build', 'libtorch.json'), JSON.stringify({ ...torch, builtAt: new Date().toISOString() }, null, 2) + '\n');
