/**
 * TinyImageNet-200 in the layout of its published zip (`tiny-imagenet-200/`), read as the
 * reference's data library (continuum's TinyImageNet200) reads it: class k is line k of
 * `wnids.txt` (not the sorted wnids), training images are `train/<wnid>/images/*`, validation
 * images are `val/images/*` labelled by `val/val_annotations.txt` (in that file's order).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../errors';
import { cilReferenceClassNames } from './cil-class-orders';
import type { Sample } from './dataset';
import { ListDataset } from './dataset';
import { listImages } from './image-folder';
import { readTextLines } from './text-lines';
import { requirePath } from './layout';

const LAYOUT = [
  'wnids.txt                          one wnid per line; line k is class k',
  'words.txt                          <wnid>\\t<name>, <synonym>, …   (names: the first synonym)',
  'train/<wnid>/images/<file>.JPEG    training images of each class',
  'val/images/<file>.JPEG             validation images',
  'val/val_annotations.txt            <file>\\t<wnid>\\t<box…>   one line per validation image',
];

/** Options of {@link tinyImageNet}. */
export interface TinyImageNetOptions {
  /**
   * Class names: `'words'` (default) the first synonym in words.txt; `'reference'` the names the
   * reference's prompts use (CLIP's curated ImageNet names, shipped in assets/cil), matched by wnid.
   */
  names?: 'words' | 'reference';
}

/** TinyImageNet samples with the wnid of each class. */
export class TinyImageNetDataset extends ListDataset {
  constructor(
    samples: readonly Sample[],
    classNames: readonly string[],
    /** The wnid of each class (wnids.txt order). */
    readonly wnids: readonly string[],
  ) {
    super(samples, { classNames });
  }
}

/**
 * The dataset folder: `root/tiny-imagenet-200` (continuum's data_path) when it exists, else `root`
 * itself when it looks like the dataset (wnids.txt, train/ or val/ inside).
 */
function tinyImageNetDir(root: string): string {
  const nested = path.join(root, 'tiny-imagenet-200');
  if (fs.existsSync(nested)) return nested;
  return ['wnids.txt', 'train', 'val'].some((f) => fs.existsSync(path.join(root, f))) ? root : nested;
}

/**
 * TinyImageNet-200's `train` or `val` split under `root`. Sync (reads the lists and folder names once).
 * @throws ZsclError E_IO showing the expected layout when a file or folder is missing; E_FORMAT
 *   naming the file and line for malformed lists, duplicate or unknown wnids, names missing from
 *   words.txt, and classes without images.
 */
export function tinyImageNet(root: string, split: 'train' | 'val', options: TinyImageNetOptions = {}): TinyImageNetDataset {
  const dir = tinyImageNetDir(root);
  const caller = 'tinyImageNet';
  requirePath(
    caller,
    dir,
    root,
    LAYOUT.map((l) => `tiny-imagenet-200/${l}`),
  );
  const wnidsFile = path.join(dir, 'wnids.txt');
  requirePath(caller, wnidsFile, dir, LAYOUT, 'file');
  const wnids = readTextLines(wnidsFile).map(({ text, line }) => {
    if (!/^\S+$/.test(text)) throw new ZsclError(`${caller}: ${wnidsFile} line ${line}: '${text}' is not a wnid (one wnid per line, no spaces)`, 'E_FORMAT');
    return { wnid: text, line };
  });
  if (wnids.length === 0) throw new ZsclError(`${caller}: ${wnidsFile} lists no wnids`, 'E_FORMAT');
  const label = new Map<string, number>();
  for (const { wnid, line } of wnids) {
    if (label.has(wnid)) throw new ZsclError(`${caller}: ${wnidsFile} line ${line}: wnid ${wnid} is listed twice`, 'E_FORMAT');
    label.set(wnid, label.size);
  }
  const ids = wnids.map((w) => w.wnid);
  const classNames = options.names === 'reference' ? referenceNames(ids) : wordsNames(dir, ids);
  const samples = split === 'train' ? trainSamples(dir, ids) : valSamples(dir, label);
  const counts = new Array<number>(ids.length).fill(0);
  for (const s of samples) counts[s.label]++;
  const empty = ids.filter((_, k) => counts[k] === 0);
  if (empty.length > 0) {
    const where = split === 'train' ? 'train/<wnid>/images/' : 'val/val_annotations.txt';
    throw new ZsclError(
      `${caller}: ${empty.length} class(es) have no ${split} images (${where}): ${empty.slice(0, 5).join(', ')}${empty.length > 5 ? ', …' : ''}`,
      'E_FORMAT',
    );
  }
  return new TinyImageNetDataset(samples, classNames, ids);
}

