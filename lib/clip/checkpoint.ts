/**
 * CLIP checkpoints: safetensors with OpenAI/open_clip names (a `module.` prefix is stripped),
 * Hugging Face `CLIPModel` layout, torch.save zip archives (open_clip `.pt`/`.bin` state dicts,
 * read by a weights-only unpickler that runs no code), and OpenAI TorchScript archives (only on
 * explicit opt-in: such files can execute code). Saving writes safetensors with OpenAI names and
 * the config, whose `activation` says QuickGELU or GELU.
 */
import fs from 'node:fs';
import { ZsclError } from '../errors';
import { parseSafetensors, writeSafetensors } from '../io/safetensors';
import { toTensorDType } from '../io/safetensors-dtypes';
import { readFileBytes, readFileHead } from '../io/read-file';
import { cat, fromBytes } from '../tensor/create';
import { native } from '../native';
import { tidy } from '../tensor/scope';
import type { Device } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import type { ClipConfig } from './config';
import { inferConfig, loadModelConfig, validateConfig } from './config';
import { ClipModel } from './model';
import type { CheckpointLayout } from './checkpoint-format';
import { CONFIG_METADATA_KEY, checkpointContainer, isHuggingFaceLayout, refusedContainer, storedModelConfig } from './checkpoint-format';
import { readCheckpointTensorsAsync, tensorsByName } from './checkpoint-read-async';
import type { RawTensor } from './torch-archive';
import { openTorchZip, readTorchSaveState, torchZipKind } from './torch-archive';
import { zipRecordNames } from './torch-zip';

export { CONFIG_METADATA_KEY, type CheckpointLayout } from './checkpoint-format';

/** The MLP activation: QuickGELU (OpenAI CLIP weights) or exact GELU (open_clip's LAION models). */
export type ClipActivation = ClipConfig['activation'];

export interface LoadClipOptions {
  /** Shapes and activation (a name such as 'ViT-B-16', a config, or a config file); default: from the file or inferred. */
  config?: ClipConfig | string;
  /**
   * The activation, over the config's and the file's. Needed when neither says: a safetensors file
   * without zscl's config metadata, or a torch.save state dict (which never records it).
   */
  activation?: ClipActivation;
  /** Head counts when inferring shapes (default width/64, as OpenAI does). */
  heads?: { vision?: number; text?: number };
  /** Allow reading a TorchScript archive, which runs code stored in the file. Default false. */
  allowCodeExecution?: boolean;
  device?: Device;
}

/**
 * Loads a CLIP checkpoint into a new model. Sync.
 * @throws ZsclError E_IO (unreadable file), E_FORMAT (bad file, a pickle global other than the
 *   tensor ones — named as `module.name` —, or keys that do not match the model, all listed in one
 *   message), E_ARG (a TorchScript archive without `allowCodeExecution`), E_CONFIG (the activation
 *   is not known: the message says which option to pass).
 */
export function loadClip(path: string, options: LoadClipOptions = {}): ClipModel {
  return tidy(() => {
    const { tensors, config: stored, activation } = readCheckpoint(path, options);
    const config = resolveConfig(path, options, stored, activation, tensors);
    const model = ClipModel.create(config);
    model.loadStateDict(tensors);
    if (options.device && options.device !== 'cpu') model.to(options.device);
    return model;
  });
}

/**
 * Promise form of {@link loadClip} that keeps the event loop free: tensor data is read a chunk at a
 * time on libuv's thread pool and placed by the addon's worker threads (the file is never held
 * whole in memory), and the model is built and filled on worker threads. Async.
 * @throws (rejects) as {@link loadClip}.
 */
