import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { cmykToRgb, decodeImage, decodePixels } from '../../lib/data/decode';
import { orientedSize, readImageHeader } from '../../lib/data/image-header';
import { transformPixels } from '../../lib/data/image-pipeline';
import { preprocessBatch } from '../../lib/data/preprocess';
import { clipEvalTransform, clipTrainTransform, evalPlan } from '../../lib/data/transform';
import { repoRoot } from '../support/fixtures';

const IMAGES = path.join(repoRoot, 'test', 'fixtures', 'data', 'images');
const image = (name: string) => path.join(IMAGES, name);

describe('data: image headers', () => {
  it('reads JPEG and PNG sizes, channels and EXIF orientation', () => {
    const jpeg = readImageHeader(fs.readFileSync(image('rgb-640x480.jpg')));
    assert.deepEqual(jpeg, { format: 'jpeg', width: 640, height: 480, channels: 3, plain: true, orientation: 1 });
    assert.deepEqual(readImageHeader(fs.readFileSync(image('orient6-400x300.jpg'))), {
      format: 'jpeg',
      width: 400,
      height: 300,
      channels: 3,
      plain: true,
      orientation: 6,
    });
    assert.equal(readImageHeader(fs.readFileSync(image('cmyk-400x300.jpg')))?.plain, false);
    assert.equal(readImageHeader(fs.readFileSync(image('grey-500x333.jpg')))?.channels, 1);
    assert.deepEqual(readImageHeader(fs.readFileSync(image('rgb-299x299.png'))), {
      format: 'png',
      width: 299,
      height: 299,
      channels: 3,
      plain: true,
      orientation: 1,
    });
    assert.equal(readImageHeader(fs.readFileSync(image('rgba-400x300.png')))?.plain, false);
    assert.equal(readImageHeader(fs.readFileSync(image('palette-trns-300x260.png')))?.plain, false);
    assert.equal(readImageHeader(fs.readFileSync(image('rgb16-300x280.png')))?.plain, false);
    assert.equal(readImageHeader(fs.readFileSync(image('rgb-420x300.webp'))), undefined);
    assert.equal(readImageHeader(new Uint8Array([0xff, 0xd8, 0xff])), undefined);
    assert.deepEqual(orientedSize(400, 300, 6), { width: 300, height: 400 });
    assert.deepEqual(orientedSize(400, 300, 3), { width: 400, height: 300 });
  });
});

