import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTensors } from '../../lib';
import { runExperiment } from '../../lib/cl/runner';
import type { StrategyName } from '../../lib/cl/strategies';
import { writeMiniCifar100, writeMiniTinyImageNet } from '../../scripts/mini-cil';
import { repoRoot } from '../support/fixtures';
import { readMetricsLines } from '../support/metrics-lines';
import { tinyRun } from '../support/tiny-run';

// Runs the CLI from source (tsx), so the test needs no build of dist/.
function zscl(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'lib', 'cli', 'main.ts'), ...args], { encoding: 'utf8', cwd: repoRoot });
}

// A shipped CIL config with the tiny model, the miniature data and a few images per step.
function tinyConfig(shipped: string, root: string, reference: { images: string; texts: string }, training: object): object {
  const config = JSON.parse(fs.readFileSync(path.join(repoRoot, 'configs', 'benchmarks', shipped), 'utf8'));
  return {
    ...config,
    // The byte tokenizer's 16 tokens hold a bare class name; a longer template would cut every prompt to the same tokens.
    cil: { ...config.cil, root, template: '{}' },
    model: { config: 'tiny' },
    tokenizer: { byteLevel: true },
    reference: { images: reference.images, texts: reference.texts, batchSize: 8 },
    training: { ...config.training, ...training, workers: 1 },
    checkpointEvery: 0,
  };
}

interface CilResults {
  methods: {
    method: string;
    classIncremental: { steps: string[]; stepAccuracy: number[]; avg: number; last: number };
    metrics: { avg: number; last: number };
  }[];
}

function checkRun(out: string, steps: number): CilResults['methods'][number] {
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as CilResults;
  const entry = results.methods[0];
  const curve = entry.classIncremental.stepAccuracy;
  assert.equal(curve.length, steps);
  assert.equal(entry.classIncremental.steps.length, steps);
  for (const v of curve) assert.ok(v >= 0 && v <= 100, String(v));
  const mean = curve.reduce((a, v) => a + v, 0) / curve.length;
  assert.ok(Math.abs(entry.classIncremental.avg - mean) < 1e-9, 'Avg is the mean of the step curve');
  assert.equal(entry.classIncremental.last, curve[steps - 1], 'Last is the final step');
  assert.deepEqual(entry.metrics, { avg: entry.classIncremental.avg, last: entry.classIncremental.last });
  // No initial evaluation; one evaluation per step, each over all classes seen so far.
  const lines = readMetricsLines<{ event: string; accuracy?: number[] }>(out);
  assert.ok(!lines.some((l) => l.event === 'initial'));
  assert.deepEqual(
    lines.filter((l) => l.event === 'task').map((l) => l.accuracy),
    curve.map((v) => [v]),
  );
  const report = path.join(out, 'report');
  const svg = fs.readFileSync(path.join(report, 'incremental-accuracy.svg'), 'utf8');
  assert.equal(svg.match(/<polyline /g)?.length, 1, 'one curve');
  assert.equal(svg.match(/<circle /g)?.length, steps + 1, 'one point per step, and the legend swatch');
  assert.ok(fs.statSync(path.join(report, 'incremental-accuracy.png')).size > 0);
  const html = fs.readFileSync(path.join(report, 'report.html'), 'utf8');
  assert.ok(html.includes('Accuracy after each step'));
  assert.ok(!fs.readdirSync(report).some((f) => f.startsWith('heatmap-')), 'no accuracy-matrix heatmap for a CIL run');
  return entry;
}

