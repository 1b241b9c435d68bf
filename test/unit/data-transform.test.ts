import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeSlot, openSlot, pixelsIntoSlot } from '../../lib/data/native-jpeg';
import { empty } from '../../lib';
import { SeededRandom } from '../../lib/data/random';
import { resampleBicubic } from '../../lib/data/resample';
import type { Box } from '../../lib/data/resample';
import { CLIP_MEAN, CLIP_STD, clipEvalTransform, clipTrainTransform, evalPlan, roundHalfEven, trainPlan } from '../../lib/data/transform';
import type { ResizePlan } from '../../lib/data/transform';
import { repoRoot } from '../support/fixtures';

interface Geometry {
  width: number;
  height: number;
  resizedWidth: number;
  resizedHeight: number;
  left: number;
  top: number;
}
const geometry = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'data', 'formats', 'eval-geometry.json'), 'utf8')) as Geometry[];

describe('data: transform geometry', () => {
  it("matches torchvision's Resize(224) sizes and CenterCrop(224) offsets", () => {
    for (const g of geometry) {
      const plan = evalPlan(g.width, g.height, 224);
      const what = `${g.width}×${g.height}`;
      assert.deepEqual([plan.width, plan.height], [g.resizedWidth, g.resizedHeight], what);
      assert.deepEqual([plan.outputBox.left, plan.outputBox.top, plan.outputBox.width, plan.outputBox.height], [g.left, g.top, 224, 224], what);
      assert.deepEqual(plan.sourceBox, { left: 0, top: 0, width: g.width, height: g.height });
    }
  });

  it('rounds halves to even like Python', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, -1.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, -2, 2, 3]);
  });

  it('draws RandomResizedCrop boxes inside the image, in the scale and ratio ranges, reproducibly', () => {
    const t = clipTrainTransform();
    for (let i = 0; i < 200; i++) {
      // Aspects in [0.8, 1.25]: a 90–100 % crop with aspect in [3/4, 4/3] always exists there.
      const w = 200 + ((i * 37) % 600);
      const h = Math.round(w * (0.8 + ((i * 0.013) % 0.45)));
      const plan = trainPlan(w, h, t, new SeededRandom(3, 'crop', 0, i));
      const b = plan.sourceBox;
      assert.ok(b.left >= 0 && b.top >= 0 && b.left + b.width <= w && b.top + b.height <= h, `box ${JSON.stringify(b)} in ${w}×${h}`);
      // Rounding w and h to integers moves the area and aspect slightly outside the drawn values.
      const area = (b.width * b.height) / (w * h);
      assert.ok(area >= 0.88 && area <= 1.0, `area fraction ${area}`);
      const aspect = b.width / b.height;
      assert.ok(aspect >= 0.74 && aspect <= 1.35, `aspect ${aspect}`);
      assert.deepEqual(plan.outputBox, { left: 0, top: 0, width: 224, height: 224 });
      assert.deepEqual(trainPlan(w, h, t, new SeededRandom(3, 'crop', 0, i)), plan);
    }
  });

  it('falls back to the centre crop clamped to the ratio range for extreme aspects', () => {
    const t = clipTrainTransform();
    // 1000×10: no 0.9-area crop has aspect <= 4/3, so every attempt fails.
    const plan = trainPlan(1000, 10, t, new SeededRandom(1));
    assert.deepEqual(plan.sourceBox, { left: Math.floor((1000 - 13) / 2), top: 0, width: 13, height: 10 });
    const tall = trainPlan(10, 1000, t, new SeededRandom(1));
    assert.deepEqual(tall.sourceBox, { left: 0, top: Math.floor((1000 - 13) / 2), width: 10, height: 13 });
  });

  it('validates transform options', () => {
    assert.throws(() => clipEvalTransform({ size: 0 }), { code: 'E_ARG' });
    assert.throws(() => clipEvalTransform({ std: [1, 0, 1] }), { code: 'E_ARG' });
    assert.throws(() => clipTrainTransform({ scale: [0.9, 1.2] }), { code: 'E_ARG' });
    assert.throws(() => clipTrainTransform({ ratio: [2, 1] }), { code: 'E_ARG' });
    assert.deepEqual(clipEvalTransform().mean, CLIP_MEAN);
  });
});

describe('data: normalisation and resampling', () => {
  it('normalises with float32 steps like ToTensor + Normalize and replicates grey', async () => {
    const grey = { data: new Uint8Array([0, 128, 255, 7]), width: 2, height: 2, channels: 1 };
    const batch = empty([1, 3, 2, 2]);
    const slot = openSlot(batch.handle, 0);
    try {
      await pixelsIntoSlot(slot, grey, clipEvalTransform({ size: 2 }));
      const out = batch.data() as Float32Array;
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < 4; i++) {
          const v = grey.data[i];
          const expected = Math.fround(Math.fround(Math.fround(v / 255) - Math.fround(CLIP_MEAN[c])) / Math.fround(CLIP_STD[c]));
          assert.equal(out[c * 4 + i], expected);
        }
      }
      await assert.rejects(pixelsIntoSlot(slot, { ...grey, width: 1 }, clipEvalTransform({ size: 2 })), { code: 'E_SHAPE' });
    } finally {
      closeSlot(slot);
      batch.dispose();
    }
  });

  it('copies without rounding when no axis changes, and keeps constant images constant', async () => {
    const src = { data: Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 29) % 256), width: 5, height: 4, channels: 3 };
    const same = await resampleBicubic(src, plan({ left: 0, top: 0, width: 5, height: 4 }, 5, 4, { left: 1, top: 1, width: 3, height: 2 }));
    for (let y = 0; y < 2; y++) for (let x = 0; x < 9; x++) assert.equal(same.data[y * 9 + x], src.data[(y + 1) * 15 + 3 + x]);
    const flat = { data: new Uint8Array(30 * 20).fill(77), width: 30, height: 20, channels: 1 };
    const up = await resampleBicubic(flat, plan({ left: 0, top: 0, width: 30, height: 20 }, 70, 45, { left: 0, top: 0, width: 70, height: 45 }));
    assert.equal(up.data.length, 70 * 45);
    assert.ok(up.data.every((v) => v === 77));
    const down = await resampleBicubic(flat, plan({ left: 3, top: 2, width: 20, height: 15 }, 7, 5, { left: 0, top: 0, width: 7, height: 5 }));
    assert.ok(down.data.every((v) => v === 77));
  });

  it('refuses a plan that leaves the image, and pixels that do not fill it', async () => {
    const flat = { data: new Uint8Array(30 * 20).fill(77), width: 30, height: 20, channels: 1 };
    await assert.rejects(resampleBicubic(flat, plan({ left: 20, top: 0, width: 20, height: 20 }, 40, 40, { left: 0, top: 0, width: 40, height: 40 })), {
      code: 'E_ARG',
    });
    await assert.rejects(resampleBicubic(flat, plan({ left: 0, top: 0, width: 30, height: 20 }, 40, 40, { left: 10, top: 0, width: 40, height: 40 })), {
      code: 'E_ARG',
    });
    await assert.rejects(resampleBicubic({ ...flat, width: 31 }, evalPlan(31, 20, 8)), { code: 'E_SHAPE' });
  });
});

function plan(sourceBox: Box, width: number, height: number, outputBox: Box): ResizePlan {
  return { sourceBox, width, height, outputBox };
}
