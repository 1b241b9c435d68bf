/**
 * Writes a miniature MTIL data root: the 11 datasets in the on-disk layouts torchvision 0.14's
 * dataset classes read (all real classes, a few tiny JPEGs each, the real annotation formats), an
 * ImageNet-style reference folder and a tab-separated Conceptual Captions file — what a benchmark
 * config's `data.root` and `reference` point at:
 *
 *   fgvc-aircraft-2013b/data/{variants.txt, images_variant_{train,val,trainval,test}.txt, images/}
 *   caltech101/101_ObjectCategories/<category>/image_0001.jpg …   (with BACKGROUND_Google)
 *   cifar-100-python/{train,test,meta}                             (pickles; scripts/mini-cil.ts)
 *   dtd/dtd/{images/<class>/, labels/{train,val,test}1.txt}
 *   eurosat/2750/<Class>/<Class>_<n>.jpg
 *   flowers-102/{jpg/image_00001.jpg …, imagelabels.mat, setid.mat}
 *   food-101/{images/<class>/<id>.jpg, meta/{train,test}.json, meta/{train,test,classes,labels}.txt}
 *   MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte
 *   oxford-iiit-pet/{images/<Breed>_<n>.jpg, annotations/{trainval,test,list}.txt}
 *   stanford_cars/{devkit/{cars_meta,cars_train_annos,cars_test_annos}.mat, cars_train/, cars_test/,
 *                  cars_test_annos_withlabels.mat}
 *   SUN397/{ClassName.txt, <letter>/<class>[/<subclass>]/sun_<id>.jpg}
 *   ImageNet/train/<wnid>/<wnid>_<n>.JPEG
 *   Validation_GCC-1.1.0-Validation_output.csv   (tab-separated, columns title and filepath)
 *
 * Every image of a class has the class's colour, so a model can learn them. Deterministic.
 *
 *   npm run mini-mtil -- OUT_DIR [--train 2] [--test 1] [--side 32]
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { writeMiniCifar100 } from './mini-cil';
import { runMiniatureCli } from './miniature-cli';
import { matFile } from './mini-mtil-mat';
import CLASS_LISTS from './mini-mtil-classes.json';

/** Options of {@link writeMiniMtil}. */
export interface MiniMtilOptions {
  /** Training images per class (default 2; datasets split 80/20 by the reference get train + test). */
  train?: number;
  /** Test images per class (default 1). */
  test?: number;
  /** Side of the square JPEGs (default 32). */
  side?: number;
}

/** The name of the captions file the reference reads (tab-separated despite `.csv`). */
export const CAPTIONS_FILE = 'Validation_GCC-1.1.0-Validation_output.csv';

/** Ten real ImageNet wnids for the reference folder. */
const REFERENCE_WNIDS = ['n01440764', 'n01443537', 'n01484850', 'n01491361', 'n01494475', 'n01496331', 'n01498041', 'n01514668', 'n01514859', 'n01518878'];

interface Context {
  out: string;
  train: number;
  test: number;
  side: number;
  jpegs: Map<string, Buffer>;
}

// A class's colour from its dataset and index (a hash, so neighbouring classes differ).
function colour(key: string): [number, number, number] {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff];
}

