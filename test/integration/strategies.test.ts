import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runExperiment } from '../../lib/cl/runner';
import { STRATEGIES } from '../../lib/cl/strategies';
import { loadTensors } from '../../lib';
import { readMetricsLines } from '../support/metrics-lines';
import { tinyRun } from '../support/tiny-run';

describe('every strategy runs end to end on a tiny two-task sequence', function () {
  this.timeout(120000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-strategies-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  for (const strategy of STRATEGIES) {
    it(strategy, async () => {
      const dir = path.join(root, strategy);
      const run = tinyRun(dir, strategy);
      const before = new Map([...run.spec.model.namedParameters()].map(([n, p]) => [n, Buffer.from(p.bytes())]));
      try {
        const result = await runExperiment(run.spec);
        assert.equal(result.accuracy.length, 2);
        for (const row of result.accuracy) for (const v of row) assert.ok(v >= 0 && v <= 100);
        assert.ok(Number.isFinite(result.metrics.avg));
        const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
        assert.deepEqual(results.methods[0].matrix.accuracy, result.accuracy);
        const after = loadTensors(path.join(dir, 'checkpoints', 'task-1.safetensors'));
        const changed = Object.entries(after)
          .filter(([n, t]) => !Buffer.from(t.bytes()).equals(before.get(n)!))
          .map(([n]) => n);
        if (strategy === 'zero-shot') assert.deepEqual(changed, []);
        else {
          assert.ok(changed.length > 40, `${strategy}: only ${changed.length} tensors changed`);
          assert.ok(!changed.includes('logit_scale'), 'logit_scale is frozen');
        }
        const steps = readMetricsLines(dir, 'step');
        if (strategy !== 'zero-shot') assert.equal(steps.length, 2 * 5);
        const has = (key: string): boolean => steps.some((s) => key in s);
        if (['zscl', 'zscl-no-we', 'wc', 'zscl-image-only', 'zscl-text-only', 'zscl-feature-mse'].includes(strategy)) assert.ok(has('l2'), 'l2 term');
        if (strategy.startsWith('zscl') && strategy !== 'zscl-text-only') assert.ok(has('distill_img'), 'image→text distillation');
        if (strategy.startsWith('zscl') && strategy !== 'zscl-image-only') assert.ok(has('distill_txt'), 'text→image distillation');
        if (strategy === 'zscl-feature-mse') assert.ok(has('feature_mse'));
        if (strategy === 'lwf' || strategy === 'lwf-vr') assert.ok(has('distill_img'));
        if (strategy === 'icarl')
          assert.ok(
            steps.filter((s) => s.task === 1).every((s) => 'distill_img' in s) && steps.filter((s) => s.task === 0).every((s) => !('distill_img' in s)),
          );
        if (['zscl', 'we', 'zscl-no-wc'].includes(strategy)) assert.ok(has('we_n'));
        for (const t of Object.values(after)) t.dispose();
      } finally {
        run.dispose();
      }
    });
  }
});
