import assert from 'node:assert/strict';
import { DEFAULT_IMAGE_SIZE, captionedStream, createCaptionedWorld, renderBatch } from '../../lib/demo/world/batch';
import { glyphMip, sampleGlyph } from '../../lib/demo/world/glyph-atlas';
import { CLIP_MEAN, CLIP_STD, normaliseForClip } from '../../lib/demo/world/normalise';
import { Rng } from '../../lib/demo/world/random';
import { renderScene } from '../../lib/demo/world/render';
import { createSceneSampler } from '../../lib/demo/world/scene';
import type { Scene } from '../../lib/demo/world/scene';
import { GLYPHS } from '../../lib/demo/world/vocabulary';
import { ZsclError } from '../../lib/errors';

const S = DEFAULT_IMAGE_SIZE;

function pixel(rgb: Uint8Array, size: number, x: number, y: number): number[] {
  const i = 3 * (y * size + x);
  return [rgb[i], rgb[i + 1], rgb[i + 2]];
}

function singleCircle(texture: 'solid' | 'outlined' | 'striped'): Scene {
  return {
    background: { kind: 'plain', colour: 'black', rgb: [20, 20, 20] },
    objects: [{ kind: 'shape', shape: 'circle', colour: 'yellow', rgb: [245, 220, 40], texture, x: 0.5, y: 0.5, radius: 0.3, rotation: 0 }],
    size: 'large',
    position: 'center',
  };
}