// words.txt maps every ImageNet wnid to "name, synonym, …"; the prompt uses the first.
function wordsNames(dir: string, wnids: readonly string[]): string[] {
  const file = path.join(dir, 'words.txt');
  requirePath('tinyImageNet', file, dir, LAYOUT, 'file');
  const wanted = new Set(wnids);
  const names = new Map<string, string>();
  for (const { text, line } of readTextLines(file)) {
    const tab = text.indexOf('\t');
    if (tab < 0) throw new ZsclError(`tinyImageNet: ${file} line ${line}: expected '<wnid>\\t<names>' but found no tab`, 'E_FORMAT');
    const wnid = text.slice(0, tab).trim();
    if (!wanted.has(wnid) || names.has(wnid)) continue;
    const first = text
      .slice(tab + 1)
      .split(',')[0]
      .trim();
    if (first === '') throw new ZsclError(`tinyImageNet: ${file} line ${line}: wnid ${wnid} has an empty name`, 'E_FORMAT');
    names.set(wnid, first);
  }
  const missing = wnids.filter((w) => !names.has(w));
  if (missing.length > 0) {
    throw new ZsclError(
      `tinyImageNet: ${file} has no name for ${missing.length} wnid(s) of wnids.txt: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      'E_FORMAT',
    );
  }
  return wnids.map((w) => names.get(w)!);
}

function referenceNames(wnids: readonly string[]): string[] {
  const shipped = cilReferenceClassNames('tinyimagenet');
  const byWnid = new Map(shipped.wnids!.map((w, i) => [w, shipped.names[i]]));
  const missing = wnids.filter((w) => !byWnid.has(w));
  if (missing.length > 0) {
    throw new ZsclError(
      `tinyImageNet: wnids.txt holds ${missing.length} wnid(s) that are not TinyImageNet-200 classes (no reference name): ${missing.slice(0, 5).join(', ')}`,
      'E_FORMAT',
    );
  }
  return wnids.map((w) => byWnid.get(w)!);
}

function trainSamples(dir: string, wnids: readonly string[]): Sample[] {
  const samples: Sample[] = [];
  wnids.forEach((wnid, k) => {
    const images = path.join(dir, 'train', wnid, 'images');
    requirePath('tinyImageNet', images, dir, LAYOUT);
    for (const file of listImages(images).files) samples.push({ image: file, label: k, name: file });
  });
  return samples;
}

function valSamples(dir: string, label: ReadonlyMap<string, number>): Sample[] {
  const imagesDir = path.join(dir, 'val', 'images');
  const annotations = path.join(dir, 'val', 'val_annotations.txt');
  requirePath('tinyImageNet', imagesDir, dir, LAYOUT);
  requirePath('tinyImageNet', annotations, dir, LAYOUT, 'file');
  const present = new Set(fs.readdirSync(imagesDir));
  const seen = new Set<string>();
  const samples: Sample[] = [];
  for (const { text, line } of readTextLines(annotations)) {
    const [file, wnid] = text.split('\t');
    if (file === undefined || wnid === undefined || file.trim() === '' || wnid.trim() === '') {
      throw new ZsclError(`tinyImageNet: ${annotations} line ${line}: expected '<file>\\t<wnid>\\t…' but found '${text.slice(0, 60)}'`, 'E_FORMAT');
    }
    const k = label.get(wnid.trim());
    if (k === undefined) throw new ZsclError(`tinyImageNet: ${annotations} line ${line}: wnid ${wnid} is not in wnids.txt`, 'E_FORMAT');
    if (seen.has(file)) throw new ZsclError(`tinyImageNet: ${annotations} line ${line}: ${file} is annotated twice`, 'E_FORMAT');
    if (!present.has(file)) throw new ZsclError(`tinyImageNet: ${annotations} line ${line}: ${file} is not in ${imagesDir}`, 'E_FORMAT');
    seen.add(file);
    const full = path.join(imagesDir, file);
    samples.push({ image: full, label: k, name: full });
  }
  return samples;
}
