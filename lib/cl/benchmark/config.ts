/**
 * Benchmark configuration files (JSON): what to train, on which tasks, with which strategy.
 * The keys, types, ranges and defaults are the schema of ./schema.ts; this file checks a parsed
 * file against it, and optionally that the files it names exist. Every error is E_CONFIG and names
 * the JSON path (`training.lrr: unknown key`).
 *
 * MTIL example:
 *   { "setting": "mtil", "strategy": "zscl", "order": "I", "data": { "root": "/data" },
 *     "model": { "checkpoint": "ViT-B-16.safetensors" }, "tokenizer": { "vocab": "bpe_simple_vocab_16e6.txt.gz" },
 *     "reference": { "images": "/data/ImageNet/train", "texts": "/data/cc.csv", "textColumn": "title" } }
 * Class-incremental example:
 *   { "setting": "cil", "strategy": "zscl", "cil": { "dataset": "CIFAR100", "root": "/data", "steps": 10 }, ... }
 */
import fs from 'node:fs';
import { ZsclError } from '../../errors';
import type { MtilDatasetName } from '../../data/mtil';
import { MTIL_ORDER_I, MTIL_ORDER_II } from '../../data/mtil';
import { checkWithSchema } from '../../io/schema-check';
import type { BenchmarkConfig } from './schema';
import { benchmarkConfigSchema } from './schema';

export type { BenchmarkConfig, TaskConfig } from './schema';

/** Per-dataset learning rates of the reference MTIL script (ZSCL.sh): 5e-5 for Aircraft and MNIST. */
export function referenceLearningRate(dataset: string): number {
  return dataset === 'Aircraft' || dataset === 'MNIST' ? 5e-5 : 1e-5;
}

/** Options of {@link validateBenchmarkConfig}. */
export interface ValidateOptions {
  /** Also check that every file and folder the config names exists (see {@link checkBenchmarkFiles}). */
  checkFiles?: boolean;
}

/**
 * Checks a parsed config file against the schema and returns it unchanged (defaults stay omitted;
 * they are resolved where used). Sync.
 * @throws ZsclError E_CONFIG naming the JSON path of every bad key or value.
 */
export function validateBenchmarkConfig(json: unknown, options: ValidateOptions = {}): BenchmarkConfig {
  checkWithSchema(benchmarkConfigSchema, json, { source: 'benchmark config', code: 'E_CONFIG' });
  const config = json as BenchmarkConfig;
  if (options.checkFiles) checkBenchmarkFiles(config);
  return config;
}

/** The files and folders a config names, by JSON path. */
function benchmarkFiles(config: BenchmarkConfig): { path: string; file: string; folder: boolean }[] {
  const out: { path: string; file: string; folder: boolean }[] = [];
  const add = (path: string, file: string | undefined, folder = false) => {
    if (file !== undefined) out.push({ path, file, folder });
  };
  add('model.checkpoint', config.model.checkpoint);
  if (config.model.config?.endsWith('.json')) add('model.config', config.model.config);
  add('tokenizer.vocab', config.tokenizer.vocab);
  add('data.root', config.data?.root, true);
  config.tasks?.forEach((t, i) => {
    add(`tasks[${i}].imageFolder`, t.imageFolder, true);
    add(`tasks[${i}].trainManifest`, t.trainManifest);
    add(`tasks[${i}].testManifest`, t.testManifest);
  });
  if (config.setting === 'cil') {
    add('cil.root', config.cil?.root, true);
    add('cil.trainList', config.cil?.trainList);
    add('cil.testList', config.cil?.testList);
  }
  add('reference.images', config.reference?.images, true);
  add('reference.texts', config.reference?.texts);
  return out;
}

/**
 * Checks that every file and folder a config names exists. Sync.
 * @throws ZsclError E_CONFIG naming the JSON path and the missing path.
 */
export function checkBenchmarkFiles(config: BenchmarkConfig): void {
  for (const { path, file, folder } of benchmarkFiles(config)) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) throw new ZsclError(`benchmark config: ${path}: no such ${folder ? 'folder' : 'file'} '${file}'`, 'E_CONFIG');
    if (folder ? !stat.isDirectory() : !stat.isFile()) {
      throw new ZsclError(`benchmark config: ${path}: '${file}' is not a ${folder ? 'folder' : 'file'}`, 'E_CONFIG');
    }
  }
}

/** The MTIL dataset names of a config's order. */
export function orderOf(config: BenchmarkConfig): string[] {
  if (config.tasks) return config.tasks.map((t) => t.dataset);
  if (config.order === 'I') return [...MTIL_ORDER_I];
  if (config.order === 'II') return [...MTIL_ORDER_II];
  return [...(config.order ?? [])];
}

/** Whether a name is one of the 11 MTIL datasets. */
export function isMtilDataset(name: string): name is MtilDatasetName {
  return (MTIL_ORDER_I as readonly string[]).includes(name);
}
