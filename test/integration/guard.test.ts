import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { GuardEvent, GuardOptions, RetentionEvent } from '../../lib/cl/plugins/zero-shot-guard';
import { runExperiment } from '../../lib/cl/runner';
import type { RunSpec } from '../../lib/cl/runner';
import type { StrategyName } from '../../lib/cl/strategies';
import type { ClipModel } from '../../lib/clip/model';
import { loadClip } from '../../lib/clip/checkpoint';
import { tokenizeToTensor } from '../../lib/clip/tokenizer';
import { fillTemplate } from '../../lib/clip/zero-shot';
import { DEMO_MODEL } from '../../lib/demo/run-demo';
import { CachedEvaluationSet, worldReferenceStream, worldTaskStream } from '../../lib/demo/sources';
import { demoTokenizer } from '../../lib/demo/tokenizer';
import { CLIP_MEAN, CLIP_STD, colourTask, createReferenceSet, shapeTask, textureTask } from '../../lib/demo/world';
import type { ZsclError } from '../../lib/errors';
import { guardChart } from '../../lib/report/guard-curve';
import { readResults } from '../../lib/report/results-file';
import type { MethodResult } from '../../lib/report/types';
import { writeReport } from '../../lib/report/write-report';
import type { Tensor } from '../../lib/tensor/tensor';
import { readMetricsLines } from '../support/metrics-lines';

// The shipped demo model reads colours zero-shot (the probe); it trains on shapes, then textures.
const SIZE = 32;
const colours = colourTask({ size: SIZE });
const probe = [CachedEvaluationSet.fromWorld('colours', colours, 36)];

interface GuardRun {
  spec: RunSpec;
  events: EventEmitter;
  retention: RetentionEvent[];
  trips: GuardEvent[];
  steps: number;
  dispose(): void;
}

function guardRun(dir: string, strategy: StrategyName, options: { lr: number; iterations: number; tasks?: number; guard: GuardOptions }): GuardRun {
  const model = loadClip(DEMO_MODEL);
  const tokenizer = demoTokenizer(model.config);
  const tokenize = (texts: string[]): Tensor => tokenizeToTensor(tokenizer, texts, { truncate: 'eot' });
  const world = [shapeTask({ size: SIZE }), textureTask({ size: SIZE })].slice(0, options.tasks ?? 1);
  const reference = createReferenceSet({ size: SIZE, seed: 'guard:reference' });
  const owned = [tokenize(reference.texts(32)), ...world.map((t) => tokenize(t.classNames.map((c) => fillTemplate(t.templates[0], c))))];
  const run: GuardRun = {
    spec: {
      dir,
      model,
      tokenize,
      setting: 'mtil',
      strategy,
      // The demo's settings (lib/demo/run-demo.ts), with smaller batches and fewer steps.
      strategyOptions: { averageEvery: 10, l2: 1, imageWeight: 1, textWeight: 1 },
      strategyData: { referenceImages: () => worldReferenceStream(reference, 'guard:ref', 16), referenceTexts: owned[0] },
      tasks: world.map((t, k) => ({
        name: t.name,
        classNames: [...t.classNames],
        classTokens: owned[k + 1],
        batches: worldTaskStream(t, `guard:${t.name}`, 16),
        iterations: options.iterations,
        lr: options.lr,
        warmup: 2,
      })),
      evaluation: world.map((t) => CachedEvaluationSet.fromWorld(t.name, t, 12)),
      evaluateInitial: false,
      guard: options.guard,
    },
    events: new EventEmitter(),
    retention: [],
    trips: [],
    steps: 0,
    dispose: () => {
      model.dispose();
      for (const t of owned) t.dispose();
    },
  };
  run.events.on('retention', (e: RetentionEvent) => run.retention.push(e));
  run.events.on('guard', (e: GuardEvent) => run.trips.push(e));
  run.events.on('step', () => run.steps++);
  return run;
}

function weights(model: ClipModel): Map<string, Buffer> {
  return new Map([...model.namedParameters()].map(([name, t]) => [name, Buffer.from(Float32Array.from(t.data() as Float32Array).buffer)]));
}

function sameWeights(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([name, w]) => b.get(name)?.equals(w));
}

// Continual-FT at 1e-2 wrecks the colours of the demo model within a few steps.
const destructive = { lr: 1e-2, iterations: 9 };

