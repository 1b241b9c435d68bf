/**
 * A minimal, safe reader for the Python pickles of dataset files (CIFAR's `cifar-100-python/train`,
 * …): dicts, lists, tuples, numbers, strings, bytes and numpy arrays. It interprets the pickle
 * opcodes itself (pickle-opcodes.ts) and never runs code: the only globals it accepts are the
 * numpy array/dtype constructors and `_codecs.encode`, which it emulates (pickle-numpy.ts);
 * anything else is refused.
 */
import { PickleMachine } from './pickle-machine';
import { OPCODES, STOP } from './pickle-opcodes';
import type { PickleValue } from './pickle-values';
import { plain } from './pickle-values';

export type { NdArray, PickleValue } from './pickle-values';

/**
 * Reads one pickle from `bytes`; `name` is for messages. Sync.
 * @throws ZsclError E_FORMAT naming `name` for truncated or malformed data, unsupported opcodes,
 *   and any global other than numpy's array constructors.
 */
export function readPickle(bytes: Uint8Array, name: string): PickleValue {
  const m = new PickleMachine(bytes, name);
  for (;;) {
    m.need(1);
    const op = bytes[m.at++];
    if (op === STOP) {
      if (m.stack.length !== 1) m.fail(`stack holds ${m.stack.length} items at STOP`);
      return plain(m.stack[0]);
    }
    const handler = OPCODES.get(op);
    if (!handler) return m.fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    handler(m, op);
  }
}
