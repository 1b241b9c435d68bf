/**
 * Optimizers (libtorch's AdamW and SGD) over a list of parameters. `step` takes the learning
 * rate of this iteration, so schedules stay plain functions. State can be read and restored
 * for exact resume.
 */
import { ZsclError } from '../errors';
import { native } from '../native';
import type { NativeHandle, NativeResult } from '../native';
import { NativeObject } from '../tensor/native-object';
import type { Tensor } from '../tensor/tensor';
import type { CheckpointState, Checkpointable } from './checkpoint-state';
import { op, wrapList } from '../tensor/tensor';

export type OptimizerKind = 'adamw' | 'sgd';

export interface OptimizerOptions {
  kind?: OptimizerKind;
  /** Initial learning rate (each step passes its own). */
  lr?: number;
  /** AdamW: default 0.9 / 0.999 / 1e-8, as torch. */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled (AdamW) or L2 (SGD) weight decay. The reference trains with 0. */
  weightDecay?: number;
  /** SGD only. */
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

export class Optimizer extends NativeObject implements Checkpointable {
  readonly kind: OptimizerKind;

  /**
   * @param params leaf tensors that require grad (e.g. a model's trainable parameters)
   * @throws ZsclError E_AUTOGRAD when a parameter is not a trainable leaf, E_ARG for bad options.
   */
  constructor(
    readonly params: Tensor[],
    options: OptimizerOptions = {},
  ) {
    const kind = options.kind ?? 'adamw';
    if (params.length === 0) throw new ZsclError('Optimizer: no parameters to optimize', 'E_ARG');
    const { kind: _kind, ...rest } = options;
    super(
      op(
        'optimizerCreate',
        kind,
        params.map((p) => p.handle),
        rest,
      ) as NativeHandle,
      'Optimizer',
    );
    this.kind = kind;
  }

  /** Zeroes every gradient in place. Sync. */
  zeroGrad(): void {
    op('optimizerZeroGrad', this.nativeHandle);
  }

  /** Promise form of {@link zeroGrad}. */
  async zeroGradAsync(): Promise<void> {
    await native().opAsync('optimizerZeroGrad', this.nativeHandle);
  }

  /** One update with learning rate `lr`. Sync. */
  step(lr: number): void {
    op('optimizerStep', this.nativeHandle, lr);
  }

  /** Promise form of {@link step}, run on a worker thread. */
  async stepAsync(lr: number): Promise<void> {
    await native().opAsync('optimizerStep', this.nativeHandle, lr);
  }

  /**
   * The per-parameter state (AdamW: step count, exp_avg, exp_avg_sq; SGD: momentum buffer) as
   * tensors `first.i` / `second.i` (copies owned by the caller) and JSON. Sync.
   */
  saveState(): CheckpointState {
    const [steps, first, second] = op('optimizerState', this.nativeHandle) as unknown as [number[], (NativeHandle | null)[], (NativeHandle | null)[]];
    const tensors: Record<string, Tensor> = {};
    const add = (list: (NativeHandle | null)[], prefix: string): void =>
      list.forEach((h, i) => h && (tensors[`${prefix}.${i}`] = wrapList([h] as unknown as NativeResult)[0]));
    add(first, 'first');
    add(second, 'second');
    const json: OptimizerJson = { kind: this.kind, steps, hasFirst: first.map(Boolean), hasSecond: second.map(Boolean) };
    return { tensors, json };
  }

  /**
   * Restores a state from {@link saveState} (e.g. read back from a checkpoint). Sync.
   * @throws ZsclError E_SHAPE when it belongs to different parameters, E_ARG for another kind.
   */
  loadState(state: CheckpointState): void {
    const json = state.json as OptimizerJson;
    if (json.kind !== this.kind) throw new ZsclError(`optimizer state is for ${json.kind}, not ${this.kind}`, 'E_ARG');
    const saved = state.tensors ?? {};
    const fill = (prefix: string) => json.steps.map((_, i) => saved[`${prefix}.${i}`]?.handle ?? this.params[i].handle);
    op('optimizerLoadState', this.nativeHandle, json.steps, fill('first'), fill('second'));
  }
}

// The JSON half of an optimizer checkpoint.
interface OptimizerJson {
  kind: OptimizerKind;
  steps: number[];
  hasFirst: boolean[];
  hasSecond: boolean[];
}
