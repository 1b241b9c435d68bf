import assert from 'node:assert/strict';
import type { Tensor } from '../../lib';
import {
  ByteLevelTokenizer,
  ClipModel,
  ZeroShotClassifier,
  fillTemplate,
  loadTensors,
  noGrad,
  parseModelConfig,
  randn,
  stack,
  tokenizeToTensor,
} from '../../lib';
import { assertClose } from '../support/compare';
import { coded } from '../support/errors';
import { fixture, readJsonFixture } from '../support/fixtures';

describe('ZeroShotClassifier', () => {
  const tokenizer = new ByteLevelTokenizer({ vocabSize: 1000, contextLength: 16 });
  const tokenize = (texts: string[]) => tokenizeToTensor(tokenizer, texts);
  const classNames = ['cat', 'dog', 'owl', 'fox'];
  const templates = ['a {}.', 'the {c}!', (c: string) => `${c} pic`];
  let model: ClipModel;

  before(() => {
    model = ClipModel.create('tiny', { seed: 11 }).eval();
  });
  after(() => model.dispose());

  /** normalize(mean_k normalize(encode_text(template_k(c)))) for each class, class by class. */
  function manualWeights(): Tensor {
    return noGrad(() =>
      stack(
        classNames.map((name) => {
          const features = model.encodeText(tokenize(templates.map((t) => fillTemplate(t, name)))).normalize();
          return features.mean(0).normalize();
        }),
      ),
    );
  }

  it('fills templates with {} / {c} / a function and refuses one without a placeholder', () => {
    assert.equal(fillTemplate('a photo of a {}.', 'cat'), 'a photo of a cat.');
    assert.equal(fillTemplate('{c} and {c}', 'dog'), 'dog and dog');
    assert.equal(fillTemplate('a {}', '$& $1'), 'a $& $1', 'class names are taken literally');
    assert.equal(
      fillTemplate((c) => c.toUpperCase(), 'owl'),
      'OWL',
    );
    assert.throws(() => fillTemplate('a photo', 'cat'), coded('E_ARG', "'a photo'"));
  });

  it('build: weights are normalize(mean_k normalize(encode_text)), unit rows, one per class', () => {
    const classifier = ZeroShotClassifier.build(model, tokenize, classNames, templates);
    const expected = manualWeights();
    try {
      assert.deepEqual(classifier.classNames, classNames);
      assertClose(classifier.weights, expected, 1e-6, 1e-5, 'class weights');
      const norms = classifier.weights.norm(2, 1).data() as Float32Array;
      for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-5, `row norm ${n}`);
      assert.equal(classifier.weights.requiresGrad, false);
    } finally {
      classifier.dispose();
      expected.dispose();
    }
  });

  it('batching the prompts (batchSize 2) and buildAsync give the same weights', async () => {
    const whole = ZeroShotClassifier.build(model, tokenize, classNames, templates);
    const batched = ZeroShotClassifier.build(model, tokenize, classNames, templates, { batchSize: 2 });
    const async = await ZeroShotClassifier.buildAsync(model, tokenize, classNames, templates, { batchSize: 5 });
    try {
      assertClose(batched.weights, whole.weights, 1e-6, 1e-6, 'batchSize 2');
      assertClose(async.weights, whole.weights, 1e-6, 1e-6, 'buildAsync');
    } finally {
      for (const c of [whole, batched, async]) c.dispose();
    }
  });

  it('logits = scale · normalize(features) @ Wᵀ; predict = argmax', () => {
    const classifier = ZeroShotClassifier.build(model, tokenize, classNames, templates);
    try {
      noGrad(() => {
        const features = model.encodeImage(randn([5, 3, 32, 32]));
        const manual = features.normalize().matmul(classifier.weights.T).mul(100);
        assertClose(classifier.logits(features), manual, 1e-5, 1e-5, 'logits (scale 100)');
        assertClose(classifier.logits(features, 1), manual.div(100), 1e-6, 1e-5, 'logits (scale 1)');
        assert.deepEqual(classifier.predict(features).toArray(), manual.argmax(-1).toArray());
      });
    } finally {
      classifier.dispose();
    }
  });

  it('rejects empty classes or templates and bad batch sizes with E_ARG', () => {
    assert.throws(() => ZeroShotClassifier.build(model, tokenize, [], templates), coded('E_ARG', 'class names'));
    assert.throws(() => ZeroShotClassifier.build(model, tokenize, classNames, []), coded('E_ARG', 'templates'));
    assert.throws(() => ZeroShotClassifier.build(model, tokenize, classNames, ['no slot']), coded('E_ARG', 'placeholder'));
    assert.throws(() => ZeroShotClassifier.build(model, tokenize, classNames, templates, { batchSize: 0 }), coded('E_ARG', 'batchSize'));
  });

  describe('fromTokens against the zscl-mtil evaluation reference', () => {
    const config = parseModelConfig(readJsonFixture<{ model: unknown }>('zscl-mtil', 'config.json').model);
    let inputs: Record<string, Tensor>;
    let reference: Record<string, Tensor>;
    before(() => {
      inputs = loadTensors(fixture('zscl-mtil', 'inputs.safetensors'));
      reference = loadTensors(fixture('zscl-mtil', 'eval.safetensors'));
    });
    after(() => {
      for (const t of [...Object.values(inputs), ...Object.values(reference)]) t.dispose();
    });

    for (const [stage, weightsFile] of [
      ['init', 'init_weights.safetensors'],
      ['final', 'task1_final_we.safetensors'],
    ] as const) {
      it(`${stage}: logits within 1e-5 + 1e-4·|ref|, predictions exact`, () => {
        const m = ClipModel.create(config);
        const weights = loadTensors(fixture('zscl-mtil', weightsFile));
        try {
          m.loadStateDict(weights);
          const classifier = ZeroShotClassifier.fromTokens(m, inputs.eval_tokens, { batchSize: 4 });
          assert.deepEqual(classifier.classNames, ['0', '1', '2', '3', '4']);
          noGrad(() => {
            const features = m.encodeImage(inputs.eval_images);
            assertClose(classifier.logits(features), reference[`${stage}.logits`], 1e-5, 1e-4, `${stage}.logits`);
            assert.deepEqual(classifier.predict(features).toArray(), reference[`${stage}.pred`].toArray());
          });
          classifier.dispose();
        } finally {
          m.dispose();
          for (const t of Object.values(weights)) t.dispose();
        }
      });
    }

    it('equals build() on the same prompts', () => {
      const prompts = classNames.map((name) => templates.map((t) => fillTemplate(t, name)));
      const rows = tokenize(prompts.flat()).reshape(classNames.length, templates.length, 16);
      const fromTokens = ZeroShotClassifier.fromTokens(model, rows, { classNames });
      const built = ZeroShotClassifier.build(model, tokenize, classNames, templates);
      assertClose(fromTokens.weights, built.weights, 1e-6, 1e-6, 'fromTokens vs build');
      assert.deepEqual(fromTokens.classNames, classNames);
      fromTokens.dispose();
      built.dispose();
    });

    it('rejects token tensors that are not [C, K, L] integers, and class-name counts that differ', () => {
      assert.throws(() => ZeroShotClassifier.fromTokens(model, inputs.eval_tokens.select(1, 0)), coded('E_SHAPE', '[5, 16]'));
      assert.throws(() => ZeroShotClassifier.fromTokens(model, inputs.eval_tokens.float()), coded('E_DTYPE', 'float32'));
      assert.throws(() => ZeroShotClassifier.fromTokens(model, inputs.eval_tokens, { classNames: ['a'] }), coded('E_ARG', 'expected 5 class names'));
    });
  });
});
