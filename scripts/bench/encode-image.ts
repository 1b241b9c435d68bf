/**
 * Images per second of CLIP image encoding (no grad, eval mode): zscl's ClipModel.encodeImage
 * against the reference's `model.encode_image` in plain PyTorch (reference_encode_image.py of
 * ../shared/bench beside the repo, or $ZSCL_SHARED_BENCH), same model shape, batch, thread count,
 * steps and warm-up, measured in the same run.
 *
 * Following the baseline README's "How to compare": the two sides run one process at a time,
 * interleaved (Python, zscl, Python, zscl, …); each side's figure is the median over its runs of
 * `median_batch_s`; the ratio is python_median_s / zscl_median_s (= zscl / Python images/s; above
 * 1: zscl is faster); `paired_ratio_median` is the median of the per-pair ratios. Each zscl run
 * is a fresh process timed like the Python one: a seeded model, one standard-normal batch made
 * before the timer, `--warmup` untimed calls, then `--steps` timed synchronous calls.
 *
 *   npx tsx scripts/bench/encode-image.ts [--model vit-b-16] [--batch 8] [--threads 2] [--steps 5] [--warmup 2] [--runs 3]
 *
 * `--model` takes the reference's names (tiny, mid, vit-b-16). ZSCL_ADDON selects the addon file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClipModel } from '../../lib/clip/model';
import { noGrad } from '../../lib/tensor/autograd';
import { randn } from '../../lib/tensor/create';
import { tidy } from '../../lib/tensor/scope';
import { manualSeed, setNumThreads, systemInfo } from '../../lib/runtime';
import { median, parseFlags, runJson } from './support';

const PYTHON = '/usr/bin/python3';
const SHARED_BENCH = process.env.ZSCL_SHARED_BENCH ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'bench');
const REFERENCE = path.join(SHARED_BENCH, 'reference_encode_image.py');

/** The reference's model names → zscl's config names (same shapes). */
const MODELS: Record<string, string> = { tiny: 'tiny', mid: 'mid', 'vit-b-16': 'ViT-B-16' };

interface Args {
  model: string;
  batch: number;
  threads: number;
  steps: number;
  warmup: number;
  runs: number;
  seed: number;
  child: boolean;
}

function parseArgs(argv: string[]): Args {
  const defaults: Args = { model: 'vit-b-16', batch: 8, threads: 2, steps: 5, warmup: 2, runs: 3, seed: 0, child: false };
  const args = parseFlags(argv, defaults, { positive: ['batch', 'threads', 'steps', 'runs'], nonNegative: ['warmup', 'seed'] });
  if (!(args.model in MODELS)) throw new Error(`--model must be one of ${Object.keys(MODELS).join(', ')}`);
  return args;
}

/** One timed zscl process (the --child side); prints one JSON line with the reference's fields. */
function child(args: Args): void {
  setNumThreads(args.threads);
  const model = ClipModel.create(MODELS[args.model], { seed: args.seed }).eval();
  manualSeed(args.seed + 1);
  const r = model.config.imageResolution;
  const images = randn([args.batch, 3, r, r]);
  const times: number[] = [];
  let featureDim = 0;
  noGrad(() => {
    for (let i = 0; i < args.warmup + args.steps; i++) {
      const start = performance.now();
      const features = model.encodeImage(images);
      const seconds = (performance.now() - start) / 1000;
      if (i >= args.warmup) times.push(seconds);
      featureDim = features.shape[1];
      if (!tidy(() => features.isfinite().all().item())) throw new Error('non-finite image features');
      features.dispose();
    }
  });
  const info = systemInfo();
  const m = median(times);
  console.log(
    JSON.stringify({
      model: args.model,
      threads: info.threads,
      batch: args.batch,
      steps: args.steps,
      images_per_s: (args.batch * times.length) / times.reduce((a, b) => a + b, 0),
      median_batch_s: m,
      median_images_per_s: args.batch / m,
      peak_rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
      torch_version: info.torchVersion,
      warmup: args.warmup,
      params: model.parameterCount,
      feature_dim: featureDim,
    }),
  );
  images.dispose();
  model.dispose();
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) return child(args);
  if (!fs.existsSync(REFERENCE)) throw new Error(`the reference script is not at ${REFERENCE} (set ZSCL_SHARED_BENCH)`);
  const shared = [
    '--model',
    args.model,
    '--batch',
    String(args.batch),
    '--threads',
    String(args.threads),
    '--steps',
    String(args.steps),
    '--warmup',
    String(args.warmup),
    '--seed',
    String(args.seed),
  ];
  const pyArgs = [REFERENCE, ...shared];
  const zArgs = [...process.execArgv, __filename, '--child', ...shared];
  const python: Record<string, unknown>[] = [];
  const zscl: Record<string, unknown>[] = [];
  for (let run = 0; run < args.runs; run++) {
    python.push(runJson(PYTHON, pyArgs, 'reference encode_image'));
    zscl.push(runJson(process.execPath, zArgs, 'zscl encodeImage'));
    const py = python[run].median_batch_s as number;
    const z = zscl[run].median_batch_s as number;
    console.error(`run ${run + 1}/${args.runs}: python ${py.toFixed(3)} s/batch, zscl ${z.toFixed(3)} s/batch`);
  }
  if (zscl[0].params !== python[0].params) throw new Error(`parameter counts differ: zscl ${zscl[0].params}, python ${python[0].params}`);
  const pyMedian = median(python.map((r) => r.median_batch_s as number));
  const zMedian = median(zscl.map((r) => r.median_batch_s as number));
  const cpus = os.cpus();
  console.log(
    JSON.stringify(
      {
        benchmark: 'encode_image images/s (no grad, eval)',
        model: args.model,
        batch: args.batch,
        threads: args.threads,
        steps: args.steps,
        warmup: args.warmup,
        runs: args.runs,
        params: zscl[0].params,
        python_median_batch_s: pyMedian,
        zscl_median_batch_s: zMedian,
        python_median_images_per_s: args.batch / pyMedian,
        zscl_median_images_per_s: args.batch / zMedian,
        ratio_zscl_over_python: pyMedian / zMedian,
        // Each run pair ran back to back: its ratio is less exposed to load drift between minutes.
        paired_ratio_median: median(python.map((r, i) => (r.median_batch_s as number) / (zscl[i].median_batch_s as number))),
        python_runs_batch_s: python.map((r) => r.median_batch_s),
        zscl_runs_batch_s: zscl.map((r) => r.median_batch_s),
        python_peak_rss_mb: python.map((r) => r.peak_rss_mb),
        zscl_peak_rss_mb: zscl.map((r) => r.peak_rss_mb),
        machine: { cpu: cpus[0]?.model, cores: cpus.length, load_average: os.loadavg() },
        versions: { python_torch: python[0].torch_version, zscl_torch: zscl[0].torch_version, node: process.version },
        commands: { python: `${PYTHON} ${pyArgs.join(' ')}`, zscl: `${process.execPath} ${zArgs.join(' ')}` },
      },
      null,
      2,
    ),
  );
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
