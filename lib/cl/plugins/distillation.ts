/**
 * Feature-space distillation on reference data (ZSCL; LwF and LwF-VR with other teachers/data).
 *
 * Per step, with reference images r and reference token rows (fixed per task):
 *   u  = norm(R.encode_text(texts))      teacher text features (computed once per teacher)
 *   g  = norm(R.encode_image(r)), h = norm(S.encode_image(r))
 *   Ls = s·h·uᵀ, Lt = s·g·uᵀ             (the student logits use the TEACHER's text features,
 *                                          as the reference does: only the image tower is pulled)
 *   distill_img = D(Lt, Ls), distill_txt = D(Ltᵀ, Lsᵀ), D = T²·soft-target CE.
 * `studentText: true` offers the paper-literal variant with the student's text features.
 *
 * Data-parallel: each rank reads and encodes its shard of the reference batch (shards may differ
 * in size, or be empty), then gathers h (with autograd) and g from all ranks in rank order, so
 * every rank computes the loss of the whole batch — the text→image softmax runs over all
 * reference images, as in one process.
 */
import { clipLogits } from '../../clip/logits';
import type { ClipModel } from '../../clip/model';
import { ZsclError } from '../../errors';
import { noGrad } from '../../tensor/autograd';
import { cat } from '../../tensor/create';
import { keep } from '../../tensor/scope';
import * as F from '../../tensor/functional';
import type { Tensor } from '../../tensor/tensor';
import { distillation } from '../losses';
import type { LossTerm, Plugin, PluginState, StepContext, TaskContext } from '../plugin';
import type { ImageStream } from '../task';
import { frozenCopyAsync } from '../snapshot';
import { TeacherImageCache } from '../teacher-image-cache';

/**
 * Which model teaches: the zero-shot model (ZSCL), the model at task start (LwF), a given one, or
 * `'student'`: the live student itself, the reference's CIL LwF/iCaRL behaviour (its teacher
 * aliases the student's storage, docs/method.md §4) — the teacher logits are the student's,
 * detached, so the term has a value but an exactly zero gradient.
 */
export type TeacherChoice = 'initial' | 'task_start' | 'student' | ClipModel;

export interface DistillationOptions {
  teacher?: TeacherChoice;
  /** Reference images for a task (ZSCL: a fixed unlabeled set; LwF: the task's own images). */
  images: (task: TaskContext) => ImageStream;
  /** Reference token rows for a task (ZSCL: captions; LwF: the task's prompts; LwF-VR: random rows). */
  texts: (task: TaskContext) => Tensor;
  temperature?: number;
  /** Weights of the image→text and text→image terms (0 turns a term off). MTIL 1/1, CIL 5/5. */
  imageWeight?: number;
  textWeight?: number;
  /** Ablation: weight of MSE(g, h) between teacher and student image features (0 = off). */
  featureMseWeight?: number;
  /** Paper-literal variant: student logits use the student's text features. Default false. */
  studentText?: boolean;
  /** Texts per teacher forward when computing u (default 256). */
  textBatch?: number;
  /**
   * Reference images whose teacher features are kept (default 65,536; 0 turns it off). Used when
   * the image stream gives keys (a deterministic transform, see ImageStream.lastKeys) and the
   * run is not data-parallel; the cache starts empty at each task. Exact up to float rounding.
   */
  teacherImageCache?: number;
}

export class DistillationPlugin implements Plugin {
  readonly name: string;
  private readonly options: DistillationOptions;
  private teacher: ClipModel | undefined;
  private ownsTeacher = false;
  private textFeatures: Tensor | undefined;
  private textKey: { teacher: ClipModel; tokens: Tensor } | undefined;
  private stream: ImageStream | undefined;
  private current: Tensor | undefined;
  private currentKeys: readonly (number | string)[] | undefined;
  private currentRowsPerRank: readonly number[] | undefined;
  private readonly imageCache: TeacherImageCache;
  private tokens: Tensor | undefined;

  constructor(options: DistillationOptions, name = 'distill') {
    this.options = options;
    this.name = name;
    const t = options.temperature ?? 2;
    if (!(t > 0)) throw new ZsclError(`distillation temperature must be > 0, got ${t}`, 'E_CONFIG');
    this.imageCache = new TeacherImageCache(options.teacherImageCache ?? 65_536);
  }

  /** Reference images encoded by the teacher, and served from the teacher-feature cache. */
  get teacherImageStats(): { encoded: number; served: number } {
    return { encoded: this.imageCache.encoded, served: this.imageCache.served };
  }

