import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRun } from '../../lib/cl/service';
import type { ZsclError } from '../../lib';
import { tinyRun } from '../support/tiny-run';

describe('service API', function () {
  this.timeout(180000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-service-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps the event loop responsive during a run (max timer lag < 50 ms), reports progress, serves the averaged model', async () => {
    const run = tinyRun(path.join(root, 'lag'), 'zscl', { iterations: 12 });
    const handle = startRun(run.spec);
    let steps = 0;
    handle.on('step', () => steps++);
    // Lag is measured while training steps run (from the first step on).
    let expected = performance.now() + 10;
    let maxLag = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      if (steps > 0) maxLag = Math.max(maxLag, now - expected);
      expected = now + 10;
    }, 10);
    const served = await handle.currentModel();
    const features = served.encodeImageWithHidden; // a usable model while training continues
    assert.equal(typeof features, 'function');
    assert.equal(served.parameterCount, run.spec.model.parameterCount);
    served.dispose();
    const result = await handle.done;
    clearInterval(timer);
    console.log(`      ${steps} steps, max event-loop lag ${maxLag.toFixed(1)} ms`);
    assert.equal(steps, 2 * 13);
    assert.equal(result.accuracy.length, 2);
    assert.ok(handle.progress()!.it === 12);
    assert.ok(maxLag < 50, `max lag ${maxLag} ms`);
    await assert.rejects(handle.currentModel(), (e: ZsclError) => e.code === 'E_CANCELLED');
    run.dispose();
  });

  it('cancel() stops the run with E_CANCELLED and leaves a valid state', async () => {
    const dir = path.join(root, 'cancel');
    const run = tinyRun(dir, 'finetune', { iterations: 50 });
    const handle = startRun(run.spec);
    handle.on('step', (e) => e.it === 3 && handle.cancel());
    await assert.rejects(handle.done, (e: ZsclError) => e.code === 'E_CANCELLED');
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
    assert.equal(state.completedTasks, 0);
    assert.equal(state.finished, false);
    run.dispose();
  });
});
