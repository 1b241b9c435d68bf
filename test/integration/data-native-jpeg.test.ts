/**
 * The native JPEG path (native/image): bit-exact with torchvision + PIL (same libjpeg calls,
 * Pillow's bicubic in fixed point, torchvision's float32 normalisation) for evaluation and
 * RandomResizedCrop plans, greyscale, enlargements, odd sizes, subsampling modes, progressive and
 * restart-marker files; damaged files rejected with coded errors naming them; the general path
 * for what it does not handle.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { ZsclError } from '../../lib/errors';
import { ListDataset } from '../../lib/data/dataset';
import { DataLoader } from '../../lib/data/loader';
import { closeSlot, jpegRunIntoSlots, nativeJpegAvailable, openSlot } from '../../lib/data/native-jpeg';
import { normalizeTable } from '../support/normalize-table';
import { preprocessBatch } from '../../lib/data/preprocess';
import type { ResizePlan } from '../../lib/data/transform';
import { CLIP_MEAN, CLIP_STD, clipEvalTransform, clipTrainTransform, evalPlan } from '../../lib/data/transform';
import { empty } from '../../lib/tensor/create';
import { repoRoot } from '../support/fixtures';

const PYTHON = '/usr/bin/python3';
const ORACLE = path.join(repoRoot, 'scripts', 'fixtures', 'jpeg-oracle.py');
const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'data', 'images');
const table = normalizeTable(CLIP_MEAN, CLIP_STD);
const SIZE = 224;

function pythonReady(): boolean {
  return spawnSync(PYTHON, ['-c', 'import PIL, numpy, torchvision'], { stdio: 'ignore' }).status === 0;
}

/** 8-bit RGB S×S → normalised float32 CHW, as torchvision's ToTensor + Normalize. */
function normalised(rgb: Uint8Array, size = SIZE): Float32Array {
  const n = size * size;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = table[c][rgb[i * 3 + c]];
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Runs the native op on one source; asserts that the native path (not the fallback) wrote it. */
async function nativeOne(
  source: string | Uint8Array,
  plan: ResizePlan | number,
  size = SIZE,
  autoOrient = true,
): Promise<{ handled: boolean; values: Float32Array }> {
  const batch = empty([1, 3, size, size]);
  const slot = openSlot(batch.handle, 0);
  try {
    const transform = clipEvalTransform({ size });
    const name = typeof source === 'string' ? source : '<bytes>';
    const [handled] = await jpegRunIntoSlots([{ slot, source, plan, name }], transform, { maxPixels: 268402689, autoOrient });
    if (typeof handled !== 'boolean') throw handled;
    return { handled, values: batch.data() as Float32Array };
  } finally {
    closeSlot(slot);
    batch.dispose();
  }
}

describe('data: native JPEG path', function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    // Built wherever libjpeg's headers are (Debian: libjpeg62-turbo-dev): missing there is a bug.
    if (!nativeJpegAvailable()) {
      if (fs.existsSync('/usr/include/jpeglib.h'))
        assert.fail('libjpeg is installed but the addon was built without the JPEG path (rebuild: npm run build:native)');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-native-jpeg-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('is bit-exact with torchvision + PIL: evaluation and RandomResizedCrop plans, grey, enlargements, odd sizes, subsampling, progressive, restarts', async function () {
    if (!pythonReady()) this.skip();
    const made = JSON.parse(execFileSync(PYTHON, [ORACLE, 'make', dir], { encoding: 'utf8' })) as {
      file: string;
      width: number;
      height: number;
      grey: boolean;
    }[];
    // Train crops: boxes inside each image, some shrinking, some enlarging, odd offsets.
    const boxes = made.map((m, k) => {
      const h = Math.max(1, Math.floor(m.height * (0.55 + 0.05 * (k % 8))));
      const w = Math.max(1, Math.floor(m.width * (0.6 + 0.04 * (k % 9))));
      return { top: (k * 7) % (m.height - h + 1), left: (k * 13) % (m.width - w + 1), height: h, width: w };
    });
    const job = {
      size: SIZE,
      items: [
        ...made.map((m) => ({ file: m.file })),
        ...made.map((m, k) => ({ file: m.file, suffix: '.crop', box: [boxes[k].top, boxes[k].left, boxes[k].height, boxes[k].width] })),
      ],
    };
    fs.writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
    execFileSync(PYTHON, [ORACLE, 'expect', path.join(dir, 'job.json')], { stdio: 'pipe' });
    const rows: string[] = [];
    for (const [k, m] of made.entries()) {
      const expected = normalised(fs.readFileSync(`${m.file}.expected`));
      // Evaluation plan computed natively from the header (path read on the worker) …
      const byPath = await nativeOne(m.file, SIZE);
      assert.ok(byPath.handled, `${m.file} should take the native path`);
      // … and the same plan given explicitly with the bytes.
      const byBytes = await nativeOne(fs.readFileSync(m.file), evalPlan(m.width, m.height, SIZE));
      assert.ok(byBytes.handled);
      const crop = boxes[k];
      const plan: ResizePlan = {
        sourceBox: { left: crop.left, top: crop.top, width: crop.width, height: crop.height },
        width: SIZE,
        height: SIZE,
        outputBox: { left: 0, top: 0, width: SIZE, height: SIZE },
      };
      const cropped = await nativeOne(fs.readFileSync(m.file), plan);
      assert.ok(cropped.handled);
      const eva = maxDiff(byPath.values, expected);
      const evb = maxDiff(byBytes.values, expected);
      const crp = maxDiff(cropped.values, normalised(fs.readFileSync(`${m.file}.crop.expected`)));
      rows.push(
        `${path.basename(m.file).padEnd(30)} eval max |diff| ${eva}  (bytes ${evb})  crop ${crop.width}x${crop.height}+${crop.left}+${crop.top} max |diff| ${crp}`,
      );
      assert.equal(eva, 0, `${m.file}: eval`);
      assert.equal(evb, 0, `${m.file}: eval, explicit plan`);
      assert.equal(crp, 0, `${m.file}: crop ${JSON.stringify(crop)}`);
    }
    console.log(`      ${rows.join('\n      ')}`);
  });

  it('is bit-exact on the JPEGs of the torchvision parity fixtures (the others fall back)', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as {
      images: { file: string; mode: string }[];
      crops: { file: string; top: number; left: number; height: number; width: number; expected: string }[];
    };
    const expectedOf = async (file: string) =>
      normalised(
        new Uint8Array(
          (
            await sharp(path.join(FIXTURES, 'expected', file))
              .removeAlpha()
              .raw()
              .toBuffer()
          ).buffer.slice(0),
        ),
      );
    let exact = 0;
    for (const m of manifest.images.filter((i) => i.file.endsWith('.jpg'))) {
      const result = await nativeOne(path.join(FIXTURES, m.file), SIZE);
      // CMYK and EXIF-rotated JPEGs are the general path's.
      const native = m.mode !== 'CMYK' && !m.file.startsWith('orient');
      assert.equal(result.handled, native, m.file);
      if (!native) continue;
      assert.equal(maxDiff(result.values, await expectedOf(m.file.replace(/\.jpg$/, '.png'))), 0, m.file);
      exact++;
    }
    for (const c of manifest.crops.filter((i) => i.file.endsWith('.jpg'))) {
      const plan: ResizePlan = {
        sourceBox: { left: c.left, top: c.top, width: c.width, height: c.height },
        width: SIZE,
        height: SIZE,
        outputBox: { left: 0, top: 0, width: SIZE, height: SIZE },
      };
      const result = await nativeOne(fs.readFileSync(path.join(FIXTURES, c.file)), plan);
      assert.ok(result.handled);
      assert.equal(maxDiff(result.values, await expectedOf(c.expected)), 0, `crop of ${c.file}`);
      exact++;
    }
    assert.ok(exact >= 6, `${exact} exact comparisons`);
  });

  it('gives the same batches as the general path would for non-JPEG files, mixed in one batch', async () => {
    const files = ['rgb-640x480.jpg', 'rgb-299x299.png', 'grey-500x333.jpg', 'cmyk-400x300.jpg', 'rgb-420x300.webp', 'orient6-400x300.jpg'].map((f) =>
      path.join(FIXTURES, f),
    );
    const transform = clipEvalTransform({ size: 64 });
    const batch = await preprocessBatch(files, transform);
    assert.deepEqual(batch.shape, [files.length, 3, 64, 64]);
    const all = batch.data() as Float32Array;
    batch.dispose();
    const per = 3 * 64 * 64;
    for (const [i, f] of files.entries()) {
      const one = await preprocessBatch([fs.readFileSync(f)], transform, { name: f });
      assert.deepEqual(one.data(), all.subarray(i * per, (i + 1) * per), `${f} by path and by bytes`);
      one.dispose();
    }
  });

  it('train transform through the loader: same seed, same batches, whatever the workers and prefetch', async function () {
    const files = fs
      .readdirSync(FIXTURES)
      .filter((f) => /\.(jpg|png)$/.test(f))
      .map((f) => path.join(FIXTURES, f));
    const dataset = new ListDataset(files.map((f, i) => ({ image: f, label: i })));
    const run = async (workers: number, prefetch: number) => {
      const loader = new DataLoader(dataset, { batchSize: 5, workers, prefetch, shuffle: true, seed: 3, transform: clipTrainTransform({ size: 48 }) });
      const out: Float32Array[] = [];
      for await (const b of loader) {
        out.push(b.images.data() as Float32Array);
        b.images.dispose();
        b.labels.dispose();
      }
      return out;
    };
    const a = await run(1, 1);
    const b = await run(4, 3);
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) assert.deepEqual(a[i], b[i]);
  });

  describe('damaged files', () => {
    let good: Buffer;
    before(async () => {
      good = await sharp(Buffer.from(Uint8Array.from({ length: 96 * 80 * 3 }, (_, i) => (i * 31) % 253)), { raw: { width: 96, height: 80, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer();
    });

    const cases: [string, () => Buffer, string, RegExp][] = [
      ['truncated', () => good.subarray(0, Math.floor(good.length * 0.6)), 'E_FORMAT', /Premature end of JPEG file/],
      ['truncated just after the header', () => good.subarray(0, good.indexOf(Buffer.from([0xff, 0xda])) + 20), 'E_FORMAT', /Premature end of JPEG file/],
      [
        'random bytes after the SOI marker',
        () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from(Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256))]),
        'E_FORMAT',
        /cannot decode image/,
      ],
      ['zero-size', () => Buffer.alloc(0), 'E_FORMAT', /empty/],
      [
        'huge dimensions in the header',
        () => {
          const b = Buffer.from(good);
          const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
          b.writeUInt16BE(65000, sof + 5);
          b.writeUInt16BE(65000, sof + 7);
          return b;
        },
        'E_FORMAT',
        /65000×65000 pixels exceeds the limit/,
      ],
    ];
    for (const [what, bytes, code, message] of cases) {
      it(`${what}: ${code} naming the file`, async () => {
        const file = path.join(dir, `${what.replace(/\W+/g, '-')}.jpg`);
        fs.writeFileSync(file, bytes());
        for (const source of [file, fs.readFileSync(file)]) {
          await assert.rejects(nativeOne(source, typeof source === 'string' ? SIZE : evalPlan(96, 80, SIZE)), (e: ZsclError) => {
            assert.equal(e.code, code, e.message);
            assert.match(e.message, message);
            assert.ok(e.message.startsWith(`cannot decode image ${typeof source === 'string' ? file : '<bytes>'}:`), e.message);
            return true;
          });
        }
      });
    }

    it('a missing file: E_IO naming it', async () => {
      const file = path.join(dir, 'missing.jpg');
      await assert.rejects(nativeOne(file, SIZE), (e: ZsclError) => e.code === 'E_IO' && e.message === `cannot read ${file}: no such file`);
    });

    it("the loader skips and counts them under onBadSample 'skip', and decodes the good ones", async () => {
      const files = cases.map(([what, bytes]) => {
        const file = path.join(dir, `loader-${what.replace(/\W+/g, '-')}.jpg`);
        fs.writeFileSync(file, bytes());
        return file;
      });
      const goodFile = path.join(dir, 'good.jpg');
      fs.writeFileSync(goodFile, good);
      const all = [goodFile, ...files, path.join(dir, 'missing.jpg'), goodFile];
      const loader = new DataLoader(new ListDataset(all.map((f) => ({ image: f, label: 0, name: f }))), {
        batchSize: 4,
        workers: 3,
        onBadSample: 'skip',
        transform: clipEvalTransform({ size: 32 }),
      });
      const skipped: string[] = [];
      let decoded = 0;
      for await (const b of loader) {
        decoded += b.images.shape[0];
        assert.ok((b.images.data() as Float32Array).every(Number.isFinite));
        for (const s of b.skipped) {
          assert.ok(s.message.includes(s.name), s.message);
          skipped.push(s.name);
        }
        b.images.dispose();
        b.labels.dispose();
      }
      assert.equal(decoded, 2);
      assert.deepEqual(skipped.sort(), [...files, path.join(dir, 'missing.jpg')].sort());
      assert.equal(loader.skippedCount, files.length + 1);
    });
  });

  it('an EXIF-rotated JPEG is left to the general path unless autoOrient is false', async () => {
    const file = path.join(FIXTURES, 'orient6-400x300.jpg');
    assert.equal((await nativeOne(file, SIZE)).handled, false);
    assert.equal((await nativeOne(file, SIZE, SIZE, false)).handled, true);
  });
});
