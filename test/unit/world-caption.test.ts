import assert from 'node:assert/strict';
import { GENERIC_NOUNS, POSITION_PHRASES, captionFor } from '../../lib/demo/world/caption';
import { Rng } from '../../lib/demo/world/random';
import { createSceneSampler, isHomogeneous } from '../../lib/demo/world/scene';
import type { Scene } from '../../lib/demo/world/scene';
import { COLOURS, COUNT_WORDS, SHAPES, SHAPE_PLURALS, SIZES, TEXTURES } from '../../lib/demo/world/vocabulary';
import type { ShapeName } from '../../lib/demo/world/vocabulary';

interface Sample {
  scene: Scene;
  caption: string;
}

function samples(seed: number, n: number): Sample[] {
  const rng = Rng.fromSeed(seed);
  const sampler = createSceneSampler();
  return Array.from({ length: n }, () => {
    const scene = sampler(rng);
    return { scene, caption: captionFor(scene, rng) };
  });
}

const PLURAL_TO_SHAPE = new Map(SHAPES.map((s) => [SHAPE_PLURALS[s], s]));
const GENERIC: readonly string[] = [...GENERIC_NOUNS.singular, ...GENERIC_NOUNS.plural];

/** Every attribute word in the caption must be true of the scene. */
function checkTruthful({ scene, caption }: Sample): void {
  const tokens = caption.split(/[\s,]+/);
  const objectColours = new Set(scene.objects.map((o) => o.colour));
  const bg = scene.background;
  const bgColours = new Set(bg.kind === 'gradient' ? [bg.from, bg.to] : [bg.colour]);
  // Captions describe groups of identical objects (same shape/glyph, colour and texture).
  const groupKey = (o: Scene['objects'][number]): string => `${o.kind === 'shape' ? o.shape : o.glyph}|${o.colour}|${o.texture}`;
  const groupSizes = new Map<string, number>();
  for (const o of scene.objects) groupSizes.set(groupKey(o), (groupSizes.get(groupKey(o)) ?? 0) + 1);
  const groupCounts = new Set(groupSizes.values());
  const shapeGroupCounts = (shape: ShapeName): number[] => [...groupSizes].filter(([key]) => key.startsWith(`${shape}|`)).map(([, n]) => n);

  for (const t of tokens) {
    if ((COLOURS as readonly string[]).includes(t)) {
      assert.ok(objectColours.has(t as never) || bgColours.has(t as never), `colour '${t}' in "${caption}"`);
    }
    if ((SHAPES as readonly string[]).includes(t)) {
      assert.ok(shapeGroupCounts(t as ShapeName).includes(1), `singular '${t}' in "${caption}"`);
    }
    const plural = PLURAL_TO_SHAPE.get(t);
    if (plural)
      assert.ok(
        shapeGroupCounts(plural).some((c) => c > 1),
        `plural '${t}' in "${caption}"`,
      );
    const count = (COUNT_WORDS as readonly string[]).indexOf(t);
    if (count > 0) assert.ok(groupCounts.has(count), `count '${t}' in "${caption}"`);
    if ((TEXTURES as readonly string[]).includes(t)) {
      assert.ok(
        scene.objects.some((o) => o.texture === t),
        `texture '${t}' in "${caption}"`,
      );
    }
    if ((SIZES as readonly string[]).includes(t)) assert.equal(t, scene.size, `size in "${caption}"`);
    if (/^[A-Z0-9]$/.test(t)) {
      assert.ok(
        scene.objects.some((o) => o.kind === 'glyph' && o.glyph === t),
        `glyph '${t}' in "${caption}"`,
      );
    }
    if (['left', 'right', 'top', 'bottom', 'center'].includes(t)) {
      assert.ok(scene.position !== undefined && caption.includes(POSITION_PHRASES[scene.position]), `position in "${caption}"`);
    }
  }
  if (caption.includes('gradient')) assert.equal(bg.kind, 'gradient', caption);
  if (caption.includes('noisy')) assert.equal(bg.kind, 'noise', caption);

  // Every object is named: its shape noun (or a generic noun) or its glyph.
  for (const o of scene.objects) {
    if (o.kind === 'glyph') {
      assert.ok(tokens.includes(o.glyph), `glyph ${o.glyph} missing from "${caption}"`);
    } else {
      const nouns = [o.shape, SHAPE_PLURALS[o.shape], ...GENERIC];
      assert.ok(
        tokens.some((t) => nouns.includes(t)),
        `${o.shape} missing from "${caption}"`,
      );
    }
  }
}

describe('demo world: captions', () => {
  it('gives the same caption for the same scene and stream', () => {
    const a = samples(31, 300).map((s) => s.caption);
    assert.deepEqual(
      samples(31, 300).map((s) => s.caption),
      a,
    );
    assert.notDeepEqual(
      samples(32, 300).map((s) => s.caption),
      a,
    );
  });

  it('only mentions attributes the scene has, and always names every object', () => {
    for (const sample of samples(33, 3000)) checkTruthful(sample);
  });

  it('has a truthfulness check that catches a wrong attribute (control)', () => {
    const sample = samples(36, 200).find((s) => isHomogeneous(s.scene) && s.scene.objects[0].kind === 'shape');
    assert.ok(sample);
    const o = sample.scene.objects[0];
    const bg = sample.scene.background;
    const wrongColour = COLOURS.find((c) => c !== o.colour && (bg.kind === 'gradient' ? c !== bg.from && c !== bg.to : c !== bg.colour));
    const wrongShape = SHAPES.find((s) => o.kind === 'shape' && s !== o.shape);
    assert.throws(() => checkTruthful({ ...sample, caption: `${sample.caption} and a ${wrongColour} thing` }));
    assert.throws(() => checkTruthful({ ...sample, caption: `${sample.caption} and a ${wrongShape}` }));
    assert.throws(() => checkTruthful({ ...sample, caption: 'a photo of something' }));
  });

  it('states the number of objects in homogeneous scenes, with a plural noun when several', () => {
    let bare = 0;
    for (const { scene, caption } of samples(34, 3000)) {
      if (!isHomogeneous(scene)) continue;
      const n = scene.objects.length;
      const tokens = caption.split(' ');
      if (n === 1) {
        assert.ok(!tokens.some((t) => [...PLURAL_TO_SHAPE.keys(), ...GENERIC_NOUNS.plural].includes(t)), caption);
        continue;
      }
      assert.ok(
        tokens.some((t) => [...PLURAL_TO_SHAPE.keys(), ...GENERIC_NOUNS.plural].includes(t)),
        caption,
      );
      if (!tokens.includes(COUNT_WORDS[n])) {
        bare++;
        assert.ok(!tokens.some((t) => (COUNT_WORDS as readonly string[]).includes(t)), caption);
      }
    }
    assert.ok(bare > 0, 'bare plurals ("striped red stars") occur');
  });

  it('is varied: framing, glyph phrasing and optional attributes change', () => {
    const captions = samples(35, 2000).map((s) => s.caption);
    assert.ok(new Set(captions).size > 1800, `${new Set(captions).size} distinct of 2000`);
    for (const pattern of [
      /^a photo of /,
      /^a picture of /,
      /^an image of /,
      /^there (is|are) /,
      / background with /,
      /the letter [A-Z] in /,
      /the (digit|number) [0-9]/,
      / at the top left/,
      / on a noisy /,
      /gradient/,
      /^(one|two|three|four|five|six|a|an) /,
    ]) {
      assert.ok(
        captions.some((c) => pattern.test(c)),
        `no caption matches ${pattern}`,
      );
    }
  });
});
