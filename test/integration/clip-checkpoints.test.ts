import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClipModel, loadClip, loadTensors, parseModelConfig, saveClip, writeSafetensors, type ZsclError } from '../../lib';
import { fixture, readJsonFixture, repoRoot } from '../support/fixtures';

const tinyConfig = parseModelConfig(readJsonFixture<{ model: unknown }>('tiny-clip', 'config.json').model);
const formats = path.join(repoRoot, 'test', 'fixtures', 'clip');

function sameParameters(a: ClipModel, b: ClipModel): void {
  const pa = a.namedParameters();
  const pb = b.namedParameters();
  assert.deepEqual([...pa.keys()].sort(), [...pb.keys()].sort());
  for (const [name, t] of pa) {
    assert.deepEqual(Array.from(t.bytes()), Array.from(pb.get(name)!.bytes()), `${name} differs`);
  }
}

describe('CLIP checkpoints', () => {
  let reference: ClipModel;
  before(() => {
    reference = loadClip(fixture('tiny-clip', 'weights.safetensors'), { config: tinyConfig });
  });
  after(() => reference.dispose());

  it('loads exactly the fixture weights (62 tensors, OpenAI names)', () => {
    const weights = loadTensors(fixture('tiny-clip', 'weights.safetensors'));
    assert.equal(reference.namedParameters().size, 62);
    for (const [name, t] of Object.entries(weights)) {
      assert.deepEqual(Array.from(reference.parameter(name).bytes()), Array.from(t.bytes()), name);
      t.dispose();
    }
  });

  it('Hugging Face layout loads to identical parameters', () => {
    const hf = loadClip(path.join(formats, 'hf.safetensors'), { config: tinyConfig });
    sameParameters(hf, reference);
    hf.dispose();
  });

  it('TorchScript archive loads to identical parameters only with allowCodeExecution', () => {
    assert.throws(
      () => loadClip(path.join(formats, 'jit.pt'), { config: tinyConfig }),
      (e: ZsclError) => e.code === 'E_ARG' && /execute code/.test(e.message),
    );
    const jit = loadClip(path.join(formats, 'jit.pt'), { config: tinyConfig, allowCodeExecution: true });
    sameParameters(jit, reference);
    jit.dispose();
  });

  it('save then load round-trips weights and config (stored in the metadata)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-ckpt-'));
    const file = path.join(dir, 'model.safetensors');
    saveClip(reference, file);
    const back = loadClip(file);
    assert.deepEqual(back.config, reference.config);
    sameParameters(back, reference);
    back.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('damaged config metadata is E_FORMAT naming the file, not a SyntaxError', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-ckpt-'));
    const file = path.join(dir, 'model.safetensors');
    writeSafetensors(file, reference.stateDict(), { 'zscl.clip_config': '{"width": ' });
    assert.throws(
      () => loadClip(file),
      (e: ZsclError) => e.code === 'E_FORMAT' && e.message.startsWith(`${file}: metadata zscl.clip_config is not valid JSON`),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('one error lists all missing, unexpected and mis-shaped keys', () => {
    const model = ClipModel.create(tinyConfig);
    const weights = loadTensors(fixture('tiny-clip', 'weights.safetensors'));
    delete weights['ln_final.bias'];
    delete weights['visual.proj'];
    weights['extra.weight'] = weights['logit_scale'];
    weights['text_projection'] = weights['visual.class_embedding'];
    assert.throws(
      () => model.loadStateDict(weights),
      (e: ZsclError) =>
        e.code === 'E_FORMAT' &&
        /missing \(2\): .*ln_final\.bias/.test(e.message) &&
        /visual\.proj/.test(e.message) &&
        /unexpected \(1\): extra\.weight/.test(e.message) &&
        /mis-shaped: text_projection expected \[64,32\] but received \[64\]/.test(e.message),
    );
    const report = model.loadStateDict(weights, { strict: false });
    assert.equal(report.missing.length, 2);
    model.dispose();
  });

  it('inferring shapes without head counts uses width/64 (as OpenAI) and shapes come out right', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-ckpt-'));
    const file = path.join(dir, 'plain.safetensors');
    fs.copyFileSync(fixture('tiny-clip', 'weights.safetensors'), file);
    // A bare safetensors file does not record the activation: it must be given, never guessed.
    assert.throws(
      () => loadClip(file),
      (e: ZsclError) => e.code === 'E_CONFIG' && /activation/.test(e.message),
    );
    const inferred = loadClip(file, { heads: { vision: 4, text: 4 }, activation: 'quick_gelu' });
    assert.deepEqual({ ...inferred.config }, { ...tinyConfig });
    inferred.dispose();
    const defaultHeads = loadClip(file, { activation: 'quick_gelu' });
    assert.equal(defaultHeads.config.visionHeads, 1);
    defaultHeads.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
