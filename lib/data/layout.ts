/**
 * Checks that a dataset's files are where its layout says, with errors that show the layout: a
 * user who points at the wrong folder learns what the right one looks like.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../errors';

/**
 * Throws unless `target` exists as a folder (or file, with `kind: 'file'`). Sync.
 * @throws ZsclError E_IO naming `target` and printing `layout` (lines relative to the dataset root).
 */
export function requirePath(caller: string, target: string, root: string, layout: readonly string[], kind: 'dir' | 'file' = 'dir'): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(target);
  } catch {
    stat = undefined;
  }
  if (stat && (kind === 'dir' ? stat.isDirectory() : stat.isFile())) return;
  const what = stat ? `${target} is not a ${kind === 'dir' ? 'folder' : 'file'}` : `${target} does not exist`;
  throw new ZsclError(`${caller}: ${what}. Expected this layout under ${root}:\n${layout.map((line) => `  ${line}`).join('\n')}`, 'E_IO');
}

/** Python's string order (code points), which differs from JS's UTF-16 order above U+FFFF. */
export function comparePython(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** The names in a folder, sorted as Python's sorted(os.listdir()). Sync. @throws ZsclError E_IO. */
export function listSorted(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => comparePython(a.name, b.name));
  } catch (error) {
    throw new ZsclError(`cannot list ${dir}: ${(error as Error).message}`, 'E_IO', { cause: error });
  }
}

/** True for a folder entry that is a directory or a link to one (os.walk(followlinks=True)). */
export function isDirectoryEntry(dir: string, entry: fs.Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return fs.statSync(path.join(dir, entry.name)).isDirectory();
  } catch {
    return false;
  }
}
