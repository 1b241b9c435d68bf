/**
 * The benchmark config file as a schema: every key, its type, its range and its default, declared
 * once. The TypeScript types, the validation (lib/cl/benchmark/config.ts), the key table of
 * docs/benchmarks.md and configs/benchmark.schema.json (`npm run config-docs`) all come from here.
 */
import { z } from 'zod';
import { CIL_DATASETS } from '../../data/cil-class-orders';
import { MTIL_ORDER_I } from '../../data/mtil';
import { checkWithSchema } from '../../io/schema-check';
import { PRECISIONS } from '../../clip/precision';
import type { StrategyOptions } from '../strategies';
import { STRATEGIES } from '../strategies';
import { REFERENCE_LABEL_SMOOTHING } from '../trainer';

/** A JSON object whose keys are all known (others are refused as unknown keys). */
const object = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape, { error: 'expected an object' });
const positiveInt = (what = 'a positive integer') => z.int({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const nonNegativeInt = (what = 'an integer ≥ 0') => z.int({ error: `expected ${what}` }).min(0, { error: `expected ${what}` });
const positiveNumber = () => z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });
const nonNegativeNumber = () => z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' });
const text = (what = 'a non-empty string') => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const file = (what: string) => text(`the path of ${what}`);
const flag = () => z.boolean({ error: 'expected true or false' });
const texts = (what: string) => z.array(text(), { error: `expected a list of ${what}` }).min(1, { error: `expected a non-empty list of ${what}` });

/** The MTIL learning rate when neither the task nor `training` gives one and the dataset has no own rate. */
export const DEFAULT_LR = 1e-5;

/** Warm-up steps when `training.warmup` is absent, per setting (the reference scripts' values). */
const DEFAULT_WARMUP = { mtil: 100, cil: 30 } as const;

/** Tunables of the strategies; each omitted one takes the strategy's default for the setting. */
const strategyOptionsSchema = object({
  l2: nonNegativeNumber().optional().meta({ description: 'weight of the L2 pull towards the initial weights' }),
  imageWeight: nonNegativeNumber().optional().meta({ description: 'weight of the image-side distillation loss' }),
  textWeight: nonNegativeNumber().optional().meta({ description: 'weight of the text-side distillation loss' }),
  temperature: positiveNumber().optional().meta({ description: 'distillation temperature' }),
  averageEvery: positiveInt().optional().meta({ description: 'weight-ensemble interval in steps' }),
  wiseAlpha: z
    .number({ error: 'expected a number in [0, 1]' })
    .min(0, { error: 'expected a number in [0, 1]' })
    .max(1, { error: 'expected a number in [0, 1]' })
    .optional()
    .meta({ description: 'WiSE-FT mixing weight of the fine-tuned model' }),
  memorySize: positiveInt().optional().meta({ description: 'iCaRL exemplars in memory' }),
  featureMseWeight: nonNegativeNumber().optional().meta({ description: 'weight of the feature-distillation MSE' }),
  memoryBatch: positiveInt().optional().meta({ description: 'iCaRL memory images per step' }),
  studentText: flag()
    .optional()
    .meta({ description: "distillation: the student's text features in its logits (the paper's equation) instead of the teacher's (the reference code)" }),
  referenceAliasedTeacher: flag()
    .optional()
    .meta({ description: "LwF/LwF-VR/iCaRL: distil from the live student (zero gradient), as the reference's CIL code does (docs/cil.md)" }),
}).meta({ description: "overrides of the strategy's defaults (docs/strategies.md)" });

// Compile-time guard: the schema lists exactly the options the strategies take.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const _strategyOptionKeysMatch: SameKeys<z.input<typeof strategyOptionsSchema>, Required<StrategyOptions>> = true;

/** One MTIL task: a known dataset under `data.root`, or a custom image folder / manifest pair. */
export const taskSchema = object({
  dataset: text('an MTIL dataset name or a label').meta({ description: 'an MTIL dataset name, or a label for a custom dataset' }),
  imageFolder: file('a folder per class (train/ and test/ inside, or split 80/20 seed 42)').optional().meta({
    description: 'custom dataset: a folder per class (train/ and test/ inside, or split 80/20 seed 42)',
  }),
  trainManifest: file('a CSV/JSONL manifest').optional().meta({ description: 'custom dataset: CSV/JSONL manifest of path,label (needs testManifest)' }),
  testManifest: file('a CSV/JSONL manifest').optional().meta({ description: 'custom dataset: the test manifest' }),
  classNames: texts('class names').optional().meta({ description: "class names (default: the dataset's)" }),
  templates: texts('prompt templates with {}').optional().meta({ description: 'prompt templates (default: the dataset\'s, else "a photo of a {}.")' }),
  lr: positiveNumber().optional().meta({ description: 'learning rate of this task (overrides training.lr)' }),
  iterations: positiveInt().optional().meta({ description: 'steps of this task (overrides training.iterations/epochs)' }),
}).meta({ description: 'one MTIL task' });

