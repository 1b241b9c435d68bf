/**
 * The one way zscl reads a JSON file: a missing or unreadable file is E_IO, text that is not JSON
 * is E_FORMAT (or the caller's code), and with a schema the content is checked and typed, every
 * error naming the file and the JSON path of the bad value.
 */
import fs from 'node:fs';
import type { z } from 'zod';
import type { ErrorCode } from '../errors';
import { ZsclError } from '../errors';
import { checkWithSchema } from './schema-check';

/** How to name and code a JSON file's errors. */
export interface JsonFileOptions {
  /** What the file is, named before its path in messages ("config", "run state"); default nothing. */
  what?: string;
  /** Code of "not JSON" and schema errors; default E_FORMAT. */
  code?: ErrorCode;
}

function readError(what: string, error: unknown): ZsclError {
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  return new ZsclError(`cannot read ${what}: ${reason}`, 'E_IO', { cause: error });
}

function parse(text: string, what: string, code: ErrorCode): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ZsclError(`${what} is not valid JSON: ${(error as Error).message}`, code, { cause: error });
  }
}

/**
 * The parsed content of a JSON file, checked against `schema` when given. Sync.
 * @throws ZsclError E_IO when the file cannot be read; `options.code` (default E_FORMAT) when it is
 *   not JSON or does not match the schema.
 */
export function readJsonFile(file: string, options?: JsonFileOptions): unknown;
export function readJsonFile<S extends z.ZodType>(file: string, options: JsonFileOptions & { schema: S }): z.output<S>;
export function readJsonFile(file: string, options: JsonFileOptions & { schema?: z.ZodType } = {}): unknown {
  const what = options.what === undefined ? file : `${options.what} ${file}`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw readError(what, error);
  }
  return checked(parse(text, what, options.code ?? 'E_FORMAT'), what, options);
}

/**
 * Promise form of {@link readJsonFile}: the read runs on libuv's thread pool. Async.
 * @throws (rejects) ZsclError as {@link readJsonFile}.
 */
export async function readJsonFileAsync(file: string, options?: JsonFileOptions): Promise<unknown>;
export async function readJsonFileAsync<S extends z.ZodType>(file: string, options: JsonFileOptions & { schema: S }): Promise<z.output<S>>;
export async function readJsonFileAsync(file: string, options: JsonFileOptions & { schema?: z.ZodType } = {}): Promise<unknown> {
  const what = options.what === undefined ? file : `${options.what} ${file}`;
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    throw readError(what, error);
  }
  return checked(parse(text, what, options.code ?? 'E_FORMAT'), what, options);
}

function checked(json: unknown, what: string, options: JsonFileOptions & { schema?: z.ZodType }): unknown {
  return options.schema ? checkWithSchema(options.schema, json, { source: what, code: options.code ?? 'E_FORMAT' }) : json;
}
