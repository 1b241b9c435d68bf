import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDelimited } from '../../lib/data/csv';
import { ListDataset, SubsetDataset, fewShot, splitTrainTest } from '../../lib/data/dataset';
import { IMAGE_EXTENSIONS, imageFolder, listImages } from '../../lib/data/image-folder';
import { manifestDataset } from '../../lib/data/manifest';
import { torchRandomSplit } from '../../lib/data/torch-random';

function touch(file: string, content = 'x'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

describe('data: image folders', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-folder-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("lists classes and files in torchvision ImageFolder's order", () => {
    for (const f of [
      'dog/b.jpg',
      'dog/a.PNG',
      'dog/sub/z.jpg',
      'dog/sub2/a.webp',
      'dog/notes.txt',
      'cat/x.jpeg',
      'Zebra/q.tif',
      'cat/deep/er/y.bmp',
      'cat/x.gif',
    ])
      touch(path.join(root, f));
    fs.writeFileSync(path.join(root, 'stray.jpg'), 'x'); // files at the top level are not classes
    const ds = imageFolder(root);
    // Python's sorted(): uppercase before lowercase.
    assert.deepEqual(ds.classNames, ['Zebra', 'cat', 'dog']);
    const rel = Array.from({ length: ds.length }, (_, i) => {
      const s = ds.sample(i);
      return `${s.label}:${path.relative(root, s.image as string)}`;
    });
    assert.deepEqual(rel, ['0:Zebra/q.tif', '1:cat/x.jpeg', '1:cat/deep/er/y.bmp', '2:dog/a.PNG', '2:dog/b.jpg', '2:dog/sub/z.jpg', '2:dog/sub2/a.webp']);
    // GIFs are not in torchvision's list; they can be added.
    assert.ok(!IMAGE_EXTENSIONS.includes('.gif'));
    assert.equal(imageFolder(root, { extensions: [...IMAGE_EXTENSIONS, '.gif'] }).length, 8);
  });

  it('explains the expected layout when the folder is missing or has no classes', () => {
    assert.throws(
      () => imageFolder(path.join(root, 'nope')),
      (error: Error & { code?: string }) => error.code === 'E_IO' && error.message.includes('nope') && error.message.includes('<class name>/<image>.jpg'),
    );
    assert.throws(
      () => imageFolder(root),
      (error: Error & { code?: string }) => error.code === 'E_IO' && error.message.includes('no class folders'),
    );
    fs.mkdirSync(path.join(root, 'empty'));
    touch(path.join(root, 'full', 'a.jpg'));
    assert.throws(
      () => imageFolder(root),
      (error: Error & { code?: string }) => error.code === 'E_FORMAT' && error.message.includes("'empty'"),
    );
    assert.equal(imageFolder(root, { allowEmptyClasses: true }).length, 1);
  });

  it('skips unreadable sub-folders when listing reference trees', function () {
    if (process.getuid?.() === 0) this.skip(); // root reads everything
    touch(path.join(root, 'ok', 'a.jpg'));
    fs.mkdirSync(path.join(root, 'locked'));
    fs.chmodSync(path.join(root, 'locked'), 0);
    const { files, unreadable } = listImages(root);
    fs.chmodSync(path.join(root, 'locked'), 0o755);
    assert.equal(files.length, 1);
    assert.deepEqual(unreadable, [path.join(root, 'locked')]);
  });
});

