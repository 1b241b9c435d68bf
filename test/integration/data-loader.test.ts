import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Dataset, Sample } from '../../lib/data/dataset';
import { ListDataset } from '../../lib/data/dataset';
import type { LoaderBatch, LoaderOptions, LoaderState } from '../../lib/data/loader';
import { DataLoader } from '../../lib/data/loader';
import { clipTrainTransform } from '../../lib/data/transform';
import { memory } from '../../lib/runtime';

interface Plain {
  epoch: number;
  batch: number;
  indices: number[];
  labels: bigint[];
  images: Float32Array;
}

/** Consumes up to `limit` batches, copying them out and disposing the tensors. */
async function take(loader: DataLoader, limit = Infinity): Promise<Plain[]> {
  const out: Plain[] = [];
  for await (const b of loader) {
    out.push(plain(b));
    if (out.length >= limit) break;
  }
  return out;
}

function plain(b: LoaderBatch): Plain {
  const p = {
    epoch: b.epoch,
    batch: b.batch,
    indices: b.indices,
    labels: Array.from(b.labels.data() as BigInt64Array),
    images: b.images.data() as Float32Array,
  };
  b.images.dispose();
  b.labels.dispose();
  return p;
}

describe('data: DataLoader', function () {
  this.timeout(60_000);
  let root: string;
  let dataset: ListDataset;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-loader-'));
    const samples: Sample[] = [];
    for (let i = 0; i < 37; i++) {
      const [w, h] = [24 + ((i * 17) % 70), 20 + ((i * 29) % 60)];
      const raw = Buffer.from(Uint8Array.from({ length: w * h * 3 }, (_, k) => (k * 31 + i * 101) % 256));
      const file = path.join(root, `img${i}.${i % 3 === 0 ? 'jpg' : 'png'}`);
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).toFile(file);
      samples.push({ image: file, label: i % 4, name: file });
    }
    dataset = new ListDataset(samples);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const options: LoaderOptions = { batchSize: 8, shuffle: true, seed: 5, transform: clipTrainTransform({ size: 24 }) };

  it('gives the same batches whatever the prefetch depth and number of workers', async () => {
    const before = memory().tensors;
    const reference = await take(new DataLoader(dataset, { ...options, prefetch: 1, workers: 1 }));
    assert.equal(reference.length, 5);
    assert.deepEqual(
      reference.map((b) => b.indices.length),
      [8, 8, 8, 8, 5],
    );
    const all = reference.flatMap((b) => b.indices).sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: 37 }, (_, i) => i),
    );
    for (const [prefetch, workers] of [
      [4, 8],
      [2, 3],
      [8, 1],
    ]) {
      const other = await take(new DataLoader(dataset, { ...options, prefetch, workers }));
      assert.deepEqual(other, reference, `prefetch ${prefetch}, workers ${workers}`);
    }
    assert.equal(memory().tensors, before, 'every batch tensor was disposed');
  });

  it('reshuffles and re-crops every epoch, identically across loaders', async () => {
    const a = new DataLoader(dataset, options);
    const e0 = await take(a);
    assert.equal(a.epoch, 1);
    const e1 = await take(a);
    assert.notDeepEqual(
      e0.map((b) => b.indices),
      e1.map((b) => b.indices),
    );
    const b = new DataLoader(dataset, { ...options, workers: 2 });
    b.restore({ ...b.state(), epoch: 1 });
    assert.deepEqual(await take(b), e1);
    // Unshuffled: dataset order.
    const ordered = await take(new DataLoader(dataset, { batchSize: 10, transform: options.transform, seed: 5 }));
    assert.deepEqual(
      ordered.flatMap((x) => x.indices),
      Array.from({ length: 37 }, (_, i) => i),
    );
  });

  it('resumes from a saved position with the identical sequence', async () => {
    const full = new DataLoader(dataset, options);
    const expected = [...(await take(full)), ...(await take(full))];

    const first = new DataLoader(dataset, options);
    const head = await take(first, 3);
    const saved = JSON.parse(JSON.stringify(first.state())) as LoaderState;
    assert.deepEqual([saved.epoch, saved.batch], [0, 3]);

    const resumed = new DataLoader(dataset, { ...options, prefetch: 3, workers: 5 });
    resumed.restore(saved);
    const rest = [...(await take(resumed)), ...(await take(resumed))];
    assert.deepEqual([...head, ...rest], expected);

    // The position after the last batch of an epoch is the start of the next one.
    const edge = new DataLoader(dataset, options);
    await take(edge, 5);
    assert.deepEqual([edge.state().epoch, edge.state().batch], [1, 0]);
  });

  it('refuses states from a differently configured loader, and concurrent iteration', async () => {
    const loader = new DataLoader(dataset, options);
    assert.throws(
      () => loader.restore({ ...loader.state(), seed: 6 }),
      (e: Error & { code?: string }) => e.code === 'E_ARG' && e.message.includes('seed'),
    );
    assert.throws(() => loader.restore({ ...loader.state(), batchSize: 4 }), { code: 'E_ARG' });
    assert.throws(() => loader.restore({ ...loader.state(), batch: 99 }), { code: 'E_ARG' });
    assert.throws(() => loader.restore({ version: 2 } as unknown as LoaderState), { code: 'E_ARG' });
    const it = loader[Symbol.asyncIterator]();
    assert.throws(() => loader[Symbol.asyncIterator](), { code: 'E_BUSY' });
    assert.throws(() => loader.restore(loader.state()), { code: 'E_BUSY' });
    const first = await it.next();
    plain(first.value as LoaderBatch);
    await it.return!();
    assert.doesNotThrow(() => loader.restore(loader.state()));
  });

  it('drops the last partial batch on request', async () => {
    const loader = new DataLoader(dataset, { ...options, dropLast: true });
    assert.equal(loader.batchesPerEpoch, 4);
    const batches = await take(loader);
    assert.ok(batches.every((b) => b.indices.length === 8));
  });

  it('keeps memory bounded: at most `prefetch` batches are opened ahead of the consumer', async () => {
    let requested = 0;
    const counting: Dataset = {
      length: dataset.length,
      sample: (i: number) => {
        requested++;
        return dataset.sample(i);
      },
    };
    const loader = new DataLoader(counting, { batchSize: 4, prefetch: 2, workers: 4, transform: options.transform });
    const it = loader[Symbol.asyncIterator]();
    for (let consumed = 1; consumed <= 4; consumed++) {
      plain((await it.next()).value as LoaderBatch);
      await new Promise((r) => setTimeout(r, 30)); // a slow consumer
      // Consumed batches plus the prefetch window, 4 samples each.
      assert.ok(requested <= (consumed + 2) * 4, `after ${consumed} batches, ${requested} samples were opened`);
    }
    await it.return!();
  });

  it('keeps the event loop responsive while decoding', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const loader = new DataLoader(dataset, { ...options, batchSize: 37 });
    const it = loader[Symbol.asyncIterator]();
    const first = await it.next();
    clearInterval(timer);
    plain(first.value as LoaderBatch);
    await it.return!();
    assert.ok(ticks > 0, 'timers ran while the batch was being decoded');
  });

  it('rejects with an error naming a bad image under onBadSample "error", and skips it under "skip"', async () => {
    const bad = path.join(root, 'bad.jpg');
    fs.writeFileSync(bad, 'this is not a jpeg');
    const withBad = new ListDataset([...Array.from({ length: 5 }, (_, i) => dataset.sample(i)), { image: bad, label: 1, name: bad }]);
    await assert.rejects(
      take(new DataLoader(withBad, { batchSize: 3, transform: options.transform })),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes(bad),
    );
    const skipping = new DataLoader(withBad, { batchSize: 3, transform: options.transform, onBadSample: 'skip' });
    const batches: LoaderBatch[] = [];
    for await (const b of skipping) batches.push(b);
    assert.deepEqual(
      batches.map((b) => b.images.shape[0]),
      [3, 2],
    );
    assert.deepEqual(batches[1].indices, [3, 4]);
    assert.deepEqual(
      batches[1].skipped.map((s) => [s.index, s.code, s.name]),
      [[5, 'E_FORMAT', bad]],
    );
    assert.equal(skipping.skippedCount, 1);
    for (const b of batches) {
      b.images.dispose();
      b.labels.dispose();
    }
  });

  it('validates options', () => {
    assert.throws(() => new DataLoader(dataset, { batchSize: 0 }), { code: 'E_ARG' });
    assert.throws(() => new DataLoader(dataset, { batchSize: 2, prefetch: 0 }), { code: 'E_ARG' });
    assert.throws(() => new DataLoader(dataset, { batchSize: 2, onBadSample: 'ignore' as never }), { code: 'E_ARG' });
    assert.throws(() => new DataLoader({} as Dataset, { batchSize: 2 }), { code: 'E_ARG' });
  });
});
