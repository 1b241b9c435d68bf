/** The tokenizer of the demo models (the pretraining script and the demo share it). */
import type { ClipConfig } from '../clip/config';
import { ByteLevelTokenizer } from '../clip/tokenizer';

/** The tokenizer of the demo models: UTF-8 bytes, pad 0, SOT/EOT at the top of the vocabulary. */
export function demoTokenizer(config: Pick<ClipConfig, 'vocabSize' | 'contextLength'>): ByteLevelTokenizer {
  return new ByteLevelTokenizer({ vocabSize: config.vocabSize, contextLength: config.contextLength });
}
