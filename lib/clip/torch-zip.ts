/**
 * The records of a zip archive, as torch.save and TorchScript write them (stored, ZIP64 where
 * large; deflated records are inflated too): from an archive held in memory, or read from an open
 * file a record at a time without holding the archive. Only the central directory is trusted for
 * sizes; every offset is bounds-checked.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ZsclError } from '../errors';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;
const EOCD_BYTES = 22;
const LOCATOR_BYTES = 20;
const ZIP64_EOCD_BYTES = 56;
const LOCAL_BYTES = 30;
/** The end of an archive that holds its end-of-directory records (the EOCD comes last, after a comment of up to 64 KiB). */
const TAIL_BYTES = EOCD_BYTES + 0xffff + LOCATOR_BYTES + ZIP64_EOCD_BYTES;

const inflateRaw = promisify(zlib.inflateRaw);

/** A record's bytes by name (views into the archive for stored records). */
export type ZipRecords = Map<string, () => Uint8Array>;

/** One central-directory entry: where a record's local header is and how its data is stored. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressed: number;
  size: number;
  local: number;
}

/** Bytes of the archive starting at file offset `start`. */
interface Window {
  bytes: Uint8Array;
  start: number;
}

type Fail = (why: string) => never;

function failFor(name: string): Fail {
  return (why: string): never => {
    throw new ZsclError(`zip archive ${name}: ${why}`, 'E_FORMAT');
  };
}

/** Little-endian reads at file offsets inside `w`; anything outside it is "truncated". */
function reader(w: Window, fail: Fail) {
  const view = new DataView(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength);
  const inside = (at: number, n: number) => (at >= w.start && at + n <= w.start + w.bytes.length ? at - w.start : fail('truncated'));
  return {
    u16: (at: number) => view.getUint16(inside(at, 2), true),
    u32: (at: number) => view.getUint32(inside(at, 4), true),
    u64: (at: number) => Number(view.getBigUint64(inside(at, 8), true)),
    has: (at: number, n: number) => at >= w.start && at + n <= w.start + w.bytes.length,
  };
}

/** Where the central directory is, from the archive's last bytes (`tail`, ending at the file's end). */
function findDirectory(tail: Window, fileLength: number, fail: Fail): { count: number; offset: number; size: number } | { zip64At: number } {
  const r = reader(tail, fail);
  let end = -1;
  for (let at = fileLength - EOCD_BYTES; at >= Math.max(tail.start, fileLength - EOCD_BYTES - 0xffff); at--) {
    if (r.u32(at) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) fail('no end-of-central-directory record');
  const count = r.u16(end + 10);
  const size = r.u32(end + 12);
  const offset = r.u32(end + 16);
  if (offset !== U32_MAX && count !== 0xffff && size !== U32_MAX) return { count, offset, size };
  const locator = end - LOCATOR_BYTES;
  if (locator < 0 || !r.has(locator, LOCATOR_BYTES) || r.u32(locator) !== ZIP64_LOCATOR) fail('ZIP64 sizes without a ZIP64 locator');
  return { zip64At: r.u64(locator + 8) };
}

/** The directory's place from a ZIP64 end-of-central-directory record (`w` holds it at `at`). */
function readZip64Record(w: Window, at: number, fail: Fail): { count: number; offset: number; size: number } {
  const r = reader(w, fail);
  if (r.u32(at) !== ZIP64_EOCD) fail('missing ZIP64 end-of-central-directory record');
  return { count: r.u64(at + 32), size: r.u64(at + 40), offset: r.u64(at + 48) };
}

/** The `count` entries of the central directory held in `w` (which starts at the directory). */
function readDirectory(w: Window, count: number, fail: Fail): ZipEntry[] {
  const r = reader(w, fail);
  const entries: ZipEntry[] = [];
  let at = w.start;
  for (let i = 0; i < count; i++) {
    if (r.u32(at) !== CENTRAL) fail(`central directory entry ${i} is malformed`);
    const method = r.u16(at + 10);
    let compressed = r.u32(at + 20);
    let size = r.u32(at + 24);
    const nameLength = r.u16(at + 28);
    const extraLength = r.u16(at + 30);
    const commentLength = r.u16(at + 32);
    let local = r.u32(at + 42);
    if (!r.has(at + 46, nameLength)) fail('truncated central directory');
    const nameStart = at + 46 - w.start;
    const name = new TextDecoder().decode(w.bytes.subarray(nameStart, nameStart + nameLength));
    // ZIP64 extra field: the 64-bit values of exactly the fields that read 0xFFFFFFFF, in order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; e += 4 + r.u16(e + 2)) {
      if (r.u16(e) !== 0x0001) continue;
      let field = e + 4;
      const next = () => {
        const value = r.u64(field);
        field += 8;
        return value;
      };
      if (size === U32_MAX) size = next();
      if (compressed === U32_MAX) compressed = next();
      if (local === U32_MAX) local = next();
    }
    at += 46 + nameLength + extraLength + commentLength;
    entries.push({ name, method, compressed, size, local });
  }
  return entries;
}

/** Where `entry`'s data starts, from its local header (`w` holds it). */
function dataStart(w: Window, entry: ZipEntry, fileLength: number, fail: Fail): number {
  const r = reader(w, fail);
  if (!r.has(entry.local, LOCAL_BYTES) || r.u32(entry.local) !== LOCAL) fail(`record ${entry.name} has no local header`);
  const start = entry.local + LOCAL_BYTES + r.u16(entry.local + 26) + r.u16(entry.local + 28);
  if (start + entry.compressed > fileLength) fail(`record ${entry.name} runs past the end of the file`);
  return start;
}

