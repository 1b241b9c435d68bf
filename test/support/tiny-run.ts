/**
 * A tiny two-task continual-learning run for engine tests: the tiny CLIP shape, byte-level
 * tokens, two rendered-world tasks (shapes, colours) and the world's reference set.
 */
import { ClipModel } from '../../lib/clip/model';
import { ByteLevelTokenizer, tokenizeToTensor } from '../../lib/clip/tokenizer';
import { fillTemplate } from '../../lib/clip/zero-shot';
import type { RunSpec } from '../../lib/cl/runner';
import { imagesOf } from '../../lib/cl/streams';
import type { StrategyName } from '../../lib/cl/strategies';
import type { ExampleSource, TrainingTask } from '../../lib/cl/task';
import { CachedEvaluationSet, worldReferenceStream, worldTaskStream } from '../../lib/demo/sources';
import { colourTask, createReferenceSet, shapeTask } from '../../lib/demo/world';
import { tensor } from '../../lib/tensor/create';
import type { Tensor } from '../../lib/tensor/tensor';

export interface TinyRun {
  spec: RunSpec;
  dispose(): void;
}

/** A fresh spec (new model, streams and tensors) for `strategy` writing into `dir`. */
export function tinyRun(dir: string, strategy: StrategyName, options: { iterations?: number; seed?: number; checkpointEvery?: number } = {}): TinyRun {
  const model = ClipModel.create('tiny', { seed: options.seed ?? 0 });
  const tokenizer = new ByteLevelTokenizer({ vocabSize: model.config.vocabSize, contextLength: model.config.contextLength });
  const tokenize = (texts: string[]): Tensor => tokenizeToTensor(tokenizer, texts, { truncate: 'eot' });
  const worldTasks = [shapeTask({ size: 32, classes: ['circle', 'square', 'triangle'] }), colourTask({ size: 32, classes: ['red', 'green', 'blue'] })];
  const owned: Tensor[] = [];
  const tasks: TrainingTask[] = worldTasks.map((t) => {
    const prompts = tokenize(t.classNames.map((c) => fillTemplate(t.templates[0], c)));
    owned.push(prompts);
    return {
      name: t.name,
      classNames: [...t.classNames],
      classTokens: prompts,
      batches: worldTaskStream(t, 'train', 8),
      iterations: options.iterations ?? 4,
      lr: 1e-3,
      warmup: 1,
    };
  });
  const reference = createReferenceSet({ size: 32, seed: 'tiny-ref' });
  const referenceTexts = tokenize(reference.texts(12));
  owned.push(referenceTexts);
  const virtualTexts = tensor(
    new Int32Array(6 * 16).map((_, i) => (i % 16 === 0 ? 998 : i % 16 === 5 ? 999 : i % 16 > 5 ? 0 : 1 + ((i * 37) % 900))),
    { shape: [6, 16], dtype: 'int64' },
  );
  owned.push(virtualTexts);
  const examples = (k: number): ExampleSource => ({
    length: 24,
    load: async (indices) => {
      const b = worldTasks[k].testSet(24);
      const per = 3 * 32 * 32;
      const images = new Float32Array(indices.length * per);
      indices.forEach((i, j) => images.set(b.images.subarray(i * per, (i + 1) * per), j * per));
      return {
        images: tensor(images, { shape: [indices.length, 3, 32, 32] }),
        labels: tensor(Int32Array.from(indices.map((i) => b.labels[i])), { dtype: 'int64' }),
      };
    },
  });
  const spec: RunSpec = {
    dir,
    model,
    tokenize,
    setting: 'mtil',
    strategy,
    strategyOptions: { averageEvery: 2, memorySize: 6, memoryBatch: 4 },
    strategyData: {
      referenceImages: () => worldReferenceStream(reference, 'ref', 6),
      referenceTexts,
      taskImages: (ctx) => imagesOf(worldTaskStream(worldTasks[ctx.taskIndex], 'lwf', 6)),
      taskPrompts: (ctx) => tasks[ctx.taskIndex].classTokens,
      virtualTexts,
      examples,
    },
    tasks,
    evaluation: worldTasks.map((t) => CachedEvaluationSet.fromWorld(t.name, t, 24)),
    checkpointEvery: options.checkpointEvery ?? 0,
    logEvery: 1,
    config: { strategy, test: 'tiny-run' },
  };
  return {
    spec,
    dispose: () => {
      model.dispose();
      for (const t of owned) t.dispose();
    },
  };
}
