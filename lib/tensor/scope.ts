/**
 * Scopes free intermediate tensors: everything created inside `tidy`/`tidyAsync` is disposed at
 * the end unless returned or passed to `keep`. Tracking follows async context (AsyncLocalStorage),
 * so concurrent async scopes never free each other's tensors.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ZsclError } from '../errors';

/** Something a scope can free. */
export interface Scoped {
  dispose(): void;
  /** @internal the scope currently tracking this object */
  scope?: Scope;
}

/** A set of tensors freed together. Create with {@link tidy} or {@link tidyAsync}. */
export class Scope {
  private readonly items = new Set<Scoped>();
  private closed = false;

  constructor(readonly parent: Scope | undefined) {}

  /** @internal */
  track(item: Scoped): void {
    if (this.closed) return;
    this.items.add(item);
    item.scope = this;
  }

  /** @internal */
  release(item: Scoped): void {
    if (item.scope !== this) return;
    this.items.delete(item);
    item.scope = undefined;
  }

  /** @internal disposes what is still tracked; the first failure is rethrown after the rest. */
  close(): void {
    this.closed = true;
    let failure: unknown;
    for (const item of this.items) {
      item.scope = undefined;
      try {
        item.dispose();
      } catch (error) {
        failure ??= error;
      }
    }
    this.items.clear();
    if (failure) throw failure;
  }
}

const storage = new AsyncLocalStorage<Scope>();

/** @internal the innermost scope of the current (async) context */
export function currentScope(): Scope | undefined {
  return storage.getStore();
}

/** Removes a tensor (or every tensor in an array/object) from its scope so it outlives it. Sync. */
export function keep<T>(value: T): T {
  forEachScoped(value, (item) => item.scope?.release(item));
  return value;
}

/**
 * Runs `fn` synchronously; tensors it creates are disposed when it returns, except those in its
 * result (moved to the enclosing scope) and those passed to {@link keep}.
 * @throws ZsclError E_ARG if `fn` returns a Promise (use {@link tidyAsync}).
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Scope(currentScope());
  let result: T;
  try {
    result = storage.run(scope, fn);
  } catch (error) {
    scope.close();
    throw error;
  }
  if (result instanceof Promise) {
    scope.close();
    throw new ZsclError('tidy(): the function returned a Promise; use tidyAsync() for async code', 'E_ARG');
  }
  adopt(scope, result);
  scope.close();
  return result;
}

/**
 * Async form of {@link tidy}: tensors created by `fn` and by the async work it awaits are
 * disposed when its Promise settles, except those in its result.
 */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Scope(currentScope());
  let result: T;
  try {
    result = await storage.run(scope, fn);
  } catch (error) {
    scope.close();
    throw error;
  }
  adopt(scope, result);
  scope.close();
  return result;
}

// Moves the tensors of a scope's result to the enclosing scope (or to no scope).
function adopt(scope: Scope, result: unknown): void {
  forEachScoped(result, (item) => {
    if (item.scope !== scope) return;
    scope.release(item);
    scope.parent?.track(item);
  });
}

function isScoped(value: unknown): value is Scoped {
  return typeof value === 'object' && value !== null && 'scope' in value && typeof (value as Scoped).dispose === 'function';
}

function forEachScoped(value: unknown, visit: (item: Scoped) => void, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (isScoped(value)) {
    visit(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) forEachScoped(item, visit, depth + 1);
  } else if (value instanceof Map) {
    for (const item of value.values()) forEachScoped(item, visit, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) forEachScoped(item, visit, depth + 1);
  }
}