describe('zero-shot guard', function () {
  this.timeout(180000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-guard-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('warn: Continual-FT at a destructive rate trips it; guard events, metrics lines, the run finishes', async () => {
    const dir = path.join(root, 'warn');
    const run = guardRun(dir, 'finetune', { ...destructive, guard: { probe, every: 5, maxDrop: 15, action: 'warn' } });
    try {
      const result = await runExperiment(run.spec, run.events);
      assert.equal(result.accuracy.length, 1);
      assert.deepEqual(
        run.retention.map((e) => e.it),
        [4, 9],
      );
      const initial = run.retention[0].initial;
      assert.ok(initial > 80, `the demo model reads colours zero-shot (${initial}%)`);
      assert.ok(run.trips.length > 0 && run.trips.every((e) => e.action === 'warn' && e.drop > 15));
      console.log(`      initial ${initial.toFixed(1)}%, probe after steps: ${run.retention.map((e) => `${e.it}: ${e.accuracy.toFixed(1)}%`).join(', ')}`);
      const lines = readMetricsLines(dir);
      assert.equal(lines.filter((l) => l.event === 'retention').length, 2);
      assert.ok(lines.some((l) => l.event === 'guard' && l.action === 'warn'));
      // The report draws the checks from metrics.jsonl.
      const input = await readResults(dir);
      const method = input.methods[0] as MethodResult;
      assert.deepEqual(
        method.guard?.checks.map((c) => [c.it, c.tripped, c.action]),
        run.retention.map((e) => [e.it, e.tripped, 'warn']),
      );
      const chart = guardChart(method.guard!);
      assert.match(chart.svg, /<circle[^>]*stroke="#c0392b"/);
      const files = await writeReport(path.join(dir, 'report'), input);
      assert.ok(files.methods[0].guard && fs.statSync(files.methods[0].guard).size > 0);
      assert.match(fs.readFileSync(files.html, 'utf8'), /Zero-shot probe accuracy/);
    } finally {
      run.dispose();
    }
  });

  it('stop: E_GUARD after checkpointing the step; state.json points at it', async () => {
    const dir = path.join(root, 'stop');
    const run = guardRun(dir, 'finetune', { ...destructive, guard: { probe, every: 5, maxDrop: 15, action: 'stop' } });
    const checkpoints: string[] = [];
    run.events.on('checkpoint', (e: { file: string }) => checkpoints.push(e.file));
    try {
      await assert.rejects(runExperiment(run.spec, run.events), (e: ZsclError) => e.code === 'E_GUARD' && e.message.includes(checkpoints[0]));
      assert.equal(checkpoints.length, 1);
      assert.ok(fs.existsSync(checkpoints[0]));
      const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as { step: { task: number; it: number }; finished: boolean };
      assert.deepEqual(state.step, { task: 0, it: 4 });
      assert.equal(state.finished, false);
      assert.deepEqual(
        run.trips.map((e) => e.action),
        ['stop'],
      );
    } finally {
      run.dispose();
    }
  });

  it('rollback: the weights after each rollback equal the last state that passed; a second trip stops by default', async () => {
    // Checked every step at a rate where some steps trip: each rollback returns to the task start or the last check that passed.
    const again = guardRun(path.join(root, 'rollback-again'), 'finetune', {
      lr: 3e-3,
      iterations: 8,
      guard: { probe, every: 1, maxDrop: 15, action: 'rollback', repeat: 'rollback' },
    });
    let lastGood = weights(again.spec.model);
    const matches: boolean[] = [];
    again.events.on('retention', (e: RetentionEvent) => {
      if (!e.tripped) lastGood = weights(again.spec.model);
    });
    again.events.on('guard', () => matches.push(sameWeights(weights(again.spec.model), lastGood)));
    try {
      await runExperiment(again.spec, again.events);
      const passed = again.retention.filter((e) => !e.tripped).map((e) => e.it);
      console.log(`      checks passed at steps [${passed.join(', ')}], rolled back at [${again.trips.map((e) => e.it).join(', ')}]`);
      assert.ok(passed.length > 0 && again.trips.length > 0, 'some checks pass, some trip');
      assert.ok(again.trips.every((e) => e.action === 'rollback'));
      assert.deepEqual(
        matches,
        again.trips.map(() => true),
      );
    } finally {
      again.dispose();
    }

    const once = guardRun(path.join(root, 'rollback-stop'), 'finetune', { ...destructive, guard: { probe, every: 5, maxDrop: 15, action: 'rollback' } });
    try {
      await assert.rejects(runExperiment(once.spec, once.events), (e: ZsclError) => e.code === 'E_GUARD');
      assert.deepEqual(
        once.trips.map((e) => [e.it, e.action]),
        [
          [4, 'rollback'],
          [9, 'stop'],
        ],
      );
    } finally {
      once.dispose();
    }
  });

  it('ZSCL at the demo settings does not trip it (probe from an image folder); the cost per step', async () => {
    const folder = path.join(root, 'probe');
    await writeProbeFolder(folder, 36);
    const dir = path.join(root, 'zscl');
    const run = guardRun(dir, 'zscl', {
      lr: 1e-3,
      iterations: 20,
      tasks: 2,
      guard: { probe: { folder, templates: colours.templates }, every: 5, maxDrop: 15, action: 'stop' },
    });
    const started = performance.now();
    try {
      await runExperiment(run.spec, run.events);
      const seconds = (performance.now() - started) / 1000;
      const guardSeconds = run.retention.reduce((sum, e) => sum + e.seconds, 0);
      const worst = Math.max(...run.retention.map((e) => e.drop));
      console.log(
        `      initial ${run.retention[0].initial.toFixed(1)}%, largest drop ${worst.toFixed(1)} points over ${run.retention.length} checks; ` +
          `guard ${((1000 * guardSeconds) / run.steps).toFixed(1)} ms per step (every 5; ${((100 * guardSeconds) / seconds).toFixed(1)}% of the run's ${seconds.toFixed(1)} s)`,
      );
      assert.equal(run.trips.length, 0);
      assert.equal(run.retention.length, 2 * 5);
      assert.ok(run.retention[0].initial > 80);
    } finally {
      run.dispose();
    }
  });
});

// The colours test images as PNG files, one folder per class (folder names sort as the class list does not).
async function writeProbeFolder(folder: string, count: number): Promise<void> {
  const set = colours.testSet(count);
  const pixels = SIZE * SIZE;
  for (let i = 0; i < count; i++) {
    const rgb = new Uint8Array(3 * pixels);
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < pixels; p++) {
        const value = set.images[(i * 3 + c) * pixels + p] * CLIP_STD[c] + CLIP_MEAN[c];
        rgb[p * 3 + c] = Math.max(0, Math.min(255, Math.round(value * 255)));
      }
    }
    const dir = path.join(folder, colours.classNames[set.labels[i]]);
    fs.mkdirSync(dir, { recursive: true });
    await sharp(rgb, { raw: { width: SIZE, height: SIZE, channels: 3 } })
      .png()
      .toFile(path.join(dir, `${i}.png`));
  }
}
