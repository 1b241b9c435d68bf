/**
 * CLIP checkpoints: safetensors with OpenAI/open_clip names (a `module.` prefix is stripped),
 * Hugging Face `CLIPModel` layout, and OpenAI TorchScript archives (only on explicit opt-in:
 * such files can execute code). Saving writes safetensors with OpenAI names and the config.
 */
import fs from 'node:fs';
import { ZsclError } from '../errors';
import { readSafetensors, tensorsOfFile, writeSafetensors } from '../io/safetensors';
import { cat } from '../tensor/create';
import { native } from '../native';
import type { NativeHandle, NativeResult } from '../native';
import { tidy } from '../tensor/scope';
import type { Device } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { wrapList } from '../tensor/tensor';
import type { ClipConfig } from './config';
import { inferConfig, loadModelConfig, parseModelConfig, validateConfig } from './config';
import { ClipModel } from './model';

/** Metadata key under which {@link saveClip} stores the model config (JSON). */
export const CONFIG_METADATA_KEY = 'zscl.clip_config';

export type CheckpointLayout = 'openai' | 'hf';

export interface LoadClipOptions {
  /** Shapes (a name such as 'ViT-B-16', a config, or a config file); default: from the file or inferred. */
  config?: ClipConfig | string;
  /** Head counts when inferring shapes (default width/64, as OpenAI does). */
  heads?: { vision?: number; text?: number };
  /** Allow reading a TorchScript archive, which runs code stored in the file. Default false. */
  allowCodeExecution?: boolean;
  device?: Device;
}

/**
 * Loads a CLIP checkpoint into a new model. Sync.
 * @throws ZsclError E_IO (unreadable file), E_FORMAT (bad file or keys that do not match the model,
 *   all listed in one message), E_ARG (a TorchScript archive without `allowCodeExecution`).
 */
export function loadClip(path: string, options: LoadClipOptions = {}): ClipModel {
  return tidy(() => {
    const { tensors, config: stored } = readCheckpoint(path, options);
    const shapes = Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]));
    const config = resolveConfig(options.config, stored, shapes, options.heads);
    const model = ClipModel.create(config);
    model.loadStateDict(tensors);
    if (options.device && options.device !== 'cpu') model.to(options.device);
    return model;
  });
}

/** Saves the parameters as safetensors with OpenAI names, the config in the metadata. Sync, atomic. */
export function saveClip(model: ClipModel, path: string, metadata: Record<string, string> = {}): void {
  writeSafetensors(path, model.stateDict(), { ...metadata, [CONFIG_METADATA_KEY]: JSON.stringify(model.config) });
}

/** The tensors of a checkpoint under OpenAI names, and the config stored with it (if any). Sync. */
export function readCheckpoint(
  path: string,
  options: Pick<LoadClipOptions, 'allowCodeExecution'> = {},
): { tensors: Map<string, Tensor>; config?: ClipConfig; layout: CheckpointLayout } {
  if (!fs.existsSync(path)) throw new ZsclError(`checkpoint ${path} does not exist`, 'E_IO');
  if (isZipArchive(path)) {
    if (!options.allowCodeExecution) {
      throw new ZsclError(
        `${path} is a TorchScript/pickle archive; loading it can execute code stored in the file. ` +
          'Pass allowCodeExecution: true (CLI: --allow-code-execution) only for files you trust, ' +
          'or convert it once to safetensors.',
        'E_ARG',
      );
    }
    return { tensors: fromOpenAiKeys(readTorchScript(path)), layout: 'openai' };
  }
  const file = readSafetensors(path);
  const raw = new Map(Object.entries(tensorsOfFile(file)));
  const stored = file.metadata[CONFIG_METADATA_KEY];
  const config = stored ? parseModelConfig(JSON.parse(stored), `${path} metadata`) : undefined;
  if (raw.has('text_model.embeddings.token_embedding.weight') || raw.has('vision_model.embeddings.patch_embedding.weight')) {
    return { tensors: fromHuggingFaceKeys(raw), config, layout: 'hf' };
  }
  return { tensors: fromOpenAiKeys(raw), config, layout: 'openai' };
}

/** OpenAI/open_clip names: strips DataParallel's `module.` prefix; drops OpenAI JIT's non-weights. */
export function fromOpenAiKeys(tensors: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, t] of tensors) {
    const name = key.startsWith('module.') ? key.slice('module.'.length) : key;
    if (name === 'input_resolution' || name === 'context_length' || name === 'vocab_size') continue;
    if (name === 'attn_mask' || name.endsWith('.attn_mask')) continue;
    out.set(name, t);
  }
  return out;
}