describe('data: decoding', () => {
  it('decodes every fixture format to RGB like convert("RGB") (sizes, channels)', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(IMAGES, 'manifest.json'), 'utf8')) as {
      images: { file: string; width: number; height: number; exifTransposed: boolean }[];
    };
    for (const m of manifest.images) {
      const pixels = await decodeImage(image(m.file));
      const [w, h] = m.exifTransposed && m.file.startsWith('orient') ? [m.height, m.width] : [m.width, m.height];
      assert.deepEqual([pixels.width, pixels.height, pixels.channels], [w, h, 3], m.file);
      assert.equal(pixels.data.length, w * h * 3);
    }
  });

  it("applies EXIF orientation unless autoOrient is false (the reference's behaviour)", async () => {
    const rotated = await decodeImage(image('orient6-400x300.jpg'));
    assert.deepEqual([rotated.width, rotated.height], [300, 400]);
    const asStored = await decodeImage(image('orient6-400x300.jpg'), { autoOrient: false });
    assert.deepEqual([asStored.width, asStored.height], [400, 300]);
    // Orientation 6 is a 90° clockwise turn: stored pixel (x, y) shows at (H−1−y, x).
    for (const [x, y] of [
      [0, 0],
      [123, 45],
      [399, 299],
    ]) {
      for (let c = 0; c < 3; c++) assert.equal(rotated.data[(x * 300 + (299 - y)) * 3 + c], asStored.data[(y * 400 + x) * 3 + c]);
    }
  });

  it("keeps greyscale as one channel internally and converts CMYK with Pillow's formula", async () => {
    const grey = await decodePixels(image('grey-300x400.png'));
    assert.equal(grey.channels, 1);
    const out = cmykToRgb(new Uint8Array([232, 20, 1, 186, 0, 0, 0, 0, 255, 255, 255, 255]), 3, 1, 4);
    assert.deepEqual(Array.from(out.data), [6, 64, 69, 255, 255, 255, 0, 0, 0]);
  });

  it('drops alpha instead of compositing it (Pillow RGBA → RGB)', async () => {
    const rgba = await sharp(image('rgba-400x300.png')).raw().toBuffer({ resolveWithObject: true });
    const ours = await decodeImage(image('rgba-400x300.png'));
    for (let i = 0; i < 400 * 300; i += 997) for (let c = 0; c < 3; c++) assert.equal(ours.data[i * 3 + c], rgba.data[i * 4 + c]);
  });

  it('accepts encoded bytes and raw pixels as sources', async () => {
    const bytes = fs.readFileSync(image('rgb-150x100.png'));
    const fromBytes = await transformPixels(bytes, (w, h) => evalPlan(w, h, 64));
    const fromFile = await transformPixels(image('rgb-150x100.png'), (w, h) => evalPlan(w, h, 64));
    assert.deepEqual(fromBytes, fromFile);
    const raw = { data: new Uint8Array(10 * 6).fill(200), width: 10, height: 6, channels: 1 as const };
    const batch = await preprocessBatch([raw, raw], clipEvalTransform({ size: 8 }));
    assert.deepEqual(batch.shape, [2, 3, 8, 8]);
    batch.dispose();
    await assert.rejects(
      transformPixels({ data: new Uint8Array(5), width: 10, height: 6, channels: 1 }, (w, h) => evalPlan(w, h, 8)),
      { code: 'E_SHAPE' },
    );
  });

  it('makes train crops that depend only on the seed and index', async () => {
    // Square images: 4:3 ones often fall back to the whole image (torchvision's algorithm does too).
    const files = [image('rgb-299x299.png'), image('rgb-224x224.png')];
    const t = clipTrainTransform({ size: 32 });
    const a = await preprocessBatch(files, t, { seed: 11 });
    const b = await preprocessBatch(files, t, { seed: 11, concurrency: 1 });
    const c = await preprocessBatch(files, t, { seed: 12 });
    assert.deepEqual(a.data(), b.data());
    assert.notDeepEqual(a.data(), c.data());
    for (const x of [a, b, c]) x.dispose();
    await assert.rejects(preprocessBatch(files, t), { code: 'E_ARG' });
  });

  describe('bad input', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-decode-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('names the file in every error', async () => {
      const good = fs.readFileSync(image('rgb-640x480.jpg'));
      const cases: [string, Uint8Array, string][] = [
        ['empty.jpg', new Uint8Array(0), 'E_FORMAT'],
        ['noise.jpg', Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 256), 'E_FORMAT'],
        ['truncated.jpg', good.subarray(0, Math.floor(good.length / 2)), 'E_FORMAT'],
        ['text.png', Buffer.from('not an image at all'), 'E_FORMAT'],
      ];
      for (const [name, bytes, code] of cases) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, bytes);
        await assert.rejects(decodeImage(file), (error: Error & { code?: string }) => {
          assert.equal(error.code, code, `${name}: ${error.message}`);
          assert.ok(error.message.includes(file), `${name}: message should name the file: ${error.message}`);
          return true;
        });
        await assert.rejects(
          transformPixels(file, (w, h) => evalPlan(w, h, 32)),
          { code },
        );
      }
      await assert.rejects(
        decodeImage(path.join(dir, 'missing.jpg')),
        (error: Error & { code?: string }) => error.code === 'E_IO' && error.message.includes('missing.jpg'),
      );
    });

    it('refuses headers claiming more pixels than maxPixels before decoding', async () => {
      const jpeg = Buffer.from(fs.readFileSync(image('rgb-640x480.jpg')));
      // Patch the SOF dimensions to 60000 × 60000.
      const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
      jpeg.writeUInt16BE(60000, sof + 5);
      jpeg.writeUInt16BE(60000, sof + 7);
      await assert.rejects(
        transformPixels(jpeg, (w, h) => evalPlan(w, h, 32), { name: 'huge.jpg' }),
        /huge\.jpg.*exceeds|huge\.jpg.*pixel limit/,
      );
      await assert.rejects(decodeImage(image('rgb-640x480.jpg'), { maxPixels: 1000 }), { code: 'E_FORMAT' });
    });
  });
});