async function jpeg(ctx: Context, key: string): Promise<Buffer> {
  let bytes = ctx.jpegs.get(key);
  if (!bytes) {
    const [r, g, b] = colour(key);
    const pixels = Buffer.alloc(ctx.side * ctx.side * 3);
    for (let i = 0; i < ctx.side * ctx.side; i++) {
      // A gradient on top of the colour keeps JPEG from collapsing the image to one block.
      const ramp = (i % ctx.side) * 2;
      pixels[3 * i] = Math.min(255, r + ramp);
      pixels[3 * i + 1] = g;
      pixels[3 * i + 2] = Math.max(0, b - ramp);
    }
    bytes = await sharp(pixels, { raw: { width: ctx.side, height: ctx.side, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    ctx.jpegs.set(key, bytes);
  }
  return bytes;
}

async function writeImage(ctx: Context, file: string, key: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await jpeg(ctx, key));
}

function writeText(file: string, lines: readonly string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

/** Per class, the split of each of its images: `train` × 'train' then `test` × 'test'. */
function splits(ctx: Context): ('train' | 'test')[] {
  return [...Array<'train'>(ctx.train).fill('train'), ...Array<'test'>(ctx.test).fill('test')];
}

// Class-major lists interleaved the way the real annotation files mix classes: image k of every
// class, then image k + 1 of every class, …
function interleave<T>(perClass: T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...perClass.map((l) => l.length));
  for (let k = 0; k < longest; k++) for (const list of perClass) if (k < list.length) out.push(list[k]);
  return out;
}

async function aircraft(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'fgvc-aircraft-2013b', 'data');
  const variants = CLASS_LISTS.Aircraft;
  writeText(path.join(base, 'variants.txt'), variants);
  const rows: Record<'train' | 'val' | 'test', string[][]> = { train: [], val: [], test: [] };
  let id = 1000000;
  for (const [k, variant] of variants.entries()) {
    const per: Record<'train' | 'val' | 'test', string[]> = { train: [], val: [], test: [] };
    for (const split of [...splits(ctx), 'val' as const]) {
      const name = String(id++).padStart(7, '0');
      await writeImage(ctx, path.join(base, 'images', `${name}.jpg`), `Aircraft/${k}`);
      per[split].push(`${name} ${variant}`);
    }
    for (const s of ['train', 'val', 'test'] as const) rows[s].push(per[s]);
  }
  const train = interleave(rows.train);
  const val = interleave(rows.val);
  writeText(path.join(base, 'images_variant_train.txt'), train);
  writeText(path.join(base, 'images_variant_val.txt'), val);
  writeText(path.join(base, 'images_variant_trainval.txt'), [...train, ...val].sort());
  writeText(path.join(base, 'images_variant_test.txt'), interleave(rows.test));
}

async function caltech101(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'caltech101', '101_ObjectCategories');
  const n = ctx.train + ctx.test;
  for (const [k, category] of ['BACKGROUND_Google', ...CLASS_LISTS.Caltech101].entries())
    for (let i = 1; i <= n; i++) await writeImage(ctx, path.join(base, category, `image_${String(i).padStart(4, '0')}.jpg`), `Caltech101/${k}`);
}

async function dtd(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'dtd', 'dtd');
  const lists: Record<'train' | 'val' | 'test', string[]> = { train: [], val: [], test: [] };
  for (const [k, cls] of CLASS_LISTS.DTD.entries()) {
    let n = 1;
    for (const split of [...splits(ctx), 'val' as const]) {
      const file = `${cls}_${String(n++).padStart(4, '0')}.jpg`;
      await writeImage(ctx, path.join(base, 'images', cls, file), `DTD/${k}`);
      lists[split].push(`${cls}/${file}`);
    }
  }
  // The real label files are class-sorted, one partition per file; partition 1 is the reference's.
  for (const split of ['train', 'val', 'test'] as const) writeText(path.join(base, 'labels', `${split}1.txt`), lists[split]);
}

async function eurosat(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'eurosat', '2750');
  const n = ctx.train + ctx.test;
  for (const [k, cls] of CLASS_LISTS.EuroSAT.entries())
    for (let i = 1; i <= n; i++) await writeImage(ctx, path.join(base, cls, `${cls}_${i}.jpg`), `EuroSAT/${k}`);
}

async function flowers(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'flowers-102');
  const labels: number[] = [];
  const ids: Record<'train' | 'val' | 'test', number[][]> = { train: [], val: [], test: [] };
  for (let k = 0; k < 102; k++) {
    const per: Record<'train' | 'val' | 'test', number[]> = { train: [], val: [], test: [] };
    for (const split of [...splits(ctx), 'val' as const]) {
      labels.push(k + 1);
      const id = labels.length;
      await writeImage(ctx, path.join(base, 'jpg', `image_${String(id).padStart(5, '0')}.jpg`), `Flowers/${k}`);
      per[split].push(id);
    }
    for (const s of ['train', 'val', 'test'] as const) ids[s].push(per[s]);
  }
  // As the published files: labels uint8, image ids uint16, each a 1×n row.
  fs.writeFileSync(path.join(base, 'imagelabels.mat'), matFile({ labels: { kind: 'numeric', type: 'uint8', values: labels } }));
  fs.writeFileSync(
    path.join(base, 'setid.mat'),
    matFile({
      trnid: { kind: 'numeric', type: 'uint16', values: interleave(ids.train) },
      valid: { kind: 'numeric', type: 'uint16', values: interleave(ids.val) },
      tstid: { kind: 'numeric', type: 'uint16', values: interleave(ids.test) },
    }),
  );
}

