#!/usr/bin/env node
'use strict';
// The test command: type-check, lint (TypeScript and C++ format, unused code), build, then mocha.
// Each check counts as one test; the last line is "N passed, N failed".
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let passed = 0;
let failed = 0;

function step(name, command, args, env = {}) {
  console.log(`\n=== ${name}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = result.status === 0;
  const how = result.signal ? ` (killed by ${result.signal})` : result.status ? ` (exit code ${result.status})` : '';
  console.log(`=== ${name}: ${ok ? 'ok' : 'FAILED'}${how}`);
  return ok;
}

function check(name, command, args) {
  if (step(name, command, args)) passed++;
  else failed++;
}

const node = process.execPath;
// The package.json of an installed package (knip's "exports" hide it from require.resolve: then node_modules/).
function packageManifest(pkg) {
  try {
    return require.resolve(`${pkg}/package.json`, { paths: [root] });
  } catch {
    return path.join(root, 'node_modules', pkg, 'package.json');
  }
}
// A package's CLI entry from its package.json "bin" (its "exports" may hide bin/ files from require.resolve).
function bin(pkg, name = pkg) {
  const manifestPath = packageManifest(pkg);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const entry = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name];
  return path.join(path.dirname(manifestPath), entry);
}
check('typecheck (tsc --noEmit)', node, [bin('typescript', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
check('lint (eslint)', node, [bin('eslint'), '.']);
check('format (prettier)', node, [bin('prettier'), '--check', '--log-level', 'warn', '.']);
check('unused code (knip)', node, [bin('knip'), '--no-progress']);
if (spawnSync('clang-format', ['--version'], { stdio: 'ignore' }).error) {
  console.log('\n=== C++ format: skipped (clang-format is not installed; apt-get install -y clang-format)');
} else {
  check('C++ format (clang-format)', node, ['scripts/clang-format.js', '--check']);
}
check('build (TypeScript to dist/)', node, ['scripts/build-ts.js']);

const counts = path.join(os.tmpdir(), `zscl-test-counts-${process.pid}.json`);
const extra = process.argv.slice(2);
if (!extra.some((a) => !a.startsWith('-'))) extra.push('test/**/*.test.ts');
step('mocha', node, [bin('mocha'), ...extra], { ZSCL_TEST_COUNTS: counts });
try {
  const stats = JSON.parse(fs.readFileSync(counts, 'utf8'));
  passed += stats.passed;
  failed += stats.failed;
  fs.rmSync(counts);
} catch {
  console.log('mocha did not report its counts (it crashed before the end)');
  failed++;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
