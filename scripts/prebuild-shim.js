#!/usr/bin/env node
'use strict';
// prebuildify runs "node-gyp rebuild ..."; zscl builds with cmake-js instead. This stands in for
// node-gyp (via PREBUILD_NODE_GYP): it ignores node-gyp's arguments and runs the normal build,
// which leaves build/Release/zscl.node where prebuildify collects it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const result = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], { stdio: 'inherit', cwd: root });
if (result.status !== 0) process.exit(result.status ?? 1);

// prebuildify then strips build/Release/zscl.node and moves it to prebuilds/. binutils' strip
// rewrites a file in place (same inode), which would change the code under any process running
// from that file (a test run, a service): hand prebuildify a fresh copy (a new inode) instead.
const built = path.join(root, 'build', 'Release', 'zscl.node');
fs.copyFileSync(built, `${built}.fresh`);
fs.renameSync(`${built}.fresh`, built);
