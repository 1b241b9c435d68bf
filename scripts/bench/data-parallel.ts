/**
 * Steps per second of ZSCL training (L2 + distillation + weight ensemble) on a mid-size CLIP,
 * in one process against data-parallel processes over Gloo, measured in the same run:
 *   1 process × 1 thread    (one core: the baseline of the speed-up)
 *   1 process × 2 threads   (both cores, intra-op threads: what data parallelism competes with)
 *   2 processes × 1 thread   (both cores, data parallel: each rank half of every batch)
 * Every configuration trains the same global batch (task images + reference images) from the
 * same weights; each is a fresh set of processes, timed over `--steps` steps after `--warmup`.
 * The ratio printed is steps/s of each configuration over the 1 × 1 baseline.
 *
 *   npx tsx scripts/bench/data-parallel.ts [--steps 12] [--warmup 3] [--batch 32] [--ref 32] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseModelConfig } from '../../lib/clip/config';
import { ClipModel } from '../../lib/clip/model';
import { DistillationPlugin } from '../../lib/cl/plugins/distillation';
import { L2AnchorPlugin } from '../../lib/cl/plugins/l2-anchor';
import { WeightEnsemblePlugin } from '../../lib/cl/plugins/weight-ensemble';
import { stepListener } from '../../lib/cl/plugin';
import { ContinualTrainer } from '../../lib/cl/trainer';
import { ProcessGroup } from '../../lib/distributed/process-group';
import { launch } from '../../lib/distributed/launch';
import { manualSeed } from '../../lib/runtime';
import { randint, randn } from '../../lib/tensor/create';
import { keep } from '../../lib/tensor/scope';
import { parseFlags } from './support';

/**
 * A mid-size CLIP for a 2-core machine: ViT 32 px / 4 px patches (65 tokens), width 128,
 * 4 layers; text width 128, 4 layers, 32 tokens (1.7 M parameters, 4 and 8 times the tiny
 * fixture model's width × depth and tokens).
 */
const MODEL = {
  embed_dim: 128,
  image_resolution: 32,
  vision_patch_size: 4,
  vision_width: 128,
  vision_layers: 4,
  vision_heads: 4,
  context_length: 32,
  vocab_size: 4096,
  transformer_width: 128,
  transformer_layers: 4,
  transformer_heads: 4,
};
const CLASSES = 10;
const REFERENCE_TEXTS = 64;

interface Args {
  steps: number;
  warmup: number;
  batch: number;
  ref: number;
  runs: number;
}

function parseArgs(argv: string[]): Args & { worker?: string } {
  const defaults: Args & { worker?: string } = { steps: 12, warmup: 3, batch: 32, ref: 32, runs: 3, worker: undefined };
  return parseFlags(argv, defaults, { positive: ['steps', 'batch', 'ref', 'runs'], nonNegative: ['warmup'] });
}

// One process of a configuration: trains warmup + steps; rank 0 writes steps/s to `out`.
async function worker(args: Args, out: string): Promise<void> {
  const group = await ProcessGroup.fromEnv();
  manualSeed(0);
  const model = ClipModel.create(parseModelConfig(MODEL, 'bench model'), { seed: 0 });
  const tokens = (rows: number) => keep(randint(1, MODEL.vocab_size, [rows, MODEL.context_length]));
  const images = (rows: number) => keep(randn([rows, 3, MODEL.image_resolution, MODEL.image_resolution]));
  const pool = Array.from({ length: 4 }, () => ({ images: images(args.batch), labels: keep(randint(0, CLASSES, [args.batch])), refs: images(args.ref) }));
  const classTokens = tokens(CLASSES);
  const referenceTexts = tokens(REFERENCE_TEXTS);
  // Pool tensors are cloned per step: the trainer disposes the batches it is given.
  let i = 0;
  let j = 0;
  const times: number[] = [];
  const trainer = new ContinualTrainer(model, {
    plugins: [
      new L2AnchorPlugin(1),
      new DistillationPlugin({ images: () => ({ next: async () => pool[i++ % pool.length].refs.clone() }), texts: () => referenceTexts }),
      new WeightEnsemblePlugin(10),
      stepListener(() => void times.push(performance.now())),
    ],
    dataParallel: group,
  });
  const total = args.warmup + args.steps;
  await trainer.trainTask(
    {
      name: 'bench',
      classNames: Array.from({ length: CLASSES }, (_, c) => `class ${c}`),
      classTokens,
      batches: { next: async () => ({ images: pool[j % pool.length].images.clone(), labels: pool[j++ % pool.length].labels.clone() }) },
      iterations: total - 1,
      lr: 1e-5,
      warmup: 1,
    },
    0,
  );
  await trainer.end();
  const seconds = (times[total - 1] - times[args.warmup - 1]) / 1000;
  if (!group || group.isMain) fs.writeFileSync(out, JSON.stringify({ stepsPerSecond: args.steps / seconds }));
  group?.dispose();
}

interface Setup {
  label: string;
  processes: number;
  threads: number;
}

async function measure(setup: Setup, args: Args): Promise<number> {
  const out = path.join(os.tmpdir(), `zscl-bench-dp-${process.pid}.json`);
  fs.rmSync(out, { force: true });
  const workerArgs = [
    '--import',
    'tsx',
    __filename,
    '--worker',
    out,
    ...['steps', 'warmup', 'batch', 'ref'].flatMap((k) => [`--${k}`, String(args[k as keyof Args])]),
  ];
  const env = { ...process.env };
  for (const name of ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT']) delete env[name];
  if (setup.processes === 1) {
    const result = spawnSync(process.execPath, workerArgs, { env: { ...env, ZSCL_NUM_THREADS: String(setup.threads) }, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${setup.label} exited with ${result.status}`);
  } else {
    const result = await launch({ nproc: setup.processes, command: process.execPath, args: workerArgs, threadsPerProcess: setup.threads, env });
    if (result.code !== 0) throw new Error(`${setup.label} failed: ${JSON.stringify(result.exits)}`);
  }
  const value = (JSON.parse(fs.readFileSync(out, 'utf8')) as { stepsPerSecond: number }).stepsPerSecond;
  fs.rmSync(out);
  return value;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.worker) return worker(args, args.worker);
  const setups: Setup[] = [
    { label: '1 process × 1 thread', processes: 1, threads: 1 },
    { label: '1 process × 2 threads', processes: 1, threads: 2 },
    { label: '2 processes × 1 thread (Gloo)', processes: 2, threads: 1 },
  ];
  console.log(
    `ZSCL steps/s, mid-size CLIP (ViT ${MODEL.image_resolution}px/${MODEL.vision_patch_size}, width ${MODEL.vision_width}, ${MODEL.vision_layers}+${MODEL.transformer_layers} layers), ` +
      `global batch ${args.batch} task + ${args.ref} reference images, ${args.steps} timed steps after ${args.warmup}, median of ${args.runs} run(s)`,
  );
  const results = new Map<string, number[]>();
  // Interleaved runs, so slow drifts of the machine hit every configuration alike.
  for (let run = 0; run < args.runs; run++) {
    for (const setup of setups) {
      const value = await measure(setup, args);
      results.set(setup.label, [...(results.get(setup.label) ?? []), value]);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(results.get(setups[0].label)!);
  for (const setup of setups) {
    const value = median(results.get(setup.label)!);
    console.log(`  ${setup.label.padEnd(32)} ${value.toFixed(3)} steps/s   ×${(value / base).toFixed(2)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
