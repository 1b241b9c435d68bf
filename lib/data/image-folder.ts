/**
 * Image folders, as torchvision's `ImageFolder` reads them: one sub-folder per class (sorted
 * names give the labels), every image file below it (any depth, following links), in the order of
 * `sorted(os.walk())` and `sorted(files)`, filtered by extension. The same order as the reference
 * means the same sample indices, hence the same seeded splits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../errors';
import { concatInTurns, yieldToLoop } from '../io/event-loop';
import type { Dataset, Sample } from './dataset';
import { ListDataset, splitTrainTest } from './dataset';
import { comparePython, isDirectoryEntry, listSorted, requirePath } from './layout';

/** torchvision's IMG_EXTENSIONS (GIF and AVIF are not among them; pass `extensions` to add them). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];

/** Options of {@link imageFolder} and {@link listImages}. */
export interface ImageFolderOptions {
  /** File name endings that count as images, matched case-insensitively (default {@link IMAGE_EXTENSIONS}). */
  extensions?: readonly string[];
  /** Accept class folders without images (torchvision refuses them; default false). */
  allowEmptyClasses?: boolean;
  templates?: readonly string[];
}

/**
 * A dataset of `root/<class>/…/<image>`. Sync (scans the folders once).
 * @throws ZsclError E_IO showing the expected layout when `root` is missing or has no class
 *   folders; E_FORMAT naming the classes without images (unless allowEmptyClasses).
 */
export function imageFolder(root: string, options: ImageFolderOptions = {}): ListDataset {
  const layout = ['<class name>/<image>.jpg   (one folder per class; any depth below it)', '<class name>/…'];
  requirePath('imageFolder', root, root, layout);
  const classNames = listSorted(root)
    .filter((entry) => isDirectoryEntry(root, entry))
    .map((entry) => entry.name);
  if (classNames.length === 0)
    throw new ZsclError(`imageFolder: ${root} has no class folders. Expected this layout under it:\n${layout.map((l) => `  ${l}`).join('\n')}`, 'E_IO');
  const samples: Sample[] = [];
  const empty: string[] = [];
  classNames.forEach((className, label) => {
    const files = listImages(path.join(root, className), options).files;
    if (files.length === 0) empty.push(className);
    for (const file of files) samples.push({ image: file, label, name: file });
  });
  if (empty.length > 0 && !options.allowEmptyClasses) {
    throw new ZsclError(
      `imageFolder: no image files (${(options.extensions ?? IMAGE_EXTENSIONS).join(', ')}) in the class folders ${empty.map((c) => `'${c}'`).join(', ')} of ${root}`,
      'E_FORMAT',
    );
  }
  return new ListDataset(samples, { classNames, templates: options.templates });
}

/**
 * The train and test sets of an image-folder task: `root/train/<class>/…` and `root/test/<class>/…`
 * when `root` holds both a `train` and a `test` folder, else {@link imageFolder}(root) split 80/20
 * with seed 42 like the reference's `split_dataset`. With the two folders, the classes (and so the
 * labels) are train/'s; test/ may lack some of them but may hold no others. `split` says which way
 * the sets were made. Sync.
 * @throws ZsclError as {@link imageFolder}; E_FORMAT naming the test/ classes train/ lacks.
 */
export function imageFolderSplits(
  root: string,
  options: ImageFolderOptions = {},
): { train: Dataset; test: Dataset; classNames: string[]; split: 'folders' | 'seeded' } {
  const trainDir = path.join(root, 'train');
  const testDir = path.join(root, 'test');
  if (!(isFolder(trainDir) && isFolder(testDir))) {
    const all = imageFolder(root, options);
    const { train, test } = splitTrainTest(all, { ratio: 0.8, seed: 42 });
    return { train, test, classNames: [...(all.classNames ?? [])], split: 'seeded' };
  }
  const train = imageFolder(trainDir, options);
  const classNames = [...(train.classNames ?? [])];
  const testFolder = imageFolder(testDir, { ...options, allowEmptyClasses: true });
  const index = new Map(classNames.map((name, i) => [name, i]));
  const unknown = (testFolder.classNames ?? []).filter((name) => !index.has(name));
  if (unknown.length > 0) {
    throw new ZsclError(
      `imageFolderSplits: ${testDir} has class folders that ${trainDir} lacks: ${unknown.map((c) => `'${c}'`).join(', ')}. ` +
        'Expected train/<class>/<image>.jpg and test/<class>/<image>.jpg with the same class names (test/ may lack some)',
      'E_FORMAT',
    );
  }
  const testSamples = Array.from({ length: testFolder.length }, (_, i) => {
    const sample = testFolder.sample(i);
    return { ...sample, label: index.get(testFolder.classNames![sample.label])! };
  });
  return { train, test: new ListDataset(testSamples, { classNames, templates: options.templates }), classNames, split: 'folders' };
}

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * What {@link listImages} and {@link listImagesAsync} share; they differ only in how they read a
 * folder. os.walk(followlinks=True) visits every folder once; sorted() orders the visits by path.
 */
