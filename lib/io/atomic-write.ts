/**
 * Writing a file so that readers see either the old content or the complete new content, never a
 * partial file: write a temporary file in the same folder, fsync it, rename it over the target
 * (atomic within one file system), then fsync the folder so the rename itself survives a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ZsclError } from '../errors';

/**
 * Replaces `target` with the concatenation of `chunks`, atomically. Sync.
 * On failure the temporary file is removed and any existing `target` is left untouched.
 * @throws ZsclError E_IO naming the path and the reason (missing folder, permissions, disk full, …).
 */
export function writeFileAtomic(target: string, chunks: readonly Uint8Array[]): void {
  const temp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', 0o666);
    for (const chunk of chunks) {
      let written = 0;
      while (written < chunk.length) written += fs.writeSync(fd, chunk, written, chunk.length - written);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeQuietly(fd);
    fs.rmSync(temp, { force: true });
    throw writeError(target, error);
  }
  syncFolder(path.dirname(target));
}

/**
 * Promise form of {@link writeFileAtomic}; writes run on libuv's thread pool. Async.
 * @throws (rejects) ZsclError E_IO as {@link writeFileAtomic}.
 */
export async function writeFileAtomicAsync(target: string, chunks: readonly Uint8Array[]): Promise<void> {
  const temp = tempPathFor(target);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(temp, 'wx', 0o666);
    for (const chunk of chunks) {
      let written = 0;
      while (written < chunk.length) written += (await handle.write(chunk, written, chunk.length - written)).bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.promises.rename(temp, target);
  } catch (error) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true });
    throw writeError(target, error);
  }
  syncFolder(path.dirname(target));
}

/** A unique hidden name beside the target (same folder, hence same file system for the rename). */
function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Closing after a failed write; the first error is the one worth reporting. */
function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already reporting the write failure
  }
}

/** Makes the rename durable. Some platforms (Windows) cannot open or fsync a folder; skip there. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort: the file content itself is already synced
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function writeError(target: string, error: unknown): ZsclError {
  if (error instanceof ZsclError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'the folder does not exist' : (error as Error).message;
  return new ZsclError(`cannot write ${target}: ${reason}`, 'E_IO', { cause: error });
}
