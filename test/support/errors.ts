/** Predicates for assert.throws / assert.rejects on zscl's coded errors. */
import type { ZsclError } from '../../lib';

/** Matches a ZsclError with `code` whose message contains every one of `words`. */
export const coded =
  (code: string, ...words: string[]) =>
  (error: ZsclError): boolean =>
    error.code === code && words.every((word) => error.message.includes(word));
