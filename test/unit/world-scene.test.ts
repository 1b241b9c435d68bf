import assert from 'node:assert/strict';
import { OBJECT_GAP } from '../../lib/demo/world/layout';
import { Rng } from '../../lib/demo/world/random';
import { createSceneSampler, isHomogeneous, sampleScene } from '../../lib/demo/world/scene';
import type { Scene, SceneOptions } from '../../lib/demo/world/scene';
import { COLOUR_RGB, MIN_BACKGROUND_CONTRAST, SHAPES } from '../../lib/demo/world/vocabulary';
import type { ColourName } from '../../lib/demo/world/vocabulary';
import { ZsclError } from '../../lib/errors';

function scenes(seed: number, n: number, options: SceneOptions = {}): Scene[] {
  const rng = Rng.fromSeed(seed);
  const sampler = createSceneSampler(options);
  return Array.from({ length: n }, () => sampler(rng));
}

function backgroundColours(scene: Scene): ColourName[] {
  const bg = scene.background;
  return bg.kind === 'gradient' ? [bg.from, bg.to] : [bg.colour];
}

const isArgError = (e: unknown): boolean => e instanceof ZsclError && e.code === 'E_ARG';

describe('demo world: scenes', () => {
  it('draws the same scenes from the same seed', () => {
    assert.deepEqual(scenes(1, 200), scenes(1, 200));
    assert.notDeepEqual(scenes(1, 20), scenes(2, 20));
    assert.deepEqual(sampleScene(Rng.fromSeed(3)), sampleScene(Rng.fromSeed(3)));
  });

  it('covers the whole vocabulary by default', () => {
    const drawn = scenes(4, 3000);
    const shapes = new Set<string>();
    const glyphs = new Set<string>();
    const counts = new Set<number>();
    const backgrounds = new Set<string>();
    let mixed = 0;
    for (const s of drawn) {
      for (const o of s.objects) (o.kind === 'shape' ? shapes : glyphs).add(o.kind === 'shape' ? o.shape : o.glyph);
      counts.add(s.objects.length);
      backgrounds.add(s.background.kind);
      if (!isHomogeneous(s)) mixed++;
    }
    assert.equal(shapes.size, SHAPES.length);
    assert.equal(glyphs.size, 36);
    assert.deepEqual([...counts].sort(), [1, 2, 3, 4, 5, 6]);
    assert.equal(backgrounds.size, 3);
    // Default mixedProbability is 0.3.
    assert.ok(mixed > 0.2 * drawn.length && mixed < 0.4 * drawn.length, `mixed ${mixed}`);
  });

  it('keeps every drawn attribute inside the options', () => {
    const options: SceneOptions = {
      shapes: ['star', 'ring'],
      colours: ['red', 'blue'],
      backgroundColours: ['white', 'yellow', 'black'],
      textures: ['striped', 'outlined'],
      sizes: ['small'],
      counts: [2, 5],
      backgrounds: ['gradient'],
      composition: 'homogeneous',
    };
    for (const s of scenes(5, 500, options)) {
      assert.ok([2, 5].includes(s.objects.length));
      assert.equal(s.size, 'small');
      assert.equal(s.background.kind, 'gradient');
      for (const c of backgroundColours(s)) assert.ok(['white', 'yellow', 'black'].includes(c));
      for (const o of s.objects) {
        assert.equal(o.kind, 'shape');
        assert.ok(o.kind === 'shape' && ['star', 'ring'].includes(o.shape));
        assert.ok(['red', 'blue'].includes(o.colour));
        assert.ok(['striped', 'outlined'].includes(o.texture));
      }
    }
  });

  it('never draws a held-out combination', () => {
    const holdout = [{ shape: 'star', colour: 'red' }, { glyph: 'K' }, { texture: 'dotted', colour: 'blue' }] as const;
    let redObjects = 0;
    for (const s of scenes(6, 3000, { holdout })) {
      for (const o of s.objects) {
        if (o.colour === 'red') redObjects++;
        assert.ok(!(o.kind === 'shape' && o.shape === 'star' && o.colour === 'red'));
        assert.ok(!(o.kind === 'glyph' && o.glyph === 'K'));
        assert.ok(!(o.texture === 'dotted' && o.colour === 'blue'));
      }
    }
    assert.ok(redObjects > 100, 'red objects other than stars are still drawn');
  });

  it('separates homogeneous and mixed compositions', () => {
    for (const s of scenes(7, 500, { composition: 'homogeneous' })) assert.ok(isHomogeneous(s));
    for (const s of scenes(8, 500, { composition: 'mixed' })) {
      assert.ok(!isHomogeneous(s));
      assert.ok(s.objects.length >= 2);
      const kinds = new Set(s.objects.map((o) => `${o.kind === 'shape' ? o.shape : o.glyph}/${o.colour}`));
      assert.ok(kinds.size >= 2, 'groups differ in shape/glyph or colour, not texture alone');
    }
  });

  it('places objects inside the image, never touching, single objects at their position', () => {
    for (const s of scenes(9, 2000)) {
      const objs = s.objects;
      for (const o of objs) {
        assert.ok(o.x - o.radius >= 0 && o.x + o.radius <= 1 && o.y - o.radius >= 0 && o.y + o.radius <= 1);
      }
      for (let i = 0; i < objs.length; i++) {
        for (let j = i + 1; j < objs.length; j++) {
          const gap = Math.hypot(objs[i].x - objs[j].x, objs[i].y - objs[j].y) - objs[i].radius - objs[j].radius;
          assert.ok(gap >= OBJECT_GAP - 1e-9, `gap ${gap}`);
        }
      }
      if (objs.length === 1) {
        assert.ok(s.position !== undefined);
        if (s.position.includes('left')) assert.ok(objs[0].x < 0.5);
        if (s.position.includes('right')) assert.ok(objs[0].x > 0.5);
        if (s.position.includes('top')) assert.ok(objs[0].y < 0.5);
        if (s.position.includes('bottom')) assert.ok(objs[0].y > 0.5);
      } else {
        assert.equal(s.position, undefined);
      }
    }
  });

  it('keeps backgrounds in contrast with the objects', () => {
    for (const s of scenes(10, 2000)) {
      for (const bgColour of backgroundColours(s)) {
        for (const o of s.objects) {
          const [a, b] = [COLOUR_RGB[bgColour], COLOUR_RGB[o.colour]];
          assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) >= MIN_BACKGROUND_CONTRAST, `${o.colour} on ${bgColour}`);
        }
      }
      if (s.background.kind === 'gradient') assert.notEqual(s.background.from, s.background.to);
    }
  });

  it('draws glyph-only scenes as single glyphs', () => {
    for (const s of scenes(11, 300, { glyphProbability: 1, glyphs: ['A', '7'], counts: [1] })) {
      assert.equal(s.objects.length, 1);
      const o = s.objects[0];
      assert.ok(o.kind === 'glyph' && ['A', '7'].includes(o.glyph));
      assert.equal(o.texture, 'solid');
    }
  });

  it('rejects invalid options with coded E_ARG errors naming the problem', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ shapes: ['blob'] }, /unknown value string 'blob' in shapes/],
      [{ colours: [] }, /non-empty array for colours/],
      [{ counts: [0] }, /counts/],
      [{ counts: [7] }, /counts/],
      [{ counts: [2.5] }, /counts/],
      [{ glyphs: ['k'] }, /unknown value string 'k' in glyphs/],
      [{ glyphProbability: 1.5 }, /glyphProbability/],
      [{ mixedProbability: -0.1 }, /mixedProbability/],
      [{ composition: 'random' }, /composition/],
      [{ shapes: ['circle'], colours: ['red'], holdout: [{ colour: 'red' }] }, /exclude every object/],
      [{ holdout: [{ size: 'small' }] }, /holdout must set/],
      [{ holdout: [{ shape: 'blob' }] }, /holdout.shape/],
      [{ composition: 'mixed', counts: [1] }, /mixed scenes need/],
      [{ composition: 'mixed', shapes: ['circle'], colours: ['red'], glyphProbability: 0 }, /mixed scenes need/],
      [{ textures: ['striped'], glyphProbability: 0.5 }, /no glyph can be drawn/],
      [{ glyphProbability: 1, counts: [3] }, /no glyph can be drawn/],
      [null, /options object/],
    ];
    for (const [options, message] of bad) {
      assert.throws(
        () => createSceneSampler(options as SceneOptions),
        (e: unknown) => isArgError(e) && message.test((e as Error).message),
        `options ${JSON.stringify(options)}`,
      );
    }
  });
});