const HF_BLOCK_PARTS: [string, string][] = [
  ['self_attn.out_proj', 'attn.out_proj'],
  ['layer_norm1', 'ln_1'],
  ['layer_norm2', 'ln_2'],
  ['mlp.fc1', 'mlp.c_fc'],
  ['mlp.fc2', 'mlp.c_proj'],
];

const HF_RENAMES: Record<string, string> = {
  'text_model.embeddings.token_embedding.weight': 'token_embedding.weight',
  'text_model.embeddings.position_embedding.weight': 'positional_embedding',
  'text_model.final_layer_norm.weight': 'ln_final.weight',
  'text_model.final_layer_norm.bias': 'ln_final.bias',
  'vision_model.embeddings.class_embedding': 'visual.class_embedding',
  'vision_model.embeddings.patch_embedding.weight': 'visual.conv1.weight',
  'vision_model.embeddings.position_embedding.weight': 'visual.positional_embedding',
  'vision_model.pre_layrnorm.weight': 'visual.ln_pre.weight',
  'vision_model.pre_layrnorm.bias': 'visual.ln_pre.bias',
  'vision_model.post_layernorm.weight': 'visual.ln_post.weight',
  'vision_model.post_layernorm.bias': 'visual.ln_post.bias',
  logit_scale: 'logit_scale',
};

/**
 * Hugging Face `CLIPModel` names → OpenAI names: q/k/v projections concatenated into
 * in_proj, `text_projection`/`visual_projection` transposed. Unknown keys are kept (and then
 * reported as unexpected); position_ids buffers are dropped.
 */
export function fromHuggingFaceKeys(tensors: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const qkv = new Map<string, Partial<Record<'q' | 'k' | 'v', Tensor>>>();
  for (const [key, t] of tensors) {
    if (key.endsWith('position_ids')) continue;
    if (HF_RENAMES[key]) {
      out.set(HF_RENAMES[key], t);
      continue;
    }
    if (key === 'text_projection.weight') {
      out.set('text_projection', t.T.contiguous());
      continue;
    }
    if (key === 'visual_projection.weight') {
      out.set('visual.proj', t.T.contiguous());
      continue;
    }
    const block = /^(text|vision)_model\.encoder\.layers\.(\d+)\.(.+)$/.exec(key);
    if (!block) {
      out.set(key, t);
      continue;
    }
    const prefix = `${block[1] === 'text' ? '' : 'visual.'}transformer.resblocks.${block[2]}`;
    const rest = block[3];
    const proj = /^self_attn\.([qkv])_proj\.(weight|bias)$/.exec(rest);
    if (proj) {
      const target = `${prefix}.attn.in_proj_${proj[2]}`;
      const parts = qkv.get(target) ?? {};
      parts[proj[1] as 'q' | 'k' | 'v'] = t;
      qkv.set(target, parts);
      continue;
    }
    const mapped = HF_BLOCK_PARTS.find(([hf]) => rest.startsWith(`${hf}.`));
    out.set(mapped ? `${prefix}.${mapped[1]}${rest.slice(mapped[0].length)}` : key, t);
  }
  for (const [target, parts] of qkv) {
    if (!parts.q || !parts.k || !parts.v) {
      throw new ZsclError(`Hugging Face checkpoint: ${target} needs q, k and v projections; some are missing`, 'E_FORMAT');
    }
    out.set(target, cat([parts.q, parts.k, parts.v], 0));
  }
  return out;
}

function readTorchScript(path: string): Map<string, Tensor> {
  const [names, handles] = native().ops.jitLoadParameters(path) as unknown as [string[], NativeHandle[]];
  const tensors = wrapList(handles as unknown as NativeResult);
  return new Map(names.map((n, i) => [n, tensors[i]]));
}

function isZipArchive(path: string): boolean {
  const fd = fs.openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const read = fs.readSync(fd, head, 0, 4, 0);
    return read === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  } finally {
    fs.closeSync(fd);
  }
}

function resolveConfig(
  given: ClipConfig | string | undefined,
  stored: ClipConfig | undefined,
  shapes: Record<string, number[]>,
  heads: LoadClipOptions['heads'],
): ClipConfig {
  if (typeof given === 'string') return loadModelConfig(given);
  if (given) return validateConfig({ ...given });
  if (stored) return stored;
  return inferConfig(shapes, heads);
}
