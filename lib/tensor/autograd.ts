/** Grad-mode scopes. libtorch's grad mode is per thread; async ops capture it when called. */
import { native } from '../native';

/**
 * Runs `fn` with autograd recording off and restores the previous mode. Only the synchronous
 * part of `fn` is covered; async ops started inside it (`*Async`) keep the mode they were
 * started with, but code after an `await` does not.
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with autograd recording on (inside a {@link noGrad}). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Whether ops on this thread currently record autograd history. */
export function isGradEnabled(): boolean {
  return native().isGradEnabled();
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const addon = native();
  const previous = addon.isGradEnabled();
  addon.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    addon.setGradEnabled(previous);
  }
}
