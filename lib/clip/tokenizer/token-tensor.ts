/** Token rows as the int64 tensor a CLIP text tower takes. */
import type { Device } from '../../tensor/dtype';
import { tensor } from '../../tensor/create';
import type { Tensor } from '../../tensor/tensor';
import type { TokenizeOptions, Tokenizer } from './tokenizer';

/** Options of {@link tokenizeToTensor}. */
export interface TokenTensorOptions extends TokenizeOptions {
  /** Where the tensor lives. Default 'cpu'. */
  device?: Device;
}

/**
 * `tokenizer.tokenize(texts, options)` as one int64 tensor of shape [N, C] (sync; one copy into
 * native memory). The caller owns the tensor and disposes it.
 * @throws ZsclError as {@link Tokenizer.tokenize} does, E_DEVICE for an unavailable device.
 */
export function tokenizeToTensor(tokenizer: Tokenizer, texts: string | readonly string[], options: TokenTensorOptions = {}): Tensor {
  const rows = tokenizer.tokenize(texts, options);
  const contextLength = options.contextLength ?? tokenizer.contextLength;
  const flat = new Int32Array(rows.length * contextLength);
  rows.forEach((row, index) => flat.set(row, index * contextLength));
  return tensor(flat, { shape: [rows.length, contextLength], dtype: 'int64', device: options.device });
}
