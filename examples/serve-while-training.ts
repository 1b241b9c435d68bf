/**
 * The service recipe: a plain node:http server classifies images zero-shot with the model a ZSCL
 * run is training in the same process.
 *
 *   npx tsx examples/serve-while-training.ts [run-dir]
 *   curl --data-binary @image.png http://127.0.0.1:8080/classify
 *   → {"version":7,"task":"shapes","labels":[{"label":"circle","score":0.91},…]}
 *
 * The run pushes a new read-only snapshot of the served model (the weight-ensemble average) at
 * every averaging update (`model` event). The server builds that version's class weights once,
 * then swaps it in; each request holds the version it started with until it answers, so it never
 * mixes two versions and never sees weights being written. Training runs on worker threads: the
 * event loop stays free for requests.
 *
 * It trains the shipped demo model (assets/demo-clip.safetensors) on two rendered-world tasks and
 * labels with the class names of the task being trained.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ClipModel, RunSpec, Tensor, TokenizeFn, TrainingTask } from '../lib';
import type { ModelLease, RunHandle } from '../lib/cl/service';
import { ZeroShotClassifier, data, fillTemplate, loadClip, noGrad, setNumThreads, startRun, tidyAsync, tokenizeToTensor } from '../lib';
import { DEMO_MODEL } from '../lib/demo/run-demo';
import { CachedEvaluationSet, worldReferenceStream, worldTaskStream } from '../lib/demo/sources';
import { demoTokenizer } from '../lib/demo/tokenizer';
import { colourTask, createReferenceSet, shapeTask } from '../lib/demo/world';

/** A task's labels: what the server classifies into while that task trains. */
export interface LabelSet {
  task: string;
  classNames: readonly string[];
  templates: readonly string[];
}

export interface DemoTrainingOptions {
  /** The run folder (a fresh one is resumed if it holds a run). */
  dir: string;
  /** Steps per task minus one (default 60). */
  iterations?: number;
  /** Weight-ensemble period in steps (default 10). */
  averageEvery?: number;
  batchSize?: number;
  /** Test images per task for the accuracy matrix (default 48). */
  evalCount?: number;
  /** The model file (default the shipped demo model). */
  modelFile?: string;
}

/** A ZSCL run of the demo model over shapes then colours, ready for startRun. */
export interface DemoTraining {
  spec: Omit<RunSpec, 'signal'>;
  labels: LabelSet[];
  tokenize: TokenizeFn;
  imageSize: number;
  dispose(): void;
}

/** The spec of a small ZSCL run (demo model, rendered shapes and colours, the world's reference set). Sync. */
export function demoTraining(options: DemoTrainingOptions): DemoTraining {
  const model = loadClip(options.modelFile ?? DEMO_MODEL);
  const size = model.config.imageResolution;
  const tokenizer = demoTokenizer(model.config);
  const tokenize = (texts: string[]): Tensor => tokenizeToTensor(tokenizer, texts, { truncate: 'eot' });
  const world = [shapeTask({ size, classes: ['circle', 'square', 'triangle', 'star'] }), colourTask({ size, classes: ['red', 'green', 'blue', 'yellow'] })];
  const batchSize = options.batchSize ?? 16;
  const owned: Tensor[] = [];
  const tasks = world.map((t): TrainingTask => {
    const classTokens = tokenize(t.classNames.map((c) => fillTemplate(t.templates[0], c)));
    owned.push(classTokens);
    return {
      name: t.name,
      classNames: [...t.classNames],
      classTokens,
      batches: worldTaskStream(t, `serve:${t.name}`, batchSize),
      iterations: options.iterations ?? 60,
      lr: 1e-3,
      warmup: 5,
    };
  });
  const reference = createReferenceSet({ size, seed: 'serve:reference' });
  const referenceTexts = tokenize(reference.texts(32));
  owned.push(referenceTexts);
  return {
    spec: {
      dir: options.dir,
      model,
      tokenize,
      setting: 'mtil',
      strategy: 'zscl',
      strategyOptions: { averageEvery: options.averageEvery ?? 10, l2: 1, imageWeight: 1, textWeight: 1 },
      strategyData: { referenceImages: () => worldReferenceStream(reference, 'serve:ref', batchSize), referenceTexts },
      tasks,
      evaluation: world.map((t) => CachedEvaluationSet.fromWorld(t.name, t, options.evalCount ?? 48)),
    },
    labels: world.map((t) => ({ task: t.name, classNames: t.classNames, templates: t.templates })),
    tokenize,
    imageSize: size,
    dispose: () => {
      model.dispose();
      for (const t of owned) t.dispose();
    },
  };
}

/** One served version: its lease, its task's labels and its class weights. */
export interface ServedVersion {
  readonly version: number;
  readonly labels: LabelSet;
  readonly lease: ModelLease;
  readonly classifier: ZeroShotClassifier;
}

