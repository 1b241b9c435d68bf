/**
 * Tensors read from byte ranges of an open file without blocking the event loop. The bytes come
 * through libuv's thread pool into one small reused buffer; each chunk is copied into native
 * memory on the main thread (a short copy) and placed into the tensor by an async copy on the
 * addon's worker threads. A whole checkpoint never lives in a JS buffer, so neither a long copy
 * nor the garbage collector's work on a huge buffer stalls the loop.
 */
import type fs from 'node:fs';
import { ZsclError } from '../errors';
import { native } from '../native';
import { empty, fromBytes } from '../tensor/create';
import type { DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';

/** Bytes moved per read and per main-thread copy: about a millisecond of work. */
export const CHUNK_BYTES = 1 << 20;

/** A tensor's row-major little-endian elements, `byteLength` bytes at `position` in the file. */
export interface FileRange {
  position: number;
  byteLength: number;
  shape: number[];
  dtype: DType;
}

/** Checks a chunk of a tensor's bytes (starting `at` bytes into the tensor) before it is used; throws to refuse it. */
export type ChunkCheck = (chunk: Uint8Array, at: number) => void;

/** Reads tensors out of one open file; `name` is for messages. */
export class FileTensorReader {
  private readonly buffer = new Uint8Array(CHUNK_BYTES);

  constructor(
    private readonly file: fs.promises.FileHandle,
    private readonly name: string,
  ) {}

  /**
   * The tensor stored at `range`. Async; the caller owns (disposes) it.
   * @throws (rejects) ZsclError E_IO when the file cannot be read or ends early; what `check` throws.
   */
  async tensor(range: FileRange, check?: ChunkCheck): Promise<Tensor> {
    const count = range.shape.reduce((a, b) => a * b, 1);
    if (range.byteLength <= CHUNK_BYTES || count === 0) {
      const bytes = await this.read(range.position, range.byteLength);
      check?.(bytes, 0);
      return fromBytes(bytes, range.shape, range.dtype);
    }
    const elementBytes = range.byteLength / count;
    const perChunk = Math.floor(CHUNK_BYTES / elementBytes);
    const target = empty(range.shape, { dtype: range.dtype });
    try {
      const flat = target.reshape([count]);
      try {
        for (let start = 0; start < count; start += perChunk) {
          const n = Math.min(perChunk, count - start);
          const bytes = await this.read(range.position + start * elementBytes, n * elementBytes);
          check?.(bytes, start * elementBytes);
          const chunk = fromBytes(bytes, [n], range.dtype);
          const part = flat.slice(0, start, start + n);
          try {
            await native().opAsync('copy_', part.handle, chunk.handle);
          } finally {
            part.dispose();
            chunk.dispose();
          }
        }
      } finally {
        flat.dispose();
      }
      return target;
    } catch (error) {
      target.dispose();
      throw error;
    }
  }

  /**
   * `length` bytes at `position` in a new buffer (for headers and other small parts). Async.
   * @throws (rejects) ZsclError E_IO as {@link FileTensorReader.tensor}.
   */
  async bytes(position: number, length: number): Promise<Uint8Array> {
    return this.fill(new Uint8Array(length), position);
  }

  /** `length` (≤ {@link CHUNK_BYTES}) bytes at `position`, in the reused buffer: valid until the next read. */
  private read(position: number, length: number): Promise<Uint8Array> {
    return this.fill(this.buffer.subarray(0, length), position);
  }

  private async fill(into: Uint8Array, position: number): Promise<Uint8Array> {
    const length = into.length;
    let filled = 0;
    while (filled < length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.file.read(into, filled, length - filled, position + filled));
      } catch (error) {
        throw new ZsclError(`cannot read ${this.name}: ${(error as Error).message}`, 'E_IO', { cause: error });
      }
      if (bytesRead === 0)
        throw new ZsclError(`cannot read ${this.name}: the file ends at byte ${position + filled}, before the ${length} bytes read at ${position}`, 'E_IO');
      filled += bytesRead;
    }
    return into;
  }
}
