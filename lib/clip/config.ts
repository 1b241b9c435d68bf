/**
 * CLIP shapes as data: configs/models/*.json in open_clip's format, the flat OpenAI
 * `build_model` names, or inferred from a state dict's tensor shapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ZsclError, describeValue } from '../errors';
import { readJsonFile } from '../io/json-file';
import { checkWithSchema } from '../io/schema-check';
import { packageRoot } from '../native';

const shape = () => z.int({ error: 'expected a positive integer' }).min(1, { error: 'expected a positive integer' });

/**
 * Shapes of a ViT CLIP (camelCase; all positive integers): the schema every accepted config form
 * is turned into and checked against, divisibility rules included.
 */
export const clipConfigSchema = z
  .object(
    {
      embedDim: shape(),
      imageResolution: shape(),
      visionLayers: shape(),
      visionWidth: shape(),
      visionPatchSize: shape(),
      visionHeads: shape(),
      contextLength: shape(),
      vocabSize: shape(),
      transformerWidth: shape(),
      transformerLayers: shape(),
      transformerHeads: shape(),
      /** QuickGELU (OpenAI weights) or exact GELU (open_clip's own models). */
      activation: z.enum(['quick_gelu', 'gelu'], { error: "expected 'quick_gelu' or 'gelu'" }),
    },
    { error: 'expected a CLIP config object' },
  )
  .superRefine((c, ctx) => {
    const rule = (ok: boolean, message: string) => ok || ctx.addIssue({ code: 'custom', path: [], message });
    rule(c.visionWidth % c.visionHeads === 0, `visionWidth ${c.visionWidth} is not divisible by visionHeads ${c.visionHeads}`);
    rule(c.transformerWidth % c.transformerHeads === 0, `transformerWidth ${c.transformerWidth} is not divisible by transformerHeads ${c.transformerHeads}`);
    rule(c.imageResolution % c.visionPatchSize === 0, `imageResolution ${c.imageResolution} is not a multiple of visionPatchSize ${c.visionPatchSize}`);
  });

/** Shapes of a ViT CLIP (camelCase; all positive integers). */
export type ClipConfig = z.infer<typeof clipConfigSchema>;

/** open_clip's model config JSON. */
export interface OpenClipConfigJson {
  embed_dim: number;
  quick_gelu?: boolean;
  vision_cfg: { image_size: number; layers: number; width: number; patch_size: number; heads?: number; head_width?: number };
  text_cfg: { context_length: number; vocab_size: number; width: number; heads: number; layers: number };
}

const QUICKGELU_SUFFIX = '-quickgelu';

/** The folder of the named model configs. */
const modelConfigDir = path.join(packageRoot, 'configs', 'models');

