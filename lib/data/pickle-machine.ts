/**
 * The state of one unpickling: the input cursor (with bounds-checked reads that fail naming the
 * file and byte), the stack and the memo. The opcodes (pickle-opcodes.ts) act on it.
 */
import { ZsclError } from '../errors';
import type { Global, Item, PickleValue } from './pickle-values';
import { Mark, plain } from './pickle-values';

/** Throws E_FORMAT naming the file and the byte where the machine stopped. */
export type Fail = (why: string) => never;

/**
 * What one kind of pickle may name and call. Globals are the only way a pickle reaches code, so
 * each reader allows a short list and emulates those itself (pickle-numpy.ts for dataset files,
 * pickle-torch.ts for torch.save archives); nothing in a file is ever run.
 */
export interface PickleGlobals {
  /** GLOBAL, STACK_GLOBAL, INST: an allowed global, else a failure naming `module.name`. */
  global(qualified: string, fail: Fail): Global;
  /** REDUCE, INST, OBJ: the emulated call of an allowed global on its arguments. */
  reduce(name: string, args: Item[], fail: Fail): Item;
  /** BUILD: sets the state of an object the reader made (anything else is refused). */
  build(target: Item, state: Item, fail: Fail): void;
  /** PERSID, BINPERSID: what a persistent id stands for; absent where a file has none. */
  persistentLoad?(pid: Item, fail: Fail): Item;
}

export class PickleMachine {
  readonly stack: Item[] = [];
  readonly memo = new Map<number, Item>();
  /** The offset of the next byte to read. */
  at = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly name: string,
    readonly globals: PickleGlobals,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throws E_FORMAT naming the file and the current byte. */
  readonly fail: Fail = (why: string): never => {
    throw new ZsclError(`readPickle: ${this.name}: ${why} (at byte ${this.at})`, 'E_FORMAT');
  };

  need(n: number): void {
    if (this.at + n > this.bytes.length) this.fail('unexpected end of data');
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  byte(): number {
    return this.take(1)[0];
  }

  /** A newline-terminated text argument (the protocol 0 opcodes). */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.at);
    if (end < 0) this.fail('unterminated text argument');
    const out = String.fromCharCode(...this.bytes.subarray(this.at, end));
    this.at = end + 1;
    return out;
  }

  uint16(): number {
    this.need(2);
    const n = this.view.getUint16(this.at, true);
    this.at += 2;
    return n;
  }

  int32(): number {
    this.need(4);
    const n = this.view.getInt32(this.at, true);
    this.at += 4;
    return n;
  }

  length32(): number {
    this.need(4);
    const n = this.view.getUint32(this.at, true);
    this.at += 4;
    return n;
  }

  length64(): number {
    this.need(8);
    const n = Number(this.view.getBigUint64(this.at, true));
    this.at += 8;
    return n;
  }

  /** BINFLOAT's big-endian float64. */
  float64(): number {
    this.need(8);
    const n = this.view.getFloat64(this.at, false);
    this.at += 8;
    return n;
  }

  push(item: Item): void {
    this.stack.push(item);
  }

  pop(): Item {
    return this.stack.length === 0 ? this.fail('stack underflow') : this.stack.pop()!;
  }

  top(): Item {
    return this.stack[this.stack.length - 1];
  }

  /** The items above the topmost MARK, removing them and the mark. */
  popMark(): Item[] {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      if (this.stack[i] instanceof Mark) return this.stack.splice(i).slice(1);
    }
    return this.fail('missing MARK');
  }

  /** Sets key/value pairs (alternating in `items`) on a dict. */
  setItems(target: Item, items: Item[]): void {
    if (!(target instanceof Map)) this.fail('SETITEM on a non-dict');
    const map = target as Map<PickleValue, PickleValue>;
    for (let i = 0; i + 1 < items.length; i += 2) map.set(plain(items[i]), plain(items[i + 1]));
  }
}