async function food(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'food-101');
  const meta: Record<'train' | 'test', Record<string, string[]>> = { train: {}, test: {} };
  let id = 100000;
  for (const [k, cls] of CLASS_LISTS.Food.entries()) {
    meta.train[cls] = [];
    meta.test[cls] = [];
    for (const split of splits(ctx)) {
      const rel = `${cls}/${id++}`;
      await writeImage(ctx, path.join(base, 'images', ...`${rel}.jpg`.split('/')), `Food/${k}`);
      meta[split][cls].push(rel);
    }
  }
  for (const split of ['train', 'test'] as const) {
    fs.mkdirSync(path.join(base, 'meta'), { recursive: true });
    fs.writeFileSync(path.join(base, 'meta', `${split}.json`), JSON.stringify(meta[split]));
    writeText(path.join(base, 'meta', `${split}.txt`), Object.values(meta[split]).flat());
  }
  writeText(path.join(base, 'meta', 'classes.txt'), CLASS_LISTS.Food);
  writeText(
    path.join(base, 'meta', 'labels.txt'),
    CLASS_LISTS.Food.map((c) => c[0].toUpperCase() + c.slice(1).replace(/_/g, ' ')),
  );
}

/** An IDX file (MNIST's format): magic (0, 0, element type, rank), big-endian dims, data. `type` 0x08 is unsigned bytes, 0x0c int32. */
export function idxFile(shape: readonly number[], data: Uint8Array, type = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

function mnist(ctx: Context): void {
  const raw = path.join(ctx.out, 'MNIST', 'raw');
  fs.mkdirSync(raw, { recursive: true });
  for (const [split, prefix, perClass] of [
    ['train', 'train', ctx.train],
    ['test', 't10k', ctx.test],
  ] as const) {
    const n = 10 * perClass;
    const labels = new Uint8Array(n);
    const pixels = new Uint8Array(n * 28 * 28);
    for (let i = 0; i < n; i++) {
      const digit = i % 10;
      labels[i] = digit;
      // A bar whose position and width say the digit, on black, like a pen stroke.
      for (let y = 4; y < 24; y++) for (let x = 4 + digit; x < 7 + digit + (i % 3); x++) pixels[i * 784 + y * 28 + x] = split === 'train' ? 255 : 250;
    }
    fs.writeFileSync(path.join(raw, `${prefix}-images-idx3-ubyte`), idxFile([n, 28, 28], pixels));
    fs.writeFileSync(path.join(raw, `${prefix}-labels-idx1-ubyte`), idxFile([n], labels));
  }
}

async function oxfordPet(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'oxford-iiit-pet');
  const breeds = CLASS_LISTS.OxfordPet;
  // Cat breeds are the capitalised names; breed ids count within each species.
  const speciesIds = { cat: 0, dog: 0 };
  const rows: Record<'trainval' | 'test', string[]> = { trainval: [], test: [] };
  for (const [k, breed] of breeds.entries()) {
    const cat = breed[0] !== breed[0].toLowerCase();
    const breedId = ++speciesIds[cat ? 'cat' : 'dog'];
    let n = 1;
    for (const split of splits(ctx)) {
      const id = `${breed}_${n++}`;
      await writeImage(ctx, path.join(base, 'images', `${id}.jpg`), `OxfordPet/${k}`);
      rows[split === 'train' ? 'trainval' : 'test'].push(`${id} ${k + 1} ${cat ? 1 : 2} ${breedId}`);
    }
  }
  const header = [
    '#Image CLASS-ID SPECIES BREED ID',
    '#ID: 1:37 Class ids',
    '#SPECIES: 1:Cat 2:Dog',
    '#BREED ID: 1-25:Cat 1:12:Dog',
    '#All images with 1st letter as captial are cat images',
  ];
  writeText(path.join(base, 'annotations', 'trainval.txt'), rows.trainval);
  writeText(path.join(base, 'annotations', 'test.txt'), rows.test);
  writeText(path.join(base, 'annotations', 'list.txt'), [...header, ...[...rows.trainval, ...rows.test].sort()]);
  fs.mkdirSync(path.join(base, 'annotations', 'trimaps'), { recursive: true });
}

