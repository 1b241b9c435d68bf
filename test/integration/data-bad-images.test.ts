/**
 * 1,000 damaged image files (truncated, random bytes, wrong extension, zero size, headers claiming
 * huge dimensions, bit flips) through the loader: no crash, no hang, every failure reported with
 * the file's name under 'skip', and the first one rejected with its name under 'error'.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Sample } from '../../lib/data/dataset';
import { ListDataset } from '../../lib/data/dataset';
import { DataLoader } from '../../lib/data/loader';
import { SeededRandom } from '../../lib/data/random';
import { clipEvalTransform } from '../../lib/data/transform';

type Kind = 'truncated' | 'random' | 'wrong-extension' | 'empty' | 'huge-header' | 'bit-flips';

describe('data: 1,000 damaged images', function () {
  this.timeout(120_000);
  let root: string;
  let samples: (Sample & { kind: Kind })[];

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-bad-'));
    const raw = Buffer.from(Uint8Array.from({ length: 64 * 48 * 3 }, (_, i) => (i * 37) % 251));
    const base = sharp(raw, { raw: { width: 64, height: 48, channels: 3 } });
    const good: Record<string, Buffer> = {
      jpg: await base.clone().jpeg().toBuffer(),
      png: await base.clone().png().toBuffer(),
      webp: await base.clone().webp().toBuffer(),
      gif: await base.clone().gif().toBuffer(),
      tif: await base.clone().tiff().toBuffer(),
    };
    const formats = Object.keys(good);
    const random = new SeededRandom(2024, 'bad-images');
    const kinds: Kind[] = ['truncated', 'random', 'wrong-extension', 'empty', 'huge-header', 'bit-flips'];
    samples = [];
    for (let i = 0; i < 1000; i++) {
      const kind = kinds[i % kinds.length];
      const format = formats[random.int(0, formats.length)];
      let bytes: Buffer = good[format];
      let ext = format;
      switch (kind) {
        case 'truncated':
          bytes = bytes.subarray(0, Math.floor(bytes.length * random.uniform(0.05, 0.6)));
          break;
        case 'random':
          bytes = Buffer.from(Uint8Array.from({ length: random.int(1, 5000) }, () => random.int(0, 256)));
          break;
        case 'wrong-extension':
          ext = formats[(formats.indexOf(format) + 1) % formats.length];
          break;
        case 'empty':
          bytes = Buffer.alloc(0);
          break;
        case 'huge-header':
          bytes = hugeHeader(good, random);
          ext = 'jpg';
          break;
        case 'bit-flips': {
          bytes = Buffer.from(bytes);
          for (let k = 0; k < 20; k++) bytes[random.int(0, bytes.length)] ^= 1 << random.int(0, 8);
          break;
        }
      }
      const file = path.join(root, `${String(i).padStart(4, '0')}-${kind}.${ext}`);
      fs.writeFileSync(file, bytes);
      samples.push({ image: file, label: i % 10, name: file, kind });
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("skips and reports every unreadable one under onBadSample 'skip'", async () => {
    const started = performance.now();
    const loader = new DataLoader(new ListDataset(samples), { batchSize: 50, workers: 4, transform: clipEvalTransform({ size: 32 }), onBadSample: 'skip' });
    const decoded = new Set<number>();
    const skipped = new Map<number, { code: string; message: string; name: string }>();
    for await (const batch of loader) {
      assert.equal(batch.images.shape[0], batch.indices.length);
      const values = batch.images.data() as Float32Array;
      assert.ok(values.every(Number.isFinite));
      for (const i of batch.indices) decoded.add(i);
      for (const s of batch.skipped) skipped.set(s.index, s);
      batch.images.dispose();
      batch.labels.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    assert.equal(decoded.size + skipped.size, 1000, 'every file is either decoded or reported');
    assert.equal(loader.skippedCount, skipped.size);
    for (const [index, s] of skipped) {
      assert.equal(s.name, samples[index].name);
      assert.ok(s.message.includes(samples[index].name as string), `the message names the file: ${s.message}`);
      assert.ok(s.code === 'E_FORMAT' || s.code === 'E_IO');
    }
    const byKind = (kind: Kind) => samples.map((s, i) => [s, i] as const).filter(([s]) => s.kind === kind);
    // These can never be images.
    for (const kind of ['random', 'empty', 'huge-header'] as const)
      for (const [, i] of byKind(kind)) assert.ok(skipped.has(i), `${samples[i].name} should have been skipped`);
    // A mislabelled extension is not damage: the content decides.
    for (const [, i] of byKind('wrong-extension')) assert.ok(decoded.has(i), `${samples[i].name} should decode`);
    // Truncated files fail (as in Pillow: "image file is truncated").
    const truncated = byKind('truncated');
    const truncatedSkipped = truncated.filter(([, i]) => skipped.has(i)).length;
    assert.equal(truncatedSkipped, truncated.length, 'every truncated file is reported');
    const counts = Object.fromEntries(
      (['truncated', 'random', 'wrong-extension', 'empty', 'huge-header', 'bit-flips'] as const).map((k) => [
        k,
        `${byKind(k).filter(([, i]) => skipped.has(i)).length}/${byKind(k).length} skipped`,
      ]),
    );
    console.log(`      ${seconds.toFixed(1)} s; ${JSON.stringify(counts)}`);
  });

  it("rejects with the first damaged file's name under onBadSample 'error'", async () => {
    const loader = new DataLoader(new ListDataset(samples.slice(0, 12)), { batchSize: 12, transform: clipEvalTransform({ size: 32 }) });
    await assert.rejects(
      (async () => {
        for await (const batch of loader) {
          batch.images.dispose();
          batch.labels.dispose();
        }
      })(),
      (e: Error & { code?: string }) => (e.code === 'E_FORMAT' || e.code === 'E_IO') && samples.slice(0, 12).some((s) => e.message.includes(s.name as string)),
    );
    // The loader is usable again afterwards.
    assert.doesNotThrow(() => loader.restore(loader.state()));
  });
});

/** A valid file of some format whose header claims an enormous size. */
function hugeHeader(good: Record<string, Buffer>, random: SeededRandom): Buffer {
  const choice = random.int(0, 3);
  if (choice === 0) {
    const jpeg = Buffer.from(good.jpg);
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(65000, sof + 5);
    jpeg.writeUInt16BE(65000, sof + 7);
    return jpeg;
  }
  if (choice === 1) {
    const png = Buffer.from(good.png);
    png.writeUInt32BE(100000, 16);
    png.writeUInt32BE(100000, 20);
    return png; // IHDR's CRC no longer matches either
  }
  const gif = Buffer.from(good.gif);
  gif.writeUInt16LE(65535, 6);
  gif.writeUInt16LE(65535, 8);
  // The first frame's descriptor too (decoders size the image by its frames): skip the global
  // colour table and the extension blocks to find it.
  let at = 13;
  if (gif[10] & 0x80) at += 3 * (2 << (gif[10] & 7));
  while (gif[at] === 0x21) {
    at += 2;
    while (gif[at] !== 0) at += gif[at] + 1;
    at++;
  }
  assert.equal(gif[at], 0x2c, 'image descriptor');
  gif.writeUInt16LE(65535, at + 5);
  gif.writeUInt16LE(65535, at + 7);
  return gif;
}
