#!/usr/bin/env node
'use strict';
// npm run prebuild: an N-API prebuild in prebuilds/<platform>-<arch>/ that node-gyp-build loads
// when build/ is absent. It carries no rpath: the libtorch folder of the build machine means
// nothing elsewhere. Beside it, libtorch.json names the libtorch libraries it links, so that
// lib/libtorch.ts finds and loads them at run time (LIBTORCH, Debian's folder, a Python torch).
//
//   node scripts/prebuild.js                    build (scripts/build-native.js), then package build/Release/zscl.node
//   node scripts/prebuild.js --addon FILE       package an addon already built (no compiler needed, cmake and binutils are)
//   node scripts/prebuild.js --out DIR          write DIR/prebuilds/ instead of this checkout's
//
// The checkout's build/Release/zscl.node is only read, never moved or rewritten.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function option(name) {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

function fail(message) {
  console.error(`zscl prebuild: ${message}`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) fail(`${command} could not run (${result.error.message})`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** The libtorch libraries (sonames) an ELF file links. */
function torchLibraries(file) {
  const needed = [...run('readelf', ['-d', file]).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  return needed.filter((name) => /^lib(c10|torch)/.test(name));
}

function hasRpath(file) {
  return /\((RPATH|RUNPATH)\)/.test(run('readelf', ['-d', file]));
}

/** Removes RPATH/RUNPATH with CMake's own ELF editor (what `cmake --install` uses). */
function removeRpath(file) {
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-rpath-')), 'remove-rpath.cmake');
  fs.writeFileSync(script, 'file(RPATH_REMOVE FILE "${ZSCL_FILE}")\n');
  try {
    run('cmake', [`-DZSCL_FILE=${file}`, '-P', script]);
  } finally {
    fs.rmSync(path.dirname(script), { recursive: true, force: true });
  }
  if (hasRpath(file)) fail(`${file} still has an rpath`);
}

/** The libtorch version and library folder the addon was built against (it reports them itself). */
function builtAgainst(addon) {
  const probe = 'const i = require(process.argv[1]).runtimeInfo(); console.log(JSON.stringify([i.torchVersion, i.torchBuiltAgainst]))';
  const result = spawnSync(process.execPath, ['-e', probe, addon], { encoding: 'utf8' });
  if (result.status !== 0) fail(`the addon ${addon} does not load here:\n${result.stderr}`);
  const [torchVersion, folder] = JSON.parse(result.stdout.trim().split('\n').pop());
  return { torchVersion, builtAgainst: folder || undefined };
}

let addon = option('--addon');
if (!addon) {
  const build = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], { stdio: 'inherit', cwd: root });
  if (build.status !== 0) process.exit(build.status ?? 1);
  addon = path.join(root, 'build', 'Release', 'zscl.node');
}
addon = path.resolve(addon);
if (!fs.existsSync(addon)) fail(`no addon at ${addon}`);

const folder = path.join(path.resolve(option('--out') ?? root), 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(folder, { recursive: true });
for (const old of fs.readdirSync(folder)) fs.rmSync(path.join(folder, old), { force: true });
// The tags node-gyp-build reads: any Node version (N-API); glibc, not musl.
const name = process.platform === 'linux' ? 'zscl.napi.glibc.node' : 'zscl.napi.node';
const staged = path.join(folder, `${name}.tmp`);
fs.copyFileSync(addon, staged);
if (process.platform === 'linux') {
  run('strip', ['--strip-all', staged]);
  const record = { libraries: torchLibraries(staged), ...builtAgainst(addon) };
  removeRpath(staged);
  fs.writeFileSync(path.join(folder, 'libtorch.json'), JSON.stringify(record, null, 2) + '\n');
  console.log(`zscl prebuild: links ${record.libraries.join(', ')} (libtorch ${record.torchVersion}), found at load time`);
}
fs.renameSync(staged, path.join(folder, name));
const size = fs.statSync(path.join(folder, name)).size;
console.log(`zscl prebuild: ${path.join(folder, name)} (${(size / 1e6).toFixed(1)} MB)`);
