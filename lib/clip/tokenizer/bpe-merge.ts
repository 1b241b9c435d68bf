/**
 * CLIP's BPE merge loop with the reference's exact result in O(n log n) for a word of n symbols
 * (the reference rescans the word after every merge, O(n²): a long unbroken run of letters would
 * stall a service).
 *
 * Reference semantics: take the adjacent pair of lowest rank, merge all of its occurrences left to
 * right (a symbol merged once is not merged again in that pass), repeat until no pair has a rank.
 * Here a heap keyed by (rank, position) yields all occurrences of the lowest rank together and in
 * word order; each is checked against the current word before merging, and the pairs a merge
 * creates join the heap for later passes.
 */

/** Keys are rank · 2³² + position: ordering them orders by rank, then by position. */
const POSITION_SPAN = 2 ** 32;

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): number {
    return this.items[0];
  }

  push(value: number): void {
    const items = this.items;
    let index = items.push(value) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent] <= value) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= items.length) break;
        const child = left + 1 < items.length && items[left + 1] < items[left] ? left + 1 : left;
        if (items[child] >= last) break;
        items[index] = items[child];
        index = child;
      }
      items[index] = last;
    }
    return top;
  }
}

/**
 * Merges `symbols` (a word's byte characters, `</w>` on the last) by the merge `ranks`
 * (`"first second"` → rank) and returns the resulting symbols (sync, never throws).
 */
export function mergeBpe(symbols: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  const count = symbols.length;
  if (count < 2) return symbols.slice();
  const symbol = symbols.slice();
  const next = Array.from({ length: count }, (_, i) => (i + 1 < count ? i + 1 : -1));
  const prev = Array.from({ length: count }, (_, i) => i - 1);
  const alive = new Array<boolean>(count).fill(true);
  const heap = new MinHeap();

  const rankAt = (position: number): number | undefined => {
    const right = next[position];
    return right < 0 ? undefined : ranks.get(symbol[position] + ' ' + symbol[right]);
  };
  const pushPair = (position: number): void => {
    if (position < 0) return;
    const rank = rankAt(position);
    if (rank !== undefined) heap.push(rank * POSITION_SPAN + position);
  };

  for (let position = 0; position + 1 < count; position++) pushPair(position);

  const merged: number[] = [];
  while (heap.size > 0) {
    const rank = Math.floor(heap.peek() / POSITION_SPAN);
    merged.length = 0;
    // One pass of the reference: every occurrence of this pair, left to right.
    while (heap.size > 0 && Math.floor(heap.peek() / POSITION_SPAN) === rank) {
      const position = heap.pop() - rank * POSITION_SPAN;
      if (!alive[position] || rankAt(position) !== rank) continue; // consumed or changed since pushed
      const right = next[position];
      symbol[position] += symbol[right];
      alive[right] = false;
      next[position] = next[right];
      if (next[right] >= 0) prev[next[right]] = position;
      merged.push(position);
    }
    for (const position of merged) {
      if (!alive[position]) continue;
      pushPair(prev[position]);
      pushPair(position);
    }
  }

  const out: string[] = [];
  for (let position = 0; position >= 0; position = next[position]) out.push(symbol[position]);
  return out;
}
