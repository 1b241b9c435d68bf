/**
 * Writes miniature class-incremental datasets in their real layouts, for tests and smoke runs:
 *
 *   OUT_DIR/cifar-100-python/{train,test,meta}   torchvision's CIFAR-100 pickles (Python 2 protocol 2,
 *                                                 as the published archive): all 100 classes
 *   OUT_DIR/tiny-imagenet-200/                    TinyImageNet-200: wnids.txt (the real order), words.txt,
 *                                                 train/<wnid>/images/*.JPEG, val/images + val_annotations.txt
 *
 * Each class's images share a colour (with noise), so a model can learn them. Deterministic.
 *
 *   npx tsx scripts/mini-cil.ts OUT_DIR [--cifar-train 5] [--cifar-test 3] [--tiny-train 3] [--tiny-val 2] [--tiny-side 64]
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { cilReferenceClassNames } from '../lib/data/cil-class-orders';
import { runMiniatureCli } from './miniature-cli';

/** CIFAR-100's fine label names in torchvision's order (its meta file). */
export const CIFAR100_NAMES: readonly string[] = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle caterpillar cattle ' +
  'chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard ' +
  'lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree ' +
  'plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider ' +
  'squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm'
).split(' ');

export interface MiniCilOptions {
  cifarTrain?: number;
  cifarTest?: number;
  tinyTrain?: number;
  tinyVal?: number;
  /** Side of the TinyImageNet JPEGs (the real ones are 64). */
  tinySide?: number;
}

// A small deterministic generator (mulberry32): the same files on every run.
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function classColour(k: number): [number, number, number] {
  return [(k * 97) % 256, (k * 57 + 80) % 256, (k * 31 + 160) % 256];
}

// ---- Python 2 pickles, as cifar-100-python holds them ---------------------------------------

class PickleWriter {
  private chunks: Buffer[] = [Buffer.from([0x80, 0x02])];

  private op(...bytes: number[]): void {
    this.chunks.push(Buffer.from(bytes));
  }

  private u32(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  }

  str(s: string | Buffer): void {
    const bytes = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    if (bytes.length < 256)
      this.op(0x55, bytes.length); // SHORT_BINSTRING
    else this.chunks.push(Buffer.from([0x54]), this.u32(bytes.length)); // BINSTRING
    this.chunks.push(bytes);
  }

  int(n: number): void {
    if (n >= 0 && n < 256)
      this.op(0x4b, n); // BININT1
    else {
      this.op(0x4a); // BININT
      const b = Buffer.alloc(4);
      b.writeInt32LE(n);
      this.chunks.push(b);
    }
  }

  global(module: string, name: string): void {
    this.chunks.push(Buffer.from(`c${module}\n${name}\n`, 'latin1'));
  }

  list(items: (() => void)[]): void {
    this.op(0x5d, 0x28); // EMPTY_LIST, MARK
    for (const item of items) item();
    this.op(0x65); // APPENDS
  }

  // numpy.core.multiarray._reconstruct(ndarray, (0,), 'b') then BUILD (1, shape, dtype('u1'), False, raw)
  uint8Array(shape: number[], data: Uint8Array): void {
    this.global('numpy.core.multiarray', '_reconstruct');
    this.global('numpy', 'ndarray');
    this.int(0);
    this.op(0x85); // TUPLE1
    this.str('b');
    this.op(0x87, 0x52, 0x28); // TUPLE3, REDUCE, MARK
    this.int(1);
    for (const d of shape) this.int(d);
    this.op(shape.length === 2 ? 0x86 : 0x85); // TUPLE2 / TUPLE1
    this.global('numpy', 'dtype');
    this.str('u1');
    this.int(0);
    this.int(1);
    this.op(0x87, 0x52, 0x28); // TUPLE3, REDUCE, MARK
    this.int(3);
    this.str('|');
    this.op(0x4e, 0x4e, 0x4e); // None × 3
    this.int(-1);
    this.int(-1);
    this.int(0);
    this.op(0x74, 0x62); // TUPLE, BUILD
    this.op(0x89); // False
    this.str(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.op(0x74, 0x62); // TUPLE, BUILD
  }

  dict(entries: [string, () => void][]): void {
    this.op(0x7d, 0x28); // EMPTY_DICT, MARK
    for (const [key, value] of entries) {
      this.str(key);
      value();
    }
    this.op(0x75); // SETITEMS
  }

  bytes(): Buffer {
    return Buffer.concat([...this.chunks, Buffer.from([0x2e])]);
  }
}

function writeCifarSplit(file: string, split: string, perClass: number, random: () => number): void {
  const n = 100 * perClass;
  const data = new Uint8Array(n * 3072);
  const fine: number[] = [];
  // Interleave classes as the real files do (not sorted by label).
  for (let i = 0; i < n; i++) {
    const k = (i * 37) % 100;
    fine.push(k);
    const colour = classColour(k);
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 1024; p++) data[i * 3072 + c * 1024 + p] = Math.max(0, Math.min(255, colour[c] + Math.floor((random() - 0.5) * 60)));
  }
  const w = new PickleWriter();
  w.dict([
    ['filenames', () => w.list(fine.map((k, i) => () => w.str(`${CIFAR100_NAMES[k]}_s_${String(i).padStart(6, '0')}.png`)))],
    ['batch_label', () => w.str(`${split} batch 1 of 1`)],
    ['fine_labels', () => w.list(fine.map((k) => () => w.int(k)))],
    ['coarse_labels', () => w.list(fine.map((k) => () => w.int(Math.floor(k / 5))))],
    ['data', () => w.uint8Array([n, 3072], data)],
  ]);
  fs.writeFileSync(file, w.bytes());
}

