/**
 * The tokenizer of the demo models (the pretraining script and the demo share it): one id per word
 * of the demo's closed language — the rendered world's captions and attribute names, and the
 * prompts and class names of every demo task. Words are sorted, so ids depend only on the set;
 * assets/demo-clip.json records its hash and a test checks that the shipped model still matches.
 */
import { createHash } from 'node:crypto';
import type { ClipConfig } from '../clip/config';
import { WordLevelTokenizer } from '../clip/tokenizer';
import { CAPTION_WORDS } from './world/caption';
import { COLOURS, COUNT_WORDS, DIGITS, LETTERS, SHAPES, SHAPE_PLURALS, SIZES, TEXTURES } from './world/vocabulary';
import { WORLD_TASKS } from './world/tasks';
import { DEMO_DATASET_TEXTS } from './dataset-texts';

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[.,;:!?{}]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '');
}

/** The demo language's words, sorted (ids follow this order). */
function demoVocabulary(): string[] {
  const texts = [
    ...CAPTION_WORDS,
    ...SHAPES,
    ...Object.values(SHAPE_PLURALS),
    ...COLOURS,
    ...TEXTURES,
    ...SIZES,
    ...COUNT_WORDS,
    ...LETTERS,
    ...DIGITS,
    ...Object.values(WORLD_TASKS).flatMap((make) => make().templates),
    ...DEMO_DATASET_TEXTS,
  ];
  return [...new Set(texts.flatMap(words))].sort();
}

/** SHA-256 of the vocabulary (the shipped model records the one it was pretrained with). */
export function demoVocabularyHash(): string {
  return createHash('sha256').update(demoVocabulary().join('\n')).digest('hex');
}

/** The tokenizer of the demo models for a model `config` (its vocabulary size and context length). */
export function demoTokenizer(config: Pick<ClipConfig, 'vocabSize' | 'contextLength'>): WordLevelTokenizer {
  return new WordLevelTokenizer({ words: demoVocabulary(), vocabSize: config.vocabSize, contextLength: config.contextLength });
}
