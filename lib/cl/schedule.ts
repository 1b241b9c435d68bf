/** Learning-rate schedules of the reference (mtil/src/utils.py). */
import { ZsclError } from '../errors';

/** The learning rate at iteration `it`. */
export type LrSchedule = (it: number) => number;

/**
 * Linear warm-up for `warmup` iterations (`base·(it+1)/warmup`), then cosine decay reaching
 * exactly 0 at `total`: `0.5·(1 + cos(π·(it − warmup)/(total − warmup)))·base`.
 * With the reference loop `it = 0…total` inclusive, the last step has lr 0.
 * @throws ZsclError E_ARG for negative or inconsistent values.
 */
export function cosineWithWarmup(base: number, warmup: number, total: number): LrSchedule {
  if (!(base >= 0) || !Number.isInteger(warmup) || warmup < 0 || !Number.isInteger(total) || total < 1) {
    throw new ZsclError(`cosineWithWarmup: need base ≥ 0, integer warmup ≥ 0 and total ≥ 1 (got ${base}, ${warmup}, ${total})`, 'E_ARG');
  }
  return (it: number) => {
    if (it < warmup) return (base * (it + 1)) / warmup;
    const span = total - warmup;
    if (span <= 0) return base;
    return 0.5 * (1 + Math.cos((Math.PI * (it - warmup)) / span)) * base;
  };
}
