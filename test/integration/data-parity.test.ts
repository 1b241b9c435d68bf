/**
 * Evaluation-transform parity with torchvision + PIL on the images made by
 * scripts/fixtures/data-images.py (varied sizes, modes and formats), in normalised units.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { transformPixels } from '../../lib/data/image-pipeline';
import { nativeJpegAvailable } from '../../lib/data/native-jpeg';
import { normalizeTable } from '../support/normalize-table';
import { preprocessBatch } from '../../lib/data/preprocess';
import { CLIP_MEAN, CLIP_STD, clipEvalTransform } from '../../lib/data/transform';
import { repoRoot } from '../support/fixtures';

const DIR = path.join(repoRoot, 'test', 'fixtures', 'data', 'images');

interface Manifest {
  size: number;
  images: { file: string; mode: string; width: number; height: number; exifTransposed: boolean }[];
  crops: { file: string; top: number; left: number; height: number; width: number; expected: string }[];
}
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as Manifest;
const table = normalizeTable(CLIP_MEAN, CLIP_STD);

/** The reference's crop, normalised: float32 CHW. */
async function expectedNormalised(file: string): Promise<Float32Array> {
  const { data, info } = await sharp(path.join(DIR, 'expected', file))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = table[c][data[i * info.channels + c]];
  return out;
}

function compare(ours: Float32Array, expected: Float32Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(ours[i] - expected[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / expected.length, max };
}

describe('data: evaluation transform parity with torchvision + PIL', function () {
  this.timeout(60_000);

  it(`matches on ${manifest.images.length} images of varied size, mode and format (mean |diff| < 0.02 each)`, async () => {
    assert.ok(manifest.images.length >= 20);
    const size = manifest.size;
    const batch = await preprocessBatch(
      manifest.images.map((m) => path.join(DIR, m.file)),
      clipEvalTransform({ size }),
    );
    assert.deepEqual(batch.shape, [manifest.images.length, 3, size, size]);
    const all = batch.data() as Float32Array;
    batch.dispose();
    const per = 3 * size * size;
    const rows: string[] = [];
    let total = 0;
    let worst = 0;
    for (const [i, m] of manifest.images.entries()) {
      const expected = await expectedNormalised(m.file.replace(/\.[^.]+$/, '.png'));
      const { mean, max } = compare(all.subarray(i * per, (i + 1) * per), expected);
      rows.push(`${m.file.padEnd(26)} ${m.mode.padEnd(5)} mean ${mean.toFixed(5)}  max ${max.toFixed(4)}`);
      total += mean;
      worst = Math.max(worst, max);
      assert.ok(mean < 0.02, `${m.file}: mean |diff| ${mean}`);
      assert.ok(max < 0.15, `${m.file}: max |diff| ${max}`);
      // Enlargements and identity sizes go through the exact Pillow resampler.
      if (Math.min(m.width, m.height) <= size) assert.equal(max, 0, `${m.file} should match exactly`);
      // So do the JPEGs of the native path (decoded by the same libjpeg calls as Pillow's).
      if (nativeJpegAvailable() && m.file.endsWith('.jpg') && m.mode !== 'CMYK' && !m.exifTransposed)
        assert.equal(max, 0, `${m.file} should match exactly (native JPEG path)`);
    }
    console.log(
      `      ${rows.join('\n      ')}\n      overall mean |diff| ${(total / manifest.images.length).toFixed(5)}, max ${worst.toFixed(4)} (normalised units)`,
    );
  });

  it('matches RandomResizedCrop for given crop boxes (F.resized_crop)', async () => {
    for (const c of manifest.crops) {
      const size = manifest.size;
      const pixels = await transformPixels(path.join(DIR, c.file), () => ({
        sourceBox: { left: c.left, top: c.top, width: c.width, height: c.height },
        width: size,
        height: size,
        outputBox: { left: 0, top: 0, width: size, height: size },
      }));
      const ours = new Float32Array(3 * size * size);
      const n = size * size;
      for (let ch = 0; ch < 3; ch++)
        for (let i = 0; i < n; i++) ours[ch * n + i] = table[ch][pixels.data[i * pixels.channels + (pixels.channels === 1 ? 0 : ch)]];
      const { mean, max } = compare(ours, await expectedNormalised(c.expected));
      console.log(`      crop of ${c.file.padEnd(20)} mean ${mean.toFixed(5)}  max ${max.toFixed(4)}`);
      assert.ok(mean < 0.02, `${c.file}: mean ${mean}`);
      assert.ok(max < 0.15, `${c.file}: max ${max}`);
    }
  });
});
