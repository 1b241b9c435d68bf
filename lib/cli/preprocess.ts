/**
 * `zscl preprocess IMAGE... --out FILE.safetensors [--size 224] [--mode eval|train] [--seed S]`:
 * decodes the images, applies CLIP's evaluation (resize + centre crop) or training (random resized
 * crop) transform and writes one normalised float32 [N, 3, size, size] tensor named `images`.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ZsclError, describeValue } from '../errors';
import { preprocessBatch } from '../data/preprocess';
import { clipEvalTransform, clipTrainTransform } from '../data/transform';
import { writeSafetensorsAsync } from '../io/safetensors-write';

/** The parsed options of `zscl preprocess`. */
export interface PreprocessCliOptions {
  out: string;
  size: string;
  mode: string;
  seed: string;
  workers: string;
  autoOrient: boolean;
}

/** Adds `preprocess` to the program. */
export function registerPreprocess(program: Command): void {
  program
    .command('preprocess')
    .description('decode images, apply the CLIP transform and write one normalised float32 NCHW batch (tensor "images") to a safetensors file')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, GIF, TIFF, …)')
    .requiredOption('--out <file>', 'output file (.safetensors)')
    .option('--size <pixels>', 'output side', '224')
    .option('--mode <mode>', 'eval: resize the shorter side + centre crop; train: random resized crop (scale 0.9–1)', 'eval')
    .option('--seed <n>', 'seed of the train-mode crops', '0')
    .option('--workers <n>', 'images decoded at the same time', '4')
    .option('--no-auto-orient', 'ignore EXIF orientation (as the reference does)')
    .action(async (images: string[], options: PreprocessCliOptions) => {
      const { out, summary } = await runPreprocess(images, options);
      console.log(`zscl preprocess: wrote ${summary} to ${out}`);
    });
}

/**
 * The action of `zscl preprocess`. Async.
 * @throws (rejects) ZsclError E_ARG for bad options, E_FORMAT/E_IO naming an image that cannot be
 *   read, E_IO when the output cannot be written.
 */
async function runPreprocess(images: string[], options: PreprocessCliOptions): Promise<{ out: string; summary: string }> {
  const integer = (name: string, text: string, min: number) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min)
      throw new ZsclError(`zscl preprocess: expected --${name} to be an integer >= ${min} but received ${describeValue(text)}`, 'E_ARG');
    return value;
  };
  const size = integer('size', options.size, 1);
  const seed = integer('seed', options.seed, 0);
  const concurrency = integer('workers', options.workers, 1);
  if (options.mode !== 'eval' && options.mode !== 'train')
    throw new ZsclError(`zscl preprocess: expected --mode eval or train but received ${describeValue(options.mode)}`, 'E_ARG');
  if (!/\.safetensors$/i.test(options.out))
    throw new ZsclError(`zscl preprocess: --out should name a .safetensors file but received '${options.out}'`, 'E_ARG');
  const transform = options.mode === 'eval' ? clipEvalTransform({ size }) : clipTrainTransform({ size });
  const batch = await preprocessBatch(images, transform, { seed, concurrency, autoOrient: options.autoOrient });
  try {
    const metadata = {
      format: 'zscl preprocess',
      mode: options.mode,
      size: String(size),
      seed: options.mode === 'train' ? String(seed) : '',
      mean: transform.mean.join(','),
      std: transform.std.join(','),
      files: JSON.stringify(images.map((f) => path.resolve(f))),
    };
    await writeSafetensorsAsync(options.out, { images: batch }, metadata);
  } finally {
    batch.dispose();
  }
  return {
    out: options.out,
    summary: `${images.length} image${images.length === 1 ? '' : 's'} as float32 [${images.length}, 3, ${size}, ${size}] (tensor 'images', ${options.mode} transform)`,
  };
}
