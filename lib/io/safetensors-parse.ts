/**
 * Parsing and validating safetensors bytes. Follows the reference implementation
 * (huggingface/safetensors `read_metadata` + `Metadata::validate`): a u64 header length of at most
 * 100 MB, a UTF-8 JSON object header, and tensors whose byte ranges cover the data section exactly,
 * in some order, without holes, overlaps or trailing bytes. Stricter than the reference in two
 * ways: repeated keys are rejected (the reference keeps the last) and BOOL bytes must be 0 or 1.
 * Nothing in a file is ever executed.
 */
import { ZsclError, argumentError, describeValue } from '../errors';
import type { ErrorCode } from '../errors';
import { findDuplicateKey } from './json-duplicate-keys';
import type { SafetensorsDType } from './safetensors-dtypes';
import { SAFETENSORS_DTYPES, elementSize, isSafetensorsDType, isUnsupportedSafetensorsDType } from './safetensors-dtypes';

/** Largest header accepted, as in the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The reserved header key holding string metadata. */
export const METADATA_KEY = '__metadata__';

/** One tensor of a safetensors file. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  /** Sizes of each dimension; `[]` for a 0-dim tensor. */
  shape: number[];
  /** The raw little-endian elements, row-major: a view into the file's buffer, not a copy. */
  bytes: Uint8Array;
}

/** A parsed, validated safetensors file. */
export interface SafetensorsFile {
  /** The path or name the file was read from (used in error messages). */
  source: string;
  /** The `__metadata__` strings; empty when the file has none. */
  metadata: Record<string, string>;
  /** The tensors by name, in the order their data appears in the file. */
  tensors: Map<string, SafetensorsEntry>;
}

interface Placed extends SafetensorsEntry {
  begin: number;
  end: number;
}

/** Bytes of the little-endian u64 that starts a file: the header length. */
export const HEADER_LENGTH_BYTES = 8;

/**
 * Parses and validates a whole safetensors file held in memory. Sync. Entries view `buffer`
 * (zero-copy), so keep it unchanged while they are used.
 * @param name how error messages name the data (a path, or `<buffer>`).
 * @throws ZsclError E_FORMAT for malformed content (the message names `name` and the problem),
 *   E_DTYPE for a dtype the format defines but zscl does not support (I8, U16, F8_E4M3, …),
 *   E_ARG when `buffer` is not a Uint8Array.
 */
export function parseSafetensors(buffer: Uint8Array, name = '<buffer>'): SafetensorsFile {
  if (!(buffer instanceof Uint8Array)) {
    throw argumentError('parseSafetensors', 'a Uint8Array', buffer);
  }
  const fail = failFor(name);
  const headerLength = checkHeaderLength(buffer, buffer.length, fail);
  const dataStart = HEADER_LENGTH_BYTES + headerLength;
  const { metadata, placed } = placeTensors(buffer.subarray(HEADER_LENGTH_BYTES, dataStart), buffer.subarray(dataStart), fail);
  return {
    source: name,
    metadata,
    tensors: new Map(placed.map(({ name: tensorName, dtype, shape, bytes }) => [tensorName, { name: tensorName, dtype, shape, bytes }])),
  };
}