class ImageWalk {
  private readonly extensions: string[];
  private readonly folders: { dir: string; files: string[] }[] = [];
  private readonly unreadable: string[] = [];
  private readonly seen = new Set<string>();

  constructor(options: Pick<ImageFolderOptions, 'extensions'>) {
    this.extensions = (options.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase());
  }

  isImage(name: string): boolean {
    const lower = name.toLowerCase();
    return this.extensions.some((e) => lower.endsWith(e));
  }

  /**
   * A folder that could not be listed: skipped and reported, unless it is the scan's top folder.
   * @throws ZsclError E_IO when `top`.
   */
  unlisted(dir: string, top: boolean, error: unknown): void {
    if (top) throw new ZsclError(`cannot list ${dir}: ${(error as Error).message}`, 'E_IO', { cause: error });
    this.unreadable.push(dir);
  }

  /** Whether the folder at real path `real` is new (not reached before, e.g. by a link back up the tree). */
  firstVisit(real: string): boolean {
    if (this.seen.has(real)) return false;
    this.seen.add(real);
    return true;
  }

  addFolder(dir: string, files: string[]): void {
    this.folders.push({ dir, files });
  }

  result(): { files: string[]; unreadable: string[] } {
    this.folders.sort((a, b) => comparePython(a.dir, b.dir));
    return { files: this.folders.flatMap((f) => f.files), unreadable: this.unreadable };
  }

  /** {@link ImageWalk.result}, joining the folders' lists in turns of the event loop (a 1.28 M-file tree). */
  async resultAsync(): Promise<{ files: string[]; unreadable: string[] }> {
    this.folders.sort((a, b) => comparePython(a.dir, b.dir));
    const files = await concatInTurns(this.folders.map((f) => f.files));
    return { files, unreadable: this.unreadable };
  }
}

/**
 * Every image file under `dir` in torchvision's walk order. Sub-folders that cannot be listed are
 * skipped and reported in `unreadable` rather than failing the scan. Sync.
 * @throws ZsclError E_IO when `dir` itself cannot be listed.
 */
export function listImages(dir: string, options: Pick<ImageFolderOptions, 'extensions'> = {}): { files: string[]; unreadable: string[] } {
  const walk = new ImageWalk(options);
  const visit = (current: string, top: boolean) => {
    let real: string;
    let entries: fs.Dirent[];
    try {
      real = fs.realpathSync(current);
      entries = listSorted(current);
    } catch (error) {
      walk.unlisted(current, top, error);
      return;
    }
    if (!walk.firstVisit(real)) return;
    const files: string[] = [];
    for (const entry of entries) {
      if (isDirectoryEntry(current, entry)) visit(path.join(current, entry.name), false);
      else if (walk.isImage(entry.name)) files.push(path.join(current, entry.name));
    }
    walk.addFolder(current, files);
  };
  visit(dir, true);
  return walk.result();
}

/** Folder entries read per batch by {@link listImagesAsync} before it yields to the event loop. */
const SCAN_BATCH = 512;

/**
 * Promise form of {@link listImages} (same files, same order) that keeps the event loop free:
 * folders are read with `fs.promises.opendir` in batches of entries, and links are resolved
 * asynchronously. Async.
 * @throws (rejects) as {@link listImages}.
 */
export async function listImagesAsync(dir: string, options: Pick<ImageFolderOptions, 'extensions'> = {}): Promise<{ files: string[]; unreadable: string[] }> {
  const walk = new ImageWalk(options);
  const isDirectory = async (current: string, entry: fs.Dirent): Promise<boolean> => {
    if (entry.isDirectory()) return true;
    if (!entry.isSymbolicLink()) return false;
    return fs.promises.stat(path.join(current, entry.name)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  };
  const visit = async (current: string, top: boolean): Promise<void> => {
    let real: string;
    const entries: fs.Dirent[] = [];
    try {
      real = await fs.promises.realpath(current);
      const handle = await fs.promises.opendir(current, { bufferSize: SCAN_BATCH });
      let n = 0;
      for await (const entry of handle) {
        entries.push(entry);
        if (++n % SCAN_BATCH === 0) await yieldToLoop();
      }
    } catch (error) {
      walk.unlisted(current, top, error);
      return;
    }
    if (!walk.firstVisit(real)) return;
    entries.sort((a, b) => comparePython(a.name, b.name));
    const files: string[] = [];
    for (const entry of entries) {
      if (await isDirectory(current, entry)) await visit(path.join(current, entry.name), false);
      else if (walk.isImage(entry.name)) files.push(path.join(current, entry.name));
    }
    walk.addFolder(current, files);
  };
  await visit(dir, true);
  return walk.resultAsync();
}
