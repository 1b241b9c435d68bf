/** The one interface through which the stateful parts of training (the optimizer, each plugin) are checkpointed mid-task. */
import type { Tensor } from '../tensor/tensor';

/** What a checkpoint holds of one part: tensors by name plus JSON. */
export interface CheckpointState {
  tensors?: Record<string, Tensor>;
  json?: unknown;
}

/**
 * A part whose state a mid-task checkpoint saves and restores. `saveState` tensors may be the
 * part's own (they are only read); `loadState` copies from the given tensors, which the caller frees.
 */
export interface Checkpointable<Context = void> {
  saveState(): CheckpointState;
  loadState(state: CheckpointState, context: Context): void;
}
