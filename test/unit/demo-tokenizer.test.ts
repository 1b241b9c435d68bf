import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fillTemplate } from '../../lib/clip/zero-shot';
import { DEMO_DATASET_TEXTS, DIGIT_CLASS_NAMES, DIGIT_TEMPLATES, FASHION_CLASS_NAMES, FASHION_TEMPLATES } from '../../lib/demo/dataset-texts';
import { demoTokenizer, demoVocabularyHash } from '../../lib/demo/tokenizer';
import { DEMO_MODEL } from '../../lib/demo/run-demo';
import { captionFor, createReferenceSet, createSceneSampler, Rng, WORLD_TASKS } from '../../lib/demo/world';

describe('demo tokenizer', () => {
  const tokenizer = demoTokenizer({ vocabSize: 160, contextLength: 24 });

  it('knows every word of 3,000 sampled world captions, the reference texts and every task prompt', () => {
    const rng = Rng.fromSeed('vocabulary-test');
    const sampler = createSceneSampler();
    const texts = Array.from({ length: 3000 }, () => captionFor(sampler(rng), rng));
    texts.push(...createReferenceSet().texts(200));
    for (const make of Object.values(WORLD_TASKS)) {
      const task = make();
      for (const t of task.templates) for (const c of task.classNames) texts.push(fillTemplate(t, c));
    }
    for (const t of DIGIT_TEMPLATES) for (const c of DIGIT_CLASS_NAMES) texts.push(fillTemplate(t, c));
    for (const t of FASHION_TEMPLATES) for (const c of FASHION_CLASS_NAMES) texts.push(fillTemplate(t, c));
    for (const text of texts) assert.ok(!tokenizer.encode(text).includes(tokenizer.unknown), `unknown word in ${JSON.stringify(text)}`);
    assert.ok(DEMO_DATASET_TEXTS.includes('t-shirt or top'));
  });

  it('is the vocabulary the shipped model was pretrained with', () => {
    const record = JSON.parse(fs.readFileSync(path.join(path.dirname(DEMO_MODEL), 'demo-clip.json'), 'utf8')) as { vocabularyHash: string };
    assert.equal(demoVocabularyHash(), record.vocabularyHash, 'the demo vocabulary changed: re-run scripts/pretrain-demo-model.ts');
  });
});
