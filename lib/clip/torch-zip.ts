/**
 * The records of a zip archive held in memory, as torch.save and TorchScript write them (stored,
 * ZIP64 where large; deflated records are inflated too). Only the central directory is trusted for
 * sizes; every offset is bounds-checked.
 */
import zlib from 'node:zlib';
import { ZsclError } from '../errors';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

/** A record's bytes by name (views into the archive for stored records). */
export type ZipRecords = Map<string, () => Uint8Array>;

/**
 * The records of the zip in `bytes`; each is read on first call. `name` is for messages. Sync.
 * @throws ZsclError E_FORMAT naming `name` for anything malformed or unsupported.
 */
export function readZipRecords(bytes: Uint8Array, name: string): ZipRecords {
  const fail = (why: string): never => {
    throw new ZsclError(`zip archive ${name}: ${why}`, 'E_FORMAT');
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, true) : fail('truncated'));
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, true) : fail('truncated'));
  const u64 = (at: number) => (at + 8 <= bytes.length ? Number(view.getBigUint64(at, true)) : fail('truncated'));

  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) fail('no end-of-central-directory record');
  let count = u16(end + 10);
  let directory = u32(end + 16);
  if (directory === U32_MAX || count === 0xffff) {
    const locator = end - 20;
    if (locator < 0 || u32(locator) !== ZIP64_LOCATOR) fail('ZIP64 sizes without a ZIP64 locator');
    const record = u64(locator + 8);
    if (u32(record) !== ZIP64_EOCD) fail('missing ZIP64 end-of-central-directory record');
    count = u64(record + 32);
    directory = u64(record + 48);
  }

  const records: ZipRecords = new Map();
  let at = directory;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== CENTRAL) fail(`central directory entry ${i} is malformed`);
    const method = u16(at + 10);
    let compressed = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let local = u32(at + 42);
    if (at + 46 + nameLength > bytes.length) fail('truncated central directory');
    const recordName = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // ZIP64 extra field: the 64-bit values of exactly the fields that read 0xFFFFFFFF, in order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; e += 4 + u16(e + 2)) {
      if (u16(e) !== 0x0001) continue;
      let field = e + 4;
      const next = () => {
        const value = u64(field);
        field += 8;
        return value;
      };
      if (size === U32_MAX) size = next();
      if (compressed === U32_MAX) compressed = next();
      if (local === U32_MAX) local = next();
    }
    at += 46 + nameLength + extraLength + commentLength;
    records.set(recordName, () => {
      if (u32(local) !== LOCAL) fail(`record ${recordName} has no local header`);
      const start = local + 30 + u16(local + 26) + u16(local + 28);
      if (start + compressed > bytes.length) fail(`record ${recordName} runs past the end of the file`);
      const data = bytes.subarray(start, start + compressed);
      if (method === 0) return data;
      if (method === 8) return new Uint8Array(zlib.inflateRawSync(data));
      return fail(`record ${recordName} uses compression method ${method} (only stored and deflated are supported)`);
    });
  }
  return records;
}
