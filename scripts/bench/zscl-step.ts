/**
 * ZSCL steps/s: zscl vs the Python reimplementation of the reference loop
 * (../shared/bench/reference_zscl_step.py, Debian's python3-torch), as published (teacher text
 * features of all reference texts recomputed every step) and optimized (cached once), on the tiny
 * and mid configs, same threads, same run, interleaved; medians of median step times and peak RSS.
 *
 *   npx tsx scripts/bench/zscl-step.ts [--models tiny,mid] [--threads 2] [--runs 3] [--steps 20] [--ref-pool 640]
 *
 * zscl's step is the same work (CE over class prompts, L2 to the task start, both distillation
 * terms against the initial model, WE every --avg-freq) with exactly-equivalent restructurings:
 * one student image forward over task + reference images, teacher text features computed once
 * (fixture-verified in test/integration/zscl-fixtures.test.ts), and teacher image features
 * cached per reference image (DistillationPlugin's teacherImageCache). For the last, the zscl
 * side draws its reference batches from a bounded pool of --ref-pool images (as a reference set
 * under the val transform is; the Python loop encodes every draw, whether or not it repeats)
 * and its untimed warm-up covers one pass over the pool; a second zscl run with fresh reference
 * images every step (no cache hits) is reported beside it. Inputs are drawn before each step's
 * timer starts, on both sides.
 */
import path from 'node:path';
import { Command } from 'commander';
import { buildSync } from 'esbuild';
import { ClipModel } from '../../lib/clip/model';
import { stepListener } from '../../lib/cl/plugin';
import { ContinualTrainer } from '../../lib/cl/trainer';
import { L2AnchorPlugin } from '../../lib/cl/plugins/l2-anchor';
import { DistillationPlugin } from '../../lib/cl/plugins/distillation';
import { WeightEnsemblePlugin } from '../../lib/cl/plugins/weight-ensemble';
import { manualSeed, randint, randn, setNumThreads, tensor } from '../../lib';
import { keep } from '../../lib/tensor/scope';
import type { Tensor } from '../../lib';
import { packageRoot } from '../../lib/native';
import { median, runJson } from './support';

const BENCH = process.env.ZSCL_REFERENCE_BENCH ?? path.resolve(packageRoot, '..', 'shared', 'bench');
const PY = process.env.ZSCL_PYTHON ?? '/usr/bin/python3';
const MODEL_CONFIG: Record<string, string> = { tiny: 'tiny', mid: 'mid', 'vit-b-16': 'ViT-B-16' };

interface Options {
  models: string;
  threads: string;
  runs: string;
  steps: string;
  warmup: string;
  batch: string;
  refBatch: string;
  refTexts: string;
  classes: string;
  avgFreq: string;
  refPool: string;
  child?: boolean;
  model?: string;
}

function tokens(n: number, context: number, vocab: number): Tensor {
  // [SOT, ids…, EOT, 0…] with EOT at a random position, as the Python side draws them.
  const rows = randint(1, vocab - 2, [n, context]).data() as BigInt64Array;
  const ends = randint(2, context, [n]).data() as BigInt64Array;
  for (let r = 0; r < n; r++) {
    const end = Number(ends[r]);
    rows[r * context] = BigInt(vocab - 2);
    rows[r * context + end] = BigInt(vocab - 1);
    for (let c = end + 1; c < context; c++) rows[r * context + c] = 0n;
  }
  return tensor(rows, { shape: [n, context] });
}

