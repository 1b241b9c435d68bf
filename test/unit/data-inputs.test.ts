import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectDelimiter, parseDelimited } from '../../lib/data/csv';
import { ListDataset, seededSubset } from '../../lib/data/dataset';
import { imageFolderSplits } from '../../lib/data/image-folder';
import { referenceTexts } from '../../lib/data/reference';

describe('data: the reference inputs as the reference reads them', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-inputs-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('detects the separator from the content, not the extension', () => {
    assert.equal(detectDelimiter('title\tfilepath\na dog, a cat\tx.jpg\n'), '\t');
    assert.equal(detectDelimiter('path,label\na.jpg,1\n'), ',');
    assert.equal(detectDelimiter('a;b;c\n1;2;3\n'), ';');
    assert.equal(detectDelimiter('just one column\nanother\n'), ',');
    // A comma in every title would split consistently too, but into fewer columns than tabs.
    assert.equal(detectDelimiter('title\tfilepath\tid\nx, y\tp\t1\nu, v\tq\t2\n'), '\t');
    assert.deepEqual(parseDelimited('a\tb\n1\t2\n', 'x.csv'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.throws(() => parseDelimited('a,b', 'x.csv', '"'), { code: 'E_ARG' });
    assert.throws(() => parseDelimited('a,b', 'x.csv', ',,'), { code: 'E_ARG' });
  });

  it("reads Conceptual Captions' tab-separated .csv like pandas sep='\\t'", () => {
    const file = path.join(root, 'Validation_GCC-1.1.0-Validation_output.csv');
    fs.writeFileSync(file, 'title\tfilepath\na dog runs on the beach, chasing a ball\tv/0.jpg\nthe "old" bridge\tv/1.jpg\n"quoted, title"\tv/2.jpg\n');
    const expected = ['a dog runs on the beach, chasing a ball', 'the "old" bridge', 'quoted, title'];
    assert.deepEqual(referenceTexts(file, { column: 'title' }), expected);
    assert.deepEqual(referenceTexts(file, { column: 'title', delimiter: '\t' }), expected);
    assert.throws(
      () => referenceTexts(file, { column: 'caption' }),
      (e: Error & { code?: string }) =>
        e.code === 'E_FORMAT' && e.message.includes(file) && e.message.includes("'title', 'filepath'") && e.message.includes('tabs'),
    );
    // Forcing the wrong separator names the one header column it then sees.
    assert.throws(
      () => referenceTexts(file, { column: 'title', delimiter: ',' }),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes("'title\tfilepath'"),
    );
  });

  it('image-folder tasks use train/ and test/ when both are there, else the seeded 80/20 split', () => {
    const write = (rel: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), 'x');
    };
    for (const rel of ['split/train/cat/1.jpg', 'split/train/cat/2.jpg', 'split/train/dog/1.jpg', 'split/test/dog/9.jpg']) write(rel);
    const folders = imageFolderSplits(path.join(root, 'split'));
    assert.equal(folders.split, 'folders');
    assert.deepEqual(folders.classNames, ['cat', 'dog']);
    assert.equal(folders.train.length, 3);
    assert.deepEqual([folders.test.length, folders.test.sample(0).label, path.basename(folders.test.sample(0).image as string)], [1, 1, '9.jpg']);
    write('split/test/bird/1.jpg');
    assert.throws(
      () => imageFolderSplits(path.join(root, 'split')),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes("'bird'"),
    );
    for (let i = 0; i < 5; i++) write(`flat/a/${i}.jpg`);
    for (let i = 0; i < 5; i++) write(`flat/b/${i}.jpg`);
    const flat = imageFolderSplits(path.join(root, 'flat'));
    assert.deepEqual([flat.split, flat.train.length, flat.test.length], ['seeded', 8, 2]);
  });

  it('draws the evaluation subset with a seed, in proportion across classes', () => {
    // 3 classes of 50, 30 and 20 samples, stored class by class (the first N would be class 0 only).
    const labels = [...Array(50).fill(0), ...Array(30).fill(1), ...Array(20).fill(2)] as number[];
    const ds = new ListDataset(labels.map((label, i) => ({ image: `${i}.jpg`, label })));
    const subset = seededSubset(ds, 10, 7);
    const counts = [0, 0, 0];
    for (let i = 0; i < subset.length; i++) counts[subset.sample(i).label]++;
    assert.deepEqual(counts, [5, 3, 2]);
    assert.deepEqual(
      subset.indices,
      [...subset.indices].sort((a, b) => a - b),
    );
    assert.deepEqual(seededSubset(ds, 10, 7).indices, subset.indices);
    assert.notDeepEqual(seededSubset(ds, 10, 8).indices, subset.indices);
    // Largest remainder: 7 → 3.5, 2.1, 1.4 → 3 + 2 + 1, then the largest remainder (class 0) gets the last.
    const seven = seededSubset(ds, 7, 1);
    const c7 = [0, 0, 0];
    for (let i = 0; i < seven.length; i++) c7[seven.sample(i).label]++;
    assert.deepEqual(c7, [4, 2, 1]);
    assert.equal(seededSubset(ds, 500, 1).length, 100);
    assert.throws(() => seededSubset(ds, 0, 1), { code: 'E_ARG' });
  });
});