const modelSchema = object({
  checkpoint: file('a checkpoint').optional().meta({
    description: 'safetensors in OpenAI/open_clip or Hugging Face layout (TorchScript only with allowCodeExecution)',
  }),
  config: text('a model config name or file').optional().meta({ description: 'a name in configs/models or a model config file' }),
  allowCodeExecution: flag().optional().meta({ description: 'allow TorchScript/pickle checkpoints, which can run code' }),
  heads: object({ vision: positiveInt().optional(), text: positiveInt().optional() })
    .optional()
    .meta({ description: 'attention heads when a checkpoint does not say (default width / 64)' }),
}).meta({ description: 'the CLIP to start from: checkpoint and/or config' });

const tokenizerSchema = object({
  vocab: file('a CLIP BPE vocabulary').optional().meta({ description: 'CLIP BPE vocabulary (.txt or .gz)' }),
  byteLevel: flag().optional().meta({ description: 'a byte-level tokenizer instead (toy models)' }),
  contextLength: positiveInt().optional().meta({ description: "tokens per text (default: the model's)" }),
}).meta({ description: '{ "vocab": PATH } or { "byteLevel": true }' });

const cilSchema = object({
  dataset: text('"CIFAR100", "TinyImageNet", "ImageNet100" or "ImageNet1k"').meta({
    description: '"CIFAR100", "TinyImageNet", "ImageNet100" or "ImageNet1k", in their real layouts under root (docs/cil.md)',
  }),
  root: file('the dataset folder').meta({ description: 'the folder holding the dataset' }),
  steps: positiveInt().optional().meta({ description: 'number of tasks with equal class counts (10, 20, 50 for CIFAR-100)' }),
  initial: positiveInt().optional().meta({ description: 'classes of the first task (with increment)' }),
  increment: positiveInt().optional().meta({ description: 'classes of each later task' }),
  classOrder: z
    .union([z.enum(CIL_DATASETS), z.array(nonNegativeInt('a class index'))], {
      error: `expected a shipped order (${CIL_DATASETS.join(', ')}) or a list of class indices`,
    })
    .optional()
    .meta({ description: "the class order: a shipped reference order by name, or each class index once (default: the dataset's shipped order)" }),
  names: z.enum(['reference', 'words'], { error: "expected 'reference' or 'words'" }).optional().meta({
    description: "TinyImageNet class names: the reference's (default) or words.txt's first synonym",
  }),
  evalTransform: z.enum(['val', 'reference-train'], { error: "expected 'val' or 'reference-train'" }).optional().meta({
    description: "evaluation images: the val transform (default) or the reference's training crops",
  }),
  trainList: file('an ImageNet-100 split file').optional().meta({ description: 'ImageNet-100: train_100.txt (default root/train_100.txt)' }),
  testList: file('an ImageNet-100 split file').optional().meta({ description: 'ImageNet-100: val_100.txt (default root/val_100.txt)' }),
  template: text('a prompt template with {}').default('a bad photo of a {}.').meta({ description: 'prompt template' }),
}).meta({ description: 'class-incremental split' });