/** Writes cifar-100-python/{train,test,meta} under `out`. Sync. */
export function writeMiniCifar100(out: string, options: MiniCilOptions = {}): string {
  const dir = path.join(out, 'cifar-100-python');
  fs.mkdirSync(dir, { recursive: true });
  const random = generator(100);
  writeCifarSplit(path.join(dir, 'train'), 'training', options.cifarTrain ?? 5, random);
  writeCifarSplit(path.join(dir, 'test'), 'testing', options.cifarTest ?? 3, random);
  const w = new PickleWriter();
  w.dict([
    ['fine_label_names', () => w.list(CIFAR100_NAMES.map((name) => () => w.str(name)))],
    ['coarse_label_names', () => w.list(Array.from({ length: 20 }, (_, i) => () => w.str(`superclass_${i}`)))],
  ]);
  fs.writeFileSync(path.join(dir, 'meta'), w.bytes());
  return dir;
}

async function jpeg(k: number, side: number, random: () => number): Promise<Buffer> {
  const colour = classColour(k);
  const pixels = Buffer.alloc(side * side * 3);
  for (let i = 0; i < side * side; i++)
    for (let c = 0; c < 3; c++) pixels[3 * i + c] = Math.max(0, Math.min(255, colour[c] + Math.floor((random() - 0.5) * 60)));
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Writes tiny-imagenet-200/ under `out` with all 200 wnids in the real wnids.txt order. Async. */
export async function writeMiniTinyImageNet(out: string, options: MiniCilOptions = {}): Promise<string> {
  const dir = path.join(out, 'tiny-imagenet-200');
  const { wnids, names } = cilReferenceClassNames('tinyimagenet');
  const side = options.tinySide ?? 64;
  const random = generator(200);
  fs.mkdirSync(path.join(dir, 'val', 'images'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'wnids.txt'), wnids!.join('\n') + '\n');
  // words.txt covers all of ImageNet's wnids, in wnid order, with synonyms after the first name.
  const words = [['n00001740', 'entity'], ...wnids!.map((w, k) => [w, `${names[k]}, ${names[k].toLowerCase()} (synonym)`]), ['n15102894', 'driftwood']];
  words.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  fs.writeFileSync(path.join(dir, 'words.txt'), words.map(([w, n]) => `${w}\t${n}`).join('\n') + '\n');
  const annotations: string[] = [];
  let valIndex = 0;
  for (let k = 0; k < wnids!.length; k++) {
    const wnid = wnids![k];
    const images = path.join(dir, 'train', wnid, 'images');
    fs.mkdirSync(images, { recursive: true });
    const boxes: string[] = [];
    for (let i = 0; i < (options.tinyTrain ?? 3); i++) {
      const file = `${wnid}_${i}.JPEG`;
      fs.writeFileSync(path.join(images, file), await jpeg(k, side, random));
      boxes.push(`${file}\t0\t0\t${side - 1}\t${side - 1}`);
    }
    fs.writeFileSync(path.join(dir, 'train', wnid, `${wnid}_boxes.txt`), boxes.join('\n') + '\n');
    for (let i = 0; i < (options.tinyVal ?? 2); i++) {
      // The real val/ interleaves classes; so does the annotation order here.
      const file = `val_${valIndex++}.JPEG`;
      fs.writeFileSync(path.join(dir, 'val', 'images', file), await jpeg(k, side, random));
      annotations.push(`${file}\t${wnid}\t0\t0\t${side - 1}\t${side - 1}`);
    }
  }
  const shuffled = annotations.map((a, i) => ({ a, key: (i * 7919) % annotations.length })).sort((x, y) => x.key - y.key);
  fs.writeFileSync(path.join(dir, 'val', 'val_annotations.txt'), shuffled.map((s) => s.a).join('\n') + '\n');
  return dir;
}

/** Writes both miniatures under `out`. Async. */
export async function writeMiniCil(out: string, options: MiniCilOptions = {}): Promise<void> {
  writeMiniCifar100(out, options);
  await writeMiniTinyImageNet(out, options);
}

if (require.main === module) {
  runMiniatureCli('tsx scripts/mini-cil.ts OUT_DIR [--cifar-train N] [--cifar-test N] [--tiny-train N] [--tiny-val N] [--tiny-side N]', async (out, flag) => {
    await writeMiniCil(out, {
      cifarTrain: flag('cifar-train'),
      cifarTest: flag('cifar-test'),
      tinyTrain: flag('tiny-train'),
      tinyVal: flag('tiny-val'),
      tinySide: flag('tiny-side'),
    });
    return `${path.join(out, 'cifar-100-python')} and ${path.join(out, 'tiny-imagenet-200')}`;
  });
}