async function child(o: Options): Promise<void> {
  const threads = Number(o.threads);
  setNumThreads(threads);
  manualSeed(0);
  const model = ClipModel.create(MODEL_CONFIG[o.model!]);
  const { contextLength, vocabSize, imageResolution: res } = model.config;
  const classTokens = tokens(Number(o.classes), contextLength, vocabSize);
  const refTokens = tokens(Number(o.refTexts), contextLength, vocabSize);
  const [batch, refBatch, classes] = [Number(o.batch), Number(o.refBatch), Number(o.classes)];
  // A bounded reference pool: batch b of the pool has the same pixels (and keys) at every draw,
  // as reference images under the val transform do, so the teacher's features are cached. The
  // untimed warm-up covers the first pass over the pool: the timed steps are the steady state.
  const poolBatches = Number(o.refPool) > 0 ? Math.max(1, Math.floor(Number(o.refPool) / refBatch)) : 0;
  const warmup = Math.max(Number(o.warmup), poolBatches);
  const steps = Number(o.steps);
  const total = warmup + steps;
  // Each step's inputs are drawn before its timer starts, as on the Python side.
  let drawn = 0;
  let next: { images: Tensor; labels: Tensor; ref: Tensor; keys?: number[] } | undefined;
  const draw = () => {
    let keys: number[] | undefined;
    let ref: Tensor;
    if (poolBatches > 0) {
      const b = drawn % poolBatches;
      manualSeed(1_000_003 + b);
      ref = keep(randn([refBatch, 3, res, res]));
      keys = Array.from({ length: refBatch }, (_, i) => b * refBatch + i);
      manualSeed(7_919 * (drawn + 1));
    } else ref = keep(randn([refBatch, 3, res, res]));
    next = { images: keep(randn([batch, 3, res, res])), labels: keep(randint(0, classes, [batch])), ref, keys };
    drawn++;
  };
  let lastRef: Tensor | undefined;
  let lastKeys: number[] | undefined;
  const references = {
    next: async () => {
      lastRef?.dispose();
      lastRef = next!.ref;
      lastKeys = next!.keys;
      return lastRef;
    },
    lastKeys: () => lastKeys,
  };
  const abort = new AbortController();
  const distillation = new DistillationPlugin({ teacher: 'initial', images: () => references, texts: () => refTokens });
  const times: number[] = [];
  let encodedBefore = 0;
  let last = 0;
  const timing = stepListener((e) => {
    const now = performance.now();
    if (e.it >= warmup) times.push((now - last) / 1000);
    if (e.it + 1 === warmup) encodedBefore = distillation.teacherImageStats.encoded;
    if (e.it + 1 >= total) abort.abort();
    else draw();
    last = performance.now();
  });
  const trainer = new ContinualTrainer(model, {
    plugins: [new L2AnchorPlugin(1), distillation, new WeightEnsemblePlugin(Number(o.avgFreq)), timing],
    signal: abort.signal,
  });
  const setupStart = performance.now();
  await trainer.begin();
  const setup = (performance.now() - setupStart) / 1000;
  draw();
  last = performance.now();
  try {
    await trainer.trainTask(
      {
        name: 'bench',
        classNames: [],
        classTokens,
        batches: { next: async () => ({ images: next!.images, labels: next!.labels }) },
        iterations: Math.max(1000, total - 1),
        lr: 1e-5,
        warmup: 100,
      },
      0,
    );
  } catch (error) {
    if ((error as { code?: string }).code !== 'E_CANCELLED') throw error;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    JSON.stringify({
      model: o.model,
      threads,
      median_step_s: median,
      steps_per_s: times.length / times.reduce((a, b) => a + b, 0),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      setup_s: setup,
      params: model.parameterCount,
      ref_pool: poolBatches * refBatch,
      warmup,
      teacher_images_encoded_timed: distillation.teacherImageStats.encoded - encodedBefore,
    }),
  );
}

// The zscl side runs as plain JavaScript (bundled once), not through tsx's loader, so its RSS
// and start-up are what an installed package has. The bundle sits one folder below the package
// root, where the library looks for configs/.
function bundleChild(): string {
  const outfile = path.join(packageRoot, '.bench', 'zscl-step.js');
  buildSync({
    entryPoints: [__filename],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile,
    external: ['sharp', 'node-gyp-build', 'esbuild'],
    logLevel: 'error',
  });
  return outfile;
}