export async function loadClipAsync(path: string, options: LoadClipOptions = {}): Promise<ClipModel> {
  if (!fs.existsSync(path)) throw new ZsclError(`checkpoint ${path} does not exist`, 'E_IO');
  const read = await readCheckpointTensorsAsync(path, options);
  const made: Tensor[] = [...read.tensors.values()];
  try {
    const named = read.layout === 'hf' ? fromHuggingFaceKeys(read.tensors) : fromOpenAiKeys(read.tensors);
    made.push(...named.values());
    const config = resolveConfig(path, options, read.config, read.activation, named);
    const model = await ClipModel.createAsync(config);
    try {
      await model.loadStateDictAsync(named);
      if (options.device && options.device !== 'cpu') model.to(options.device);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  } finally {
    for (const t of made) t.dispose();
  }
}

/** Saves the parameters as safetensors with OpenAI names, the config in the metadata. Sync, atomic. */
export function saveClip(model: ClipModel, path: string, metadata: Record<string, string> = {}): void {
  writeSafetensors(path, model.stateDict(), { ...metadata, [CONFIG_METADATA_KEY]: JSON.stringify(model.config) });
}

/**
 * The tensors of a checkpoint under OpenAI names, the config stored with it (if any), and the
 * activation the file itself implies (OpenAI TorchScript: QuickGELU). Sync.
 */
export function readCheckpoint(
  path: string,
  options: Pick<LoadClipOptions, 'allowCodeExecution'> = {},
): { tensors: Map<string, Tensor>; config?: ClipConfig; activation?: ClipActivation; layout: CheckpointLayout } {
  if (!fs.existsSync(path)) throw new ZsclError(`checkpoint ${path} does not exist`, 'E_IO');
  const parsed = parseCheckpoint(path, options);
  const tensors =
    parsed.entries === 'torchscript'
      ? tensorsByName(native().ops.jitLoadParameters(path))
      : new Map([...parsed.entries].map(([name, raw]) => [name, fromBytes(raw.bytes, raw.shape, raw.dtype)]));
  const named = parsed.layout === 'hf' ? fromHuggingFaceKeys(tensors) : fromOpenAiKeys(tensors);
  return { tensors: named, config: parsed.config, activation: parsed.activation, layout: parsed.layout };
}

interface ParsedCheckpoint {
  /** The tensors as stored (names unchanged), or a TorchScript archive for the addon to read. */
  entries: Map<string, RawTensor> | 'torchscript';
  config?: ClipConfig;
  activation?: ClipActivation;
  layout: CheckpointLayout;
}

/**
 * Tells the format from the first bytes and reads what needs no native code. A TorchScript archive
 * is told by its zip directory alone and left for libtorch to read. Sync.
 */
function parseCheckpoint(path: string, options: Pick<LoadClipOptions, 'allowCodeExecution'>): ParsedCheckpoint {
  const container = checkpointContainer(readFileHead(path, 8));
  if (container === 'zip' && torchZipKind(zipRecordNames(path), path).kind === 'torchscript') {
    if (!options.allowCodeExecution) throw refusedContainer(path, 'torchscript');
    // OpenAI's TorchScript CLIP models all use QuickGELU.
    return { entries: 'torchscript', activation: 'quick_gelu', layout: 'openai' };
  }
  if (container === 'legacy-pickle') throw refusedContainer(path, 'legacy-pickle');
  const bytes = readFileBytes(path);
  if (container === 'zip') return { entries: readTorchSaveState(openTorchZip(bytes, path), path), layout: 'openai' };
  const file = parseSafetensors(bytes, path);
  const entries = new Map([...file.tensors.values()].map((e) => [e.name, { bytes: e.bytes, shape: e.shape, dtype: toTensorDType(e.dtype) }]));
  const config = storedModelConfig(file.metadata, path);
  return { entries, config, activation: config?.activation, layout: isHuggingFaceLayout(entries) ? 'hf' : 'openai' };
}

/** OpenAI/open_clip names: strips DataParallel's `module.` prefix; drops OpenAI JIT's non-weights. */
export function fromOpenAiKeys<T>(tensors: Map<string, T>): Map<string, T> {
  const out = new Map<string, T>();
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

function resolveConfig(
  path: string,
  options: LoadClipOptions,
  stored: ClipConfig | undefined,
  implied: ClipActivation | undefined,
  tensors: Map<string, Tensor>,
): ClipConfig {
  const given = options.config;
  let config: ClipConfig;
  if (typeof given === 'string') config = loadModelConfig(given);
  else if (given) config = validateConfig({ ...given });
  else if (stored) config = stored;
  else {
    const activation = options.activation ?? implied;
    if (!activation) {
      throw new ZsclError(
        `${path} does not say which activation its MLPs use (QuickGELU for OpenAI CLIP weights, GELU for open_clip's own ` +
          "LAION models) and it is not guessed: pass activation 'quick_gelu' or 'gelu', or a config " +
          '(CLI: --activation quick_gelu|gelu, or --config with a model name such as ViT-B-16 or ViT-B-16-quickgelu, or a config file)',
        'E_CONFIG',
      );
    }
    const shapes = Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]));
    return inferConfig(shapes, options.heads, activation);
  }
  return options.activation && options.activation !== config.activation ? validateConfig({ ...config, activation: options.activation }) : config;
}
