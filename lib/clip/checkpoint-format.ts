/**
 * What a checkpoint's first bytes and stored metadata say, shared by the sync reader (the whole
 * file in memory) and the async one (read a range at a time).
 */
import { ZsclError } from '../errors';
import type { ClipConfig } from './config';
import { parseModelConfig } from './config';

/** Metadata key under which saveClip stores the model config (JSON). */
export const CONFIG_METADATA_KEY = 'zscl.clip_config';

/** The container a file's first bytes announce: a zip archive (torch.save or TorchScript), a legacy pickle, else safetensors. */
export function checkpointContainer(first: Uint8Array): 'zip' | 'legacy-pickle' | 'safetensors' {
  if (first.length >= 4 && first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04) return 'zip';
  if (first.length >= 2 && first[0] === 0x80 && first[1] <= 5) return 'legacy-pickle';
  return 'safetensors';
}

/** The error for a container that is not read: a legacy pickle, or TorchScript without the opt-in. */
export function refusedContainer(path: string, what: 'legacy-pickle' | 'torchscript'): ZsclError {
  if (what === 'legacy-pickle') {
    return new ZsclError(`${path} is a pickle in torch's legacy (pre-1.6) format; re-save it with torch.save (zip format) or as safetensors`, 'E_FORMAT');
  }
  return new ZsclError(
    `${path} is a TorchScript archive; loading it can execute code stored in the file. ` +
      'Pass allowCodeExecution: true (CLI: --allow-code-execution) only for files you trust, ' +
      'or convert it once to safetensors (zscl convert).',
    'E_ARG',
  );
}

/** The config saveClip stored in a safetensors file's metadata, if any. @throws ZsclError E_FORMAT / E_CONFIG naming `path`. */
export function storedModelConfig(metadata: Record<string, string>, path: string): ClipConfig | undefined {
  const stored = metadata[CONFIG_METADATA_KEY];
  return stored ? parseModelConfig(storedJson(stored, path), `${path} metadata`) : undefined;
}

// Damaged JSON in the metadata is a format error of the file.
function storedJson(stored: string, path: string): unknown {
  try {
    return JSON.parse(stored);
  } catch (error) {
    throw new ZsclError(`${path}: metadata ${CONFIG_METADATA_KEY} is not valid JSON (${(error as Error).message})`, 'E_FORMAT', { cause: error });
  }
}

/** Whether tensor names are Hugging Face `CLIPModel`'s. */
export function isHuggingFaceLayout(names: { has(name: string): boolean }): boolean {
  return names.has('text_model.embeddings.token_embedding.weight') || names.has('vision_model.embeddings.patch_embedding.weight');
}

/** Names as OpenAI/open_clip write them, or as Hugging Face's CLIPModel does. */
export type CheckpointLayout = 'openai' | 'hf';