/** A tensor of a safetensors file whose data has not been read: its bytes lie at `[begin, end)` of the file. */
export interface SafetensorsPlacement {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** A safetensors file's header, validated against the file's length, without its data. */
export interface SafetensorsLayout {
  metadata: Record<string, string>;
  /** The tensors in the order their data appears in the file; BOOL data is checked with {@link checkBoolChunk} as it is read. */
  tensors: SafetensorsPlacement[];
}

/**
 * The header length a file's first 8 bytes declare, checked against the file's length. Sync.
 * @throws ZsclError E_FORMAT as {@link parseSafetensors}.
 */
export function safetensorsHeaderLength(first: Uint8Array, fileLength: number, name: string): number {
  return checkHeaderLength(first, fileLength, failFor(name));
}

/**
 * Validates a header (`header`: the bytes after the 8-byte length) for a file of `fileLength` bytes,
 * as {@link parseSafetensors} does except for BOOL values, which need the data. Sync.
 * @throws ZsclError E_FORMAT / E_DTYPE as {@link parseSafetensors}.
 */
export function parseSafetensorsHeader(header: Uint8Array, fileLength: number, name: string): SafetensorsLayout {
  const dataStart = HEADER_LENGTH_BYTES + header.length;
  const { metadata, placed } = placeTensors(header, { length: fileLength - dataStart }, failFor(name));
  return {
    metadata,
    tensors: placed.map(({ name: tensorName, dtype, shape, begin, end }) => ({
      name: tensorName,
      dtype,
      shape,
      begin: dataStart + begin,
      end: dataStart + end,
    })),
  };
}

/**
 * Refuses BOOL data other than 0/1 in a chunk that starts `at` bytes into tensor `tensorName`. Sync.
 * @throws ZsclError E_FORMAT as {@link parseSafetensors}.
 */
export function checkBoolChunk(chunk: Uint8Array, at: number, tensorName: string, name: string): void {
  checkBool(chunk, at, `tensor ${quote(tensorName)}`, failFor(name));
}

const failFor =
  (name: string) =>
  (problem: string, code: ErrorCode = 'E_FORMAT') =>
    new ZsclError(`safetensors file ${name}: ${problem}`, code);

function checkHeaderLength(first: Uint8Array, fileLength: number, fail: Fail): number {
  if (fileLength < HEADER_LENGTH_BYTES) {
    throw fail(`is ${fileLength} bytes long, too short for the 8-byte header length`);
  }
  const declared = new DataView(first.buffer, first.byteOffset, HEADER_LENGTH_BYTES).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw fail(`header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declared);
  if (headerLength > fileLength - HEADER_LENGTH_BYTES) {
    throw fail(`header length ${headerLength} runs past the end of the file (${fileLength} bytes)`);
  }
  if (headerLength === 0) throw fail('header is empty (length 0); expected a JSON object');
  return headerLength;
}

/** The header's metadata and tensors, sorted by place and checked to tile the data section; BOOL bytes are checked when `data` holds them. */
function placeTensors(headerBytes: Uint8Array, data: Uint8Array | { length: number }, fail: Fail): { metadata: Record<string, string>; placed: Placed[] } {
  const header = decodeHeader(headerBytes, fail);
  let metadata: Record<string, string> = {};
  const placed: Placed[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === METADATA_KEY) metadata = checkMetadata(value, fail);
    else placed.push(checkEntry(key, value, data, fail));
  }
  placed.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkLayout(placed, data.length, fail);
  return { metadata, placed };
}

type Fail = (problem: string, code?: ErrorCode) => ZsclError;

/** UTF-8 → JSON → plain object with no repeated keys. */
function decodeHeader(bytes: Uint8Array, fail: Fail): Record<string, unknown> {
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, so JSON.parse rejects it as the reference does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw fail(`header must be a JSON object but is ${describeValue(header)}`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    const where = duplicate.path.length === 0 ? 'tensor name' : `key inside ${duplicate.path.map(quote).join(' → ')}`;
    throw fail(`duplicate ${where} ${quote(duplicate.key)} in the header`);
  }
  return header as Record<string, unknown>;
}

function checkMetadata(value: unknown, fail: Fail): Record<string, string> {
  // The reference reads `__metadata__` as Option<map>, so null means "none".
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw fail(`${METADATA_KEY} must be an object of strings but is ${describeValue(value)}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw fail(`${METADATA_KEY} value for ${quote(key)} must be a string but is ${describeValue(item)}`);
    }
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function checkEntry(name: string, value: unknown, data: Uint8Array | { length: number }, fail: Fail): Placed {
  const tensor = `tensor ${quote(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(`${tensor} must be an object with dtype, shape and data_offsets but is ${describeValue(value)}`);
  }
  const info = value as Record<string, unknown>;

  const dtype = info.dtype;
  if (!isSafetensorsDType(dtype)) {
    if (typeof dtype === 'string' && isUnsupportedSafetensorsDType(dtype)) {
      throw fail(`${tensor} has dtype ${dtype}, which zscl does not support (supported: ${SAFETENSORS_DTYPES.join(', ')})`, 'E_DTYPE');
    }
    throw fail(`${tensor} has unknown dtype ${describeValue(dtype)}; expected one of ${SAFETENSORS_DTYPES.join(', ')}`);
  }

  const shape = info.shape;
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail(`${tensor} shape must be an array of non-negative integers but is ${show(shape)}`);
  }

  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`${tensor} data_offsets must be [begin, end] with non-negative integers but is ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw fail(`${tensor} data_offsets [${begin}, ${end}] have begin > end`);
  if (end > data.length) {
    throw fail(`${tensor} data_offsets [${begin}, ${end}] run past the end of the data section (${data.length} bytes)`);
  }

  // BigInt: a hostile shape can overflow a double long before it overflows the check.
  const needed = (shape as number[]).reduce((product, size) => product * BigInt(size), 1n) * BigInt(elementSize(dtype));
  if (needed !== BigInt(end - begin)) {
    throw fail(`${tensor} has ${end - begin} bytes (data_offsets [${begin}, ${end}]) but ${dtype} shape [${shape.join(', ')}] needs ${needed}`);
  }

  const bytes = data instanceof Uint8Array ? data.subarray(begin, end) : new Uint8Array(0);
  if (dtype === 'BOOL' && data instanceof Uint8Array) checkBool(bytes, 0, tensor, fail);
  return { name, dtype, shape: [...(shape as number[])], bytes, begin, end };
}

function checkBool(bytes: Uint8Array, at: number, tensor: string, fail: Fail): void {
  const bad = bytes.findIndex((byte) => byte > 1);
  if (bad >= 0) throw fail(`${tensor} (BOOL) holds byte value ${bytes[bad]} at element ${at + bad}; expected 0 or 1`);
}

/**
 * The data section must be tiled by the tensors' ranges, given sorted by (begin, end): no holes,
 * no overlaps, no trailing bytes.
 */
function checkLayout(ordered: Placed[], dataLength: number, fail: Fail): void {
  let covered = 0;
  let previous: Placed | undefined;
  for (const entry of ordered) {
    if (entry.begin < covered && previous !== undefined) {
      throw fail(
        `tensor ${quote(entry.name)} data_offsets [${entry.begin}, ${entry.end}] overlap tensor ${quote(previous.name)} [${previous.begin}, ${previous.end}]`,
      );
    }
    if (entry.begin > covered) {
      throw fail(`data bytes [${covered}, ${entry.begin}) belong to no tensor; tensors must cover the data section without holes`);
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    throw fail(`${dataLength - covered} trailing bytes after the last tensor (data section is ${dataLength} bytes, tensors cover ${covered})`);
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** A name in quotes, cut short if a hostile file makes it huge. */
function quote(name: string): string {
  return `'${name.length > 80 ? name.slice(0, 80) + '…' : name}'`;
}

/** A JSON value as it appeared, cut short. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? text.slice(0, 80) + '…' : text;
}