export const trainingSchema = object({
  iterations: positiveInt().default(1000).meta({ description: 'steps per task (used when epochs is absent)' }),
  epochs: positiveInt().optional().meta({ description: 'passes over each task (CIL); overrides iterations' }),
  warmup: nonNegativeInt()
    .optional()
    .meta({ description: `linear warm-up steps (default ${DEFAULT_WARMUP.mtil} MTIL, ${DEFAULT_WARMUP.cil} CIL)` }),
  batchSize: positiveInt().default(64).meta({ description: 'images per step' }),
  lr: positiveNumber()
    .optional()
    .meta({
      description: `learning rate of every task; a task's own lr wins, and without either a named MTIL dataset takes its reference rate (5e-5 Aircraft/MNIST), others ${DEFAULT_LR.toExponential()}`,
    }),
  labelSmoothing: z
    .number({ error: 'expected a number in [0, 1)' })
    .min(0, { error: 'expected a number in [0, 1)' })
    .lt(1, { error: 'expected a number in [0, 1)' })
    .default(REFERENCE_LABEL_SMOOTHING)
    .meta({ description: 'label smoothing of the cross-entropy' }),
  seed: nonNegativeInt('a non-negative integer').default(42).meta({ description: 'seed of the data order and the model init' }),
  trainMode: z.enum(['whole', 'image', 'text'], { error: "expected 'whole', 'image' or 'text'" }).optional().meta({
    description: 'which encoders train (default whole)',
  }),
  workers: positiveInt().default(4).meta({ description: 'image decoding workers per loader' }),
  fewShot: positiveInt('a positive integer (samples per class)').optional().meta({ description: 'k training samples per class' }),
  nonFinite: z.enum(['stop', 'skip'], { error: "expected 'stop' or 'skip'" }).optional().meta({
    description: 'on a NaN/Inf loss: stop the run (default) or skip the step',
  }),
}).meta({ description: 'optimisation settings' });

const referenceSchema = object({
  images: file('an image folder').optional().meta({ description: 'ZSCL reference images: any folder tree (unreadable images are skipped and counted)' }),
  texts: file('a text or CSV file').optional().meta({ description: 'reference texts: one per line, or a CSV column textColumn' }),
  textColumn: text('a CSV column name').optional().meta({ description: 'the CSV column of the texts' }),
  batchSize: positiveInt().optional().meta({ description: 'reference images per step (default training.batchSize)' }),
  maxTexts: positiveInt().optional().meta({ description: 'use only the first N texts' }),
  virtualTexts: positiveInt().default(1000).meta({ description: 'LwF-VR random token rows' }),
}).meta({ description: 'the reference data of ZSCL (and LwF-VR)' });

export const evaluationSchema = object({
  batchSize: positiveInt().default(128).meta({ description: 'images per evaluation batch' }),
  initial: flag().default(true).meta({ description: 'evaluate the zero-shot model before training too' }),
  maxImages: positiveInt().optional().meta({ description: 'evaluate at most N test images per task' }),
}).meta({ description: 'evaluation after each task' });

const guardSchema = object({
  probe: z
    .union(
      [
        object({
          tasks: texts('task names').meta({ description: 'evaluate these tasks of the config (by name)' }),
          maxImages: positiveInt().default(200).meta({ description: 'test images per probe task (a seeded subset across classes)' }),
        }),
        object({
          folder: file('an image folder (one sub-folder per class)').meta({ description: 'an image folder, one sub-folder per class' }),
          classNames: texts('class names').optional().meta({ description: 'prompt class names in the sorted order of the folders' }),
          templates: texts('prompt templates').optional().meta({ description: 'prompt templates (default "a photo of a {}.")' }),
        }),
      ],
      { error: 'expected { "tasks": [names] } or { "folder": PATH }' },
    )
    .meta({ description: 'what the guard evaluates: tasks of this config, or an image folder' }),
  every: positiveInt().default(100).meta({ description: 'steps between checks (and each task end)' }),
  maxDrop: nonNegativeNumber().default(5).meta({ description: 'largest allowed drop below the initial model, in accuracy points' }),
  action: z.enum(['warn', 'stop', 'rollback'], { error: "expected 'warn', 'stop' or 'rollback'" }).default('warn').meta({
    description: "on a trip: 'warn', 'stop' (checkpoint kept, E_GUARD) or 'rollback' (to the last state that passed)",
  }),
  repeat: z.enum(['rollback', 'stop'], { error: "expected 'rollback' or 'stop'" }).default('stop').meta({
    description: 'after a rollback, what a later trip does',
  }),
  watch: z.enum(['served', 'student'], { error: "expected 'served' or 'student'" }).default('served').meta({
    description: "the model probed: 'served' (the weight-ensemble average when there is one) or 'student'",
  }),
}).meta({ description: 'live zero-shot guard: probe accuracy checked during training (README: the service recipe)' });

const MTIL_NAMES: readonly string[] = MTIL_ORDER_I;