  async beforeTask(task: TaskContext): Promise<void> {
    const choice = this.options.teacher ?? 'initial';
    if (this.ownsTeacher) this.teacher?.dispose();
    this.ownsTeacher = choice === 'task_start';
    if (choice === 'initial') this.teacher = task.initial;
    else if (choice === 'task_start') this.teacher = await frozenCopyAsync(task.student);
    else if (choice === 'student') {
      this.teacher = task.student;
      this.textKey = undefined; // the student changed since the last task: its text features too
    } else this.teacher = choice;
    this.tokens = this.options.texts(task);
    this.stream = this.options.images(task);
    if (task.group) this.stream.shard?.(task.group);
    this.imageCache.clear();
    await this.ensureTextFeatures(this.teacher, this.tokens);
  }

  // Teacher text features never change for a fixed teacher and texts: computed once, reused.
  private async ensureTextFeatures(teacher: ClipModel, tokens: Tensor): Promise<void> {
    if (this.textFeatures && this.textKey?.teacher === teacher && this.textKey.tokens === tokens) return;
    this.textFeatures?.dispose();
    const size = this.options.textBatch ?? 256;
    const parts: Tensor[] = [];
    for (let i = 0; i < tokens.shape[0]; i += size) {
      const rows = tokens.slice(0, i, i + size);
      parts.push(await noGrad(() => teacher.encodeTextAsync(rows)));
      rows.dispose();
    }
    const joined = cat(parts, 0);
    this.textFeatures = keep(noGrad(() => joined.normalize()));
    for (const p of [...parts, joined]) p.dispose();
    this.textKey = { teacher, tokens };
  }

  async studentImages(step: StepContext): Promise<Tensor> {
    if (!this.stream) throw new ZsclError('distillation: no reference images for this task', 'E_CONFIG');
    const batch = await this.stream.next();
    const group = step.group;
    // Data-parallel: this rank's rows (read so by a sharded stream, else sliced here) and every rank's count.
    const sharded = group && this.stream.lastRowsPerRank?.();
    this.current = group && !sharded ? group.shard(batch) : batch;
    this.currentRowsPerRank = group && (sharded || group.shardSizes(batch.shape[0]));
    this.currentKeys = group ? undefined : this.stream.lastKeys?.();
    return this.current;
  }

  async lossTerms(step: StepContext): Promise<LossTerm[]> {
    const teacher = this.teacher!;
    const r = this.current!;
    const s = step.logitScale;
    const T = this.options.temperature ?? 2;
    let h = step.studentFeatures(this)!.normalize();
    const encode = async (images: Tensor) => (await noGrad(() => teacher.encodeImageAsync(images))).normalize();
    // An aliased teacher (the live student) gives the student's own features: no cache, no second forward.
    let g = this.options.teacher === 'student' ? noGrad(() => h.detach()) : await this.imageCache.features(r, this.currentKeys, encode);
    if (step.group) {
      // Every rank computes the full-batch loss; the gather's backward sums h's gradient over
      // ranks, so after gradient averaging each reference image counts once.
      const counts = this.currentRowsPerRank;
      h = await step.group.allGatherRows(h, { grad: true, counts });
      g = await step.group.allGatherRows(g, { counts });
    }
    const u = this.options.studentText ? step.student.encodeText(this.tokens!).normalize() : this.textFeatures!;
    const studentLogits = clipLogits(h, u, s, { image: true, text: true });
    const teacherLogits = noGrad(() => clipLogits(g, this.textFeatures!, s, { image: true, text: true }));
    const terms: LossTerm[] = [];
    const wImg = this.options.imageWeight ?? 1;
    const wTxt = this.options.textWeight ?? 1;
    if (wImg !== 0) terms.push({ name: 'distill_img', value: distillation(teacherLogits, studentLogits, T), weight: wImg });
    if (wTxt !== 0) terms.push({ name: 'distill_txt', value: distillation(teacherLogits.T, studentLogits.T, T), weight: wTxt });
    const wMse = this.options.featureMseWeight ?? 0;
    if (wMse !== 0) terms.push({ name: 'feature_mse', value: F.mseLoss(g, h), weight: wMse });
    return terms;
  }

  /** The reference-image stream's position (for exact resume); the teacher is rebuilt from the task start. */
  saveState(): PluginState {
    return { json: { stream: this.stream?.state?.() ?? null } };
  }

  loadState(state: PluginState): void {
    const json = state.json as { stream: unknown } | null;
    if (json?.stream != null) this.stream?.restore?.(json.stream);
  }

  afterTask(): void {
    this.imageCache.clear();
    if (this.ownsTeacher) {
      this.teacher?.dispose();
      this.teacher = undefined;
      this.ownsTeacher = false;
    }
  }

  dispose(): void {
    this.afterTask();
    this.textFeatures?.dispose();
    this.textFeatures = undefined;
  }
}
