/**
 * `zscl convert IN OUT.safetensors`: any checkpoint loadClip reads (OpenAI TorchScript `.pt` with
 * --allow-code-execution; torch.save archives such as open_clip's `.pt`/`.bin`, read without running
 * code; Hugging Face or OpenAI-named safetensors) written once as safetensors with OpenAI names and
 * the config, activation included, in the metadata — so later loads need no flags.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ZsclError } from '../errors';
import type { ClipActivation, LoadClipOptions } from '../clip/checkpoint';
import { loadClipAsync, saveClip } from '../clip/checkpoint';

/** Options of `zscl convert` as commander parses them. */
export interface ConvertOptions {
  /** A model name (configs/models, e.g. ViT-B-16 or ViT-B-16-quickgelu) or config file: shapes and activation. */
  config?: string;
  /** QuickGELU or GELU, over the config's; needed for a state dict without --config. */
  activation?: ClipActivation;
  allowCodeExecution?: boolean;
}

/** What {@link convertCheckpoint} wrote. */
export interface ConvertSummary {
  out: string;
  parameters: number;
  activation: ClipActivation;
}

/**
 * Reads `input` and writes its weights as safetensors to `out` (atomic). Async.
 * @throws ZsclError (rejects) as loadClip: E_CONFIG when the activation is unknown (the message
 *   names the flags), E_FORMAT for a refused pickle global, E_ARG for TorchScript without opt-in.
 */
async function convertCheckpoint(input: string, out: string, options: ConvertOptions = {}): Promise<ConvertSummary> {
  if (!out.endsWith('.safetensors')) throw new ZsclError(`convert: the output ${out} must end in .safetensors`, 'E_ARG');
  const load: LoadClipOptions = { config: options.config, activation: options.activation, allowCodeExecution: options.allowCodeExecution };
  const model = await loadClipAsync(input, load);
  try {
    saveClip(model, out, { 'zscl.converted_from': path.basename(input) });
    return { out, parameters: model.parameterCount, activation: model.config.activation };
  } finally {
    model.dispose();
  }
}

function parseActivation(value: string): ClipActivation {
  if (value !== 'quick_gelu' && value !== 'gelu') throw new ZsclError(`--activation must be quick_gelu or gelu but is '${value}'`, 'E_ARG');
  return value;
}

/** Adds `zscl convert` to `program`; prints a JSON summary of what was written. */
export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert a CLIP checkpoint (TorchScript .pt, torch.save .pt/.bin, safetensors) to safetensors with its config')
    .argument('<in>', 'checkpoint to read')
    .argument('<out>', 'safetensors file to write')
    .option('--config <name|file>', 'model config: a name (ViT-B-16, ViT-B-16-quickgelu, …) or a JSON file; gives shapes and activation')
    .option('--activation <quick_gelu|gelu>', 'MLP activation: quick_gelu (OpenAI weights) or gelu (open_clip LAION models)', parseActivation)
    .option('--allow-code-execution', 'allow reading a TorchScript archive (it runs code from the file); only for files you trust')
    .action(async (input: string, out: string, options: ConvertOptions) => {
      console.log(JSON.stringify(await convertCheckpoint(input, out, options)));
    });
}
