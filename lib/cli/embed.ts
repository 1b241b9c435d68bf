/**
 * `zscl embed --model PATH|NAME (--images FILE... | --texts TEXT... | --tensors FILE) [--out FILE]`:
 * CLIP image and/or text features, written to a safetensors file or printed as JSON.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { ZsclError, describeValue } from '../errors';
import { loadClip } from '../clip/checkpoint';
import { listModelConfigs } from '../clip/config';
import { ClipModel } from '../clip/model';
import { ByteLevelTokenizer } from '../clip/tokenizer/byte-level-tokenizer';
import { ClipTokenizer } from '../clip/tokenizer/clip-tokenizer';
import type { Tokenizer } from '../clip/tokenizer/tokenizer';
import { tokenizeToTensor } from '../clip/tokenizer/token-tensor';
import { preprocessBatch } from '../data/preprocess';
import { clipEvalTransform } from '../data/transform';
import { loadTensors, writeSafetensors } from '../io/safetensors';
import { noGrad } from '../tensor/autograd';
import { cat } from '../tensor/create';
import type { Device } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { resolveDevice } from '../cl/device';
import { applyPrecision } from '../cl/precision';
import { checkPrecision } from '../clip/precision';

/** Options of {@link embed} (the command's flags). */
export interface EmbedOptions {
  /** A checkpoint path (safetensors; a TorchScript archive with `allowCodeExecution`) or a shipped config name (random, seeded weights). */
  model: string;
  /** Model shapes for a checkpoint without a stored config (a name such as 'ViT-B-16' or a JSON file). */
  config?: string;
  /** CLIP BPE vocabulary for `texts`. */
  vocab?: string;
  /** Byte-level tokenizer for `texts` (the project's own small models). */
  byteLevel?: boolean;
  /** Image files, decoded with CLIP's evaluation transform at the model's resolution. */
  images?: string[];
  texts?: string[];
  /** A safetensors file with `images` (float NCHW, already normalised) and/or `tokens` (integer rows). */
  tensors?: string;
  /** Cut texts longer than the context length (EOT kept last) instead of failing. */
  truncate?: boolean;
  /** L2-normalise each feature row. */
  normalize?: boolean;
  /** Images or texts per forward pass (default 64). */
  batchSize?: number;
  /** Seed of the weights when `model` is a config name (default 0). */
  seed?: number;
  /** Allow reading a TorchScript archive, which can execute code stored in it. */
  allowCodeExecution?: boolean;
  /** Where the forwards run: 'cpu' (default), 'cuda' or 'cuda:N'; features come back on the CPU. */
  device?: string;
  /** 'fp32' (default), 'tf32' or 'bf16' (docs/precision.md); features are float32 in each. */
  precision?: string;
}

/** Features computed by {@link embed}; the caller owns (and disposes) the tensors. */
export interface Embeddings {
  /** [N, E] features of the images, in input order. */
  image_features?: Tensor;
  /** [M, E] features of the texts, in input order. */
  text_features?: Tensor;
  /** Where the weights came from: the checkpoint path or `config:NAME (random, seed S)`. */
  modelSource: string;
}

/**
 * Loads the model and computes the requested features (no grad, eval mode, on worker threads).
 * Async.
 * @throws (rejects) ZsclError E_ARG for missing or conflicting inputs/tokenizer flags or a
 *   tokenizer whose ids do not fit the model; E_IO/E_FORMAT for unreadable checkpoints, images or
 *   tensor files; E_SHAPE/E_DTYPE/E_INDEX for tensors the model cannot take.
 */
