/**
 * Reading a whole file into one buffer. Unlike `fs.readFileSync`, works past 2 GiB (large
 * checkpoints) and gives the buffer its own ArrayBuffer at offset 0, so aligned data inside it can
 * be viewed as typed arrays without copying.
 */
import fs from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { ZsclError } from '../errors';

/** Bytes moved per read call (a single read is capped near 2 GiB). */
const CHUNK_BYTES = 1 << 30;

/**
 * The whole content of `path`. Sync.
 * @throws ZsclError E_IO when the file is missing, unreadable, not a regular file, or too large for
 *   one buffer; the message names the path and the reason.
 */
export function readFileBytes(path: string): Uint8Array {
  return withOpenFile(path, (fd) => {
    const buffer = allocate(path, fs.fstatSync(fd));
    let filled = 0;
    while (filled < buffer.length) {
      const n = fs.readSync(fd, buffer, filled, Math.min(CHUNK_BYTES, buffer.length - filled), filled);
      if (n === 0) throw new ZsclError(`cannot read ${path}: file shrank while being read`, 'E_IO');
      filled += n;
    }
    return buffer;
  });
}

/**
 * The first `length` bytes of `path` (fewer when the file is shorter). Sync.
 * @throws ZsclError E_IO as {@link readFileBytes}.
 */
export function readFileHead(path: string, length: number): Uint8Array {
  return withOpenFile(path, (fd) => {
    if (!fs.fstatSync(fd).isFile()) throw new ZsclError(`cannot read ${path}: not a regular file`, 'E_IO');
    const head = new Uint8Array(length);
    return head.subarray(0, fs.readSync(fd, head, 0, length, 0));
  });
}

/** Runs `use` on `path` opened for reading, closing it after; any failure becomes E_IO naming `path`. */
function withOpenFile<T>(path: string, use: (fd: number) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    throw ioError(path, error);
  }
  try {
    return use(fd);
  } catch (error) {
    throw ioError(path, error);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Promise form of {@link readFileBytes}: the reads run on libuv's thread pool. Async.
 * @throws (rejects) ZsclError E_IO as {@link readFileBytes}.
 */
export async function readFileBytesAsync(path: string): Promise<Uint8Array> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, 'r');
  } catch (error) {
    throw ioError(path, error);
  }
  try {
    const buffer = allocate(path, await handle.stat());
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, Math.min(CHUNK_BYTES, buffer.length - filled), filled);
      if (bytesRead === 0) throw new ZsclError(`cannot read ${path}: file shrank while being read`, 'E_IO');
      filled += bytesRead;
    }
    return buffer;
  } catch (error) {
    throw ioError(path, error);
  } finally {
    await handle.close();
  }
}

function allocate(path: string, stat: fs.Stats): Uint8Array {
  if (!stat.isFile()) throw new ZsclError(`cannot read ${path}: not a regular file`, 'E_IO');
  if (stat.size > bufferConstants.MAX_LENGTH) {
    throw new ZsclError(`cannot read ${path}: ${stat.size} bytes is more than one buffer can hold (${bufferConstants.MAX_LENGTH})`, 'E_IO');
  }
  // allocUnsafeSlow: a fresh ArrayBuffer (never the shared pool), so byteOffset is 0. Every byte is
  // overwritten by the reads before it is returned.
  return new Uint8Array(Buffer.allocUnsafeSlow(stat.size).buffer, 0, stat.size);
}

/** Wraps a Node error as E_IO naming the path; ZsclErrors pass through. */
function ioError(path: string, error: unknown): ZsclError {
  if (error instanceof ZsclError) return error;
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  return new ZsclError(`cannot read ${path}: ${reason}`, 'E_IO', { cause: error });
}