function checkMethod(entry: ZipEntry, fail: Fail): void {
  if (entry.method !== 0 && entry.method !== 8) {
    fail(`record ${entry.name} uses compression method ${entry.method} (only stored and deflated are supported)`);
  }
}

/**
 * The records of the zip in `bytes`; each is read on first call. `name` is for messages. Sync.
 * @throws ZsclError E_FORMAT naming `name` for anything malformed or unsupported.
 */
export function readZipRecords(bytes: Uint8Array, name: string): ZipRecords {
  const fail = failFor(name);
  const whole: Window = { bytes, start: 0 };
  let place = findDirectory(whole, bytes.length, fail);
  if ('zip64At' in place) place = readZip64Record(whole, place.zip64At, fail);
  const records: ZipRecords = new Map();
  for (const entry of readDirectory({ bytes: bytes.subarray(Math.min(place.offset, bytes.length)), start: place.offset }, place.count, fail)) {
    records.set(entry.name, () => {
      const start = dataStart(whole, entry, bytes.length, fail);
      const data = bytes.subarray(start, start + entry.compressed);
      checkMethod(entry, fail);
      return entry.method === 0 ? data : new Uint8Array(zlib.inflateRawSync(data));
    });
  }
  return records;
}

/**
 * The record names of the zip archive at `path`, reading only its end records and central
 * directory (enough to tell a TorchScript archive, which libtorch then reads itself). Sync.
 * @throws ZsclError E_FORMAT naming `path` for anything malformed; E_IO when reading fails.
 */
export function zipRecordNames(path: string): string[] {
  const fail = failFor(path);
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    const length = fs.fstatSync(fd).size;
    const read = (start: number, n: number): Window => {
      const bytes = new Uint8Array(n);
      return { bytes: bytes.subarray(0, fs.readSync(fd!, bytes, 0, n, start)), start };
    };
    const tailStart = Math.max(0, length - TAIL_BYTES);
    let place = findDirectory(read(tailStart, length - tailStart), length, fail);
    if ('zip64At' in place) place = readZip64Record(read(place.zip64At, ZIP64_EOCD_BYTES), place.zip64At, fail);
    if (place.offset > length) fail('truncated');
    return readDirectory(read(place.offset, Math.min(place.size, length - place.offset)), place.count, fail).map((e) => e.name);
  } catch (error) {
    if (error instanceof ZsclError) throw error;
    throw new ZsclError(`cannot read ${path}: ${(error as Error).message}`, 'E_IO', { cause: error });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * A zip archive read from an open file a record at a time: only the end records and the central
 * directory are read on opening; records are read (on libuv's thread pool) when asked for.
 */
export class ZipFile {
  private constructor(
    private readonly file: fs.promises.FileHandle,
    private readonly length: number,
    private readonly name: string,
    private readonly fail: Fail,
    /** The records by name. */
    readonly entries: Map<string, ZipEntry>,
  ) {}

  /**
   * Reads the directory of the archive open as `file` (`length` bytes); `name` is for messages. Async.
   * @throws (rejects) ZsclError E_FORMAT naming `name` for anything malformed; E_IO when reading fails.
   */
  static async open(file: fs.promises.FileHandle, length: number, name: string): Promise<ZipFile> {
    const fail = failFor(name);
    const read = (start: number, n: number) => readWindow(file, start, n, name);
    const tailStart = Math.max(0, length - TAIL_BYTES);
    let place = findDirectory(await read(tailStart, length - tailStart), length, fail);
    if ('zip64At' in place) place = readZip64Record(await read(place.zip64At, ZIP64_EOCD_BYTES), place.zip64At, fail);
    if (place.offset > length) fail('truncated');
    const directory = await read(place.offset, Math.min(place.size, length - place.offset));
    const entries = readDirectory(directory, place.count, fail);
    return new ZipFile(file, length, name, fail, new Map(entries.map((e) => [e.name, e])));
  }

  /**
   * Where a stored record's bytes lie in the file, or undefined for a deflated one (read it whole
   * with {@link ZipFile.record}). Async.
   */
  async storedRange(entry: ZipEntry): Promise<{ position: number; length: number } | undefined> {
    checkMethod(entry, this.fail);
    if (entry.method !== 0) return undefined;
    return { position: await this.dataStart(entry), length: entry.compressed };
  }

  /** A record's bytes (inflated when deflated). Async. */
  async record(entry: ZipEntry): Promise<Uint8Array> {
    checkMethod(entry, this.fail);
    const start = await this.dataStart(entry);
    const data = (await readWindow(this.file, start, entry.compressed, this.name)).bytes;
    return entry.method === 0 ? data : new Uint8Array(await inflateRaw(data));
  }

  private async dataStart(entry: ZipEntry): Promise<number> {
    if (entry.local + LOCAL_BYTES > this.length) this.fail(`record ${entry.name} has no local header`);
    return dataStart(await readWindow(this.file, entry.local, LOCAL_BYTES, this.name), entry, this.length, this.fail);
  }
}

/** `n` bytes at `start` (fewer at the file's end). */
async function readWindow(file: fs.promises.FileHandle, start: number, n: number, name: string): Promise<Window> {
  const bytes = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await file.read(bytes, filled, n - filled, start + filled));
    } catch (error) {
      throw new ZsclError(`cannot read ${name}: ${(error as Error).message}`, 'E_IO', { cause: error });
    }
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return { bytes: bytes.subarray(0, filled), start };
}
