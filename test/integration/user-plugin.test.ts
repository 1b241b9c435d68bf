import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REFERENCE_DEFAULTS, defineStrategy, frozenCopyAsync, loadTensors, startRun } from '../../lib';
import type { ClipModel, LossTerm, Plugin, StepContext, TaskContext, Tensor } from '../../lib';
import { readMetricsLines } from '../support/metrics-lines';
import { tinyRun } from '../support/tiny-run';

// ---- user code: a new method (an L1 anchor to the task-start weights) as a plugin ----
class L1AnchorPlugin implements Plugin {
  readonly name = 'l1';
  private start: ClipModel | undefined;

  constructor(readonly weight: number) {}

  async beforeTask(task: TaskContext): Promise<void> {
    this.afterTask();
    this.start = await frozenCopyAsync(task.student);
  }

  lossTerms(step: StepContext): LossTerm[] {
    const anchor = this.start!.namedParameters();
    let sum: Tensor | undefined;
    for (const [name, p] of step.trainable) {
      const distance = p.sub(anchor.get(name)!).abs().sum();
      sum = sum ? sum.add(distance) : distance;
    }
    return [{ name: 'l1', value: sum!, weight: this.weight }];
  }

  afterTask(): void {
    this.start?.dispose();
    this.start = undefined;
  }

  dispose(): void {
    this.afterTask();
  }
}
// ---- end of user code (31 lines) ----

describe('a user plugin runs through startRun', function () {
  this.timeout(120000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-user-plugin-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const steps = (dir: string) => readMetricsLines<Record<string, number>>(dir, 'step');
  const finalWeights = (dir: string): Map<string, Buffer> => {
    const tensors = loadTensors(path.join(dir, 'checkpoints', 'task-1.safetensors'));
    const out = new Map(Object.entries(tensors).map(([n, t]) => [n, Buffer.from(t.bytes())]));
    for (const t of Object.values(tensors)) t.dispose();
    return out;
  };
  const train = async (name: string, spec: (run: ReturnType<typeof tinyRun>) => Partial<ReturnType<typeof tinyRun>['spec']>): Promise<string> => {
    const dir = path.join(root, name);
    const run = tinyRun(dir, 'finetune');
    try {
      await startRun({ ...run.spec, ...spec(run) }).done;
    } finally {
      run.dispose();
    }
    return dir;
  };

  it('adds its loss term to training and changes the weights; as a strategy object it trains the same', async () => {
    const plain = await train('finetune', () => ({}));
    const withPlugin = await train('l1-plugin', () => ({ plugins: [new L1AnchorPlugin(0.01)] }));
    const asStrategy = await train('l1-strategy', () => ({
      strategy: defineStrategy({ name: 'l1-anchor', needs: [], defaults: REFERENCE_DEFAULTS, plugins: () => [new L1AnchorPlugin(0.01)] }),
    }));

    const trace = steps(withPlugin);
    assert.equal(trace.length, 2 * 5);
    assert.ok(trace.every((s) => 'l1' in s));
    // The term is 0 where a task starts and grows as the weights leave the task-start anchor.
    assert.equal(trace.find((s) => s.task === 1 && s.it === 0)!.l1, 0);
    assert.ok(trace.filter((s) => s.it > 1).every((s) => s.l1 > 0));
    // It is in the loss that was minimised: loss = ce + 0.01·l1.
    for (const s of trace) assert.ok(Math.abs(s.loss - (s.ce + 0.01 * s.l1)) <= 1e-5 * Math.max(1, Math.abs(s.loss)), `loss at ${s.task}/${s.it}`);
    assert.ok(steps(plain).every((s) => !('l1' in s)));

    const a = finalWeights(plain);
    const b = finalWeights(withPlugin);
    const differing = [...a].filter(([n, bytes]) => !bytes.equals(b.get(n)!)).length;
    assert.ok(differing > 40, `only ${differing} tensors differ from plain finetune`);

    const c = finalWeights(asStrategy);
    for (const [n, bytes] of b) assert.ok(bytes.equals(c.get(n)!), `${n}: the strategy object trains as the plugin does`);
    const results = JSON.parse(fs.readFileSync(path.join(asStrategy, 'results.json'), 'utf8'));
    assert.equal(results.methods[0].method, 'l1-anchor');
  });
});
