/**
 * iCaRL for CLIP as the reference's MTIL baseline: an exemplar memory chosen by herding on the
 * just-trained model's features, split evenly over the tasks seen (memorySize/t per task, then per
 * class), and the ZSCL distillation terms computed on memory images with the current task's
 * prompts as texts. Exemplars are never used in the CE, as in the reference. (The shipped
 * reference script forgets to add the distillation; zscl adds it, as the paper describes.)
 */
import { ZsclError } from '../../errors';
import { noGrad } from '../../tensor/autograd';
import { cat } from '../../tensor/create';
import type { Tensor } from '../../tensor/tensor';
import type { LossTerm, Plugin, PluginState, StepContext, TaskContext } from '../plugin';
import type { ExampleSource, ImageStream } from '../task';
import type { TeacherChoice } from './distillation';
import { DistillationPlugin } from './distillation';

export interface ICarlOptions {
  memorySize: number;
  /** Memory images per step. */
  batchSize: number;
  /** Each task's training examples (val transform). */
  examples: (taskIndex: number) => ExampleSource;
  /** The current task's class prompts (token rows). */
  texts: (task: TaskContext) => Tensor;
  teacher?: TeacherChoice;
  temperature?: number;
  imageWeight?: number;
  textWeight?: number;
  /** At most this many samples of a task are scanned for herding (reference: 30k). */
  scanLimit?: number;
  seed?: number;
}

interface Exemplar {
  task: number;
  index: number;
}

export class ICarlPlugin implements Plugin {
  readonly name = 'icarl';
  /** Exemplars by task, each list in herding order (best first). */
  private memory = new Map<number, Exemplar[]>();
  private readonly distill: DistillationPlugin;
  private active = false;
  private cursor = 0;

  constructor(private readonly options: ICarlOptions) {
    if (!Number.isInteger(options.memorySize) || options.memorySize < 1) {
      throw new ZsclError(`iCaRL memorySize must be a positive integer, got ${options.memorySize}`, 'E_CONFIG');
    }
    this.distill = new DistillationPlugin(
      {
        teacher: options.teacher ?? 'initial',
        images: () => this.memoryStream(),
        texts: options.texts,
        temperature: options.temperature,
        imageWeight: options.imageWeight,
        textWeight: options.textWeight,
      },
      'icarl-distill',
    );
  }

  /** Number of exemplars held. */
  get size(): number {
    let n = 0;
    for (const list of this.memory.values()) n += list.length;
    return n;
  }

  /** The exemplars (task, index) held, task by task. */
  exemplars(): Exemplar[] {
    return [...this.memory.values()].flat();
  }

  async beforeTask(task: TaskContext): Promise<void> {
    this.active = this.size > 0;
    if (this.active) await this.distill.beforeTask(task);
  }

  studentImages(step: StepContext): Promise<Tensor> | undefined {
    return this.active ? this.distill.studentImages(step) : undefined;
  }

  async lossTerms(step: StepContext): Promise<LossTerm[]> {
    // The features were computed for this plugin's images; the inner distillation reads them.
    return this.active ? this.distill.lossTerms({ ...step, studentFeatures: () => step.studentFeatures(this) }) : [];
  }

  async afterTask(task: TaskContext): Promise<void> {
    if (this.active) this.distill.afterTask();
    this.active = false;
    const tasksSeen = this.memory.size + 1;
    const budget = Math.floor(this.options.memorySize / tasksSeen);
    for (const [k, list] of this.memory) this.memory.set(k, list.slice(0, budget));
    this.memory.set(task.taskIndex, await this.herd(task, budget));
  }

  saveState(): PluginState {
    return { json: { memory: [...this.memory.entries()], cursor: this.cursor } };
  }

  loadState(state: PluginState): void {
    const json = state.json as { memory: [number, Exemplar[]][]; cursor: number };
    this.memory = new Map(json.memory);
    this.cursor = json.cursor;
  }

  dispose(): void {
    this.distill.dispose();
  }

  // Memory images in a fixed cycle (the memory is shuffled once per task by the herding order).
  private memoryStream(): ImageStream {
    const all = this.exemplars();
    return {
      next: async () => {
        const picked: Exemplar[] = [];
        for (let i = 0; i < Math.min(this.options.batchSize, all.length); i++) picked.push(all[this.cursor++ % all.length]);
        return this.loadImages(picked);
      },
    };
  }

  private async loadImages(picked: Exemplar[]): Promise<Tensor> {
    const byTask = new Map<number, number[]>();
    for (const e of picked) byTask.set(e.task, [...(byTask.get(e.task) ?? []), e.index]);
    const parts: Tensor[] = [];
    for (const [k, indices] of byTask) {
      const batch = await this.options.examples(k).load(indices);
      batch.labels.dispose();
      parts.push(batch.images);
    }
    if (parts.length === 1) return parts[0];
    const joined = cat(parts, 0);
    for (const p of parts) p.dispose();
    return joined;
  }

  // iCaRL herding per class on L2-normalised features of the just-trained student.
  private async herd(task: TaskContext, budget: number): Promise<Exemplar[]> {
    const source = this.options.examples(task.taskIndex);
    const count = Math.min(source.length, this.options.scanLimit ?? 30000);
    const features: Float32Array[] = [];
    const labels: number[] = [];
    let dim = 0;
    for (let start = 0; start < count; start += 64) {
      const indices = Array.from({ length: Math.min(64, count - start) }, (_, i) => start + i);
      const batch = await source.load(indices);
      const f = await noGrad(() => task.student.encodeImageAsync(batch.images));
      const unit = noGrad(() => f.normalize());
      dim = unit.shape[1];
      const data = unit.data() as Float32Array;
      for (let i = 0; i < indices.length; i++) features.push(data.subarray(i * dim, (i + 1) * dim));
      labels.push(...Array.from(batch.labels.data() as BigInt64Array, Number));
      for (const t of [batch.images, batch.labels, f, unit]) t.dispose();
    }
    const classes = [...new Set(labels)].sort((a, b) => a - b);
    const perClass = Math.max(1, Math.floor(budget / Math.max(1, classes.length)));
    const chosen: Exemplar[][] = classes.map((c) => {
      const members = labels.flatMap((l, i) => (l === c ? [i] : []));
      return herding(
        members.map((i) => features[i]),
        dim,
        perClass,
      ).map((j) => ({ task: task.taskIndex, index: members[j] }));
    });
    // Interleave classes so truncating the list later keeps every class represented.
    const out: Exemplar[] = [];
    for (let r = 0; r < perClass; r++) for (const list of chosen) if (r < list.length) out.push(list[r]);
    return out.slice(0, budget);
  }
}

/** iCaRL herding: greedily picks samples whose running mean stays closest to the class mean. */
export function herding(features: Float32Array[], dim: number, count: number): number[] {
  const n = features.length;
  const mean = new Float64Array(dim);
  for (const f of features) for (let d = 0; d < dim; d++) mean[d] += f[d] / n;
  const sum = new Float64Array(dim);
  const taken = new Uint8Array(n);
  const picked: number[] = [];
  for (let k = 1; k <= Math.min(count, n); k++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      let distance = 0;
      const f = features[i];
      for (let d = 0; d < dim; d++) {
        const diff = mean[d] - (sum[d] + f[d]) / k;
        distance += diff * diff;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = i;
      }
    }
    taken[best] = 1;
    picked.push(best);
    for (let d = 0; d < dim; d++) sum[d] += features[best][d];
  }
  return picked;
}