describe('demo world: rendering', () => {
  it('renders the same scene to the same bytes, and same-seed scenes identically', () => {
    const a = createSceneSampler();
    const b = createSceneSampler();
    const ra = Rng.fromSeed(21);
    const rb = Rng.fromSeed(21);
    for (let i = 0; i < 100; i++) {
      const sa = a(ra);
      const bytes = renderScene(sa, S);
      assert.equal(bytes.length, S * S * 3);
      assert.deepEqual(renderScene(b(rb), S), bytes);
      assert.deepEqual(renderScene(sa, 48), renderScene(sa, 48));
    }
  });

  it('draws what the scene says: background, object colour, outline, stripes', () => {
    const solid = renderScene(singleCircle('solid'), S);
    assert.deepEqual(pixel(solid, S, 0, 0), [20, 20, 20]);
    assert.deepEqual(pixel(solid, S, 16, 16), [245, 220, 40]);
    // Outlined: the centre shows the background, the rim the colour.
    const outlined = renderScene(singleCircle('outlined'), S);
    assert.deepEqual(pixel(outlined, S, 16, 16), [20, 20, 20]);
    assert.deepEqual(pixel(outlined, S, 16, 7), [245, 220, 40]);
    // Striped: inside the disc both the colour and the darker stripe colour occur.
    const striped = renderScene(singleCircle('striped'), S);
    const inside: number[] = [];
    for (let y = 10; y < 22; y++) for (let x = 10; x < 22; x++) inside.push(pixel(striped, S, x, y)[0]);
    assert.ok(Math.max(...inside) >= 240 && Math.min(...inside) <= 110, `red channel ${Math.min(...inside)}..${Math.max(...inside)}`);
    // Anti-aliasing: the disc edge has intermediate values.
    const row = Array.from({ length: S }, (_, x) => pixel(solid, S, x, 16)[0]);
    assert.ok(
      row.some((v) => v > 20 && v < 245),
      'edge pixels blend',
    );
  });

  it('holds every glyph of A-Z, 0-9 in the atlas, each with a distinct mask', () => {
    const masks = GLYPHS.map((g) => {
      const mip = glyphMip(g, 32);
      assert.equal(mip.side, 32);
      return Array.from({ length: 32 * 32 }, (_, i) => sampleGlyph(mip, ((i % 32) + 0.5) / 32, (Math.floor(i / 32) + 0.5) / 32));
    });
    for (let i = 0; i < masks.length; i++) {
      const ink = masks[i].reduce((s, v) => s + v, 0);
      assert.ok(ink > 30 && ink < 600, `${GLYPHS[i]} ink ${ink}`);
      for (let j = 0; j < i; j++) {
        const diff = masks[i].reduce((s, v, k) => s + Math.abs(v - masks[j][k]), 0);
        assert.ok(diff > 30, `${GLYPHS[i]} vs ${GLYPHS[j]} differ by ${diff.toFixed(1)} pixels`);
      }
    }
    assert.equal(sampleGlyph(glyphMip('A', 8), -0.5, 0.5), 0);
    assert.throws(
      () => glyphMip('a', 8),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
    );
  });

  it('normalises with CLIP mean/std into NCHW without NaN', () => {
    const rgb = renderScene(singleCircle('solid'), S);
    const x = normaliseForClip(rgb, 1, S);
    assert.equal(x.length, 3 * S * S);
    for (let c = 0; c < 3; c++) {
      for (const p of [0, 16 * S + 16, S * S - 1]) {
        const expected = (rgb[3 * p + c] / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
        assert.ok(Math.abs(x[c * S * S + p] - expected) < 1e-6);
      }
    }
    assert.throws(
      () => normaliseForClip(rgb, 2, S),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_SHAPE',
    );
    assert.throws(
      () => normaliseForClip(rgb, 1.5, S),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
    );
  });

  it('batches images identical to renderScene + normaliseForClip, finite and in range', () => {
    const rng = Rng.fromSeed(22);
    const sampler = createSceneSampler();
    const scenes = Array.from({ length: 40 }, () => sampler(rng));
    const batch = renderBatch(scenes, S);
    assert.deepEqual(batch.shape, [40, 3, S, S]);
    const lo = Math.min(...CLIP_MEAN.map((m, c) => -m / CLIP_STD[c]));
    const hi = Math.max(...CLIP_MEAN.map((m, c) => (1 - m) / CLIP_STD[c]));
    for (const v of batch.images) assert.ok(Number.isFinite(v) && v >= lo - 1e-6 && v <= hi + 1e-6);
    for (const i of [0, 17, 39]) {
      const one = normaliseForClip(renderScene(scenes[i], S), 1, S);
      assert.deepEqual(batch.images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), one);
    }
  });

  it('streams captioned batches reproducibly', () => {
    const first = captionedStream(5, 16).next().value;
    const again = captionedStream(5, 16).next().value;
    assert.deepEqual(first.captions, again.captions);
    assert.deepEqual(first.images, again.images);
    assert.equal(first.captions.length, 16);
    assert.deepEqual(first.shape, [16, 3, S, S]);
    const stream = captionedStream(5, 16);
    stream.next();
    assert.notDeepEqual(stream.next().value.captions, first.captions, 'the next batch is new');
    const world = createCaptionedWorld({ size: 48, scene: { shapes: ['heart'], glyphProbability: 0, composition: 'homogeneous' } });
    const batch = world.batch(Rng.fromSeed(1), 8);
    assert.deepEqual(batch.shape, [8, 3, 48, 48]);
    for (const c of batch.captions) assert.match(c, /\bhearts?\b|\bobjects?\b|\bshapes?\b/);
  });

  it('rejects bad sizes and batch sizes with E_ARG', () => {
    const scene = singleCircle('solid');
    for (const size of [7, 513, 31.5, '32', undefined] as unknown[]) {
      assert.throws(
        () => renderScene(scene, size as number),
        (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
      );
    }
    assert.throws(
      () => createCaptionedWorld({ size: 4 }),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
    );
    assert.throws(
      () => createCaptionedWorld().batch(Rng.fromSeed(1), -1),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
    );
    assert.throws(
      () => captionedStream(1, 2.5).next(),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
    );
  });

  it('rejects malformed scenes with E_ARG naming the field', () => {
    const good = singleCircle('solid');
    const object = good.objects[0];
    const bad: Array<[unknown, RegExp]> = [
      [null, /a scene object/],
      [{ ...good, background: { kind: 'plaid' } }, /scene.background.kind/],
      [{ ...good, background: { kind: 'plain', rgb: [0, 0, 300] } }, /scene.background.rgb/],
      [{ ...good, background: { kind: 'noise', rgb: [0, 0, 0], seed: -1 } }, /scene.background.seed/],
      [{ ...good, objects: 'circle' }, /scene.objects/],
      [{ ...good, objects: [{ ...object, shape: 'blob' }] }, /object.shape/],
      [{ ...good, objects: [{ ...object, kind: 'glyph', glyph: 'a' }] }, /object.glyph/],
      [{ ...good, objects: [{ ...object, texture: 'wavy' }] }, /object.texture/],
      [{ ...good, objects: [{ ...object, x: Number.NaN }] }, /object.x/],
      [{ ...good, objects: [{ ...object, radius: 0 }] }, /object.radius/],
    ];
    for (const [scene, message] of bad) {
      for (const render of [() => renderScene(scene as Scene, S), () => renderBatch([good, scene as Scene], S)]) {
        assert.throws(render, (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG' && message.test(e.message), JSON.stringify(scene));
      }
    }
  });
});