/** The whole benchmark config file. Cross-key rules (which keys go together) are checked by {@link benchmarkConfigSchema}. */
const benchmarkObjectSchema = object({
  $schema: z.string().optional().meta({ description: 'the JSON Schema, for editors (ignored)' }),
  name: text().optional().meta({ description: 'method name in results and reports (default: the strategy)' }),
  setting: z.enum(['mtil', 'cil'], { error: "expected 'mtil' or 'cil'" }).meta({
    description: '"mtil" (task-incremental: one dataset per task, classes of that task only) or "cil" (class-incremental)',
  }),
  strategy: z.enum(STRATEGIES, { error: `expected one of ${STRATEGIES.join(', ')}` }).meta({ description: 'the method (docs/strategies.md)' }),
  strategyOptions: strategyOptionsSchema.optional(),
  model: modelSchema,
  tokenizer: tokenizerSchema,
  data: object({ root: file('the folder holding the MTIL datasets') })
    .optional()
    .meta({ description: 'MTIL: root, the folder holding the datasets in their torchvision layouts' }),
  order: z
    .union([z.enum(['I', 'II']), z.array(z.string()).min(1)], { error: 'expected "I", "II" or a non-empty list of dataset names' })
    .optional()
    .meta({ description: 'MTIL order "I", "II" or a list of dataset names (under data.root)' }),
  tasks: z.array(taskSchema, { error: 'expected a list of tasks' }).min(1, { error: 'expected a non-empty list of tasks' }).optional().meta({
    description: 'MTIL tasks in order (overrides order)',
  }),
  cil: cilSchema.optional(),
  training: trainingSchema.optional(),
  reference: referenceSchema.optional(),
  evaluation: evaluationSchema.optional(),
  guard: guardSchema.optional(),
  checkpointEvery: nonNegativeInt().default(0).meta({ description: 'mid-task checkpoints every N steps (0: at task ends only)' }),
  device: z
    .string({ error: "expected 'cpu', 'cuda' or 'cuda:N'" })
    .regex(/^(cpu|cuda(:\d+)?)$/, { error: "expected 'cpu', 'cuda' or 'cuda:N'" })
    .default('cpu')
    .meta({ description: "where the model trains and evaluates: 'cpu', 'cuda' or 'cuda:N' (`--device` overrides)" }),
  precision: z
    .enum(PRECISIONS, { error: `expected ${PRECISIONS.map((p) => `'${p}'`).join(', ')}` })
    .default('fp32')
    .meta({
      description:
        "numeric precision (`--precision` overrides): 'fp32' the reference exactly; 'tf32' TF32 matrix products on CUDA (fp32 on the CPU); 'bf16' matrix products and attention in bfloat16, autocast-style, the rest in float32 (docs/precision.md)",
    }),
});

type Ctx = z.core.$RefinementCtx<z.output<typeof benchmarkObjectSchema>>;

