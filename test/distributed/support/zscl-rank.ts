/**
 * One process of the data-parallel tests, on the zscl-mtil fixture (tiny CLIP, 2 tasks of 11
 * steps, pre-drawn batches of 8 task images and 6 reference images). It joins the group the
 * environment describes (torchrun's variables; none = one process) and then either
 *   trainer OUT   drives the ContinualTrainer as the fixture does (L2 + distillation + WE) and
 *                 writes OUT/rank<r>.json (per-step losses) and OUT/rank<r>.safetensors (the
 *                 averaged weights after each task), or
 *   loaders OUT   as trainer, but on data loaders over generated images whose sizes leave odd
 *                 partial batches (29 and 19 task images in batches of 8, one unreadable and
 *                 skipped; 11 reference images in batches of 6): each rank decodes only its shard.
 *   run DIR       runs the 'zscl' strategy with runExperiment into run folder DIR (checkpoint
 *                 every 2 steps), resuming when DIR holds a run.
 * ZSCL_TEST_STEP_DELAY_MS slows each step (so a test can kill a rank mid-run);
 * ZSCL_TEST_DEVICE=cuda trains on the GPU (cuda:LOCAL_RANK modulo the GPU count).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseModelConfig } from '../../../lib/clip/config';
import { ClipModel } from '../../../lib/clip/model';
import type { EvaluationSet } from '../../../lib/cl/evaluation';
import { stepListener, type Plugin } from '../../../lib/cl/plugin';
import { DistillationPlugin } from '../../../lib/cl/plugins/distillation';
import { L2AnchorPlugin } from '../../../lib/cl/plugins/l2-anchor';
import { WeightEnsemblePlugin } from '../../../lib/cl/plugins/weight-ensemble';
import type { ReferenceRunConfig } from '../../support/reference-run';
import { runExperiment } from '../../../lib/cl/runner';
import type { BatchStream, ImageStream, TrainingTask } from '../../../lib/cl/task';
import { ContinualTrainer } from '../../../lib/cl/trainer';
import { ProcessGroup } from '../../../lib/distributed/process-group';
import { ZsclError } from '../../../lib/errors';
import { loadTensors, writeSafetensors } from '../../../lib/io/safetensors';
import { native } from '../../../lib/native';
import { noGrad } from '../../../lib/tensor/autograd';
import type { Device } from '../../../lib/tensor/dtype';
import { stack, tensor } from '../../../lib/tensor/create';
import { keep } from '../../../lib/tensor/scope';
import type { Tensor } from '../../../lib/tensor/tensor';
import { LoaderStream, imagesOf } from '../../../lib/cl/streams';
import { DataLoader } from '../../../lib/data/loader';
import { ListDataset, type Sample } from '../../../lib/data/dataset';
import { clipEvalTransform, clipTrainTransform } from '../../../lib/data/transform';
import { fixture } from '../../support/fixtures';

const dir = fixture('zscl-mtil');
const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { model: unknown; run: ReferenceRunConfig };
const run = config.run;

// Replays rows of a pre-drawn tensor [steps, ...]; its position is its resumable state.
function replay(rows: Tensor): ImageStream {
  let i = 0;
  return {
    next: async () => rows.select(0, i++),
    state: () => i,
    restore: (state) => (i = state as number),
  };
}

function batches(images: Tensor, labels: Tensor): BatchStream {
  let i = 0;
  return {
    next: async () => ({ images: images.select(0, i), labels: labels.select(0, i++) }),
    state: () => i,
    restore: (state) => (i = state as number),
  };
}

// Deterministic 40×36 RGB pixels for sample `i` of set `seed`; `bad` indices are bytes no decoder reads.
function generatedSamples(count: number, classes: number, seed: number, bad: readonly number[] = []): Sample[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `set${seed}/img${i}`;
    if (bad.includes(i)) return { image: Uint8Array.from([1, 2, 3, 4, 5]), label: i % classes, name };
    const data = Uint8Array.from({ length: 40 * 36 * 3 }, (_, k) => (k * (7 + i) + seed * 31 + ((k * k) % (13 + i))) % 256);
    return { image: { data, width: 40, height: 36, channels: 3 as const }, label: i % classes, name };
  });
}

// The 'loaders' data: task k's training images, shuffled, under the random training transform.
const LOADER_TASK_SIZES = [29, 19];
function loaderStream(samples: Sample[], options: { batchSize: number; train: boolean; seed: number }, device: Device): LoaderStream {
  const transform = options.train ? clipTrainTransform({ size: 32 }) : clipEvalTransform({ size: 32 });
  const loader = new DataLoader(new ListDataset(samples), { batchSize: options.batchSize, transform, shuffle: true, seed: options.seed, onBadSample: 'skip' });
  return new LoaderStream(loader, device);
}

// Steps that sleep, so a test can kill a rank mid-run.
function slowSteps(ms: number): Plugin {
  return { name: 'slow', afterStep: () => new Promise((resolve) => setTimeout(resolve, ms)) };
}

async function main(): Promise<void> {
  const [mode, out] = process.argv.slice(2);
  if ((mode !== 'trainer' && mode !== 'loaders' && mode !== 'run') || !out)
    throw new ZsclError('usage: zscl-rank.ts trainer OUT | loaders OUT | run DIR', 'E_ARG');
  const group = await ProcessGroup.fromEnv();
  const rank = group?.rank ?? 0;
  // Ranks share the GPUs there are (one GPU: every rank on cuda:0, which Gloo allows; NCCL does not).
  const gpus = process.env.ZSCL_TEST_DEVICE === 'cuda' ? native().runtimeInfo().cudaDevices.length : 0;
  if (process.env.ZSCL_TEST_DEVICE === 'cuda' && gpus === 0) throw new ZsclError('ZSCL_TEST_DEVICE=cuda but this addon sees no CUDA device', 'E_DEVICE');
  const device: Device = gpus > 0 ? `cuda:${(group?.localRank ?? 0) % gpus}` : 'cpu';
  const onDevice = (t: Tensor): Tensor => (device === 'cpu' ? t : keep(t.to(device)));
  const inputs = Object.fromEntries(Object.entries(loadTensors(path.join(dir, 'inputs.safetensors'))).map(([k, t]) => [k, onDevice(t)]));
  const model = ClipModel.create(parseModelConfig(config.model, dir));
  model.loadStateDict(loadTensors(path.join(dir, 'init_weights.safetensors')));
  if (device !== 'cpu') model.to(device);
  const delay = Number(process.env.ZSCL_TEST_STEP_DELAY_MS ?? 0);
  const loaders = mode === 'loaders';
  const tasks: TrainingTask[] = Array.from({ length: run.tasks }, (_, k) => {
    const classes = inputs[`task${k}.class_tokens`].shape[0];
    return {
      name: `task${k}`,
      classNames: Array.from({ length: classes }, (_, c) => `class${c}`),
      classTokens: inputs[`task${k}.class_tokens`],
      batches: loaders
        ? loaderStream(generatedSamples(LOADER_TASK_SIZES[k % 2], classes, k, k === 1 ? [7] : []), { batchSize: 8, train: true, seed: 10 + k }, device)
        : batches(inputs[`task${k}.train_images`], inputs[`task${k}.train_labels`]),
      iterations: run.iterations,
      lr: run.lr,
      warmup: run.warmup,
    };
  });
  const referenceImages = (task: { taskIndex: number }): ImageStream =>
    loaders
      ? imagesOf(loaderStream(generatedSamples(11, 1, 100), { batchSize: 6, train: false, seed: 20 + task.taskIndex }, device))
      : replay(inputs[`task${task.taskIndex}.ref_images`]);
  const trainerOptions = { labelSmoothing: run.ls, optimizer: { kind: 'adamw' as const, beta2: run.beta2, weightDecay: run.wd } };

  try {
    if (mode === 'trainer' || mode === 'loaders') {
      const plugins: Plugin[] = [
        new L2AnchorPlugin(run.l2),
        new DistillationPlugin({ images: referenceImages, texts: () => inputs.ref_tokens, temperature: run.T, imageWeight: run.w_img, textWeight: run.w_txt }),
        new WeightEnsemblePlugin(run.avg_freq),
      ];
      if (delay > 0) plugins.push(slowSteps(delay));
      const steps: Record<string, number>[] = [];
      plugins.push(
        stepListener(
          (e) =>
            void steps.push({
              task: e.taskIndex,
              it: e.it,
              loss: e.loss,
              ce: e.trace.ce as number,
              l2: e.trace.l2 as number,
              distill_img: e.trace.distill_img as number,
              distill_txt: e.trace.distill_txt as number,
            }),
        ),
      );
      const trainer = new ContinualTrainer(model, { ...trainerOptions, plugins, dataParallel: group });
      const weights: Record<string, Tensor> = {};
      for (let k = 0; k < tasks.length; k++) {
        await trainer.trainTask(tasks[k], k);
        for (const [name, p] of model.namedParameters()) weights[`task${k}.${name}`] = keep(noGrad(() => p.detach().to('cpu', { copy: true })));
      }
      await trainer.end();
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(
        path.join(out, `rank${rank}.json`),
        JSON.stringify({ worldSize: group?.worldSize ?? 1, steps, skipped: tasks.map((t) => t.batches.skippedCount?.() ?? 0) }),
      );
      writeSafetensors(path.join(out, `rank${rank}.safetensors`), weights);
    } else {
      // Evaluation: one set per task whose class prompts are the fixture's eval token rows (a
      // tokenizer that looks each prompt up); set k reads eval images 2k…2k+3, labels i mod 5.
      const [classes, templates] = inputs.eval_tokens.shape;
      const rows = new Map<string, Tensor>();
      for (let c = 0; c < classes; c++) for (let t = 0; t < templates; t++) rows.set(`c${c}t${t}`, inputs.eval_tokens.select(0, c).select(0, t));
      const evaluation: EvaluationSet[] = tasks.map((_, k) => ({
        name: `eval${k}`,
        classNames: Array.from({ length: classes }, (_, c) => `c${c}`),
        templates: Array.from({ length: templates }, (_, t) => (name: string) => `${name}t${t}`),
        async *batches() {
          for (let i = 2 * k; i < 2 * k + 4; i += 2) {
            yield { images: inputs.eval_images.slice(0, i, i + 2), labels: tensor([i % classes, (i + 1) % classes], { dtype: 'int64', device }) };
          }
        },
      }));
      const tokenize = (texts: string[]): Tensor =>
        stack(
          texts.map((t) => rows.get(t)!),
          0,
        );
      const spec = {
        dir: out,
        model,
        tokenize,
        setting: 'mtil' as const,
        strategy: 'zscl' as const,
        strategyOptions: { l2: run.l2, imageWeight: run.w_img, textWeight: run.w_txt, temperature: run.T, averageEvery: run.avg_freq },
        strategyData: { referenceImages, referenceTexts: inputs.ref_tokens },
        tasks,
        evaluation,
        trainer: trainerOptions,
        checkpointEvery: 2,
        logEvery: 1,
        dataParallel: group,
        plugins: delay > 0 ? [slowSteps(delay)] : [],
      };
      await runExperiment(spec);
    }
  } finally {
    group?.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const coded = error instanceof ZsclError;
    console.error(`zscl-rank: ${error instanceof Error ? error.message : String(error)}${coded ? ` [${error.code}]` : ''}`);
    process.exit(coded && error.code === 'E_DIST' ? 3 : 1);
  },
);
