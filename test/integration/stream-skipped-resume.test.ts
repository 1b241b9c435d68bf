/**
 * A LoaderStream's skipped-image count survives a mid-task resume: the count is saved with the
 * loader's position, and a stream restored from that state (a new process) continues it, so the
 * task's skippedImages are those of the whole task, not of the part after the resume.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { LoaderStream } from '../../lib/cl/streams';
import { ListDataset } from '../../lib/data/dataset';
import { DataLoader } from '../../lib/data/loader';
import { clipEvalTransform } from '../../lib/data/transform';

describe('skipped-image counts across a resume', () => {
  let root: string;
  let dataset: ListDataset;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-skipped-resume-'));
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 90, g: 10, b: 50 } } })
      .png()
      .toBuffer();
    // 8 images, batches of 2; images 1 and 6 are broken (batches 0 and 3 of an unshuffled epoch).
    const files = Array.from({ length: 8 }, (_, i) => path.join(root, `${i}.png`));
    files.forEach((file, i) => fs.writeFileSync(file, i === 1 || i === 6 ? png.subarray(0, 20) : png));
    dataset = new ListDataset(files.map((file, i) => ({ image: file, label: i % 2, name: file })));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const stream = () =>
    new LoaderStream(new DataLoader(dataset, { batchSize: 2, shuffle: false, transform: clipEvalTransform({ size: 8 }), onBadSample: 'skip' }));
  async function take(s: LoaderStream, batches: number): Promise<void> {
    for (let i = 0; i < batches; i++) {
      const batch = await s.next();
      batch.images.dispose();
      batch.labels.dispose();
    }
  }

  it('a restored stream continues the count saved with its position', async () => {
    const first = stream();
    await take(first, 2);
    assert.equal(first.skippedCount(), 1);
    const saved = JSON.parse(JSON.stringify(first.state())) as unknown; // as a step checkpoint stores it

    const resumed = stream();
    resumed.restore(saved);
    assert.equal(resumed.skippedCount(), 1, 'the image skipped before the resume still counts');
    await take(resumed, 2);
    assert.equal(resumed.skippedCount(), 2);
    await take(first, 2);
    assert.equal(first.skippedCount(), resumed.skippedCount(), 'as if the run had not stopped');

    // Restoring the same stream to an earlier position counts what was skipped up to there.
    resumed.restore(saved);
    assert.equal(resumed.skippedCount(), 1);
  });

  it('a state saved before counts were kept restores with the count starting at 0', async () => {
    const first = stream();
    await take(first, 2);
    const { skipped, ...old } = first.state() as { skipped?: number };
    assert.equal(skipped, 1);
    const resumed = stream();
    resumed.restore(old);
    assert.equal(resumed.skippedCount(), 0);
    await take(resumed, 2);
    assert.equal(resumed.skippedCount(), 1);
  });
});
