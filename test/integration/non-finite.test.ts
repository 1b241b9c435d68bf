import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContinualTrainer } from '../../lib/cl/trainer';
import { stepListener, type Plugin } from '../../lib/cl/plugin';
import { full, type ZsclError } from '../../lib';
import { tinyRun } from '../support/tiny-run';

// A plugin whose loss term turns NaN at one iteration.
function poison(at: number): Plugin {
  return { name: 'poison', lossTerms: (step) => (step.it === at ? [{ name: 'poison', value: full([], Number.NaN), weight: 1 }] : []) };
}

describe('non-finite loss', function () {
  this.timeout(60000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-nan-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("stops with E_NONFINITE naming the task, iteration and terms under 'stop'", async () => {
    const run = tinyRun(path.join(root, 'stop'), 'finetune');
    const before = Buffer.from(run.spec.model.parameter('visual.proj').bytes());
    const trainer = new ContinualTrainer(run.spec.model, { plugins: [poison(2)] });
    await assert.rejects(
      trainer.trainTask(run.spec.tasks[0], 0),
      (e: ZsclError) => e.code === 'E_NONFINITE' && /iteration 2/.test(e.message) && /poison=NaN/.test(e.message),
    );
    await trainer.end();
    assert.ok(!Buffer.from(run.spec.model.parameter('visual.proj').bytes()).equals(before), 'steps 0-1 were applied');
    run.dispose();
  });

  it("skips the step and continues under 'skip'", async () => {
    const run = tinyRun(path.join(root, 'skip'), 'finetune');
    const skipped: number[] = [];
    const trainer = new ContinualTrainer(run.spec.model, {
      plugins: [poison(1), stepListener((e) => void (e.skipped && skipped.push(e.it)))],
      nonFinite: 'skip',
    });
    await trainer.trainTask(run.spec.tasks[0], 0);
    await trainer.end();
    assert.deepEqual(skipped, [1]);
    for (const p of run.spec.model.namedParameters().values()) assert.ok(!(p.isnan().any().item() as unknown as boolean));
    run.dispose();
  });
});
