/** Where the shared test data lives: ../shared/fixtures beside the repo, or $ZSCL_FIXTURES. */
import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

export const fixturesDir = process.env.ZSCL_FIXTURES ?? path.resolve(repoRoot, '..', 'shared', 'fixtures');

/** Absolute path of a file under the shared fixtures. */
export function fixture(...parts: string[]): string {
  return path.join(fixturesDir, ...parts);
}

/** The CLIP BPE vocabulary ($ZSCL_CLIP_VOCAB overrides). */
export const clipVocabPath =
  process.env.ZSCL_CLIP_VOCAB ?? fixture('clip-vocab', 'bpe_simple_vocab_16e6.txt.gz');

export function readJsonFixture<T>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(fixture(...parts), 'utf8')) as T;
}

/** The device tests run on: $ZSCL_TEST_DEVICE (e.g. cuda), default cpu. */
export const testDevice = (process.env.ZSCL_TEST_DEVICE ?? 'cpu') as 'cpu' | 'cuda';
