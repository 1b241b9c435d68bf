/**
 * Reader parity: zscl's MTIL readers against torchvision 0.14's dataset classes plus the
 * reference's split and rename logic (scripts/fixtures/mtil-torchvision-oracle.py), on the
 * miniature of scripts/mini-mtil.ts. Same class names, same (file, label) samples per split, in
 * the same order. Skips when Debian's python3 lacks torchvision or scipy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RawImage } from '../../lib/data/decode';
import { MTIL_ORDER_I, mtilDataset, mtilInfo } from '../../lib/data/mtil';
import type { MtilDatasetName } from '../../lib/data/mtil';
import { writeMiniMtil } from '../../scripts/mini-mtil';
import { repoRoot } from '../support/fixtures';
import { pythonHas } from '../support/python-oracle';

interface OracleSplit {
  classes: string[] | 'hand-written';
  /** For hand-written class names: how many classes torchvision found. */
  count?: number;
  samples: [string, number][];
}
type Oracle = Record<MtilDatasetName, Record<'train' | 'test', OracleSplit>> & { torchvision: string };

function zsclSamples(name: MtilDatasetName, root: string, split: 'train' | 'test'): { classNames: readonly string[]; samples: [string, number][] } {
  const ds = mtilDataset(name, root, split);
  const samples = Array.from({ length: ds.length }, (_, i): [string, number] => {
    const { image, label } = ds.sample(i);
    if (typeof image === 'string') return [path.relative(root, image), label];
    const raw = image as RawImage;
    return [`#${i}:${createHash('md5').update(raw.data).digest('hex')}`, label];
  });
  return { classNames: ds.classNames ?? [], samples };
}

describe('data: MTIL readers match torchvision 0.14 + the reference on the miniature', function () {
  this.timeout(180_000);
  let root: string;
  let oracle: Oracle;

  before(async function () {
    if (!pythonHas('torchvision', 'scipy.io')) {
      console.log('      (skipped: /usr/bin/python3 lacks torchvision or scipy — apt-get install python3-torchvision python3-scipy)');
      this.skip();
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-mini-mtil-'));
    await writeMiniMtil(root);
    const out = execFileSync('/usr/bin/python3', [path.join(repoRoot, 'scripts', 'fixtures', 'mtil-torchvision-oracle.py'), root], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    oracle = JSON.parse(out) as Oracle;
  });
  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('the oracle is torchvision 0.14', () => {
    assert.match(oracle.torchvision, /^0\.14\./);
  });

  for (const name of MTIL_ORDER_I) {
    for (const split of ['train', 'test'] as const) {
      it(`${name} ${split}: same class names and (file, label) samples`, () => {
        const expected = oracle[name][split];
        const actual = zsclSamples(name, root, split);
        if (expected.classes === 'hand-written') {
          // The reference's own list (configs/datasets), as long as torchvision's class list.
          assert.deepEqual(actual.classNames, mtilInfo(name).classNames);
          assert.equal(actual.classNames.length, expected.count);
        } else assert.deepEqual(actual.classNames, expected.classes);
        assert.ok(expected.samples.length > 0);
        assert.deepEqual(actual.samples, expected.samples);
      });
    }
  }
});
