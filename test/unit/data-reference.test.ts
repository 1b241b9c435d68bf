import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { DataLoader } from '../../lib/data/loader';
import { classPrompts, referenceImages, referenceTexts, virtualVocabulary } from '../../lib/data/reference';
import { clipEvalTransform } from '../../lib/data/transform';

describe('data: reference sets', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-reference-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('collects unlabeled images from any folder tree; unreadable ones are skipped and counted by the loader', async () => {
    const tree = path.join(root, 'images');
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 10, b: 50 } } })
      .png()
      .toBuffer();
    for (const f of ['a.png', 'x/b.png', 'x/y/c.png', 'z/d.png']) {
      fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
      fs.writeFileSync(path.join(tree, f), png);
    }
    fs.writeFileSync(path.join(tree, 'x', 'broken.png'), png.subarray(0, 30));
    fs.symlinkSync(path.join(tree, 'gone.png'), path.join(tree, 'z', 'dangling.png'));
    const { dataset, unreadable } = referenceImages(tree);
    assert.deepEqual(unreadable, []);
    assert.equal(dataset.length, 6);
    assert.ok(Array.from({ length: 6 }, (_, i) => dataset.sample(i).label).every((l) => l === -1));

    const loader = new DataLoader(dataset, { batchSize: 4, transform: clipEvalTransform({ size: 16 }), onBadSample: 'skip' });
    let images = 0;
    const skipped: string[] = [];
    for await (const batch of loader) {
      images += batch.images.shape[0];
      assert.deepEqual(Array.from(batch.labels.data() as BigInt64Array), new Array(batch.images.shape[0]).fill(-1n));
      skipped.push(...batch.skipped.map((s) => `${path.basename(s.name)}:${s.code}`));
      batch.images.dispose();
      batch.labels.dispose();
    }
    assert.equal(images, 4);
    assert.deepEqual(skipped.sort(), ['broken.png:E_FORMAT', 'dangling.png:E_IO']);
    assert.equal(loader.skippedCount, 2);
    assert.throws(() => referenceImages(path.join(root, 'nothing')), { code: 'E_IO' });
  });

  it('reads texts one per line or from a CSV column', () => {
    fs.writeFileSync(path.join(root, 'texts.txt'), '\uFEFFa dog on a beach\n\n  two cats  \r\nlast line');
    assert.deepEqual(referenceTexts(path.join(root, 'texts.txt')), ['a dog on a beach', 'two cats', 'last line']);
    fs.writeFileSync(path.join(root, 'cc.csv'), 'title,url\n"a photo, with a comma",http://x\nplain caption,http://y\n,http://z\n');
    assert.deepEqual(referenceTexts(path.join(root, 'cc.csv'), { column: 'title' }), ['a photo, with a comma', 'plain caption']);
    assert.throws(
      () => referenceTexts(path.join(root, 'cc.csv'), { column: 'caption' }),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes("'title', 'url'") && e.message.includes('cc.csv'),
    );
    assert.throws(() => referenceTexts(path.join(root, 'none.txt')), { code: 'E_IO' });
  });

  it('makes class-name × template prompts', () => {
    assert.deepEqual(classPrompts(['cat'], ['a photo of a {c}, a type of {c}.', 'a bad photo of a {}.']), [
      'a photo of a cat, a type of cat.',
      'a bad photo of a cat.',
    ]);
    assert.deepEqual(classPrompts(['cat', 'dog'], ['a {c}.', 'the {c}!']), ['a cat.', 'the cat!', 'a dog.', 'the dog!']);
    assert.throws(() => classPrompts([], ['a {c}']), { code: 'E_ARG' });
  });

  it('draws LwF-VR virtual-vocabulary rows, seeded', () => {
    const rows = virtualVocabulary(42, { count: 50 });
    assert.equal(rows.length, 50);
    for (const row of rows) {
      assert.equal(row.length, 77);
      assert.equal(row[0], 49406);
      assert.equal(row[11], 49407);
      assert.ok(row.slice(1, 11).every((t) => t >= 0 && t < 49408));
      assert.ok(row.slice(12).every((t) => t === 0));
    }
    assert.deepEqual(virtualVocabulary(42, { count: 50 }), rows);
    assert.notDeepEqual(virtualVocabulary(43, { count: 50 }), rows);
    const small = virtualVocabulary(1, { count: 2, length: 3, vocabSize: 10, contextLength: 6 });
    assert.deepEqual([small[0][0], small[0][4], small[0][5]], [8, 9, 0]);
    assert.throws(() => virtualVocabulary(1, { length: 76 }), { code: 'E_ARG' });
  });
});
