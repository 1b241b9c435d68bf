/**
 * How long the event loop is held up, seen by a 1 ms timer: the wall-clock lag of each tick, and
 * (on Linux) the main thread's own CPU time between two ticks, read from
 * /proc/thread-self/schedstat. The CPU time is what synchronous work on the loop costs; unlike the
 * wall-clock lag it does not grow when other processes on a loaded machine take the CPU.
 */
import fs from 'node:fs';

const SCHEDSTAT = '/proc/thread-self/schedstat';

/** The worst tick seen: wall-clock lag, and main-thread CPU time (undefined where the OS does not say). */
export interface LoopLag {
  wallMs: number;
  cpuMs?: number;
}

/** The calling thread's CPU time in ms, or undefined without /proc/thread-self/schedstat. */
function threadCpuMs(): number | undefined {
  try {
    return Number(fs.readFileSync(SCHEDSTAT, 'latin1').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Runs `work` under the 1 ms timer; returns its result and the worst tick. */
export async function withLoopLag<T>(work: () => Promise<T> | T): Promise<{ result: T; lag: LoopLag }> {
  let wall = performance.now();
  let cpu = threadCpuMs();
  const lag: LoopLag = { wallMs: 0, cpuMs: cpu === undefined ? undefined : 0 };
  const tick = () => {
    const now = performance.now();
    const nowCpu = threadCpuMs();
    lag.wallMs = Math.max(lag.wallMs, now - wall - 1);
    if (cpu !== undefined && nowCpu !== undefined) lag.cpuMs = Math.max(lag.cpuMs ?? 0, nowCpu - cpu);
    wall = now;
    cpu = nowCpu;
  };
  const timer = setInterval(tick, 1);
  try {
    const result = await work();
    tick();
    return { result, lag };
  } finally {
    clearInterval(timer);
  }
}

/** The worst tick of an idle loop over `ms`: what the machine itself adds. */
export async function idleLoopLag(ms: number): Promise<LoopLag> {
  return (await withLoopLag(() => new Promise((resolve) => setTimeout(resolve, ms)))).lag;
}

/**
 * Keeps the loop busy for `ms` of this thread's CPU time (wall-clock time without schedstat): as
 * much work as takes `ms` on an idle machine, to check the measure.
 */
export function blockLoop(ms: number): void {
  const start = threadCpuMs();
  const wallEnd = performance.now() + ms;
  for (;;) {
    const now = threadCpuMs();
    if (start !== undefined && now !== undefined ? now - start >= ms : performance.now() >= wallEnd) return;
  }
}
