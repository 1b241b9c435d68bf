/**
 * The data-parallel parity check: the zscl-mtil fixture trained by one process and by `nproc`
 * data-parallel processes (zscl-rank.ts `trainer`), compared per step (losses) and after each
 * task (averaged weights). Used by test/distributed/data-parallel.test.ts and scripts/gpu/dist-parity.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch } from '../../../lib/distributed/launch';
import { readSafetensors, typedArrayOf } from '../../../lib/io/safetensors';
import { compareWeights, type WeightComparison } from './compare-weights';
import { rankCommand, runRank, singleProcessEnv } from './processes';

interface StepRecord {
  task: number;
  it: number;
  [term: string]: number;
}

interface RunOutput {
  worldSize: number;
  /** Unreadable training images skipped per task (over all ranks). */
  skipped?: number[];
  steps: StepRecord[];
  weights: Map<string, Float32Array>;
}

export interface ParityResult {
  nproc: number;
  /** Steps compared (2 tasks × 11) and weight tensors compared (2 tasks × 62). */
  steps: number;
  tensors: number;
  /** Largest |Δ| of loss, ce, l2, distill_img, distill_txt over all steps. */
  stepDifference: number;
  weights: WeightComparison;
  /** Largest |Δ| between the ranks' own reports and weights (0: the replicas never drift). */
  replicaDifference: number;
  /** Training images skipped per task: [one process, each rank]. */
  skipped: (number[] | undefined)[];
  failures: string[];
}

function readRun(dir: string, rank: number): RunOutput {
  const json = JSON.parse(fs.readFileSync(path.join(dir, `rank${rank}.json`), 'utf8')) as Omit<RunOutput, 'weights'>;
  const weights = new Map<string, Float32Array>();
  for (const [name, entry] of readSafetensors(path.join(dir, `rank${rank}.safetensors`)).tensors) weights.set(name, typedArrayOf(entry) as Float32Array);
  return { ...json, weights };
}

// Largest per-step difference of the loss terms, relative to max(1, |term|) (float32 rounding
// scales with the value; CUDA kernels differ between the batch shapes of 1 and N ranks).
function stepDifference(a: StepRecord[], b: StepRecord[]): number {
  assert.equal(a.length, b.length, 'step counts differ');
  let worst = 0;
  a.forEach((step, i) => {
    assert.deepEqual([step.task, step.it], [b[i].task, b[i].it]);
    for (const key of ['loss', 'ce', 'l2', 'distill_img', 'distill_txt'])
      worst = Math.max(worst, Math.abs(step[key] - b[i][key]) / Math.max(1, Math.abs(step[key])));
  });
  return worst;
}

/** Runs both sides (concurrently) in a temporary folder and compares them. Async. */
export async function dataParallelParity(options: {
  nproc: number;
  tolerance?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** zscl-rank.ts mode: 'trainer' (the fixture's pre-drawn batches, default) or 'loaders' (odd-sized loaders, sharded decoding). */
  mode?: 'trainer' | 'loaders';
}): Promise<ParityResult> {
  const mode = options.mode ?? 'trainer';
  const tolerance = options.tolerance ?? 1e-5;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-dp-parity-'));
  try {
    const single = path.join(tmp, 'single');
    const parallel = path.join(tmp, 'parallel');
    const env = singleProcessEnv(options.env);
    const [one, many] = await Promise.all([
      runRank([mode, single], env),
      launch({
        nproc: options.nproc,
        command: process.execPath,
        args: [...rankCommand(), mode, parallel],
        threadsPerProcess: 1,
        prefixOutput: false,
        env,
        signal: options.signal,
      }),
    ]);
    assert.equal(one.code, 0, `the single process failed:\n${one.stderr}`);
    assert.equal(many.code, 0, `the data-parallel run failed: ${JSON.stringify(many.exits)}`);
    const reference = readRun(single, 0);
    const ranks = Array.from({ length: options.nproc }, (_, r) => readRun(parallel, r));
    const failures: string[] = [];
    if (reference.worldSize !== 1 || ranks.some((r) => r.worldSize !== options.nproc)) failures.push('a run did not have the expected world size');
    const steps = stepDifference(reference.steps, ranks[0].steps);
    if (!(steps <= tolerance)) failures.push(`per-step losses differ by ${steps} (relative to max(1, |loss|)) > ${tolerance}`);
    const weights = compareWeights(reference.weights, ranks[0].weights, tolerance);
    failures.push(...weights.failures);
    let replicaDifference = 0;
    for (const other of ranks.slice(1)) {
      replicaDifference = Math.max(replicaDifference, stepDifference(ranks[0].steps, other.steps));
      const c = compareWeights(ranks[0].weights, other.weights, 0);
      replicaDifference = Math.max(replicaDifference, c.max, c.keyBiasMax, ...c.outliers.map((o) => o.difference));
    }
    if (replicaDifference !== 0) failures.push(`the ranks' replicas differ by ${replicaDifference}`);
    return {
      nproc: options.nproc,
      steps: reference.steps.length,
      tensors: reference.weights.size,
      stepDifference: steps,
      weights,
      replicaDifference,
      skipped: [reference.skipped, ...ranks.map((r) => r.skipped)],
      failures,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
