/**
 * A minimal, safe reader for Python pickles: dataset files (CIFAR's `cifar-100-python/train`, …)
 * with dicts, lists, tuples, numbers, strings, bytes and numpy arrays, and the `data.pkl` of
 * torch.save archives (tensors). It interprets the pickle opcodes itself (pickle-opcodes.ts) and
 * never runs code: each kind of file allows a few globals, which are emulated (pickle-numpy.ts,
 * pickle-torch.ts); anything else is refused.
 */
import type { PickleGlobals } from './pickle-machine';
import { PickleMachine } from './pickle-machine';
import { NUMPY_GLOBALS } from './pickle-numpy';
import { OPCODES, STOP } from './pickle-opcodes';
import type { PickleValue } from './pickle-values';
import { plain } from './pickle-values';

export type { NdArray, PickleValue, TorchTensorRef } from './pickle-values';
export type { PickleGlobals } from './pickle-machine';

/**
 * Reads one pickle from `bytes`; `name` is for messages; `globals` says which globals the file may
 * name (default: numpy's array constructors, for dataset files). Sync.
 * @throws ZsclError E_FORMAT naming `name` for truncated or malformed data, unsupported opcodes,
 *   and any global `globals` does not allow (the message names it as `module.name`).
 */
export function readPickle(bytes: Uint8Array, name: string, globals: PickleGlobals = NUMPY_GLOBALS): PickleValue {
  const m = new PickleMachine(bytes, name, globals);
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
