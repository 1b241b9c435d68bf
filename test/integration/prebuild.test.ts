import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/fixtures';

// A prebuild is an N-API addon without an rpath (libtorch is found at load time); a copy of the package without build/ loads it.
describe('prebuild', function () {
  this.timeout(120000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-prebuild-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('scripts/prebuild.js packages the built addon into prebuilds/<platform>-<arch>/, which loads when build/ is absent', () => {
    // --addon: package the checkout's build as it is (`npm run prebuild` builds it first).
    const pkg = path.join(root, 'zscl');
    const addon = path.join(repoRoot, 'build', 'Release', 'zscl.node');
    const made = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'prebuild.js'), '--addon', addon, '--out', pkg], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, made.stderr + made.stdout);
    const folder = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
    const binaries = fs.readdirSync(folder).filter((f) => f.endsWith('.node'));
    assert.equal(binaries.length, 1, `prebuilds: ${binaries.join(', ')}`);
    // No rpath: libtorch is found at load time from the sonames recorded beside the addon.
    const dynamic = spawnSync('readelf', ['-d', path.join(folder, binaries[0])], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(dynamic, /\((RPATH|RUNPATH)\)/);
    const record = JSON.parse(fs.readFileSync(path.join(folder, 'libtorch.json'), 'utf8')) as { libraries: string[]; torchVersion: string };
    assert.ok(
      record.libraries.some((name) => name.startsWith('libc10')) && record.libraries.some((name) => name.startsWith('libtorch_cpu')),
      record.libraries.join(),
    );
    assert.ok(fs.existsSync(addon), "the checkout's build stays in place");

    // The installed shape of the package: package.json, dist/, configs/, prebuilds/ and its dependencies; no build/.
    for (const entry of ['package.json', 'dist', 'configs']) fs.cpSync(path.join(repoRoot, entry), path.join(pkg, entry), { recursive: true });
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
    assert.ok(!fs.existsSync(path.join(pkg, 'build')));
    // Which zscl binary the process mapped: /proc/self/maps names it.
    const script = [
      "const z = require('./dist');",
      'const sum = z.tensor([1, 2, 3]).add(1).sum().item();',
      "const addon = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(' ').pop()).find((f) => /\\.node$/.test(f) && /zscl|prebuilds/.test(f));",
      'console.log(JSON.stringify({ sum, addon }));',
    ].join(' ');
    const env = { ...process.env };
    delete env.ZSCL_ADDON;
    const loaded = spawnSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8', env });
    assert.equal(loaded.status, 0, loaded.stderr);
    const result = JSON.parse(loaded.stdout.trim().split('\n').pop()!) as { sum: number; addon?: string };
    assert.equal(result.sum, 9);
    assert.ok(result.addon?.startsWith(path.join(fs.realpathSync(pkg), 'prebuilds')), `loaded ${result.addon}`);
  });
});
