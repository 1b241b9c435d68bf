#!/usr/bin/env node
'use strict';
// npm run prebuild: an N-API prebuild in prebuilds/<platform>-<arch>/ that node-gyp-build loads
// when build/ is absent. The addon links the libtorch it was built against (rpath), so a
// prebuild serves machines with that libtorch at the same path (e.g. Debian's libtorch-dev).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const result = spawnSync(process.execPath, [require.resolve('prebuildify/bin.js', { paths: [root] }), '--napi', '--strip'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PREBUILD_NODE_GYP: path.join(__dirname, 'prebuild-shim.js') },
});
if (result.status !== 0) process.exit(result.status ?? 1);

// prebuildify moves build/Release/zscl.node into prebuilds/: put a copy back, so the checkout's
// own build keeps working as before (a new file: running processes keep the one they mapped).
const built = path.join(root, 'build', 'Release', 'zscl.node');
if (!fs.existsSync(built)) {
  const folder = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const prebuilt = fs.readdirSync(folder).find((f) => f.endsWith('.node'));
  fs.copyFileSync(path.join(folder, prebuilt), `${built}.fresh`);
  fs.renameSync(`${built}.fresh`, built);
}
