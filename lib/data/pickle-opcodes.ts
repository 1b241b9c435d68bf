/**
 * The pickle opcodes readPickle understands (protocols 0–5), one handler each; STOP is
 * readPickle's own. Names as in CPython's pickletools. Every opcode that names or calls code goes
 * through the machine's {@link PickleGlobals}, which allows only what its kind of file needs.
 */
import type { PickleMachine } from './pickle-machine';
import type { Item, PickleValue } from './pickle-values';
import { Global, Latin1, Mark, plain, text } from './pickle-values';

export const STOP = 0x2e;

type Handler = (m: PickleMachine, op: number) => void;

const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(b);

function appendTo(m: PickleMachine, items: Item[], opName: string): void {
  const list = m.top();
  if (!Array.isArray(list)) m.fail(`${opName} on a non-list`);
  for (const item of items) (list as PickleValue[]).push(plain(item));
}

function littleEndianInteger(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let value = 0n;
  for (let i = b.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) value -= 1n << BigInt(8 * b.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

const framing: [number, Handler][] = [
  [0x80, (m) => void m.take(1)], // PROTO
  [0x95, (m) => void m.take(8)], // FRAME
];

const containers: [number, Handler][] = [
  [0x28, (m) => m.push(new Mark())], // MARK
  [0x7d, (m) => m.push(new Map())], // EMPTY_DICT
  [0x5d, (m) => m.push([])], // EMPTY_LIST
  [0x29, (m) => m.push([])], // EMPTY_TUPLE
  [
    0x64, // DICT
    (m) => {
      const map = new Map<PickleValue, PickleValue>();
      m.setItems(map, m.popMark());
      m.push(map);
    },
  ],
  [0x6c, (m) => m.push(m.popMark().map(plain))], // LIST
  // Tuples keep raw items: they may be arguments of numpy's constructors (globals, dtypes, bytes).
  [0x74, (m) => m.push(m.popMark() as PickleValue[])], // TUPLE
  [0x85, (m) => m.push([m.pop()] as PickleValue[])], // TUPLE1
  [
    0x86, // TUPLE2
    (m) => {
      const b = m.pop();
      m.push([m.pop(), b] as PickleValue[]);
    },
  ],
  [
    0x87, // TUPLE3
    (m) => {
      const c = m.pop();
      const b = m.pop();
      m.push([m.pop(), b, c] as PickleValue[]);
    },
  ],
  [
    0x73, // SETITEM
    (m) => {
      const value = m.pop();
      const key = m.pop();
      m.setItems(m.top(), [key, value]);
    },
  ],
  [
    0x75, // SETITEMS
    (m) => {
      const items = m.popMark();
      m.setItems(m.top(), items);
    },
  ],
  [0x61, (m) => appendTo(m, [m.pop()], 'APPEND')], // APPEND
  [0x65, (m) => appendTo(m, m.popMark(), 'APPENDS')], // APPENDS
];

const numbers: [number, Handler][] = [
  [0x4a, (m) => m.push(m.int32())], // BININT
  [0x4b, (m) => m.push(m.byte())], // BININT1
  [0x4d, (m) => m.push(m.uint16())], // BININT2
  [0x8a, (m) => m.push(littleEndianInteger(m.take(m.byte())))], // LONG1
  [
    0x49, // INT (text; 00 and 01 are protocol 0's booleans)
    (m) => {
      const line = m.line();
      m.push(line === '00' ? false : line === '01' ? true : Number.parseInt(line, 10));
    },
  ],
  [0x47, (m) => m.push(m.float64())], // BINFLOAT
  [0x4e, (m) => m.push(null)], // NONE
  [0x88, (m) => m.push(true)], // NEWTRUE
  [0x89, (m) => m.push(false)], // NEWFALSE
];

/** STRING's argument: a Python repr in single or double quotes (protocol 0). */
function quoted(m: PickleMachine): string {
  const line = m.line();
  const quote = line[0];
  if (line.length < 2 || (quote !== "'" && quote !== '"') || line[line.length - 1] !== quote) m.fail('STRING argument is not quoted');
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' };
  return line
    .slice(1, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
      e[0] === 'x' && e.length === 3 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (escapes[e] ?? `\\${e}`),
    );
}

const strings: [number, Handler][] = [
  [0x53, (m) => m.push(quoted(m))], // STRING
  [0x55, (m) => m.push(new Latin1(m.take(m.byte())))], // SHORT_BINSTRING (Python 2 str)
  [0x54, (m) => m.push(new Latin1(m.take(m.length32())))], // BINSTRING
  [0x58, (m) => m.push(utf8(m.take(m.length32())))], // BINUNICODE
  [0x8c, (m) => m.push(utf8(m.take(m.byte())))], // SHORT_BINUNICODE
  [0x8d, (m) => m.push(utf8(m.take(m.length64())))], // BINUNICODE8
  [0x43, (m) => m.push(m.take(m.byte()).slice())], // SHORT_BINBYTES
  [0x42, (m) => m.push(m.take(m.length32()).slice())], // BINBYTES
  [0x8e, (m) => m.push(m.take(m.length64()).slice())], // BINBYTES8
];

const get: Handler = (m, op) => {
  const key = op === 0x68 ? m.byte() : op === 0x6a ? m.length32() : Number.parseInt(m.line(), 10);
  if (!m.memo.has(key)) m.fail(`memo key ${key} is undefined`);
  m.push(m.memo.get(key)!);
};

const memo: [number, Handler][] = [
  [0x71, (m) => void m.memo.set(m.byte(), m.top())], // BINPUT
  [0x72, (m) => void m.memo.set(m.length32(), m.top())], // LONG_BINPUT
  [0x70, (m) => void m.memo.set(Number.parseInt(m.line(), 10), m.top())], // PUT
  [0x94, (m) => void m.memo.set(m.memo.size, m.top())], // MEMOIZE
  [0x68, get], // BINGET
  [0x6a, get], // LONG_BINGET
  [0x67, get], // GET
];

/** REDUCE's and OBJ's callable: only a global the machine allowed. */
function callable(m: PickleMachine, item: Item): string {
  return item instanceof Global ? item.name : m.fail('a call of something that is not an allowed global');
}

function persistentLoad(m: PickleMachine, pid: Item): void {
  if (!m.globals.persistentLoad) m.fail('persistent ids are not allowed in this file');
  m.push(m.globals.persistentLoad!(pid, m.fail));
}

const objects: [number, Handler][] = [
  [
    0x63, // GLOBAL
    (m) => {
      const module = m.line();
      m.push(m.globals.global(`${module}.${m.line()}`, m.fail));
    },
  ],
  [
    0x93, // STACK_GLOBAL
    (m) => {
      const qualname = m.pop();
      const module = m.pop();
      m.push(m.globals.global(`${text(module)}.${text(qualname)}`, m.fail));
    },
  ],
  [
    0x52, // REDUCE
    (m) => {
      const args = m.pop();
      const name = callable(m, m.pop());
      if (!Array.isArray(args)) m.fail(`${name} called without an argument tuple`);
      m.push(m.globals.reduce(name, args as Item[], m.fail));
    },
  ],
  [
    0x69, // INST (protocol 0: module and name as text, the arguments above a MARK)
    (m) => {
      const module = m.line();
      const name = m.globals.global(`${module}.${m.line()}`, m.fail).name;
      m.push(m.globals.reduce(name, m.popMark(), m.fail));
    },
  ],
  [
    0x6f, // OBJ (the class, then its arguments, above a MARK)
    (m) => {
      const [cls, ...args] = m.popMark();
      m.push(m.globals.reduce(callable(m, cls), args, m.fail));
    },
  ],
  [
    0x81, // NEWOBJ
    (m) => {
      m.pop();
      const cls = m.pop();
      m.fail(`refusing to construct ${cls instanceof Global ? cls.name : 'an object'}`);
    },
  ],
  [
    0x92, // NEWOBJ_EX
    (m) => {
      m.pop();
      m.pop();
      const cls = m.pop();
      m.fail(`refusing to construct ${cls instanceof Global ? cls.name : 'an object'}`);
    },
  ],
  [
    0x62, // BUILD
    (m) => {
      const state = m.pop();
      m.globals.build(m.top(), state, m.fail);
    },
  ],
  [0x51, (m) => persistentLoad(m, m.pop())], // BINPERSID
  [0x50, (m) => persistentLoad(m, m.line())], // PERSID
];

/** Opcode byte → handler. */
export const OPCODES: ReadonlyMap<number, Handler> = new Map([...framing, ...containers, ...numbers, ...strings, ...memo, ...objects]);