/** The class weights of `labels` under `model` (text forwards on a worker thread). Async. */
export function labelClassifier(model: ClipModel, tokenize: TokenizeFn, labels: LabelSet): Promise<ZeroShotClassifier> {
  return ZeroShotClassifier.buildAsync(model, tokenize, [...labels.classNames], [...labels.templates]);
}

/**
 * Scores (softmax over the labels of `classifier`, CLIP's logit scale 100) of one encoded image
 * (JPEG, PNG, WebP…). Async: decoding runs on libuv's threads, the image forward on a worker.
 * @throws (rejects) ZsclError E_FORMAT for bytes that are not an image.
 */
export async function classifyImage(
  model: ClipModel,
  classifier: ZeroShotClassifier,
  bytes: Uint8Array,
  imageSize: number,
): Promise<{ label: string; score: number }[]> {
  return tidyAsync(async () => {
    const images = await data.preprocessBatch([bytes], data.clipEvalTransform({ size: imageSize }), { name: 'request body' });
    const features = await noGrad(() => model.encodeImageAsync(images));
    const scores = Array.from(noGrad(() => classifier.logits(features).softmax(-1)).data() as Float32Array);
    return classifier.classNames.map((label, i) => ({ label, score: scores[i] })).sort((a, b) => b.score - a.score);
  });
}

export interface ClassifyService {
  server: http.Server;
  /** The version requests get now (undefined until the first one is ready). */
  current(): ServedVersion | undefined;
  /** Stops following the run and frees the versions once their requests finish (does not close the server). */
  dispose(): void;
}

/**
 * An HTTP server over a run: `POST /classify` (body: the image bytes) answers
 * `{ version, task, labels: [{ label, score }] }`; `GET /health` answers the served version and the
 * run's progress. Not listening yet: call `server.listen`. Sync.
 */
export function createClassifyServer(run: RunHandle, options: { labels: LabelSet[]; tokenize: TokenizeFn; imageSize: number }): ClassifyService {
  let current: ServedVersion | undefined;
  const users = new Map<ServedVersion, number>();
  const retire = (v: ServedVersion): void => {
    if (v === current || (users.get(v) ?? 0) > 0) return;
    users.delete(v);
    v.classifier.dispose();
    v.lease.release();
  };
  // A new version goes live once its class weights are built; an older one that finishes later is dropped.
  const follow = async (): Promise<void> => {
    const lease = run.acquireModel();
    if (!lease) return;
    const labels = options.labels[Math.max(0, Math.min(lease.taskIndex, options.labels.length - 1))];
    const classifier = await labelClassifier(lease.model, options.tokenize, labels).catch((error: unknown) => {
      lease.release();
      throw error;
    });
    const next: ServedVersion = { version: lease.version, labels, lease, classifier };
    if (current && current.version > next.version) {
      users.set(next, 0);
      return retire(next);
    }
    const old = current;
    current = next;
    users.set(next, 0);
    if (old) retire(old);
  };
  const onError = (error: unknown): void => console.error('serve-while-training: cannot serve a new version:', error);
  const unfollow = run.on('model', () => void follow().catch(onError));
  void follow().catch(onError); // the version already published, if any

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/health') return reply(200, { version: current?.version ?? null, progress: run.progress() ?? null });
    if (req.method !== 'POST' || req.url !== '/classify') return reply(404, { error: 'POST /classify with an image body' });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const served = current;
      if (!served) return reply(503, { error: 'no model is served yet' });
      users.set(served, (users.get(served) ?? 0) + 1);
      classifyImage(served.lease.model, served.classifier, Buffer.concat(chunks), options.imageSize)
        .then(
          (labels) => reply(200, { version: served.version, task: served.labels.task, labels }),
          (error: { code?: string; message?: string }) => reply(error.code === 'E_FORMAT' ? 400 : 500, { error: error.message ?? String(error) }),
        )
        .finally(() => {
          users.set(served, users.get(served)! - 1);
          retire(served);
        });
    });
  });
  return {
    server,
    current: () => current,
    dispose: () => {
      unfollow();
      const last = current;
      current = undefined;
      if (last) retire(last);
    },
  };
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? path.join(os.tmpdir(), `zscl-serve-${process.pid}`);
  setNumThreads(Math.max(1, os.cpus().length - 1)); // leave the event loop a core
  const training = demoTraining({ dir });
  const run = startRun(training.spec);
  const service = createClassifyServer(run, training);
  run.on('model', (m) =>
    console.log(`serving version ${m.version} (${m.taskIndex < 0 ? 'initial model' : `task ${m.taskIndex}, ${m.it === null ? 'end' : `step ${m.it}`}`})`),
  );
  const port = Number(process.env.PORT ?? 8080);
  service.server.listen(port, '127.0.0.1', () => console.log(`POST images to http://127.0.0.1:${port}/classify (run folder ${dir})`));
  try {
    const result = await run.done;
    console.log(`training finished: ${result.tasks.length} tasks; still serving the final model (Ctrl-C to stop)`);
  } catch (error) {
    console.error('training failed:', error);
    service.server.close();
    service.dispose();
    run.stopServing();
    training.dispose();
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
