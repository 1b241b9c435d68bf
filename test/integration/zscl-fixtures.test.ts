import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixture, repoRoot } from '../support/fixtures';
import { compareZsclFixture } from '../support/zscl-fixture-check';

function runReferenceFixture(dir: string, out: string): void {
  execFileSync('npm', ['run', '--silent', 'reference-fixture', '--', dir, out], { cwd: repoRoot, stdio: 'pipe' });
}

const python = '/usr/bin/python3';
function pythonTorchAvailable(): boolean {
  return spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

describe('ZSCL training steps match the reference fixtures', function () {
  this.timeout(240000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-fixture-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const kind of ['zscl-mtil', 'zscl-cil']) {
    it(`${kind}: trace, gradients, weights and eval within the README tolerances`, () => {
      const out = path.join(tmp, kind);
      runReferenceFixture(fixture(kind), out);
      const result = compareZsclFixture(fixture(kind), out);
      assert.deepEqual(result.failures, []);
      assert.ok(result.checkedTensors >= 8 * 61, `checked ${result.checkedTensors} tensors`);
      console.log(`      ${kind}: worst trace |d|/tol ${result.worstTrace.toFixed(3)}, worst weights |d|/tol ${result.worstWeights.toFixed(3)}`);
      const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics_example.json'), 'utf8'));
      const expected = JSON.parse(fs.readFileSync(fixture(kind, 'metrics_example.json'), 'utf8'));
      for (const key of ['transfer', 'avg', 'last']) assert.ok(Math.abs(metrics[key] - expected[key]) < 1e-9, key);
    });
  }

  // Variants the shared fixtures do not cover, checked against an independent PyTorch oracle.
  const variants: Record<string, Record<string, unknown>> = {
    'lwf-style (teacher task_start, no WE, no L2)': { teacher: 'task_start', we: false, l2: 0 },
    'ZSCL without WE': { we: false },
  };
  for (const [label, overrides] of Object.entries(variants)) {
    it(`config variant ${label} matches the PyTorch oracle`, function () {
      if (!pythonTorchAvailable()) this.skip();
      const dir = path.join(tmp, label.replace(/\W+/g, '-'));
      fs.mkdirSync(dir, { recursive: true });
      const config = JSON.parse(fs.readFileSync(fixture('zscl-mtil', 'config.json'), 'utf8'));
      config.run = { ...config.run, ...overrides };
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
      for (const file of ['init_weights.safetensors', 'inputs.safetensors']) fs.symlinkSync(fixture('zscl-mtil', file), path.join(dir, file));
      const oracle = path.join(dir, 'oracle');
      execFileSync(python, [path.join(repoRoot, 'scripts', 'fixtures', 'zscl-oracle.py'), dir, oracle], { stdio: 'pipe' });
      const ours = path.join(dir, 'ours');
      runReferenceFixture(dir, ours);
      const result = compareZsclFixture(oracle, ours);
      assert.deepEqual(result.failures, []);
    });
  }
});