async function embed(options: EmbedOptions): Promise<Embeddings> {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ZsclError(`embed: batchSize must be a positive integer but is ${describeValue(batchSize)}`, 'E_ARG');
  const images = options.images ?? [];
  const texts = options.texts ?? [];
  if (options.tensors !== undefined && (images.length || texts.length)) {
    throw new ZsclError('embed: give --tensors alone, or --images and/or --texts', 'E_ARG');
  }
  if (options.tensors === undefined && !images.length && !texts.length) {
    throw new ZsclError('embed: nothing to embed; give --images FILE..., --texts TEXT... or --tensors FILE', 'E_ARG');
  }
  if (options.vocab !== undefined && options.byteLevel) throw new ZsclError('embed: give --vocab or --byte-level, not both', 'E_ARG');
  if (texts.length && options.vocab === undefined && !options.byteLevel) {
    throw new ZsclError('embed: texts need a tokenizer; give --vocab PATH (CLIP BPE) or --byte-level', 'E_ARG');
  }
  const device = resolveDevice(options.device);
  const precision = checkPrecision(options.precision ?? 'fp32', 'embed: --precision');
  const { model, source } = openModel(options);
  const restorePrecision = applyPrecision(model, precision);
  try {
    if (device !== 'cpu') model.to(device);
    model.eval();
    const encodeImage = (x: Tensor) => onModelDevice(x, device, (y) => model.encodeImageAsync(y));
    const encodeText = (x: Tensor) => onModelDevice(x, device, (y) => model.encodeTextAsync(y));
    const result: Embeddings = { modelSource: source };
    if (options.tensors !== undefined) {
      const file = loadTensors(options.tensors);
      try {
        if (!file.images && !file.tokens) {
          throw new ZsclError(
            `${options.tensors}: expected a tensor named 'images' and/or 'tokens' but found ${Object.keys(file).join(', ') || 'none'}`,
            'E_FORMAT',
          );
        }
        if (file.images) result.image_features = await encodeInBatches(file.images, batchSize, encodeImage);
        if (file.tokens) result.text_features = await encodeInBatches(file.tokens, batchSize, encodeText);
      } finally {
        for (const t of Object.values(file)) t.dispose();
      }
    }
    if (images.length) result.image_features = await embedImages(model, images, batchSize, encodeImage);
    if (texts.length) {
      const tokenizer = await openTokenizer(options, model);
      const tokens = tokenizeToTensor(tokenizer, texts, { contextLength: model.config.contextLength, truncate: options.truncate ? 'eot' : false });
      try {
        result.text_features = await encodeInBatches(tokens, batchSize, encodeText);
      } finally {
        tokens.dispose();
      }
    }
    if (options.normalize) {
      for (const key of ['image_features', 'text_features'] as const) {
        const features = result[key];
        if (features) {
          result[key] = noGrad(() => features.normalize());
          features.dispose();
        }
      }
    }
    return result;
  } finally {
    restorePrecision();
    model.dispose();
  }
}

/** A checkpoint when `model` is an existing file, else a shipped config with seeded random weights. */
function openModel(options: EmbedOptions): { model: ClipModel; source: string } {
  if (fs.existsSync(options.model) && fs.statSync(options.model).isFile()) {
    return { model: loadClip(options.model, { config: options.config, allowCodeExecution: options.allowCodeExecution }), source: options.model };
  }
  if (!listModelConfigs().includes(options.model)) {
    throw new ZsclError(`embed: --model ${options.model} is neither a checkpoint file nor a model config (${listModelConfigs().join(', ')})`, 'E_ARG');
  }
  const seed = options.seed ?? 0;
  return { model: ClipModel.create(options.model, { seed }), source: `config:${options.model} (random weights, seed ${seed})` };
}

async function openTokenizer(options: EmbedOptions, model: ClipModel): Promise<Tokenizer> {
  const { vocabSize, contextLength } = model.config;
  const tokenizer = options.byteLevel ? new ByteLevelTokenizer({ vocabSize, contextLength }) : await ClipTokenizer.load(options.vocab!);
  if (tokenizer.vocabSize > vocabSize) {
    throw new ZsclError(
      `embed: the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabulary has ${vocabSize}; use the model's own tokenizer`,
      'E_ARG',
    );
  }
  return tokenizer;
}

// Runs `encode` on the model's device and brings the features back to the CPU (nothing moves on the CPU).
async function onModelDevice(x: Tensor, device: Device, encode: (x: Tensor) => Promise<Tensor>): Promise<Tensor> {
  if (device === 'cpu') return encode(x);
  const moved = x.to(device);
  try {
    const features = await encode(moved);
    const host = features.to('cpu');
    features.dispose();
    return host;
  } finally {
    moved.dispose();
  }
}

async function embedImages(model: ClipModel, files: string[], batchSize: number, encode: (x: Tensor) => Promise<Tensor>): Promise<Tensor> {
  const transform = clipEvalTransform({ size: model.config.imageResolution });
  const parts: Tensor[] = [];
  try {
    for (let i = 0; i < files.length; i += batchSize) {
      const pixels = await preprocessBatch(files.slice(i, i + batchSize), transform);
      try {
        parts.push(await noGrad(() => encode(pixels)));
      } finally {
        pixels.dispose();
      }
    }
    return joined(parts);
  } catch (error) {
    for (const t of parts) t.dispose();
    throw error;
  }
}