function issue(ctx: Ctx, path: PropertyKey[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function checkMtil(c: z.output<typeof benchmarkObjectSchema>, ctx: Ctx): void {
  if (c.tasks === undefined && c.order === undefined) issue(ctx, ['order'], 'expected a task list (tasks) or an MTIL order ("I", "II" or names)');
  if (Array.isArray(c.order) && c.tasks === undefined) {
    c.order.forEach((name, i) => {
      if (!MTIL_NAMES.includes(name)) issue(ctx, ['order', i], `expected an MTIL dataset (${MTIL_NAMES.join(', ')}); use tasks for custom data`);
    });
  }
  const named = c.tasks?.filter((t) => !t.imageFolder && !t.trainManifest) ?? [];
  c.tasks?.forEach((t, i) => {
    if (!t.imageFolder && !t.trainManifest && !MTIL_NAMES.includes(t.dataset)) {
      issue(ctx, ['tasks', i, 'dataset'], `expected an MTIL dataset (${MTIL_NAMES.join(', ')}), or give imageFolder or trainManifest/testManifest`);
    }
    if (t.trainManifest && !t.testManifest) issue(ctx, ['tasks', i, 'testManifest'], 'expected a test manifest beside trainManifest');
  });
  if ((c.tasks === undefined ? c.order !== undefined : named.length > 0) && !c.data?.root)
    issue(ctx, ['data', 'root'], 'expected the folder holding the MTIL datasets');
}

function checkCil(c: z.output<typeof benchmarkObjectSchema>, ctx: Ctx): void {
  if (!c.cil) return issue(ctx, ['cil'], 'expected { dataset, root, steps | initial + increment }');
  if (c.cil.steps === undefined && c.cil.increment === undefined) issue(ctx, ['cil', 'steps'], 'expected a number of tasks (or give initial and increment)');
  const order = c.cil.classOrder;
  if (Array.isArray(order) && (new Set(order).size !== order.length || order.some((k) => k >= order.length))) {
    issue(ctx, ['cil', 'classOrder'], `expected each class index 0…${order.length - 1} once`);
  }
}

/** The benchmark config schema: {@link benchmarkObjectSchema} plus the rules across keys. */
export const benchmarkConfigSchema = benchmarkObjectSchema.superRefine((c, ctx) => {
  if (c.model.checkpoint === undefined && c.model.config === undefined) issue(ctx, ['model'], 'expected "checkpoint" and/or "config"');
  if (c.tokenizer.vocab === undefined && c.tokenizer.byteLevel !== true) issue(ctx, ['tokenizer'], 'expected { "vocab": PATH } or { "byteLevel": true }');
  if (c.setting === 'mtil') checkMtil(c, ctx);
  else checkCil(c, ctx);
});

/** A benchmark config as written (defaults may be omitted). */
export type BenchmarkConfig = z.input<typeof benchmarkConfigSchema>;
/** One MTIL task of a config. */
export type TaskConfig = z.input<typeof taskSchema>;
/** The `training` section with its defaults, and the setting's warm-up. */
export type TrainingSettings = z.output<typeof trainingSchema> & { warmup: number };

/**
 * The `training` section of a config with every default resolved (warm-up per setting). Sync.
 * @throws ZsclError E_CONFIG when the section does not match the schema.
 */
export function trainingSettings(config: Pick<BenchmarkConfig, 'setting' | 'training'>): TrainingSettings {
  const training = checkWithSchema(trainingSchema, config.training ?? {}, { source: 'benchmark config: training', code: 'E_CONFIG' });
  return { ...training, warmup: training.warmup ?? DEFAULT_WARMUP[config.setting] };
}

/**
 * The `evaluation` section of a config with its defaults. Sync.
 * @throws ZsclError E_CONFIG when the section does not match the schema.
 */
export function evaluationSettings(config: Pick<BenchmarkConfig, 'evaluation'>): z.output<typeof evaluationSchema> {
  return checkWithSchema(evaluationSchema, config.evaluation ?? {}, { source: 'benchmark config: evaluation', code: 'E_CONFIG' });
}

/**
 * The `reference` section of a config with its defaults. Sync.
 * @throws ZsclError E_CONFIG when the section does not match the schema.
 */
export function referenceSettings(config: Pick<BenchmarkConfig, 'reference'>): z.output<typeof referenceSchema> {
  return checkWithSchema(referenceSchema, config.reference ?? {}, { source: 'benchmark config: reference', code: 'E_CONFIG' });
}

const runSchema = benchmarkObjectSchema.pick({ checkpointEvery: true, device: true, precision: true });

/**
 * The run-wide keys of a config (checkpointEvery, device, precision) with their defaults. Sync.
 * @throws ZsclError E_CONFIG when a key does not match the schema.
 */
export function runSettings(config: Pick<BenchmarkConfig, 'checkpointEvery' | 'device' | 'precision'>): z.output<typeof runSchema> {
  return checkWithSchema(
    runSchema,
    { checkpointEvery: config.checkpointEvery, device: config.device, precision: config.precision },
    { source: 'benchmark config', code: 'E_CONFIG' },
  );
}

/**
 * The `guard` section with its defaults, or undefined when the config has none. Sync.
 * @throws ZsclError E_CONFIG when the section does not match the schema.
 */
export function guardSettings(config: Pick<BenchmarkConfig, 'guard'>): z.output<typeof guardSchema> | undefined {
  if (config.guard === undefined) return undefined;
  return checkWithSchema(guardSchema, config.guard, { source: 'benchmark config: guard', code: 'E_CONFIG' });
}

/**
 * A task's learning rate: the task's own `lr`, else `training.lr`, else the dataset's default
 * (named MTIL datasets: the reference rate, see referenceLearningRate), else {@link DEFAULT_LR}.
 */
export function taskLearningRate(taskLr: number | undefined, trainingLr: number | undefined, datasetLr: number | undefined): number {
  return taskLr ?? trainingLr ?? datasetLr ?? DEFAULT_LR;
}
