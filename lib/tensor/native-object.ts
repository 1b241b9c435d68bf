/**
 * The base of the classes that own one native object other than a tensor (a CLIP model, an
 * optimizer, a process group): the handle, dispose / Symbol.dispose, `disposed` and the E_DISPOSED
 * check, written once.
 */
import { ZsclError } from '../errors';
import type { NativeHandle } from '../native';
import { native } from '../native';

/** An owner of one native object, freed by {@link NativeObject.dispose}. */
export abstract class NativeObject implements Disposable {
  private handle: NativeHandle | undefined;

  /** @param label names the object in errors ("ClipModel" → "ClipModel was disposed"). */
  protected constructor(
    handle: NativeHandle,
    private readonly label: string,
  ) {
    this.handle = handle;
  }

  /**
   * The live handle. @internal
   * @throws ZsclError E_DISPOSED once {@link dispose} has run.
   */
  get nativeHandle(): NativeHandle {
    if (!this.handle) throw new ZsclError(`${this.label} was disposed`, 'E_DISPOSED');
    return this.handle;
  }

  /** True once {@link dispose} has run. */
  get disposed(): boolean {
    return this.handle === undefined;
  }

  /** Frees the native object. Idempotent. @throws ZsclError E_BUSY while async work uses it. */
  dispose(): void {
    if (!this.handle) return;
    native().dispose(this.handle);
    this.afterDispose();
    this.handle = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** What a subclass frees besides the native object (runs once, after it was freed). */
  protected afterDispose(): void {}
}