async function stanfordCars(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'stanford_cars');
  const names = CLASS_LISTS.StanfordCars;
  const fields = ['bbox_x1', 'bbox_y1', 'bbox_x2', 'bbox_y2', 'class', 'fname'];
  const annotations: Record<'train' | 'test', ReturnType<typeof carAnnotation>[][]> = { train: [], test: [] };
  const counters = { train: 0, test: 0 };
  for (let k = 0; k < names.length; k++) {
    const per: Record<'train' | 'test', ReturnType<typeof carAnnotation>[]> = { train: [], test: [] };
    for (const split of splits(ctx)) {
      const fname = `${String(++counters[split]).padStart(5, '0')}.jpg`;
      await writeImage(ctx, path.join(base, split === 'train' ? 'cars_train' : 'cars_test', fname), `StanfordCars/${k}`);
      per[split].push(carAnnotation(ctx.side, k + 1, fname));
    }
    annotations.train.push(per.train);
    annotations.test.push(per.test);
  }
  // File numbers were handed out class by class, and the files list them in number order.
  const train = annotations.train.flat();
  const test = annotations.test.flat();
  const struct = (items: typeof train, withClass: boolean) =>
    matFile({
      annotations: {
        kind: 'struct',
        fields: withClass ? fields : fields.filter((f) => f !== 'class'),
        items,
      },
    });
  fs.mkdirSync(path.join(base, 'devkit'), { recursive: true });
  fs.writeFileSync(
    path.join(base, 'devkit', 'cars_meta.mat'),
    matFile({ class_names: { kind: 'cell', items: names.map((text) => ({ kind: 'char', text })) } }),
  );
  fs.writeFileSync(path.join(base, 'devkit', 'cars_train_annos.mat'), struct(train, true));
  fs.writeFileSync(path.join(base, 'devkit', 'cars_test_annos.mat'), struct(test, false));
  fs.writeFileSync(path.join(base, 'cars_test_annos_withlabels.mat'), struct(test, true));
}

function carAnnotation(side: number, cls: number, fname: string) {
  const u16 = (v: number) => ({ kind: 'numeric' as const, type: 'uint16' as const, values: [v] });
  return {
    bbox_x1: u16(1),
    bbox_y1: u16(1),
    bbox_x2: u16(side),
    bbox_y2: u16(side),
    class: { kind: 'numeric' as const, type: 'uint8' as const, values: [cls] },
    fname: { kind: 'char' as const, text: fname },
  };
}

async function sun397(ctx: Context): Promise<void> {
  const base = path.join(ctx.out, 'SUN397');
  writeText(path.join(base, 'ClassName.txt'), CLASS_LISTS.SUN397);
  const n = ctx.train + ctx.test;
  let counter = 0;
  for (const [k, cls] of CLASS_LISTS.SUN397.entries()) {
    for (let i = 0; i < n; i++) {
      // sun_ + 16 lower-case letters, as the real file names.
      let id = '';
      for (let c = 0, v = ++counter * 2654435761; c < 16; c++, v = Math.floor(v / 26) + c * 7919) id += String.fromCharCode(97 + (v % 26));
      await writeImage(ctx, path.join(base, ...cls.slice(1).split('/'), `sun_${id}.jpg`), `SUN397/${k}`);
    }
  }
}

async function reference(ctx: Context): Promise<void> {
  for (const [k, wnid] of REFERENCE_WNIDS.entries())
    for (let i = 0; i < 2; i++) await writeImage(ctx, path.join(ctx.out, 'ImageNet', 'train', wnid, `${wnid}_${1000 + i}.JPEG`), `ImageNet/${k}`);
  // The reference reads this file with pandas, sep="\t"; titles hold commas and quotes.
  const titles = [
    'actor attends the premiere of the film',
    'a dog runs on the beach, chasing a ball',
    'person and person pose for a photo at the event',
    'the "old" bridge over the river at sunset',
    'vector illustration of a cartoon cat, isolated on white',
    'a plate of pasta with tomato sauce',
    'aerial view of the city at night',
    'a bunch of fresh flowers in a vase',
  ];
  const rows = ['title\tfilepath', ...titles.map((t, i) => `${t}\tvalidation/${i}.jpg`)];
  fs.writeFileSync(path.join(ctx.out, CAPTIONS_FILE), rows.join('\n') + '\n');
}

/** Writes the miniature MTIL root under `out`. Async (encodes JPEGs). */
export async function writeMiniMtil(out: string, options: MiniMtilOptions = {}): Promise<void> {
  const ctx: Context = { out, train: options.train ?? 2, test: options.test ?? 1, side: options.side ?? 32, jpegs: new Map() };
  if (!(ctx.train >= 1 && ctx.test >= 1 && ctx.side >= 8)) throw new Error('mini-mtil: expected --train >= 1, --test >= 1 and --side >= 8');
  fs.mkdirSync(out, { recursive: true });
  await aircraft(ctx);
  await caltech101(ctx);
  writeMiniCifar100(out, { cifarTrain: ctx.train, cifarTest: ctx.test });
  await dtd(ctx);
  await eurosat(ctx);
  await flowers(ctx);
  await food(ctx);
  mnist(ctx);
  await oxfordPet(ctx);
  await stanfordCars(ctx);
  await sun397(ctx);
  await reference(ctx);
}

if (require.main === module) {
  runMiniatureCli('npm run mini-mtil -- OUT_DIR [--train N] [--test N] [--side N]', async (out, flag) => {
    await writeMiniMtil(out, { train: flag('train'), test: flag('test'), side: flag('side') });
    return `the miniature MTIL root ${out}`;
  });
}
