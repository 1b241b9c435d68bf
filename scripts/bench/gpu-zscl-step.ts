/**
 * The ZSCL step at GPU scale: ViT-B/16 (random weights), 64 task + 64 fresh reference images per
 * step, 1,000 reference texts, per precision (fp32, tf32, bf16), zscl against
 * ../shared/bench/reference_zscl_step.py (as published and with cached teacher text features) on
 * the same device in the same run. Prints per precision: s/step, images/s, peak device memory,
 * MFU; zero-shot evaluation images/s at the model's resolution; the projected wall time of the
 * full MTIL order I; and JPEG decode images/s with N loader workers against what the step and the
 * evaluation consume.
 *
 *   npx tsx scripts/bench/gpu-zscl-step.ts [--device cuda] [--precisions fp32,tf32,bf16] [--pass-precision]
 *   npx tsx scripts/bench/gpu-zscl-step.ts --device cpu --model mid --steps 3 --warmup 1 --workers 1,2   (a CPU dry run)
 *
 * zscl's bf16 needs the trainer's `precision` option: --pass-precision hands --precision to it
 * (as --device is handed over); without it the zscl side runs fp32 and tf32 only.
 *
 * MFU = matrix-product FLOPs per step counted from the shapes (scripts/bench/flops.ts; each side
 * its own executed count) / s per step / the device's dense peak for the precision. The peaks
 * Peak device memory: Python's torch.cuda.max_memory_allocated; zscl's process memory as
 * nvidia-smi reports it after the last step (the caching allocator's reserve plus the CUDA
 * context, so an upper bound of the same quantity). The peaks used are printed: NVIDIA's H100/H200 SXM datasheet dense figures (FP32 67, TF32 494.7, BF16
 * 989.5 TFLOPS; the H200 has the H100's compute), or --peak-tflops fp32,tf32,bf16; on the CPU,
 * the sgemm peak measured in this run for every precision.
 *
 * Projection: 11 tasks × (iterations + 1) steps at zscl's s/step, plus 11 evaluations of all 11
 * test sets at zscl's evaluation rate. Test-set sizes (--test-sizes overrides): the standard test
 * splits the reference's datasets read (torchvision's for Aircraft 3,333, CIFAR100 10,000, DTD
 * 1,880, Flowers 6,149, Food 25,250, MNIST 10,000, OxfordPet 3,669, StanfordCars 8,041; the CoOp
 * split files for Caltech101 2,465, EuroSAT 8,100, SUN397 19,850): 98,737 images per evaluation.
 * The zero-shot row before the first task is one more evaluation, not counted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { ClipModel } from '../../lib/clip/model';
import { loadModelConfig } from '../../lib/clip/config';
import { imageFolder } from '../../lib/data/image-folder';
import { DataLoader } from '../../lib/data/loader';
import { packageRoot } from '../../lib/native';
import { cudaSynchronize, manualSeed, randn, setAllowTF32, setNumThreads } from '../../lib';
import { noGrad } from '../../lib/tensor/autograd';
import type { Device } from '../../lib';
import { zsclStepFlops } from './flops';
import { median, runJson } from './support';

const BENCH = process.env.ZSCL_REFERENCE_BENCH ?? path.resolve(packageRoot, '..', 'shared', 'bench');
const PY = process.env.ZSCL_PYTHON ?? '/usr/bin/python3';
const MODEL_CONFIG: Record<string, string> = { tiny: 'tiny', mid: 'mid', 'vit-b-16': 'ViT-B-16' };
const H200_DENSE_TFLOPS: Record<string, number> = { fp32: 67, tf32: 494.7, bf16: 989.5 };
const MTIL_ORDER_I_TEST_SIZES = [3333, 2465, 10000, 1880, 8100, 6149, 25250, 10000, 3669, 8041, 19850];

interface Options {
  device: string;
  model: string;
  precisions: string;
  passPrecision?: boolean;
  threads: string;
  steps: string;
  warmup: string;
  runs: string;
  batch: string;
  refBatch: string;
  refTexts: string;
  evalBatch: string;
  evalBatches: string;
  workers: string;
  decodeImages: string;
  iterations: string;
  testSizes?: string;
  peakTflops?: string;
  childEval?: boolean;
  childDecode?: string;
  precision?: string;
}

type Json = Record<string, number | string | boolean | null>;

/** The zscl step child: the carried bundle beside this one, else zscl-step.ts bundled now. */
async function stepChildScript(): Promise<string> {
  const beside = path.join(__dirname, 'zscl-step.js');
  if (fs.existsSync(beside)) return beside;
  const outfile = path.join(packageRoot, '.bench', 'zscl-step.js');
  const { buildSync } = await import('esbuild');
  buildSync({
    entryPoints: [path.join(packageRoot, 'scripts', 'bench', 'zscl-step.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile,
    external: ['sharp', 'node-gyp-build', 'esbuild'],
    logLevel: 'error',
  });
  return outfile;
}

const self = (args: string[]): Json => runJson<Json>(process.execPath, [...process.execArgv, __filename, ...args]);

/** Zero-shot evaluation's heavy part: no-grad image features at the model's resolution, images/s. */
function childEval(o: Options): void {
  setNumThreads(Number(o.threads));
  const device = o.device as Device;
  if (device !== 'cpu') setAllowTF32({ matmul: o.precision === 'tf32', cudnn: o.precision === 'tf32' });
  manualSeed(0);
  const model = ClipModel.create(MODEL_CONFIG[o.model], { device });
  const res = model.config.imageResolution;
  const images = randn([Number(o.evalBatch), 3, res, res], { device });
  const times: number[] = [];
  for (let i = 0; i < Number(o.evalBatches) + 1; i++) {
    const start = performance.now();
    noGrad(() => model.encodeImage(images).normalize().dispose());
    if (device !== 'cpu') cudaSynchronize();
    if (i > 0) times.push((performance.now() - start) / 1000);
  }
  console.log(JSON.stringify({ precision: o.precision ?? 'fp32', images_per_s: Number(o.evalBatch) / median(times), resolution: res }));
}

/** Decode + val transform + batching of a JPEG folder with N workers, images/s. */
async function childDecode(dir: string, o: Options): Promise<void> {
  const loader = new DataLoader(imageFolder(dir), { batchSize: 64, workers: Number(o.workers), prefetch: 2 });
  const start = performance.now();
  let images = 0;
  for await (const batch of loader) {
    images += batch.images.shape[0];
    batch.images.dispose();
    batch.labels.dispose();
  }
  console.log(JSON.stringify({ workers: Number(o.workers), images, images_per_s: images / ((performance.now() - start) / 1000) }));
}

async function parent(o: Options): Promise<void> {
  const stepScript = await stepChildScript();
  const cuda = o.device !== 'cpu';
  const config = loadModelConfig(MODEL_CONFIG[o.model]);
  const common = ['--threads', o.threads, '--steps', o.steps, '--warmup', o.warmup, '--batch', o.batch, '--ref-batch', o.refBatch, '--ref-texts', o.refTexts];
  const peaks: Record<string, number> = {};
  let peakSource: string;
  if (o.peakTflops) {
    const [fp32, tf32, bf16] = o.peakTflops.split(',').map(Number);
    Object.assign(peaks, { fp32, tf32, bf16 });
    peakSource = '--peak-tflops';
  } else if (cuda) {
    Object.assign(peaks, H200_DENSE_TFLOPS);
    peakSource = 'H100/H200 SXM datasheet, dense';
  } else {
    const sgemm = runJson<Json>(process.execPath, [stepScript, '--child', '--sgemm', '2048', '--threads', o.threads]);
    const tflops = Number(sgemm.gflops) / 1000;
    Object.assign(peaks, { fp32: tflops, tf32: tflops, bf16: tflops });
    peakSource = 'sgemm peak measured in this run (all precisions)';
  }

  const testSizes = o.testSizes ? o.testSizes.split(',').map(Number) : MTIL_ORDER_I_TEST_SIZES;
  const testImages = testSizes.reduce((a, b) => a + b, 0);
  const tasks = testSizes.length;
  const steps: Record<string, unknown> = {};
  const consumption: Record<string, number> = {};
  for (const precision of o.precisions.split(',')) {
    const runs: Record<string, Json[]> = { cached: [], 'as-published': [], zscl: [] };
    const zsclRuns = precision !== 'bf16' || o.passPrecision;
    for (let k = 0; k < Number(o.runs); k++) {
      for (const mode of ['cached', 'as-published'] as const) {
        runs[mode].push(
          runJson<Json>(PY, [
            path.join(BENCH, 'reference_zscl_step.py'),
            '--model',
            o.model,
            '--mode',
            mode,
            '--device',
            o.device,
            '--precision',
            precision,
            ...common,
          ]),
        );
      }
      if (zsclRuns) {
        const args = [stepScript, '--child', '--model', o.model, '--ref-pool', '0', '--device', o.device, '--precision', precision, ...common];
        runs.zscl.push(runJson<Json>(process.execPath, o.passPrecision ? [...args, '--pass-precision'] : args));
      }
    }
    const flops = zsclStepFlops(config, {
      batch: Number(o.batch),
      refBatch: Number(o.refBatch),
      classes: 10,
      refTexts: Number(o.refTexts),
      classColumns: zsclRuns ? Number(runs.zscl[0].class_columns) : undefined,
    });
    const executed: Record<string, number> = { zscl: flops.zscl, cached: flops.referenceCached, 'as-published': flops.referenceAsPublished };
    const side = (mode: string) => {
      if (runs[mode].length === 0) return null;
      const s = median(runs[mode].map((r) => Number(r.median_step_s)));
      const memory = runs[mode].map((r) => (mode === 'zscl' ? r.peak_device_mb : r.peak_gpu_mb)).filter((v) => typeof v === 'number');
      return {
        s_per_step: s,
        images_per_s: (Number(o.batch) + Number(o.refBatch)) / s,
        executed_tflop_per_step: executed[mode] / 1e12,
        mfu_percent: (100 * executed[mode]) / s / (peaks[precision] * 1e12),
        peak_device_memory_mb: memory.length > 0 ? median(memory as number[]) : null,
        peak_rss_mb: median(runs[mode].map((r) => Number(r.peak_rss_mb))),
      };
    };
    const zscl = side('zscl');
    const cached = side('cached')!;
    const published = side('as-published')!;
    if (zscl) consumption[precision] = zscl.images_per_s;
    steps[precision] = {
      zscl: zscl ?? 'not run: zscl bf16 needs the precision option (--pass-precision)',
      python_cached: cached,
      python_as_published: published,
      ...(zscl ? { speedup_vs_cached: cached.s_per_step / zscl.s_per_step, speedup_vs_as_published: published.s_per_step / zscl.s_per_step } : {}),
    };
    console.error(JSON.stringify({ [precision]: steps[precision] }));
  }

  // Evaluation throughput (the zero-shot head is one small product over these features).
  const evaluation: Record<string, number> = {};
  for (const precision of Object.keys(consumption)) {
    if (precision === 'bf16') continue; // the precision option governs training; evaluation runs fp32/tf32 here
    evaluation[precision] = Number(
      self([
        '--child-eval',
        '--device',
        o.device,
        '--model',
        o.model,
        '--precision',
        precision,
        '--threads',
        o.threads,
        '--eval-batch',
        o.evalBatch,
        '--eval-batches',
        o.evalBatches,
      ]).images_per_s,
    );
  }
  const evalRate = (precision: string) => evaluation[precision] ?? evaluation.tf32 ?? evaluation.fp32;
  const iterations = Number(o.iterations);
  const projection: Record<string, unknown> = {};
  for (const [precision, imagesPerS] of Object.entries(consumption)) {
    const train = (tasks * (iterations + 1) * (Number(o.batch) + Number(o.refBatch))) / imagesPerS;
    const evals = (tasks * testImages) / evalRate(precision);
    projection[precision] = {
      training_min: train / 60,
      evaluation_min: evals / 60,
      total_min: (train + evals) / 60,
      evaluation_rate_used: precision in evaluation ? precision : 'tf32/fp32',
    };
  }

  // Decode: the shared JPEG set (reference_image_pipeline.py --make), decoded with N workers.
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-gpu-bench-'));
  const dir = path.join(temp, 'jpegs');
  const decode: Record<string, number> = {};
  try {
    runJson(PY, [path.join(BENCH, 'reference_image_pipeline.py'), '--make', dir, '--count', o.decodeImages], 'reference --make');
    for (const workers of o.workers.split(',')) decode[workers] = Number(self(['--child-decode', dir, '--workers', workers]).images_per_s);
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  const fastest = Math.max(...Object.values(consumption), ...Object.values(evaluation));
  console.log(
    JSON.stringify(
      {
        device: o.device,
        model: o.model,
        batch: Number(o.batch),
        ref_batch: Number(o.refBatch),
        ref_texts: Number(o.refTexts),
        steps: Number(o.steps),
        runs: Number(o.runs),
        dense_peak_tflops: { ...peaks, source: peakSource },
        step: steps,
        evaluation_images_per_s: evaluation,
        mtil_order_i_projection: { tasks, iterations_per_task: iterations + 1, test_images_per_evaluation: testImages, evaluations: tasks, ...projection },
        decode: {
          images_per_s_by_workers: decode,
          step_consumes_images_per_s: consumption,
          evaluation_consumes_images_per_s: evaluation,
          workers_needed_estimate: Object.fromEntries(
            Object.entries(decode).map(([w, r]) => [w, r >= fastest ? 'keeps up' : `${(fastest / r).toFixed(1)}x short`]),
          ),
        },
      },
      null,
      2,
    ),
  );
}

const options = new Command()
  .option('--device <d>', 'cuda, cuda:N or cpu', 'cuda')
  .option('--model <name>', 'tiny, mid, vit-b-16', 'vit-b-16')
  .option('--precisions <list>', 'fp32, tf32, bf16', 'fp32,tf32,bf16')
  .option('--pass-precision', "hand each precision to zscl's trainer precision option (bf16 runs on the zscl side only so)")
  .option('--threads <n>', 'CPU threads on both sides', String(os.availableParallelism()))
  .option('--steps <n>', 'timed steps', '10')
  .option('--warmup <n>', 'untimed steps first', '3')
  .option('--runs <n>', 'interleaved runs per side', '1')
  .option('--batch <n>', 'task images per step', '64')
  .option('--ref-batch <n>', 'reference images per step', '64')
  .option('--ref-texts <n>', 'reference texts', '1000')
  .option('--eval-batch <n>', 'images per evaluation batch', '256')
  .option('--eval-batches <n>', 'timed evaluation batches', '5')
  .option('--workers <list>', 'loader workers to measure decode with', '1,4,8,16')
  .option('--decode-images <n>', 'JPEGs in the decode set', '2000')
  .option('--iterations <n>', 'MTIL iterations per task (the step count is this + 1)', '1000')
  .option('--test-sizes <list>', 'test-set sizes of the 11 MTIL order I datasets, comma-separated')
  .option('--peak-tflops <list>', 'dense peak TFLOPS for fp32,tf32,bf16 (default: H100/H200 SXM on CUDA, sgemm peak on CPU)')
  .option('--child-eval', 'internal')
  .option('--child-decode <dir>', 'internal')
  .option('--precision <p>', 'internal')
  .parse()
  .opts<Options>();

const main = (o: Options): Promise<void> => {
  if (o.childEval) return Promise.resolve(childEval(o));
  if (o.childDecode) return childDecode(o.childDecode, o);
  return parent(o);
};

main(options).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