/** Names of the shipped configs (ViT-B-32, ViT-B-16, ViT-L-14, tiny, mid, ...). Sync. */
export function listModelConfigs(): string[] {
  return fs
    .readdirSync(modelConfigDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * The config of a shipped model by name, or of a config file by path. Sync.
 * @throws ZsclError E_CONFIG for an unknown name or an invalid file.
 */
export function loadModelConfig(nameOrPath: string): ClipConfig {
  const file = nameOrPath.endsWith('.json') ? nameOrPath : path.join(modelConfigDir, `${nameOrPath}.json`);
  // open_clip's naming: `<model>-quickgelu` is the model with QuickGELU (as OpenAI's weights).
  if (!fs.existsSync(file) && nameOrPath.endsWith(QUICKGELU_SUFFIX) && !nameOrPath.endsWith('.json')) {
    return { ...loadModelConfig(nameOrPath.slice(0, -QUICKGELU_SUFFIX.length)), activation: 'quick_gelu' };
  }
  if (!fs.existsSync(file)) {
    throw new ZsclError(`unknown model config '${nameOrPath}'; known: ${listModelConfigs().join(', ')}`, 'E_CONFIG');
  }
  const json = readJsonFile(file, { what: 'model config', code: 'E_CONFIG' });
  return parseModelConfig(json, file);
}

/**
 * Reads any accepted config shape: open_clip JSON (`vision_cfg`/`text_cfg`), OpenAI's flat
 * names (`vision_width`, `transformer_heads`, ... as the test fixtures' `model`), or a ClipConfig.
 * @throws ZsclError E_CONFIG naming the first invalid field.
 */
export function parseModelConfig(json: unknown, source = 'config'): ClipConfig {
  if (json === null || typeof json !== 'object') {
    throw new ZsclError(`${source}: expected an object but received ${describeValue(json)}`, 'E_CONFIG');
  }
  const o = json as Record<string, unknown>;
  let config: ClipConfig;
  if ('vision_cfg' in o) {
    const c = o as unknown as OpenClipConfigJson;
    const v = objectOr(c.vision_cfg) as unknown as OpenClipConfigJson['vision_cfg'];
    const t = objectOr(c.text_cfg) as unknown as OpenClipConfigJson['text_cfg'];
    config = {
      embedDim: c.embed_dim,
      imageResolution: v.image_size,
      visionLayers: v.layers,
      visionWidth: v.width,
      visionPatchSize: v.patch_size,
      visionHeads: v.heads ?? Math.floor(v.width / (v.head_width ?? 64)),
      contextLength: t.context_length,
      vocabSize: t.vocab_size,
      transformerWidth: t.width,
      transformerLayers: t.layers,
      transformerHeads: t.heads,
      activation: c.quick_gelu === false ? 'gelu' : 'quick_gelu',
    };
    return validateConfig(config, source, OPEN_CLIP_KEYS);
  } else if ('vision_width' in o) {
    const n = (key: string): number => o[key] as number;
    config = {
      embedDim: n('embed_dim'),
      imageResolution: n('image_resolution'),
      visionLayers: n('vision_layers'),
      visionWidth: n('vision_width'),
      visionPatchSize: n('vision_patch_size'),
      visionHeads: (o.vision_heads as number | undefined) ?? Math.floor(n('vision_width') / 64),
      contextLength: n('context_length'),
      vocabSize: n('vocab_size'),
      transformerWidth: n('transformer_width'),
      transformerLayers: n('transformer_layers'),
      transformerHeads: (o.transformer_heads as number | undefined) ?? Math.floor(n('transformer_width') / 64),
      activation: o.quick_gelu === false || o.activation === 'gelu' ? 'gelu' : 'quick_gelu',
    };
    return validateConfig(config, source, OPENAI_KEYS);
  } else {
    config = { activation: 'quick_gelu', ...(o as Partial<ClipConfig>) } as ClipConfig;
  }
  return validateConfig(config, source);
}

function objectOr(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** Where each field comes from in an open_clip JSON (named in validation errors). */
const OPEN_CLIP_KEYS: Partial<Record<keyof ClipConfig, string>> = {
  embedDim: 'embed_dim',
  imageResolution: 'vision_cfg.image_size',
  visionLayers: 'vision_cfg.layers',
  visionWidth: 'vision_cfg.width',
  visionPatchSize: 'vision_cfg.patch_size',
  visionHeads: 'vision_cfg.heads',
  contextLength: 'text_cfg.context_length',
  vocabSize: 'text_cfg.vocab_size',
  transformerWidth: 'text_cfg.width',
  transformerLayers: 'text_cfg.layers',
  transformerHeads: 'text_cfg.heads',
};

/** Where each field comes from in OpenAI's flat `build_model` names. */
const OPENAI_KEYS: Partial<Record<keyof ClipConfig, string>> = {
  embedDim: 'embed_dim',
  imageResolution: 'image_resolution',
  visionLayers: 'vision_layers',
  visionWidth: 'vision_width',
  visionPatchSize: 'vision_patch_size',
  visionHeads: 'vision_heads',
  contextLength: 'context_length',
  vocabSize: 'vocab_size',
  transformerWidth: 'transformer_width',
  transformerLayers: 'transformer_layers',
  transformerHeads: 'transformer_heads',
};

/**
 * Checks every field and the divisibility rules. `keyNames` says under which name each field
 * appeared in the source, for the error message. Sync.
 * @throws ZsclError E_CONFIG naming the first invalid field.
 */
export function validateConfig(config: ClipConfig, source = 'config', keyNames: Partial<Record<keyof ClipConfig, string>> = {}): ClipConfig {
  if (config === null || typeof config !== 'object') {
    throw new ZsclError(`${source}: expected a CLIP config object but received ${describeValue(config)}`, 'E_CONFIG');
  }
  const named = (key: string) => (key in keyNames ? `${key} (${keyNames[key as keyof ClipConfig]})` : key);
  // The schema only checks: callers keep their object (and its identity).
  checkWithSchema(clipConfigSchema, config, { source, code: 'E_CONFIG', rename: (key) => (key === '(root)' ? 'shapes' : named(key)) });
  return config;
}

/**
 * Infers the shapes from state-dict tensor shapes (OpenAI's build_model rules). Head counts come
 * from `heads` when given, else width / 64 as OpenAI does.
 * @throws ZsclError E_CONFIG when a required tensor is missing.
 */
export function inferConfig(
  shapes: Record<string, number[]>,
  heads: { vision?: number; text?: number } = {},
  activation: ClipConfig['activation'] = 'quick_gelu',
): ClipConfig {
  const shape = (key: string): number[] => {
    const s = shapes[key];
    if (!s) throw new ZsclError(`cannot infer the CLIP shapes: the state dict has no '${key}'`, 'E_CONFIG');
    return s;
  };
  const countLayers = (prefix: string): number => {
    const ids = new Set<number>();
    const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}(\\d+)\\.`);
    for (const key of Object.keys(shapes)) {
      const m = pattern.exec(key);
      if (m) ids.add(Number(m[1]));
    }
    return ids.size;
  };
  const conv = shape('visual.conv1.weight');
  const visionWidth = conv[0];
  const patch = conv[conv.length - 1];
  const grid = Math.round(Math.sqrt(shape('visual.positional_embedding')[0] - 1));
  const transformerWidth = shape('ln_final.weight')[0];
  return validateConfig(
    {
      embedDim: shape('text_projection')[1],
      imageResolution: patch * grid,
      visionLayers: countLayers('visual.transformer.resblocks.'),
      visionWidth,
      visionPatchSize: patch,
      visionHeads: heads.vision ?? Math.floor(visionWidth / 64),
      contextLength: shape('positional_embedding')[0],
      vocabSize: shape('token_embedding.weight')[0],
      transformerWidth,
      transformerLayers: countLayers('transformer.resblocks.'),
      transformerHeads: heads.text ?? Math.floor(transformerWidth / 64),
      activation,
    },
    'inferred config',
  );
}