describe('data: manifests and CSV', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-manifest-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('parses quoted CSV fields, CRLF and a BOM', () => {
    const rows = parseDelimited('\uFEFFpath,label\r\n"a, ""b"".jpg",1\r\n\r\nc.jpg,"multi\nline"\n', 'x.csv');
    assert.deepEqual(rows, [
      ['path', 'label'],
      ['a, "b".jpg', '1'],
      ['c.jpg', 'multi\nline'],
    ]);
    assert.throws(
      () => parseDelimited('a,"open\n', 'bad.csv'),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes('bad.csv') && e.message.includes('line 1'),
    );
  });

  it('reads CSV manifests with class names or indices, resolving relative paths', () => {
    fs.writeFileSync(path.join(root, 'm.csv'), 'label,path,extra\ncat,img/1.jpg,x\ndog,/abs/2.jpg,y\ncat,3.jpg,z\n');
    const ds = manifestDataset(path.join(root, 'm.csv'));
    assert.deepEqual(ds.classNames, ['cat', 'dog']);
    assert.deepEqual(
      Array.from({ length: 3 }, (_, i) => [ds.sample(i).image, ds.sample(i).label]),
      [
        [path.join(root, 'img/1.jpg'), 0],
        ['/abs/2.jpg', 1],
        [path.join(root, '3.jpg'), 0],
      ],
    );
    fs.writeFileSync(path.join(root, 'n.tsv'), 'file\tclass\na.jpg\t2\nb.jpg\t0\n');
    const tsv = manifestDataset(path.join(root, 'n.tsv'), { pathColumn: 'file', labelColumn: 'class', root: '/data' });
    assert.deepEqual([tsv.sample(0).image, tsv.sample(0).label, tsv.classNames], ['/data/a.jpg', 2, undefined]);
  });

  it('reads JSONL manifests and reports bad lines with their number', () => {
    fs.writeFileSync(path.join(root, 'm.jsonl'), '{"path": "a.jpg", "label": 1}\n\n{"path": "b.jpg", "label": 0}\n');
    const ds = manifestDataset(path.join(root, 'm.jsonl'), { classNames: ['x', 'y'] });
    assert.deepEqual([ds.length, ds.sample(0).label, ds.classNames], [2, 1, ['x', 'y']]);
    fs.writeFileSync(path.join(root, 'bad.jsonl'), '{"path": "a.jpg", "label": 1}\n{"path": "b.jpg"}\n');
    assert.throws(
      () => manifestDataset(path.join(root, 'bad.jsonl')),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes('line 2'),
    );
    fs.writeFileSync(path.join(root, 'bad.csv'), 'path,label\na.jpg,1.5\n');
    assert.throws(() => manifestDataset(path.join(root, 'bad.csv'), { classNames: ['a'] }), { code: 'E_FORMAT' });
    fs.writeFileSync(path.join(root, 'nohead.csv'), 'a.jpg,1\n');
    assert.throws(
      () => manifestDataset(path.join(root, 'nohead.csv')),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes("'path'"),
    );
    assert.throws(() => manifestDataset(path.join(root, 'missing.csv')), { code: 'E_IO' });
  });
});

describe('data: splits and subsets', () => {
  const dataset = new ListDataset(
    Array.from({ length: 50 }, (_, i) => ({ image: `img${i}.jpg`, label: i % 5 })),
    { classNames: ['a', 'b', 'c', 'd', 'e'] },
  );

  it("splits 80/20 with the reference's torch permutation", () => {
    const { train, test } = splitTrainTest(dataset);
    assert.equal(train.length, 40);
    assert.equal(test.length, 10);
    const [expectedTrain, expectedTest] = torchRandomSplit(50, [40, 10], 42);
    assert.deepEqual(train.indices, expectedTrain);
    assert.deepEqual(test.indices, expectedTest);
    assert.equal(train.sample(0).image, `img${expectedTrain[0]}.jpg`);
    assert.deepEqual(train.classNames, dataset.classNames);
    // int(0.8 * n) truncates: 0.8 * 7 = 5.6000000000000005 → 5.
    assert.equal(splitTrainTest(new SubsetDataset(dataset, [0, 1, 2, 3, 4, 5, 6])).train.length, 5);
    assert.throws(() => splitTrainTest(dataset, { ratio: 1 }), { code: 'E_ARG' });
  });

  it('takes k samples per class, seeded', () => {
    const a = fewShot(dataset, 3, 1);
    assert.equal(a.length, 15);
    const perClass = new Map<number, number>();
    for (let i = 0; i < a.length; i++) perClass.set(a.sample(i).label, (perClass.get(a.sample(i).label) ?? 0) + 1);
    assert.deepEqual([...perClass.values()], [3, 3, 3, 3, 3]);
    assert.deepEqual(fewShot(dataset, 3, 1).indices, a.indices);
    assert.notDeepEqual(fewShot(dataset, 3, 2).indices, a.indices);
    assert.deepEqual(
      [...a.indices].sort((x, y) => x - y),
      a.indices,
    );
    assert.equal(fewShot(dataset, 100, 1).length, 50);
    assert.throws(() => fewShot(dataset, 0, 1), { code: 'E_ARG' });
  });

  it('checks indices', () => {
    assert.throws(() => dataset.sample(50), { code: 'E_INDEX' });
    assert.throws(() => new SubsetDataset(dataset, [0, 99]), { code: 'E_INDEX' });
  });
});
