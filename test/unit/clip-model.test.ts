import assert from 'node:assert/strict';
import type { Tensor } from '../../lib';
import { ClipModel, F, cat, keep, loadTensors, manualSeed, noGrad, randn, readSafetensors, tensor, tidy } from '../../lib';
import { assertClose } from '../support/compare';
import { coded } from '../support/errors';
import { TINY_CLIP_CONFIG as TINY, fixture } from '../support/fixtures';

/** Token rows [SOT, ids..., EOT, 0...] of the tiny layout (SOT 998, EOT 999). */
function tokens(lengths: number[]): Tensor {
  const rows = lengths.map((n, r) => {
    const row = new Array<number>(16).fill(0);
    row[0] = 998;
    for (let i = 1; i <= n; i++) row[i] = 1 + ((r * 37 + i * 11) % 997);
    row[n + 1] = 999;
    return row;
  });
  return tensor(rows, { dtype: 'int64' });
}

/** Population standard deviation and mean of a tensor's elements. */
function stats(t: Tensor): { mean: number; std: number } {
  const d = t.data() as Float32Array;
  let sum = 0;
  for (const v of d) sum += v;
  const mean = sum / d.length;
  let sq = 0;
  for (const v of d) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / d.length) };
}

/**
 * encode_image written out with tensor ops from the fixtures README (any activation), as an
 * independent check of the native tower.
 */
function referenceEncodeImage(model: ClipModel, images: Tensor, activation: (x: Tensor) => Tensor): Tensor {
  const c = model.config;
  const p = (name: string) => model.parameter(`visual.${name}`);
  const ln = (x: Tensor, name: string) => F.layerNorm(x, [c.visionWidth], p(`${name}.weight`), p(`${name}.bias`));
  return tidy(() => {
    const n = images.shape[0];
    const patches = F.conv2d(images, p('conv1.weight'), undefined, { stride: c.visionPatchSize }).flatten(2).transpose(1, 2);
    let x = cat([p('class_embedding').expand(n, 1, c.visionWidth), patches], 1).add(p('positional_embedding'));
    x = ln(x, 'ln_pre');
    const heads = c.visionHeads;
    const d = c.visionWidth / heads;
    const l = x.shape[1];
    for (let i = 0; i < c.visionLayers; i++) {
      const b = `transformer.resblocks.${i}`;
      const qkv = F.linear(ln(x, `${b}.ln_1`), p(`${b}.attn.in_proj_weight`), p(`${b}.attn.in_proj_bias`));
      const [q, k, v] = qkv.chunk(3, -1).map((t) => t.reshape(n, l, heads, d).transpose(1, 2));
      const attention = q.div(Math.sqrt(d)).matmul(k.transpose(-2, -1)).softmax(-1).matmul(v);
      const merged = attention.transpose(1, 2).reshape(n, l, c.visionWidth);
      x = x.add(F.linear(merged, p(`${b}.attn.out_proj.weight`), p(`${b}.attn.out_proj.bias`)));
      const hidden = activation(F.linear(ln(x, `${b}.ln_2`), p(`${b}.mlp.c_fc.weight`), p(`${b}.mlp.c_fc.bias`)));
      x = x.add(F.linear(hidden, p(`${b}.mlp.c_proj.weight`), p(`${b}.mlp.c_proj.bias`)));
    }
    return ln(x.select(1, 0), 'ln_post').matmul(p('proj'));
  });
}

