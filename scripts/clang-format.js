#!/usr/bin/env node
'use strict';
// One C++ style (.clang-format) for native/: --check fails on any difference, --fix rewrites.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const files = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.(cc|h)$/.test(entry.name)) files.push(full);
  }
})(path.join(root, 'native'));

const fix = process.argv.includes('--fix');
const args = fix ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
const result = spawnSync('clang-format', args, { stdio: 'inherit' });
if (result.error) {
  console.error('clang-format is not installed (Debian: apt-get install -y clang-format)');
  process.exit(1);
}
process.exit(result.status ?? 1);