// acceptance 3 of issue 13: CIFAR-100 10 steps and TinyImageNet 100+10 through `zscl train`.
describe('zscl train runs the CIL configs end to end on miniatures (tiny model)', function () {
  this.timeout(240000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-cil-e2e-'));
  let reference: { images: string; texts: string };
  before(async () => {
    writeMiniCifar100(root, { cifarTrain: 3, cifarTest: 2 });
    const tiny = await writeMiniTinyImageNet(root, { tinyTrain: 2, tinyVal: 1, tinySide: 32 });
    // Stand-ins for Conceptual Captions: some images and a caption per line.
    reference = { images: path.join(tiny, 'val', 'images'), texts: path.join(root, 'captions.txt') };
    fs.writeFileSync(reference.texts, ['a dog on grass', 'a red car', 'two birds', 'a bowl of fruit', 'a city at night', 'a boat'].join('\n'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('CIFAR-100 in 10 steps (ZSCL): per-step accuracy, Avg, Last written and drawn', () => {
    const file = path.join(root, 'cifar.json');
    fs.writeFileSync(file, JSON.stringify(tinyConfig('cifar100-10-steps.json', root, reference, { batchSize: 16, lr: 1e-4 })));
    const out = path.join(root, 'cifar-run');
    const run = zscl(['train', file, '--out', out, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const entry = checkRun(out, 10);
    const printed = JSON.parse(run.stdout.trim().split('\n').pop()!);
    assert.deepEqual(printed.methods[0].stepAccuracy, entry.classIncremental.stepAccuracy);
    // One epoch per step: 30 images at batch 16 is ceil(30/16) = 2 iterations, run as it = 0…2.
    const steps = readMetricsLines<Record<string, number>>(out, 'step');
    assert.deepEqual([...new Set(steps.map((s) => s.task))], [...Array(10).keys()]);
    for (let k = 0; k < 10; k++) assert.equal(Math.max(...steps.filter((s) => s.task === k).map((s) => s.it)), 2, `step ${k} runs it = 0…2`);
    assert.ok(steps.every((s) => 'distill_img' in s && 'distill_txt' in s && 'we_n' in s && !('l2' in s)));
  });

  it('TinyImageNet 100 + 10 per step: 11 steps', () => {
    const file = path.join(root, 'tiny.json');
    fs.writeFileSync(file, JSON.stringify(tinyConfig('tinyimagenet-100-10.json', root, reference, { batchSize: 32, lr: 1e-4 })));
    const out = path.join(root, 'tiny-run');
    const run = zscl(['train', file, '--out', out, '--json']);
    assert.equal(run.status, 0, run.stderr);
    checkRun(out, 11);
    // 100 classes × 2 images at batch 32: ceil(200/32) = 7 iterations; then 20 images: 1.
    const last = new Map<number, number>();
    for (const r of readMetricsLines<Record<string, number>>(out, 'step')) last.set(r.task, Math.max(last.get(r.task) ?? 0, r.it));
    assert.deepEqual([...last.values()], [7, ...Array(10).fill(1)]);
  });
});

describe('runExperiment with setting cil', function () {
  this.timeout(60000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-cil-protocol-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('zero-shot: no initial row, step k evaluated on set k only, every step evaluated anew', async () => {
    const run = tinyRun(path.join(root, 'zs'), 'zero-shot');
    run.spec.setting = 'cil';
    const evaluated: string[] = [];
    run.spec.evaluation = run.spec.evaluation.map((set) => ({ ...set, batches: () => (evaluated.push(set.name), set.batches()) }));
    try {
      const result = await runExperiment(run.spec);
      assert.equal(result.setting, 'cil');
      assert.equal(result.zeroShot, undefined);
      assert.deepEqual(
        evaluated,
        run.spec.evaluation.map((s) => s.name),
      );
      assert.equal(result.accuracy.length, 2);
      for (const row of result.accuracy) assert.equal(row.length, 1);
      if (result.setting !== 'cil') return;
      assert.deepEqual(
        result.classIncremental.stepAccuracy,
        result.accuracy.map((r) => r[0]),
      );
      assert.equal(result.metrics.last, result.accuracy[1][0]);
    } finally {
      run.dispose();
    }
  });
});

// The reference's CIL LwF/LwF-VR/iCaRL teacher aliases the student (docs/cil.md): with
// referenceAliasedTeacher the distillation has a value but no gradient, so LwF trains as fine-tuning.
describe('strategyOptions.referenceAliasedTeacher', function () {
  this.timeout(120000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-aliased-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  async function finalWeights(name: string, strategy: StrategyName, aliased?: boolean): Promise<Map<string, Float32Array>> {
    const run = tinyRun(path.join(root, name), strategy);
    if (aliased !== undefined) run.spec.strategyOptions = { ...run.spec.strategyOptions, referenceAliasedTeacher: aliased };
    try {
      await runExperiment(run.spec);
    } finally {
      run.dispose();
    }
    const tensors = loadTensors(path.join(root, name, 'checkpoints', 'task-1.safetensors'));
    const out = new Map(Object.entries(tensors).map(([n, t]) => [n, Float32Array.from(t.data() as Float32Array)]));
    for (const t of Object.values(tensors)) t.dispose();
    return out;
  }

  // Mean |a − b| over all weights but the attention in_proj biases, whose key slice has an
  // identically zero gradient that AdamW turns into lr-sized rounding noise (docs/method.md §6).
  const meanDiff = (a: Map<string, Float32Array>, b: Map<string, Float32Array>): number => {
    let sum = 0;
    let n = 0;
    for (const [name, x] of a) {
      if (name.endsWith('in_proj_bias')) continue;
      const y = b.get(name)!;
      for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
      n += x.length;
    }
    return sum / n;
  };

  it('LwF with the aliased teacher trains like fine-tuning; the paper teacher does not', async () => {
    const finetune = await finalWeights('finetune', 'finetune');
    const aliased = await finalWeights('aliased', 'lwf', true);
    const paper = await finalWeights('paper', 'lwf', false);
    const dAliased = meanDiff(aliased, finetune);
    const dPaper = meanDiff(paper, finetune);
    assert.ok(dAliased < 1e-6 && dPaper > 1000 * dAliased, `LwF differs from fine-tuning by ${dAliased} with the aliased teacher, ${dPaper} with the paper's`);
    const trace = readMetricsLines<Record<string, number>>(path.join(root, 'aliased'), 'step');
    assert.ok(
      trace.every((s) => s.distill_img > 0),
      'the term still has a value (the teacher entropy)',
    );
  });
});
