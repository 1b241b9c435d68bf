/**
 * ImageNet for class-incremental runs, as the reference reads it through continuum:
 * ImageNet-100 from split files of `<path> <label>` lines (continuum's ImageNet100: the paths are
 * relative to the ImageNet folder, e.g. `train/n01440764/n01440764_10026.JPEG 0`), and ImageNet-1k
 * as class folders `train/<wnid>/…` and `val/<wnid>/…` (sorted wnids give the labels). Class names
 * are the reference's (CLIP's curated names, shipped in assets/cil).
 */
import path from 'node:path';
import { ZsclError } from '../errors';
import { cilReferenceClassNames } from './cil-class-orders';
import type { Sample } from './dataset';
import { ListDataset } from './dataset';
import { imageFolder } from './image-folder';
import { readTextLines } from './text-lines';
import { requirePath } from './layout';

const SPLIT_LAYOUT = [
  'train_100.txt / val_100.txt   one "<path> <label>" line per image, label 0…99 (continuum ImageNet100 subset files)',
  '<root>/<path>                 each path relative to the ImageNet folder, e.g. train/n01440764/n01440764_10026.JPEG',
];

/**
 * ImageNet-100 from a split file (the reference's train_100.txt or val_100.txt). Label k must be
 * the reference's ImageNet-100 class k: when a path's folder is a wnid, it is checked against the
 * shipped list. Sync (reads the list; checks that the first image exists).
 * @throws ZsclError E_IO when the split file or root is missing; E_FORMAT naming the line of a
 *   malformed entry, a label outside 0…99, a label whose images sit in two wnid folders or in the
 *   wrong one, and labels without images.
 */
export function imageNet100(root: string, subsetFile: string): ListDataset {
  const caller = 'imageNet100';
  requirePath(caller, subsetFile, path.dirname(subsetFile), SPLIT_LAYOUT, 'file');
  requirePath(caller, root, root, SPLIT_LAYOUT);
  const reference = cilReferenceClassNames('imagenet100');
  const n = reference.names.length;
  const folderOf = new Map<number, string>();
  const samples: Sample[] = [];
  for (const { text, line } of readTextLines(subsetFile)) {
    const where = `${subsetFile} line ${line}`;
    const parts = text.split(/\s+/);
    if (parts.length !== 2 || !/^\d+$/.test(parts[1]))
      throw new ZsclError(`${caller}: ${where}: expected '<path> <label>' but found '${text.slice(0, 80)}'`, 'E_FORMAT');
    const label = Number(parts[1]);
    if (label >= n) throw new ZsclError(`${caller}: ${where}: label ${label} is outside 0…${n - 1}`, 'E_FORMAT');
    const folder = path.basename(path.dirname(parts[0]));
    const known = folderOf.get(label);
    if (known === undefined) {
      if (/^n\d{8}$/.test(folder) && folder !== reference.wnids![label]) {
        throw new ZsclError(
          `${caller}: ${where}: label ${label} is ${folder} here but the reference's ImageNet-100 class ${label} is ${reference.wnids![label]} (${reference.names[label]})`,
          'E_FORMAT',
        );
      }
      folderOf.set(label, folder);
    } else if (known !== folder) {
      throw new ZsclError(`${caller}: ${where}: label ${label} names images in ${known}/ and ${folder}/`, 'E_FORMAT');
    }
    const full = path.join(root, parts[0]);
    samples.push({ image: full, label, name: full });
  }
  const empty = Array.from({ length: n }, (_, k) => k).filter((k) => !folderOf.has(k));
  if (empty.length > 0)
    throw new ZsclError(`${caller}: ${subsetFile} has no images of label(s) ${empty.slice(0, 10).join(', ')}${empty.length > 10 ? ', …' : ''}`, 'E_FORMAT');
  requirePath(caller, samples[0].image as string, root, SPLIT_LAYOUT, 'file');
  return new ListDataset(samples, { classNames: reference.names });
}

/**
 * ImageNet-1k's `train` or `val` split as class folders under `root` (val must be sorted into
 * wnid folders, as ImageFolder needs; the raw ILSVRC val/ is flat). Sync.
 * @throws ZsclError E_IO showing the layout when the folder is missing; E_FORMAT when it does not
 *   hold 1000 class folders or a class has no images.
 */
export function imageNet1k(root: string, split: 'train' | 'val'): ListDataset {
  const dir = path.join(root, split);
  requirePath('imageNet1k', dir, root, [
    'train/<wnid>/<image>.JPEG   1000 class folders',
    'val/<wnid>/<image>.JPEG     the same 1000 folders (the flat ILSVRC val/ must be sorted into them)',
  ]);
  const folders = imageFolder(dir);
  const names = cilReferenceClassNames('imagenet1000').names;
  if (folders.classNames!.length !== names.length) {
    throw new ZsclError(
      `imageNet1k: ${dir} holds ${folders.classNames!.length} class folders, expected ${names.length} (one per ImageNet-1k wnid)`,
      'E_FORMAT',
    );
  }
  return new ListDataset(
    Array.from({ length: folders.length }, (_, i) => folders.sample(i)),
    { classNames: names },
  );
}
