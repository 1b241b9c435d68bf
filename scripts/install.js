#!/usr/bin/env node
'use strict';
// npm install hook: use a prebuilt addon when one loads here, else build from source. On
// Debian/Ubuntu as root, missing system packages (libtorch-dev, OpenBLAS, Fashion-MNIST, fonts)
// are installed with apt first, and the OpenMP build of OpenBLAS is selected; otherwise the exact
// command is printed. Nothing is downloaded.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { PACKAGES, ensurePackages, preferOpenmpBlas, aptCommand } = require('./system-packages');

const root = path.resolve(__dirname, '..');

// Through the package's own loader when it is built (an installed package: a prebuild finds
// libtorch at load time there); a fresh checkout has no dist/ yet and no prebuild either.
function addonLoads() {
  const loader = path.join(root, 'dist', 'native.js');
  const probe = fs.existsSync(loader) ? `require(${JSON.stringify(loader)}).native()` : `require('node-gyp-build')(${JSON.stringify(root)})`;
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore', cwd: root }).status === 0;
}

const missing = ensurePackages();
preferOpenmpBlas();
if (missing.length) {
  console.warn(`zscl: missing system packages: ${missing.join(', ')}`);
  for (const name of missing) console.warn(`  ${name}: ${PACKAGES.find((p) => p.name === name)?.why ?? ''}`);
  console.warn(`  install them with: ${aptCommand(missing)}`);
}
if (process.env.ZSCL_SKIP_NATIVE_BUILD) process.exit(0);
if (addonLoads()) {
  console.log('zscl: native addon loads (prebuild or earlier build); skipping the build');
  process.exit(0);
}
const build = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], { stdio: 'inherit', cwd: root });
process.exit(build.status ?? 1);
