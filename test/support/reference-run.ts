/**
 * Runs a fixture folder of the zscl-mtil / zscl-cil kind (config.json "run", init_weights and
 * inputs.safetensors with pre-drawn batches) through the ContinualTrainer and returns what the
 * fixture records: the per-step trace, gradients and weights at it = 0, final student and
 * averaged weights per task, and the evaluation logits of the initial and final models.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseModelConfig } from '../../lib/clip/config';
import { ClipModel } from '../../lib/clip/model';
import { ZsclError } from '../../lib/errors';
import { loadTensors } from '../../lib/io/safetensors';
import { noGrad } from '../../lib/tensor/autograd';
import { keep, tidy } from '../../lib/tensor/scope';
import type { Tensor } from '../../lib/tensor/tensor';
import type { Device } from '../../lib/tensor/dtype';
import type { Precision } from '../../lib/clip/precision';
import { stepListener, type Plugin, type StepContext, type StepEvent } from '../../lib/cl/plugin';
import { DistillationPlugin } from '../../lib/cl/plugins/distillation';
import { L2AnchorPlugin } from '../../lib/cl/plugins/l2-anchor';
import { WeightEnsemblePlugin } from '../../lib/cl/plugins/weight-ensemble';
import { sumOfSquares } from '../../lib/cl/param-ops';
import { ContinualTrainer } from '../../lib/cl/trainer';
import type { ImageStream } from '../../lib/cl/task';

/** The `run` section of a ZSCL fixture config. */
export interface ReferenceRunConfig {
  setting: 'mtil' | 'cil';
  tasks: number;
  iterations: number;
  warmup: number;
  avg_freq: number;
  lr: number;
  beta2: number;
  wd: number;
  ls: number;
  T: number;
  l2: number;
  w_img: number;
  w_txt: number;
  image_loss?: boolean;
  text_loss?: boolean;
  we: boolean;
  teacher: 'initial' | 'task_start';
}

export interface ReferenceRunResult {
  trace: { tasks: { task: number; num_classes: number; steps: Record<string, number | boolean>[] }[] };
  /** Tensors by output file name (task{k}_grads_it0.safetensors, …, eval.safetensors). */
  files: Record<string, Record<string, Tensor>>;
}

// Replays one pre-drawn tensor [steps, ...] row by row.
function replay(rows: Tensor): ImageStream & { next(): Promise<Tensor> } {
  let i = 0;
  return { next: async () => rows.select(0, i++) };
}

/**
 * Reads the config and runs it, on `device` (default cpu; results come back as CPU tensors), in
 * `precision` (default fp32). Async (training runs on worker threads).
 */
