/**
 * Images per second of decode + CLIP evaluation transform + batching: zscl's DataLoader against
 * the reference's torchvision + PIL DataLoader (reference_image_pipeline.py of ../shared/bench
 * beside the repo, or $ZSCL_SHARED_BENCH), same JPEG folder, same number of workers, same batch
 * size, measured in the same run.
 *
 * Following the baseline README's "How to compare": the two sides run one process at a time,
 * interleaved (Python, zscl, Python, zscl, …); each side's figure is the median of its runs'
 * images/s; the ratio is zscl / Python (above 1: zscl is faster). Each zscl run is a fresh
 * process, like each Python run, and is timed the same way: from creating the loader (worker
 * start-up included) until the last batch has arrived, with the files already in the page cache.
 *
 *   npx tsx scripts/bench/pipeline.ts [--dir JPEGS] [--workers 2] [--batch 64] [--runs 3] [--count 2000]
 *
 * Without --dir the shared JPEG set is made into a temporary folder with the reference script's
 * --make (2,000 images by default) and removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { imageFolder } from '../../lib/data/image-folder';
import { DataLoader } from '../../lib/data/loader';
import { nativeJpegAvailable } from '../../lib/data/native-jpeg';
import { native } from '../../lib/native';
import { median, parseFlags, runJson } from './support';

const PYTHON = '/usr/bin/python3';
const SHARED_BENCH = process.env.ZSCL_SHARED_BENCH ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'bench');
const REFERENCE = path.join(SHARED_BENCH, 'reference_image_pipeline.py');

interface Args {
  dir?: string;
  workers: number;
  batch: number;
  runs: number;
  count: number;
  child: boolean;
}

function parseArgs(argv: string[]): Args {
  const defaults: Args = { dir: undefined, workers: 2, batch: 64, runs: 3, count: 2000, child: false };
  return parseFlags(argv, defaults, { positive: ['workers', 'batch', 'runs', 'count'] });
}

/** One timed zscl pass in this process (the --child side); prints one JSON line. */
async function child(args: Args): Promise<void> {
  const dataset = imageFolder(args.dir!);
  let bytes = 0;
  for (let i = 0; i < dataset.length; i++) bytes += fs.readFileSync(dataset.sample(i).image as string).length;
  // The addon (libtorch) is loaded before the timer, as the reference imports torch and sets its
  // threads before its timer.
  native();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const loader = new DataLoader(dataset, { batchSize: args.batch, workers: args.workers, prefetch: 2 });
  let images = 0;
  let first = 0;
  for await (const batch of loader) {
    if (first === 0) first = performance.now() - start;
    images += batch.images.shape[0];
    if (batch.images.shape[1] !== 3 || batch.images.shape[2] !== 224 || batch.images.dtype !== 'float32') throw new Error('unexpected batch shape');
    batch.images.dispose();
    batch.labels.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  console.log(
    JSON.stringify({
      workers: args.workers,
      batch: args.batch,
      images,
      images_per_s: images / seconds,
      native_jpeg: nativeJpegAvailable(),
      epoch_s: seconds,
      first_batch_s: first / 1000,
      cpu_ms_per_image: (cpu.user + cpu.system) / 1000 / images,
      input_mb: Math.round((bytes / 2 ** 20) * 10) / 10,
      peak_rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
      node: process.version,
      sharp: sharp.versions.sharp,
      vips: sharp.versions.vips,
    }),
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) return child(args);
  if (!fs.existsSync(REFERENCE)) throw new Error(`the reference script is not at ${REFERENCE} (set ZSCL_SHARED_BENCH)`);
  let dir = args.dir;
  let temp: string | undefined;
  if (!dir) {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-pipeline-bench-'));
    dir = path.join(temp, 'jpegs');
    console.log(`making ${args.count} JPEGs in ${dir} with the reference script …`);
    runJson(PYTHON, [REFERENCE, '--make', dir, '--count', String(args.count)], 'reference --make');
  }
  try {
    const python: Record<string, unknown>[] = [];
    const zscl: Record<string, unknown>[] = [];
    const pyArgs = [REFERENCE, '--dir', dir, '--workers', String(args.workers), '--batch', String(args.batch)];
    const zArgs = [...process.execArgv, __filename, '--child', '--dir', dir, '--workers', String(args.workers), '--batch', String(args.batch)];
    for (let run = 0; run < args.runs; run++) {
      python.push(runJson(PYTHON, pyArgs, 'reference pipeline'));
      zscl.push(runJson(process.execPath, zArgs, 'zscl pipeline'));
      console.log(
        `run ${run + 1}/${args.runs}: python ${(python[run].images_per_s as number).toFixed(1)} images/s, zscl ${(zscl[run].images_per_s as number).toFixed(1)} images/s`,
      );
    }
    const py = median(python.map((r) => r.images_per_s as number));
    const z = median(zscl.map((r) => r.images_per_s as number));
    const cpus = os.cpus();
    console.log(
      JSON.stringify(
        {
          benchmark: 'image pipeline (decode + eval transform + batch)',
          images: zscl[0].images,
          workers: args.workers,
          batch: args.batch,
          runs: args.runs,
          python_images_per_s: python.map((r) => r.images_per_s),
          zscl_images_per_s: zscl.map((r) => r.images_per_s),
          python_median_images_per_s: py,
          zscl_median_images_per_s: z,
          ratio_zscl_over_python: z / py,
          python_peak_rss_mb: python.map((r) => r.peak_rss_mb),
          python_peak_rss_worker_mb: python.map((r) => r.peak_rss_worker_mb),
          zscl_peak_rss_mb: zscl.map((r) => r.peak_rss_mb),
          machine: { cpu: cpus[0]?.model, cores: cpus.length, load_average: os.loadavg() },
          versions: {
            torch: python[0].torch_version,
            torchvision: python[0].torchvision_version,
            pil: python[0].pil_version,
            node: zscl[0].node,
            sharp: zscl[0].sharp,
            vips: zscl[0].vips,
          },
          commands: { python: `${PYTHON} ${pyArgs.join(' ')}`, zscl: `${process.execPath} ${zArgs.join(' ')}` },
        },
        null,
        2,
      ),
    );
  } finally {
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
