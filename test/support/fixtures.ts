/** Where the shared test data lives: ../shared/fixtures beside the repo, or $ZSCL_FIXTURES. */
import fs from 'node:fs';
import path from 'node:path';
import type { ClipConfig } from '../../lib';

export const repoRoot = path.resolve(__dirname, '..', '..');

export const fixturesDir = process.env.ZSCL_FIXTURES ?? path.resolve(repoRoot, '..', 'shared', 'fixtures');

/** Absolute path of a file under the shared fixtures. */
export function fixture(...parts: string[]): string {
  return path.join(fixturesDir, ...parts);
}

/** The CLIP BPE vocabulary ($ZSCL_CLIP_VOCAB overrides). */
export const clipVocabPath = process.env.ZSCL_CLIP_VOCAB ?? fixture('clip-vocab', 'bpe_simple_vocab_16e6.txt.gz');

export function readJsonFixture<T>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(fixture(...parts), 'utf8')) as T;
}

/** The device tests run on: $ZSCL_TEST_DEVICE (e.g. cuda), default cpu. */
export const testDevice = (process.env.ZSCL_TEST_DEVICE ?? 'cpu') as 'cpu' | 'cuda';

/** The tiny-clip fixture's model, written out by hand from the fixtures README. */
export const TINY_CLIP_CONFIG: ClipConfig = {
  embedDim: 32,
  imageResolution: 32,
  visionLayers: 2,
  visionWidth: 64,
  visionPatchSize: 8,
  visionHeads: 4,
  contextLength: 16,
  vocabSize: 1000,
  transformerWidth: 64,
  transformerLayers: 2,
  transformerHeads: 4,
  activation: 'quick_gelu',
};

/** A case of metrics/mtil-matrices.json: a paper method's accuracy matrix and its published metrics. */
export interface MtilCase {
  method: string;
  order: string;
  tasks: string[];
  accuracy: number[][];
  expected: { transfer: number; avg: number; last: number };
}

/** The cases of ../shared/fixtures/metrics/mtil-matrices.json. */
export function mtilMatrices(): MtilCase[] {
  return readJsonFixture<{ cases: MtilCase[] }>('metrics', 'mtil-matrices.json').cases;
}
