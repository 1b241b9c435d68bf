#!/usr/bin/env node
'use strict';
// npm run prebuild: an N-API prebuild in prebuilds/<platform>-<arch>/ that node-gyp-build loads
// when build/ is absent. The addon links the libtorch it was built against (rpath), so a
// prebuild serves machines with that libtorch at the same path (e.g. Debian's libtorch-dev).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const result = spawnSync(
  process.execPath,
  [require.resolve('prebuildify/bin.js', { paths: [root] }), '--napi', '--strip'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PREBUILD_NODE_GYP: path.join(__dirname, 'prebuild-shim.js') },
  },
);
process.exit(result.status ?? 1);