async function encodeInBatches(input: Tensor, batchSize: number, encode: (batch: Tensor) => Promise<Tensor>): Promise<Tensor> {
  const rows = input.rank === 0 ? 0 : input.shape[0];
  if (rows <= batchSize) return noGrad(() => encode(input)); // also lets the model name a bad shape
  const parts: Tensor[] = [];
  try {
    for (let i = 0; i < rows; i += batchSize) {
      const batch = input.slice(0, i, i + batchSize);
      try {
        parts.push(await noGrad(() => encode(batch)));
      } finally {
        batch.dispose();
      }
    }
    return joined(parts);
  } catch (error) {
    for (const t of parts) t.dispose();
    throw error;
  }
}

function joined(parts: Tensor[]): Tensor {
  if (parts.length === 1) return parts[0];
  const all = cat(parts, 0);
  for (const t of parts) t.dispose();
  return all;
}

/** Options of the `zscl embed` command as commander parses them. */
export interface EmbedCommandOptions extends EmbedOptions {
  /** Write the features here (safetensors) instead of printing them. */
  out?: string;
  /** Print JSON (with --out: a JSON summary of what was written). */
  json?: boolean;
}

/**
 * Runs the command and returns the lines it prints: the features as JSON, or with `out` a
 * summary of the file written (one line, or JSON with `json`). Async.
 * @throws (rejects) as {@link embed}; E_IO when the output cannot be written.
 */
async function embedCommand(options: EmbedCommandOptions): Promise<string[]> {
  const result = await embed(options);
  const features = Object.fromEntries(
    (['image_features', 'text_features'] as const).filter((key) => result[key]).map((key) => [key, result[key]!] as const),
  ) as Record<string, Tensor>;
  try {
    const inputs = options.tensors !== undefined ? { tensors: options.tensors } : { images: options.images ?? [], texts: options.texts ?? [] };
    if (options.out === undefined) {
      const json = Object.fromEntries(Object.entries(features).map(([key, t]) => [key, t.toArray()]));
      return [JSON.stringify({ model: result.modelSource, normalized: Boolean(options.normalize), ...inputs, ...json })];
    }
    const metadata = { 'zscl.embed': JSON.stringify({ model: result.modelSource, normalized: Boolean(options.normalize), ...inputs }) };
    writeSafetensors(options.out, features, metadata);
    const shapes = Object.fromEntries(Object.entries(features).map(([key, t]) => [key, t.shape]));
    if (options.json) return [JSON.stringify({ out: options.out, model: result.modelSource, normalized: Boolean(options.normalize), tensors: shapes })];
    return [
      `wrote ${Object.entries(shapes)
        .map(([key, shape]) => `${key} [${shape.join(', ')}]`)
        .join(', ')} to ${options.out}`,
    ];
  } finally {
    for (const t of Object.values(features)) t.dispose();
  }
}

function integerAtLeast(flag: string, min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
      throw new ZsclError(`${flag} must be an integer >= ${min} but is '${value}'`, 'E_ARG');
    }
    return Number(value);
  };
}

/** Adds `zscl embed` to `program`. The action is async and throws the coded errors of {@link embed}. */
export function registerEmbed(program: Command): void {
  program
    .command('embed')
    .description('CLIP features of images and/or texts, written to a safetensors file (--out) or printed as JSON')
    .requiredOption('--model <path|name>', 'checkpoint (safetensors; TorchScript with --allow-code-execution) or a model config name (random weights)')
    .option('--config <name|file>', 'model shapes for a checkpoint that does not store them')
    .option('--vocab <path>', 'CLIP BPE vocabulary for --texts (bpe_simple_vocab_16e6.txt.gz)')
    .option('--byte-level', "byte-level tokenizer for --texts (the project's small models)")
    .option('--images <files...>', 'image files (CLIP evaluation transform at the model resolution)')
    .option('--texts <texts...>', 'texts to encode')
    .option('--tensors <file>', "safetensors with 'images' (float NCHW, normalised) and/or 'tokens' (integer rows)")
    .option('--out <file>', 'write image_features / text_features to this safetensors file')
    .option('--normalize', 'L2-normalise each feature row')
    .option('--truncate', 'cut texts longer than the context length, keeping EOT last')
    .option('--batch-size <n>', 'images or texts per forward pass (default 64)', integerAtLeast('--batch-size', 1))
    .option('--seed <n>', 'seed of the random weights when --model is a config name (default 0)', integerAtLeast('--seed', 0))
    .option('--allow-code-execution', 'allow TorchScript/pickle checkpoints, which can run code stored in the file')
    .option('--json', 'print JSON (with --out: a JSON summary of the file)')
    .option('--device <device>', 'cpu (default), cuda or cuda:N; features are written from the CPU')
    .option('--precision <precision>', 'fp32 (default), tf32 or bf16; features are float32 in each')
    .action(async (options: EmbedCommandOptions) => {
      for (const line of await embedCommand(options)) console.log(line);
    });
}
