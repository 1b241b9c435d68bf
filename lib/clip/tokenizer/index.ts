/** Tokenizers: CLIP's BPE (vocabulary file), and byte-level and word-level ones for the project's small models. */
export { type Tokenizer, type TokenizeOptions, type Truncation } from './tokenizer';
export { ClipTokenizer, type ClipTokenizerOptions, OPEN_CLIP_SPECIAL_TOKENS, OPENAI_SPECIAL_TOKENS } from './clip-tokenizer';
export { ByteLevelTokenizer, type ByteLevelTokenizerOptions } from './byte-level-tokenizer';
export { WordLevelTokenizer, type WordLevelTokenizerOptions } from './word-level-tokenizer';
export { tokenizeToTensor, type TokenTensorOptions } from './token-tensor';
export { cleanClipText } from './clip-text-clean';
export { fixText } from './text-repair/fix-text';