describe('ClipModel', () => {
  const fixtureKeys = [...readSafetensors(fixture('tiny-clip', 'weights.safetensors')).tensors.keys()].sort();
  let model: ClipModel;
  let images: Tensor;
  let rows: Tensor;

  before(() => {
    model = ClipModel.create(TINY, { seed: 1 });
    images = randn([3, 3, 32, 32]);
    rows = tokens([0, 5, 14]);
  });
  after(() => {
    model.dispose();
    images.dispose();
    rows.dispose();
  });

  describe('creation', () => {
    it('by config has exactly the 62 OpenAI state-dict keys of the fixture, with its shapes', () => {
      const params = model.namedParameters();
      assert.equal(params.size, 62);
      assert.deepEqual([...params.keys()].sort(), fixtureKeys);
      const file = readSafetensors(fixture('tiny-clip', 'weights.safetensors'));
      for (const [name, entry] of file.tensors) assert.deepEqual(params.get(name)!.shape, entry.shape, name);
      assert.equal(model.parameterCount, 282881); // the bench README's count for `tiny`
    });

    it('by name gives the same keys, config and (with the same seed) the same weights', () => {
      const byName = ClipModel.create('tiny', { seed: 1 });
      try {
        assert.deepEqual(byName.config, TINY);
        for (const [name, t] of model.namedParameters()) {
          assert.deepEqual(byName.parameter(name).bytes(), t.bytes(), name);
        }
      } finally {
        byName.dispose();
      }
    });

    it('a seed makes creation repeatable; another seed gives other weights', () => {
      const again = ClipModel.create(TINY, { seed: 1 });
      const other = ClipModel.create(TINY, { seed: 2 });
      try {
        let differing = 0;
        for (const [name, t] of model.namedParameters()) {
          assert.deepEqual(again.parameter(name).bytes(), t.bytes(), name);
          if (Buffer.compare(other.parameter(name).bytes(), t.bytes()) !== 0) differing++;
        }
        // Everything random differs; only the constant LayerNorm weights/biases, zeroed biases and logit_scale agree.
        assert.ok(differing >= 30, `only ${differing} tensors differ between seeds 1 and 2`);
      } finally {
        again.dispose();
        other.dispose();
      }
    });

    it("follows OpenAI's initialisation scheme", () => {
      const w = TINY.transformerWidth;
      const near = (name: string, std: number, tolerance: number) => {
        const s = stats(model.parameter(name));
        assert.ok(Math.abs(s.std / std - 1) < tolerance, `${name}: std ${s.std}, expected ${std}`);
        assert.ok(Math.abs(s.mean) < 4 * std * (1 / Math.sqrt(model.parameter(name).size)) + 1e-9, `${name}: mean ${s.mean}`);
      };
      near('token_embedding.weight', 0.02, 0.03);
      near('positional_embedding', 0.01, 0.1);
      near('text_projection', w ** -0.5, 0.1);
      for (const i of [0, 1]) {
        const b = `transformer.resblocks.${i}`;
        near(`${b}.attn.in_proj_weight`, w ** -0.5, 0.05);
        near(`${b}.attn.out_proj.weight`, w ** -0.5 * (2 * TINY.transformerLayers) ** -0.5, 0.1);
        near(`${b}.mlp.c_fc.weight`, (2 * w) ** -0.5, 0.05);
        near(`${b}.mlp.c_proj.weight`, w ** -0.5 * (2 * TINY.transformerLayers) ** -0.5, 0.05);
        assert.ok(stats(model.parameter(`${b}.attn.in_proj_bias`)).std === 0, 'in_proj_bias is zero');
      }
      // Image tower: scale·randn embeddings and projection, nn.MultiheadAttention's xavier-uniform in_proj.
      const vw = TINY.visionWidth;
      near('visual.positional_embedding', vw ** -0.5, 0.1);
      near('visual.proj', vw ** -0.5, 0.1);
      near('visual.transformer.resblocks.0.attn.in_proj_weight', Math.sqrt(2 / (vw + 3 * vw)), 0.05);
      assert.deepEqual([...new Set(model.parameter('ln_final.weight').data() as Float32Array)], [1]);
      assert.deepEqual([...new Set(model.parameter('visual.ln_pre.bias').data() as Float32Array)], [0]);
      assert.equal(model.parameter('logit_scale').shape.length, 0);
      assert.ok(Math.abs(model.parameter('logit_scale').item() - Math.log(1 / 0.07)) < 1e-6);
      assert.ok(Math.abs(model.logitScale - 1 / 0.07) < 1e-4);
    });

    it('rejects an invalid config with E_CONFIG naming the field', () => {
      assert.throws(() => ClipModel.create({ ...TINY, visionHeads: 5 }), coded('E_CONFIG', 'visionHeads 5'));
      assert.throws(() => ClipModel.create({ ...TINY, embedDim: -1 }), coded('E_CONFIG', 'embedDim'));
      assert.throws(() => ClipModel.create('no-such-model'), coded('E_CONFIG', 'no-such-model'));
    });
  });

  describe('forward', () => {
    it('encodes images [N, E] and texts [M, E]; hidden states project to the features', () => {
      noGrad(() => {
        const image = model.encodeImageWithHidden(images);
        const text = model.encodeTextWithHidden(rows);
        assert.deepEqual(image.features.shape, [3, 32]);
        assert.deepEqual(image.hidden.shape, [3, 64]);
        assert.deepEqual(text.features.shape, [3, 32]);
        assert.deepEqual(text.hidden.shape, [3, 64]);
        assertClose(image.hidden.matmul(model.parameter('visual.proj')), image.features, 1e-6, 1e-5, 'image projection');
        assertClose(text.hidden.matmul(model.parameter('text_projection')), text.features, 1e-6, 1e-5, 'text projection');
        for (const t of [image.features, image.hidden, text.features, text.hidden]) t.dispose();
      });
    });

    it('the text feature is read at the EOT (largest id) position: padding after it changes nothing', () => {
      noGrad(() => {
        const short = tokens([3]);
        const trimmed = short.slice(1, 0, 5); // [SOT, 3 ids, EOT]
        assertClose(model.encodeText(trimmed), model.encodeText(short), 1e-6, 1e-5, 'trimmed row');
      });
    });

    it('with and without gradient recording the forward gives the same values (the no-grad path works in place)', () => {
      const m = ClipModel.create(TINY, { seed: 6 });
      try {
        const recorded = [m.encodeImage(images), m.encodeText(rows)];
        assert.equal(recorded[0].requiresGrad, true);
        const plain = noGrad(() => [m.encodeImage(images), m.encodeText(rows)]);
        assert.equal(plain[0].requiresGrad, false);
        assert.deepEqual(plain[0].bytes(), recorded[0].bytes());
        assert.deepEqual(plain[1].bytes(), recorded[1].bytes());
        for (const t of [...recorded, ...plain]) t.dispose();
      } finally {
        m.dispose();
      }
    });

    it('encodeImageAsync / encodeTextAsync give the values of the sync forms', async () => {
      const [a, b] = await Promise.all([model.encodeImageAsync(images), model.encodeTextAsync(rows)]);
      noGrad(() => {
        assertClose(a, model.encodeImage(images), 1e-6, 1e-6, 'async image features');
        assertClose(b, model.encodeText(rows), 1e-6, 1e-6, 'async text features');
      });
      a.dispose();
      b.dispose();
    });

    it('matches a plain tensor-op rendering of encode_image, with QuickGELU and with GELU', () => {
      const gelu = ClipModel.create({ ...TINY, activation: 'gelu' }, { seed: 1 });
      try {
        noGrad(() => {
          assertClose(model.encodeImage(images), referenceEncodeImage(model, images, F.quickGelu), 1e-5, 1e-4, 'QuickGELU tower');
          assertClose(
            gelu.encodeImage(images),
            referenceEncodeImage(gelu, images, (x) => F.gelu(x)),
            1e-5,
            1e-4,
            'GELU tower',
          );
          // Same seed, same weights: only the activation separates the two models.
          assert.deepEqual(gelu.parameter('visual.proj').bytes(), model.parameter('visual.proj').bytes());
          const gap = model.encodeImage(images).sub(gelu.encodeImage(images)).abs().max().item();
          assert.ok(gap > 1e-4, `GELU and QuickGELU features differ by only ${gap}`);
        });
      } finally {
        gelu.dispose();
      }
    });

    it('parameter gradients match the plain tensor-op rendering (QuickGELU backward, patch embedding as a matrix product)', () => {
      const plainQuickGelu = (x: Tensor) => x.mul(x.mul(1.702).sigmoid());
      const gradients = (forward: () => Tensor): Map<string, Tensor> => {
        for (const p of model.namedParameters().values()) p.setGrad(null);
        forward().square().sum().backward();
        const out = new Map<string, Tensor>();
        for (const [name, p] of model.namedParameters()) if (name.startsWith('visual.')) out.set(name, keep(p.grad!.clone()));
        return out;
      };
      const ours = gradients(() => model.encodeImage(images));
      const plain = gradients(() => referenceEncodeImage(model, images, plainQuickGelu));
      for (const [name, grad] of ours) {
        assert.ok(grad.abs().max().item() > 0, `${name}: zero gradient`);
        assertClose(grad, plain.get(name)!, 1e-5, 1e-4, name);
      }
      for (const p of model.namedParameters().values()) p.setGrad(null);
    });

    it('wrong image shapes are E_SHAPE naming the expected shape (sync and async)', async () => {
      noGrad(() => {
        assert.throws(() => model.encodeImage(randn([2, 3, 16, 16])), coded('E_SHAPE', '[N, 3, 32, 32]', '[2, 3, 16, 16]'));
        assert.throws(() => model.encodeImage(randn([3, 32, 32])), coded('E_SHAPE', '[N, 3, 32, 32]'));
        assert.throws(() => model.encodeImage(randn([2, 1, 32, 32])), coded('E_SHAPE'));
      });
      await assert.rejects(model.encodeImageAsync(randn([1, 3, 33, 33])), coded('E_SHAPE', '[1, 3, 33, 33]'));
    });

    it('bad token rows are coded: float ids E_DTYPE, too long or not 2-D E_SHAPE, out-of-vocabulary ids E_INDEX', async () => {
      noGrad(() => {
        assert.throws(() => model.encodeText(randn([2, 16])), coded('E_DTYPE', 'float'));
        assert.throws(() => model.encodeText(tensor(new Int32Array(17), { shape: [1, 17] })), coded('E_SHAPE', '1 <= L <= 16'));
        assert.throws(() => model.encodeText(tensor([1, 2, 3], { dtype: 'int64' })), coded('E_SHAPE'));
        assert.throws(() => model.encodeText(tensor([[998, 1000, 0]], { dtype: 'int64' })), coded('E_INDEX', '1000', '1000'));
        assert.throws(() => model.encodeText(tensor([[998, -1, 999]], { dtype: 'int64' })), coded('E_INDEX', '-1'));
      });
      await assert.rejects(model.encodeTextAsync(randn([1, 4])), coded('E_DTYPE'));
    });
  });

  describe('parameters and modes', () => {
    it('clone() is deep: mutating the copy leaves the original; flags, mode and outputs carry over', () => {
      const source = ClipModel.create(TINY, { seed: 3 }).freeze('visual').eval();
      const before = source.parameter('visual.proj').bytes();
      const copy = source.clone();
      try {
        assert.equal(copy.isTraining, false);
        for (const [name, p] of source.namedParameters()) {
          assert.equal(copy.parameter(name).requiresGrad, p.requiresGrad, name);
          assert.deepEqual(copy.parameter(name).bytes(), p.bytes(), name);
        }
        assert.equal(copy.parameter('visual.proj').requiresGrad, false);
        assert.equal(copy.parameter('token_embedding.weight').requiresGrad, true);
        noGrad(() => {
          copy.parameter('visual.proj').add_(1);
          copy.parameter('logit_scale').fill_(0);
        });
        assert.deepEqual(source.parameter('visual.proj').bytes(), before);
        assert.ok(Math.abs(source.logitScale - 1 / 0.07) < 1e-4);
        assert.equal(copy.logitScale, 1);
        // Changing the copy's flags leaves the source's alone.
        copy.unfreeze();
        assert.equal(source.parameter('visual.proj').requiresGrad, false);
      } finally {
        source.dispose();
        copy.dispose();
      }
    });

    it('clone() draws nothing from the global random generator', () => {
      manualSeed(21);
      const expected = randn([8]).bytes();
      manualSeed(21);
      const copy = model.clone();
      const drawn = randn([8]).bytes();
      copy.dispose();
      assert.deepEqual(drawn, expected);
    });

    it('cloneAsync() gives the same deep copy', async () => {
      const copy = await model.cloneAsync();
      try {
        for (const [name, p] of model.namedParameters()) assert.deepEqual(copy.parameter(name).bytes(), p.bytes(), name);
        noGrad(() => copy.parameter('visual.proj').zero_());
        assert.notEqual(stats(model.parameter('visual.proj')).std, 0);
      } finally {
        copy.dispose();
      }
    });

    it("freeze('visual' | 'text' | 'logit_scale') stops exactly that part's gradients; unfreeze() restores all", () => {
      const m = ClipModel.create(TINY, { seed: 4 });
      try {
        m.freeze('text', 'logit_scale');
        const trainable = [...m.trainableParameters().keys()];
        assert.ok(trainable.length > 0 && trainable.every((name) => name.startsWith('visual.')));
        const loss = m.encodeImage(images).square().sum();
        loss.backward();
        assert.ok(m.parameter('visual.proj').grad !== null);
        assert.equal(m.parameter('token_embedding.weight').grad, null);
        assert.equal(m.parameter('logit_scale').requiresGrad, false);
        m.unfreeze();
        assert.equal(m.trainableParameters().size, 62);
        m.freeze('visual');
        assert.ok([...m.trainableParameters().keys()].every((name) => !name.startsWith('visual.')));
        assert.ok(m.parameter('logit_scale').requiresGrad);
        m.unfreeze('visual').freeze('logit_scale');
        assert.deepEqual(
          [...m.trainableParameters().keys()].sort(),
          fixtureKeys.filter((k) => k !== 'logit_scale'),
        );
        assert.throws(() => m.freeze('vision' as 'visual'), coded('E_ARG', "'vision'"));
      } finally {
        m.dispose();
      }
    });

    it('train() / eval() switch the recorded mode; CLIP has no dropout, so outputs do not change', () => {
      noGrad(() => {
        const inTraining = model.train().encodeImage(images);
        assert.equal(model.isTraining, true);
        const inEval = model.eval().encodeImage(images);
        assert.equal(model.isTraining, false);
        assert.deepEqual(inEval.bytes(), inTraining.bytes());
        model.train(true);
      });
    });

    it("to('float64') casts every parameter; the float64 forward reproduces the fixture's float64 reference", () => {
      const m = ClipModel.create(TINY);
      const weights = loadTensors(fixture('tiny-clip', 'weights.safetensors'));
      const inputs = loadTensors(fixture('tiny-clip', 'inputs.safetensors'));
      const expected = loadTensors(fixture('tiny-clip', 'expected.safetensors'));
      const expected64 = loadTensors(fixture('tiny-clip', 'expected64.safetensors'));
      try {
        m.loadStateDict(weights);
        noGrad(() => {
          const image32 = m.encodeImage(inputs.images);
          const text32 = m.encodeText(inputs.tokens);
          m.to('float64');
          assert.ok([...m.namedParameters().values()].every((p) => p.dtype === 'float64'));
          const image64 = m.encodeImage(inputs.images);
          const text64 = m.encodeText(inputs.tokens);
          assert.equal(image64.dtype, 'float64');
          assertClose(image64, expected64.image_features, 1e-10, 1e-9, 'float64 image features');
          assertClose(text64, expected64.text_features, 1e-10, 1e-9, 'float64 text features');
          assertClose(image32, image64.float(), 1e-5, 1e-5, 'float32 vs float64 image features');
          assertClose(text32, text64.float(), 1e-5, 1e-5, 'float32 vs float64 text features');
          m.to({ dtype: 'float32' });
          assertClose(m.encodeImage(inputs.images), expected.image_features, 1e-5, 1e-5, 'back to float32');
        });
      } finally {
        m.dispose();
        for (const group of [weights, inputs, expected, expected64]) for (const t of Object.values(group)) t.dispose();
      }
    });

    it('dispose() is idempotent; any use afterwards is E_DISPOSED', async () => {
      const m = ClipModel.create(TINY, { seed: 5 });
      const proj = m.parameter('visual.proj');
      m.dispose();
      m.dispose();
      assert.equal(m.disposed, true);
      assert.equal(proj.disposed, true);
      for (const use of [
        () => m.encodeImage(images),
        () => m.encodeText(rows),
        () => m.namedParameters(),
        () => m.clone(),
        () => m.train(),
        () => m.to('float64'),
        () => m.freeze('visual'),
      ]) {
        assert.throws(use, coded('E_DISPOSED'));
      }
      await assert.rejects(async () => m.encodeImageAsync(images), coded('E_DISPOSED'));
    });
  });
});