async function parent(o: Options): Promise<void> {
  const childScript = bundleChild();
  const out: Record<string, unknown> = {};
  for (const model of o.models.split(',')) {
    const common = [
      '--threads',
      o.threads,
      '--steps',
      o.steps,
      '--warmup',
      o.warmup,
      '--batch',
      o.batch,
      '--ref-batch',
      o.refBatch,
      '--ref-texts',
      o.refTexts,
      '--classes',
      o.classes,
      '--avg-freq',
      o.avgFreq,
    ];
    const runs: Record<string, Record<string, number | string>[]> = { 'as-published': [], cached: [], zscl: [], 'zscl-no-pool': [] };
    const zscl = (pool: string) =>
      runJson<Record<string, number | string>>(process.execPath, [childScript, '--child', '--model', model, '--ref-pool', pool, ...common]);
    for (let k = 0; k < Number(o.runs); k++) {
      for (const mode of ['as-published', 'cached'] as const) {
        runs[mode].push(
          runJson<Record<string, number | string>>(PY, [path.join(BENCH, 'reference_zscl_step.py'), '--model', model, '--mode', mode, ...common]),
        );
      }
      runs.zscl.push(zscl(o.refPool));
      if (Number(o.refPool) > 0) runs['zscl-no-pool'].push(zscl('0'));
    }
    const step = (mode: string): number => median(runs[mode].map((r) => Number(r.median_step_s)));
    const rss = (mode: string): number => median(runs[mode].map((r) => Number(r.peak_rss_mb)));
    const noPool = runs['zscl-no-pool'].length > 0;
    out[model] = {
      ref_pool: Number(runs.zscl[0].ref_pool),
      median_step_s: {
        zscl: step('zscl'),
        ...(noPool ? { zscl_fresh_reference_images: step('zscl-no-pool') } : {}),
        python_as_published: step('as-published'),
        python_cached: step('cached'),
      },
      speedup_vs_as_published: step('as-published') / step('zscl'),
      speedup_vs_cached: step('cached') / step('zscl'),
      ...(noPool
        ? {
            fresh_reference_images: {
              speedup_vs_as_published: step('as-published') / step('zscl-no-pool'),
              speedup_vs_cached: step('cached') / step('zscl-no-pool'),
              peak_rss_mb: rss('zscl-no-pool'),
            },
          }
        : {}),
      peak_rss_mb: { zscl: rss('zscl'), python_as_published: rss('as-published'), python_cached: rss('cached') },
      rss_ratio_vs_cached: rss('zscl') / rss('cached'),
      runs: Number(o.runs),
    };
    console.error(JSON.stringify({ [model]: out[model] }));
  }
  console.log(
    JSON.stringify(
      {
        threads: Number(o.threads),
        steps: Number(o.steps),
        batch: Number(o.batch),
        ref_batch: Number(o.refBatch),
        ref_texts: Number(o.refTexts),
        results: out,
      },
      null,
      2,
    ),
  );
}

const options = new Command()
  .option('--models <list>', 'tiny, mid, vit-b-16', 'tiny,mid')
  .option('--threads <n>', 'threads on both sides', '2')
  .option('--runs <n>', 'interleaved runs per side', '3')
  .option('--steps <n>', 'timed steps', '20')
  .option('--warmup <n>', 'untimed steps first', '3')
  .option('--batch <n>', 'task images per step', '64')
  .option('--ref-batch <n>', 'reference images per step', '64')
  .option('--ref-texts <n>', 'reference texts', '1000')
  .option('--classes <n>', 'class prompts', '10')
  .option('--avg-freq <n>', 'weight-ensemble period', '100')
  .option(
    '--ref-pool <n>',
    'zscl: reference images in the pool whose teacher features are cached (0: fresh images every step, as the Python side draws)',
    '640',
  )
  .option('--child', 'internal: run the zscl side once')
  .option('--model <name>', 'internal')
  .parse()
  .opts<Options>();

(options.child ? child(options) : parent(options)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
