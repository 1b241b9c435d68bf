import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTensors } from '../../lib';
import { runForwardFixture } from '../support/reference-forward';
import { closeness } from '../support/compare';
import { fixture, repoRoot } from '../support/fixtures';

const NAMES = ['image_features', 'text_features', 'logits_per_image', 'logits_per_text', 'visual_pre_proj', 'text_eot_hidden'] as const;

describe('CLIP forward parity with the PyTorch reference (tiny-clip)', () => {
  it('matches all six tensors of expected.safetensors within 1e-5 abs + 1e-5 rel', () => {
    const outputs = runForwardFixture(fixture('tiny-clip'));
    const expected = loadTensors(fixture('tiny-clip', 'expected.safetensors'));
    for (const name of NAMES) {
      assert.deepEqual(outputs[name].shape, expected[name].shape, name);
      const c = closeness(outputs[name], expected[name], 1e-5, 1e-5);
      assert.ok(c.ok, `${name}: ${c.failures} elements off, max |d| ${c.maxAbs}`);
      outputs[name].dispose();
      expected[name].dispose();
    }
  });

  it('npm run reference-fixture writes expected.safetensors with the same tensor names and values', function () {
    this.timeout(120000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-ref-'));
    execFileSync('npm', ['run', '--silent', 'reference-fixture', '--', fixture('tiny-clip'), out], { cwd: repoRoot, stdio: 'pipe' });
    const written = loadTensors(path.join(out, 'expected.safetensors'));
    const expected = loadTensors(fixture('tiny-clip', 'expected.safetensors'));
    assert.deepEqual(Object.keys(written).sort(), Object.keys(expected).sort());
    for (const name of NAMES) assert.ok(closeness(written[name], expected[name], 1e-5, 1e-5).ok, name);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
