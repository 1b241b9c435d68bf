/**
 * `zscl convert` and loadClip on torch.save archives made by Debian's python3-torch
 * (scripts/fixtures/openclip-archive.py): open_clip-style state dicts convert and load to the
 * fixture's exact parameters; malicious pickles are refused, naming the global, and never run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadClip, loadClipAsync, loadTensors, readSafetensors, type ClipModel, type ZsclError } from '../../lib';
import { CONFIG_METADATA_KEY } from '../../lib/clip/checkpoint';
import { fixture, repoRoot } from '../support/fixtures';

const PYTHON = '/usr/bin/python3';
const weightsFile = fixture('tiny-clip', 'weights.safetensors');

function zscl(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'lib', 'cli', 'main.ts'), ...args], { encoding: 'utf8', cwd: repoRoot });
}

function sameAsFixture(model: ClipModel): void {
  const weights = loadTensors(weightsFile);
  const params = model.namedParameters();
  assert.deepEqual([...params.keys()].sort(), Object.keys(weights).sort());
  for (const [name, t] of Object.entries(weights)) {
    assert.ok(Buffer.from(params.get(name)!.bytes()).equals(Buffer.from(t.bytes())), `${name} differs`);
    t.dispose();
  }
}

describe('zscl convert: torch.save archives (weights only) and TorchScript', function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) this.skip(); // Debian's python3-torch makes the archives
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-convert-'));
    const made = spawnSync(PYTHON, [path.join(repoRoot, 'scripts', 'fixtures', 'openclip-archive.py'), weightsFile, dir], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  for (const file of ['openclip.pt', 'dataparallel.bin', 'wrapped.pt']) {
    it(`${file} converts and loads to the fixture's exact parameters`, () => {
      const out = path.join(dir, `${file}.safetensors`);
      const run = zscl('convert', path.join(dir, file), out, '--config', 'tiny');
      assert.equal(run.status, 0, run.stderr);
      const summary = JSON.parse(run.stdout) as { out: string; activation: string };
      assert.deepEqual([summary.out, summary.activation], [out, 'quick_gelu']);
      assert.equal(JSON.parse(readSafetensors(out).metadata[CONFIG_METADATA_KEY]).activation, 'quick_gelu');
      const model = loadClip(out);
      sameAsFixture(model);
      model.dispose();
    });
  }

  it('loadClip and loadClipAsync read an archive directly (no code-execution opt-in needed)', async () => {
    const sync = loadClip(path.join(dir, 'wrapped.pt'), { config: 'tiny' });
    sameAsFixture(sync);
    sync.dispose();
    const viaAsync = await loadClipAsync(path.join(dir, 'dataparallel.bin'), { config: 'tiny' });
    sameAsFixture(viaAsync);
    viaAsync.dispose();
  });

  it('a state dict never guesses the activation: the error names the flags; --activation gelu is stored', () => {
    const out = path.join(dir, 'gelu.safetensors');
    const bare = zscl('convert', path.join(dir, 'openclip.pt'), out);
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /activation.*--activation quick_gelu\|gelu.*--config.*\[E_CONFIG\]/s);
    assert.ok(!fs.existsSync(out));
    assert.throws(
      () => loadClip(path.join(dir, 'openclip.pt')),
      (e: ZsclError) => e.code === 'E_CONFIG' && /activation: 'quick_gelu'|activation 'quick_gelu'/.test(e.message),
    );
    // Shapes inferred (heads from the flag-free rule width/64 would differ, so give them).
    const withGelu = zscl('convert', path.join(dir, 'openclip.pt'), out, '--activation', 'gelu', '--config', 'tiny');
    assert.equal(withGelu.status, 0, withGelu.stderr);
    const model = loadClip(out);
    assert.equal(model.config.activation, 'gelu');
    sameAsFixture(model);
    model.dispose();
    const named = loadClip(path.join(dir, 'openclip.pt'), { activation: 'gelu', heads: { vision: 4, text: 4 } });
    assert.equal(named.config.activation, 'gelu');
    named.dispose();
  });

  it('TorchScript (test/fixtures/clip/jit.pt) converts only with --allow-code-execution, as QuickGELU', () => {
    const jit = path.join(repoRoot, 'test', 'fixtures', 'clip', 'jit.pt');
    const out = path.join(dir, 'jit.safetensors');
    const refused = zscl('convert', jit, out, '--config', 'tiny');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /TorchScript.*--allow-code-execution.*\[E_ARG\]/s);
    const run = zscl('convert', jit, out, '--allow-code-execution');
    assert.equal(run.status, 0, run.stderr);
    const model = loadClip(out);
    assert.equal(model.config.activation, 'quick_gelu');
    // Without --config the heads are inferred as width/64; the weights are the fixture's all the same.
    sameAsFixture(model);
    model.dispose();
  });

  // [variant, the global it names, whether to run it through the CLI too (each run takes seconds)]
  const evil: [string, string, boolean][] = [
    ['reduce', 'posix.system', true], // torch.save of an object whose __reduce__ is os.system (GLOBAL + REDUCE)
    ['setstate', '__main__.Payload', false], // pickled by class; its __setstate__ (BUILD) runs a command
    ['global', 'os.system', false], // protocol 0 GLOBAL + REDUCE
    ['stack-global', 'builtins.exec', true], // protocol 4 STACK_GLOBAL + REDUCE
    ['inst', 'posix.system', false], // INST
    ['obj', 'posix.system', false], // OBJ
  ];
  for (const [variant, global, viaCli] of evil) {
    it(`refuses evil-${variant}.pt naming ${global}; the payload's file never appears`, async () => {
      const file = path.join(dir, `evil-${variant}.pt`);
      const pwned = path.join(dir, `pwned-${variant}`);
      const check = (e: ZsclError) => e.code === 'E_FORMAT' && e.message.includes(`refusing to load the global ${global}`) && e.message.includes(file);
      assert.throws(() => loadClip(file, { config: 'tiny', allowCodeExecution: true }), check);
      await assert.rejects(loadClipAsync(file, { config: 'tiny' }), check);
      if (viaCli) {
        const run = zscl('convert', file, path.join(dir, 'evil.safetensors'), '--config', 'tiny');
        assert.equal(run.status, 1);
        assert.match(run.stderr, new RegExp(`refusing to load the global ${global.replace('.', '\\.')}.*\\[E_FORMAT\\]`));
      }
      assert.ok(!fs.existsSync(pwned), `${pwned} was created`);
    });
  }

  it('a storage class is a type, never a callable (REDUCE of torch.FloatStorage is refused)', () => {
    assert.throws(
      () => loadClip(path.join(dir, 'evil-call-storage.pt'), { config: 'tiny' }),
      (e: ZsclError) => e.code === 'E_FORMAT' && /cannot call torch\.FloatStorage/.test(e.message),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'pwned-call-storage')));
  });
});