export async function runReferenceFixture(dir: string, options: { device?: Device; precision?: Precision } = {}): Promise<ReferenceRunResult> {
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile)) throw new ZsclError(`${dir} has no config.json`, 'E_IO');
  const json = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { model: unknown; run: ReferenceRunConfig };
  const run = json.run;
  const model = ClipModel.create(parseModelConfig(json.model, configFile));
  const inputs = loadTensors(path.join(dir, 'inputs.safetensors'), { device: options.device });
  const init = loadTensors(path.join(dir, 'init_weights.safetensors'));
  model.loadStateDict(init);
  if (options.device) model.to(options.device);
  if (options.precision) model.precision = options.precision;
  const files: ReferenceRunResult['files'] = {};
  const trace: ReferenceRunResult['trace'] = { tasks: [] };
  let we: WeightEnsemblePlugin | undefined;

  // Records trace norms, the key-bias share of l2 and it-0 gradients/weights as the fixture does.
  let keyBiasStart = new Map<string, Float64Array>();
  const keyBiasSlices = (model: ClipModel): Map<string, Float64Array> => {
    const out = new Map<string, Float64Array>();
    for (const [name, p] of model.namedParameters()) {
      if (!name.endsWith('attn.in_proj_bias')) continue;
      const width = p.shape[0] / 3;
      out.set(name, Float64Array.from((p.data() as Float32Array).subarray(width, 2 * width)));
    }
    return out;
  };
  const recorder: Plugin = {
    name: 'fixture-recorder',
    beforeTask(task) {
      keyBiasStart = keyBiasSlices(task.student);
    },
    afterBackward(step: StepContext) {
      let share = 0;
      for (const [name, now] of keyBiasSlices(step.student)) {
        const start = keyBiasStart.get(name)!;
        now.forEach((v, i) => (share += (v - start[i]) ** 2));
      }
      step.trace.l2_key_bias = run.l2 === 0 ? 0 : share;
      if (step.it !== 0) return;
      files[`task${step.taskIndex}_grads_it0.safetensors`] = keep(
        Object.fromEntries([...step.trainable].map(([name, p]) => [name, noGrad(() => p.grad!.to('cpu', { copy: true }))])),
      );
    },
    afterStep(step: StepContext) {
      const student = [...step.student.namedParameters().values()];
      step.trace.student_sqnorm = sumOfSquares(student);
      const averaged = we?.servingModel();
      step.trace.we_sqnorm = averaged ? sumOfSquares([...averaged.namedParameters().values()]) : step.trace.student_sqnorm;
      if (step.it === 0) files[`task${step.taskIndex}_student_it0.safetensors`] = snapshot(step.student);
      if (step.it === run.iterations) files[`task${step.taskIndex}_final_student.safetensors`] = snapshot(step.student);
    },
    afterTask(task) {
      files[`task${task.taskIndex}_final_we.safetensors`] = snapshot(task.student);
    },
  };

  const plugins: Plugin[] = [];
  if (run.l2 !== 0) plugins.push(new L2AnchorPlugin(run.l2));
  const wImg = run.image_loss === false ? 0 : run.w_img;
  const wTxt = run.text_loss === false ? 0 : run.w_txt;
  let taskIndexForRefs = 0;
  if (wImg !== 0 || wTxt !== 0) {
    plugins.push(
      new DistillationPlugin({
        teacher: run.teacher === 'task_start' ? 'task_start' : 'initial',
        images: (task) => {
          taskIndexForRefs = task.taskIndex;
          return replay(inputs[`task${taskIndexForRefs}.ref_images`]);
        },
        texts: () => inputs.ref_tokens,
        temperature: run.T,
        imageWeight: wImg,
        textWeight: wTxt,
      }),
    );
  }
  if (run.we) {
    we = new WeightEnsemblePlugin(run.avg_freq);
    plugins.push(we);
  }
  // The listener is last, so each step's trace holds every plugin's values.
  let onStep: ((event: StepEvent) => void) | undefined;
  plugins.push(
    recorder,
    stepListener((event) => onStep?.(event)),
  );
  const trainer = new ContinualTrainer(model, {
    plugins,
    labelSmoothing: run.ls,
    optimizer: { kind: 'adamw', beta2: run.beta2, weightDecay: run.wd },
  });

  const evaluate = (name: string, m: ClipModel): void => {
    files['eval.safetensors'] ??= {};
    const out = keep(evalLogits(m, inputs.eval_tokens, inputs.eval_images));
    files['eval.safetensors'][`${name}.logits`] = keep(out.logits.to('cpu'));
    files['eval.safetensors'][`${name}.pred`] = keep(out.pred.to('cpu'));
  };
  evaluate('init', model);
  try {
    for (let k = 0; k < run.tasks; k++) {
      const steps: Record<string, number | boolean>[] = [];
      const images = inputs[`task${k}.train_images`];
      const labels = inputs[`task${k}.train_labels`];
      let i = 0;
      const task = {
        name: `task${k}`,
        classNames: [],
        classTokens: inputs[`task${k}.class_tokens`],
        batches: { next: async () => ({ images: images.select(0, i), labels: labels.select(0, i++) }) },
        iterations: run.iterations,
        lr: run.lr,
        warmup: run.warmup,
      };
      const stepsOf = (event: { it: number; lr: number; trace: Record<string, number | boolean> }): void => {
        const t = event.trace;
        steps.push({
          it: event.it,
          lr: event.lr,
          ce: t.ce,
          l2: t.l2 ?? 0,
          distill_img: t.distill_img ?? 0,
          distill_txt: t.distill_txt ?? 0,
          loss: t.loss,
          ...pick(t),
        });
      };
      onStep = stepsOf;
      await trainer.trainTask(task, k);
      onStep = undefined;
      trace.tasks.push({ task: k, num_classes: task.classTokens.shape[0], steps });
    }
    evaluate('final', model);
  } finally {
    await trainer.end();
    for (const t of [...Object.values(inputs), ...Object.values(init)]) t.dispose();
    model.dispose();
  }
  return { trace, files };
}

function pick(t: Record<string, number | boolean>): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = { we_updated: false, we_n: 0 };
  for (const key of ['l2_key_bias', 'we_updated', 'we_n', 'student_sqnorm', 'we_sqnorm']) if (key in t) out[key] = t[key];
  return out;
}

function snapshot(model: ClipModel): Record<string, Tensor> {
  return keep(noGrad(() => Object.fromEntries([...model.namedParameters()].map(([n, p]) => [n, p.detach().to('cpu', { copy: true })]))));
}

/** Reference evaluation: W_c = norm(mean_k norm(encode_text(tokens[c,k]))), logits = 100·norm(img)@Wᵀ. */
function evalLogits(model: ClipModel, tokens: Tensor, images: Tensor): { logits: Tensor; pred: Tensor } {
  return noGrad(() =>
    tidy(() => {
      const [classes, templates, length] = tokens.shape;
      const text = model.encodeText(tokens.reshape(classes * templates, length)).normalize();
      const weights = text.reshape(classes, templates, -1).mean(1).normalize();
      const logits = model.encodeImage(images).normalize().mul(100).matmul(weights.T);
      return { logits, pred: logits.argmax(-1) };
    }),
  );
}
