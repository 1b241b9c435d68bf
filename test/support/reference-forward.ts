/**
 * Runs a fixture folder of the tiny-clip kind (config.json `model`, weights.safetensors,
 * inputs.safetensors with `images` and `tokens`) and returns the six reference tensors under
 * the names of its expected.safetensors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../../lib/errors';
import { loadTensors } from '../../lib/io/safetensors';
import { noGrad } from '../../lib/tensor/autograd';
import type { Tensor } from '../../lib/tensor/tensor';
import type { Device } from '../../lib/tensor/dtype';
import { parseModelConfig } from '../../lib/clip/config';
import { ClipModel } from '../../lib/clip/model';

/** Names and meaning as in the fixtures README (tiny-clip). */
export interface ForwardOutputs {
  image_features: Tensor;
  text_features: Tensor;
  logits_per_image: Tensor;
  logits_per_text: Tensor;
  visual_pre_proj: Tensor;
  text_eot_hidden: Tensor;
}

/** Computes the forward outputs of a tiny-clip style fixture folder in float32. Sync. */
export function runForwardFixture(dir: string, options: { device?: Device } = {}): ForwardOutputs {
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile)) throw new ZsclError(`${dir} has no config.json`, 'E_IO');
  const json = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { model?: unknown };
  if (!json.model) throw new ZsclError(`${configFile} has no "model" section`, 'E_FORMAT');
  const model = ClipModel.create(parseModelConfig(json.model, configFile));
  try {
    const weights = loadTensors(path.join(dir, 'weights.safetensors'));
    model.loadStateDict(weights);
    if (options.device) model.to(options.device);
    for (const t of Object.values(weights)) t.dispose();
    const inputs = loadTensors(path.join(dir, 'inputs.safetensors'), { device: options.device });
    if (!inputs.images || !inputs.tokens) throw new ZsclError(`${dir}/inputs.safetensors needs 'images' and 'tokens'`, 'E_FORMAT');
    return noGrad(() => {
      const image = model.encodeImageWithHidden(inputs.images);
      const text = model.encodeTextWithHidden(inputs.tokens);
      const { logitsPerImage, logitsPerText } = model.logits(inputs.images, inputs.tokens);
      for (const t of Object.values(inputs)) t.dispose();
      const cpu = (t: Tensor): Tensor => t.to('cpu').contiguous();
      return {
        image_features: cpu(image.features),
        text_features: cpu(text.features),
        logits_per_image: cpu(logitsPerImage),
        logits_per_text: cpu(logitsPerText),
        visual_pre_proj: cpu(image.hidden),
        text_eot_hidden: cpu(text.hidden),
      };
    });
  } finally {
    model.dispose();
  }
}
