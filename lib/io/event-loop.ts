/** Long loops on the main thread split into turns, so timers and I/O run between them. */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Items handled per turn by {@link mapInTurns}: a few milliseconds of light work. */
const ITEMS_PER_TURN = 20_000;

/** Lets the event loop run its pending timers and I/O before continuing. Async. */
export async function yieldToLoop(): Promise<void> {
  await nextTurn();
}

/** `items.map(fn)` in turns of {@link ITEMS_PER_TURN} items, yielding between them. Async. */
export async function mapInTurns<T, U>(items: readonly T[], fn: (item: T) => U): Promise<U[]> {
  const out = new Array<U>(items.length);
  for (let i = 0; i < items.length; i++) {
    out[i] = fn(items[i]);
    if ((i + 1) % ITEMS_PER_TURN === 0) await yieldToLoop();
  }
  return out;
}

/** `lists.flat(1)`, yielding after about every {@link ITEMS_PER_TURN} items. Async. */
export async function concatInTurns<T>(lists: readonly (readonly T[])[]): Promise<T[]> {
  const out: T[] = [];
  let sinceYield = 0;
  for (const list of lists) {
    for (const item of list) out.push(item);
    sinceYield += list.length;
    if (sinceYield >= ITEMS_PER_TURN) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
  return out;
}
