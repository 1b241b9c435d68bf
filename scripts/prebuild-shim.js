#!/usr/bin/env node
'use strict';
// prebuildify runs "node-gyp rebuild ..."; zscl builds with cmake-js instead. This stands in for
// node-gyp (via PREBUILD_NODE_GYP): it ignores node-gyp's arguments and runs the normal build,
// which leaves build/Release/zscl.node where prebuildify collects it.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const result = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], {
  stdio: 'inherit',
  cwd: path.resolve(__dirname, '..'),
});
process.exit(result.status ?? 1);
