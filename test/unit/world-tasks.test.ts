import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/native';
import { DEMO_PRETRAINING_MIXTURE } from '../../lib/demo/world/pretraining-mixture';
import type { MixtureSettings } from '../../lib/demo/world/pretraining-mixture';
import { CLIP_MEAN, CLIP_STD } from '../../lib/demo/world/normalise';
import { Rng } from '../../lib/demo/world/random';
import { createReferenceSet } from '../../lib/demo/world/reference';
import { renderScene } from '../../lib/demo/world/render';
import { isHomogeneous } from '../../lib/demo/world/scene';
import { SHAPE_DISTANCE } from '../../lib/demo/world/shapes';
import type { Scene, SceneObject } from '../../lib/demo/world/scene';
import { POSITION_PHRASES } from '../../lib/demo/world/caption';
import { WORLD_TASKS, colourTask, countTask, digitGlyphTask, letterTask, positionTask, shapeTask, textureTask } from '../../lib/demo/world/tasks';
import { POSITIONS, POSITION_OFFSETS } from '../../lib/demo/world/vocabulary';
import type { LabelledBatch, WorldTask } from '../../lib/demo/world/tasks';
import type { Rgb, ShapeName, TextureName } from '../../lib/demo/world/vocabulary';
import { ZsclError } from '../../lib/errors';

const S = 32;

/** Back from normalised NCHW floats to interleaved RGB bytes: what the model will see. */
function imageBytes(batch: LabelledBatch, index: number): Uint8Array {
  const plane = S * S;
  const rgb = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) {
      rgb[3 * p + c] = Math.round((batch.images[index * 3 * plane + c * plane + p] * CLIP_STD[c] + CLIP_MEAN[c]) * 255);
    }
  }
  return rgb;
}

function backgroundRgb(scene: Scene): Rgb {
  const bg = scene.background;
  assert.notEqual(bg.kind, 'gradient', 'tasks draw plain or noise backgrounds');
  return bg.kind === 'gradient' ? bg.fromRgb : bg.rgb;
}

/** Foreground pixels: those at least `share` of the way from the background colour to the farthest pixel. */
function foreground(rgb: Uint8Array, bg: Rgb, share: number): boolean[] {
  const dist = Array.from({ length: S * S }, (_, p) => Math.hypot(rgb[3 * p] - bg[0], rgb[3 * p + 1] - bg[1], rgb[3 * p + 2] - bg[2]));
  const far = Math.max(...dist);
  return dist.map((d) => d > share * far);
}

/** 8-connected components of the mask with at least 2 pixels. */
function blobs(mask: boolean[]): number {
  const seen = new Uint8Array(mask.length);
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    let size = 0;
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop() as number;
      size++;
      const x = p % S;
      for (let dy = -S; dy <= S; dy += S) {
        for (let dx = x > 0 ? -1 : 0; dx <= (x < S - 1 ? 1 : 0); dx++) {
          const q = p + dy + dx;
          if (q >= 0 && q < mask.length && mask[q] && !seen[q]) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    if (size >= 2) count++;
  }
  return count;
}

/** The scene with its class attribute replaced, for measuring how much the class alone changes. */
function withClass(task: WorldTask, scene: Scene, className: string): Scene {
  const objects = scene.objects.map((o): SceneObject => {
    if (task.name === 'shapes' && o.kind === 'shape') return { ...o, shape: className as ShapeName };
    if (task.name === 'textures' && o.kind === 'shape') return { ...o, texture: className as TextureName };
    if (o.kind === 'glyph') return { ...o, glyph: className };
    throw new Error(`no class swap for ${task.name}`);
  });
  return { ...scene, objects };
}

function differingPixels(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let p = 0; p < a.length; p += 3) {
    if (Math.max(Math.abs(a[p] - b[p]), Math.abs(a[p + 1] - b[p + 1]), Math.abs(a[p + 2] - b[p + 2])) > 48) n++;
  }
  return n;
}

const isArgError = (e: unknown): boolean => e instanceof ZsclError && e.code === 'E_ARG';

describe('demo world: classification tasks', () => {
  const tasks = Object.values(WORLD_TASKS).map((build) => build());

  it('describe themselves: class names, one-slot templates, image size', () => {
    assert.deepEqual(
      tasks.map((t) => [t.name, t.classNames.length]),
      [
        ['shapes', 10],
        ['colours', 12],
        ['counts', 6],
        ['textures', 5],
        ['positions', 9],
        ['letters', 26],
        ['glyph-digits', 10],
      ],
    );
    for (const t of tasks) {
      assert.equal(t.imageSize, 32);
      assert.ok(t.templates.length >= 3);
      for (const template of t.templates) assert.equal(template.split('{}').length, 2, template);
    }
  });

  it('give a fixed, balanced test set: same images for the same seed, others for another seed', () => {
    for (const t of tasks) {
      const n = 2 * t.classNames.length;
      const a = t.testSet(n);
      const b = Object.values(WORLD_TASKS).find((build) => build().name === t.name)!().testSet(n);
      assert.deepEqual(a.images, b.images, t.name);
      assert.deepEqual(a.labels, b.labels, t.name);
      assert.deepEqual(a.shape, [n, 3, S, S]);
      const perClass = new Array<number>(t.classNames.length).fill(0);
      for (const l of a.labels) perClass[l]++;
      assert.ok(
        perClass.every((c) => c === 2),
        `${t.name}: ${perClass}`,
      );
      for (const v of a.images) assert.ok(Number.isFinite(v));
      const other = (WORLD_TASKS[t.name] as typeof shapeTask)({ testSeed: 99 }).testSet(n);
      assert.notDeepEqual(other.images, a.images);
    }
  });

  it('sample training batches reproducibly from the caller stream, finite, labels in range', () => {
    for (const t of tasks) {
      const a = t.sample(Rng.fromSeed(1), 24);
      const b = t.sample(Rng.fromSeed(1), 24);
      assert.deepEqual(a.images, b.images);
      assert.deepEqual(a.labels, b.labels);
      for (const l of a.labels) assert.ok(l >= 0 && l < t.classNames.length);
      for (const v of a.images) assert.ok(!Number.isNaN(v));
      assert.notDeepEqual(t.sample(Rng.fromSeed(2), 24).images, a.images);
    }
  });

  it('draw scenes whose attribute is the label, always homogeneous', () => {
    for (const t of tasks) {
      const batch = t.testSet(3 * t.classNames.length);
      batch.scenes.forEach((scene, i) => {
        const name = t.classNames[batch.labels[i]];
        assert.ok(isHomogeneous(scene), t.name);
        const o = scene.objects[0];
        const actual = {
          shapes: o.kind === 'shape' ? o.shape : '',
          colours: o.colour,
          counts: ['', 'one', 'two', 'three', 'four', 'five', 'six'][scene.objects.length],
          textures: o.texture,
          letters: o.kind === 'glyph' ? o.glyph : '',
          'glyph-digits': o.kind === 'glyph' ? o.glyph : '',
          positions: scene.position === undefined ? '' : POSITION_PHRASES[scene.position],
        }[t.name];
        assert.equal(actual, name, t.name);
      });
    }
  });

  it('colours: the mean foreground colour names the class (nearest centroid >= 95 %)', () => {
    const task = colourTask();
    const fit = task.sample(Rng.fromSeed(3), 360);
    const test = task.testSet(240);
    const meanColour = (batch: LabelledBatch, i: number): number[] => {
      const rgb = imageBytes(batch, i);
      const mask = foreground(rgb, backgroundRgb(batch.scenes[i]), 0.6);
      const sum = [0, 0, 0];
      let n = 0;
      mask.forEach((m, p) => {
        if (!m) return;
        for (let c = 0; c < 3; c++) sum[c] += rgb[3 * p + c];
        n++;
      });
      return sum.map((v) => v / n);
    };
    const centroids = task.classNames.map(() => [0, 0, 0, 0]);
    for (let i = 0; i < fit.labels.length; i++) {
      const m = meanColour(fit, i);
      const c = centroids[fit.labels[i]];
      for (let k = 0; k < 3; k++) c[k] += m[k];
      c[3]++;
    }
    let correct = 0;
    for (let i = 0; i < test.labels.length; i++) {
      const m = meanColour(test, i);
      const distances = centroids.map((c) => Math.hypot(m[0] - c[0] / c[3], m[1] - c[1] / c[3], m[2] - c[2] / c[3]));
      if (distances.indexOf(Math.min(...distances)) === test.labels[i]) correct++;
    }
    assert.ok(correct / test.labels.length >= 0.95, `nearest-centroid accuracy ${correct}/${test.labels.length}`);
  });

  it('positions: the foreground centroid lies on the named side (>= 95 %)', () => {
    const task = positionTask();
    const test = task.testSet(270);
    let correct = 0;
    for (let i = 0; i < test.labels.length; i++) {
      const mask = foreground(imageBytes(test, i), backgroundRgb(test.scenes[i]), 0.5);
      let x = 0;
      let y = 0;
      let n = 0;
      mask.forEach((on, p) => {
        if (on) [x, y, n] = [x + (p % S), y + Math.floor(p / S), n + 1];
      });
      const side = (v: number): number => (v / n < S / 2 - 4 ? -1 : v / n > S / 2 + 3 ? 1 : 0);
      const name = POSITIONS.find((p) => POSITION_PHRASES[p] === task.classNames[test.labels[i]])!;
      const [dx, dy] = POSITION_OFFSETS[name];
      if (side(x) === dx && side(y) === dy) correct++;
    }
    assert.ok(correct / test.labels.length >= 0.95, `centroid on the named side for ${correct}/${test.labels.length}`);
  });

  it('counts: the number of separate blobs in the image is the label (>= 95 %)', () => {
    const task = countTask();
    const test = task.testSet(300);
    let correct = 0;
    for (let i = 0; i < test.labels.length; i++) {
      const mask = foreground(imageBytes(test, i), backgroundRgb(test.scenes[i]), 0.5);
      if (blobs(mask) === test.labels[i] + 1) correct++;
    }
    assert.ok(correct / test.labels.length >= 0.95, `blob count right for ${correct}/${test.labels.length}`);
  });

  it('shapes, textures, letters, digits: changing only the class changes many pixels', () => {
    // For each test scene, re-render it with every other class; average the pixels that change by
    // more than 48 levels per class pair. The closest pairs measured at 32 px: circle/hexagon 26,
    // I/T 19, 3/8 32, solid/dotted 54 pixels.
    for (const t of [shapeTask(), textureTask(), letterTask(), digitGlyphTask()]) {
      const k = t.classNames.length;
      const test = t.testSet(4 * k);
      const sum = new Float64Array(k * k);
      const count = new Float64Array(k * k);
      test.scenes.forEach((scene, i) => {
        const a = test.labels[i];
        const image = renderScene(scene, S);
        for (let b = 0; b < k; b++) {
          if (b === a) continue;
          const pair = Math.min(a, b) * k + Math.max(a, b);
          sum[pair] += differingPixels(image, renderScene(withClass(t, scene, t.classNames[b]), S));
          count[pair]++;
        }
      });
      let closest = Infinity;
      for (let p = 0; p < k * k; p++) if (count[p] > 0) closest = Math.min(closest, sum[p] / count[p]);
      assert.ok(closest >= 12, `${t.name}: closest class pair differs in ${closest.toFixed(1)} pixels`);
    }
  });

  it('textures: solid fills are flat, patterns mix two colours, outlines leave the inside empty', () => {
    const task = textureTask();
    const test = task.testSet(100);
    for (let i = 0; i < test.labels.length; i++) {
      const texture = task.classNames[test.labels[i]];
      const scene = test.scenes[i];
      const o = scene.objects[0];
      const rgb = imageBytes(test, i);
      const centre = Math.floor(o.y * S) * S + Math.floor(o.x * S);
      const bg = backgroundRgb(scene);
      const centreToBg = Math.hypot(rgb[3 * centre] - bg[0], rgb[3 * centre + 1] - bg[1], rgb[3 * centre + 2] - bg[2]);
      if (texture === 'outlined') assert.ok(centreToBg < 60, `outlined centre is background (${centreToBg.toFixed(0)})`);
      else assert.ok(centreToBg > 60, `${texture} centre is filled (${centreToBg.toFixed(0)})`);
      // Colour spread over the object's interior (at least 1.5 px inside its outline).
      assert.ok(o.kind === 'shape');
      const distance = SHAPE_DISTANCE[o.shape];
      const rPx = o.radius * S;
      const [cos, sin] = [Math.cos(o.rotation), Math.sin(o.rotation)];
      const spread: number[] = [];
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const dx = x + 0.5 - o.x * S;
          const dy = y + 0.5 - o.y * S;
          if (distance((dx * cos + dy * sin) / rPx, (-dx * sin + dy * cos) / rPx) * rPx > -1.5) continue;
          const p = 3 * (y * S + x);
          spread.push(Math.hypot(rgb[p] - o.rgb[0], rgb[p + 1] - o.rgb[1], rgb[p + 2] - o.rgb[2]));
        }
      }
      const far = spread.filter((d) => d > 50).length / spread.length;
      if (texture === 'solid') assert.ok(far === 0, `solid fill varies (${far})`);
      if (['striped', 'dotted', 'checkered'].includes(texture)) assert.ok(far > 0.1, `${texture}: pattern share ${far.toFixed(2)}`);
    }
  });

  it('reject bad options and batch sizes with E_ARG', () => {
    assert.throws(() => shapeTask({ size: 4 }), isArgError);
    assert.throws(() => shapeTask({ classes: ['circle', 'blob'] }), isArgError);
    assert.throws(() => shapeTask({ classes: ['circle'] }), isArgError);
    assert.throws(() => shapeTask({ classes: ['circle', 'circle'] }), isArgError);
    assert.throws(() => letterTask({ testSeed: -3 }), isArgError);
    assert.throws(() => countTask().sample(Rng.fromSeed(1), -1), isArgError);
    assert.throws(() => countTask().testSet(2.5), isArgError);
    const subset = shapeTask({ classes: ['star', 'circle'] });
    assert.deepEqual(subset.classNames, ['star', 'circle']);
    const batch = subset.testSet(6);
    batch.scenes.forEach((s, i) => assert.equal((s.objects[0] as { shape: string }).shape, subset.classNames[batch.labels[i]]));
  });
});

describe('demo world: reference set', () => {
  it('is fixed by its seed: same images and texts, different for another seed', () => {
    const a = createReferenceSet();
    const b = createReferenceSet();
    assert.deepEqual(a.images(32).images, b.images(32).images);
    assert.deepEqual(a.texts(50), b.texts(50));
    const c = createReferenceSet({ seed: 5 });
    assert.notDeepEqual(c.texts(20), a.texts(20));
    assert.notDeepEqual(c.images(4).images, a.images(4).images);
    assert.deepEqual(a.sample(Rng.fromSeed(4), 8).images, b.sample(Rng.fromSeed(4), 8).images);
  });

  it('draws from the pretraining mixture: its share of one-class prompt captions, never a test image', () => {
    const promptsOf = new Map<string, Set<string>>();
    for (const name of DEMO_PRETRAINING_MIXTURE.promptTasks) {
      const t = WORLD_TASKS[name]();
      promptsOf.set(name, new Set(t.classNames.flatMap((c) => t.templates.map((template) => template.replace('{}', c)))));
    }
    const prompts = new Set([...promptsOf.values()].flatMap((p) => [...p]));
    const texts = createReferenceSet().texts(500);
    const share = texts.filter((t) => prompts.has(t)).length / texts.length;
    assert.ok(Math.abs(share - DEMO_PRETRAINING_MIXTURE.promptCaptionRate) < 0.07, `prompt captions ${share}`);
    for (const [name, own] of promptsOf)
      assert.ok(
        texts.some((t) => own.has(t)),
        `no prompt caption of ${name}`,
      );
    const none = createReferenceSet({ mixture: { promptCaptionRate: 0, promptTasks: [] } }).texts(200);
    assert.equal(none.filter((t) => prompts.has(t)).length, 0);
    // One-class reference scenes are drawn from other seeds than the tasks' test sets.
    const per = 3 * S * S;
    const ref = createReferenceSet().images(300).images;
    for (const name of ['shapes', 'positions']) {
      const test = WORLD_TASKS[name]().testSet(100).images;
      const seen = new Set<string>();
      for (let i = 0; i < 100; i++) seen.add(test.subarray(i * per, (i + 1) * per).join(','));
      for (let i = 0; i < 300; i++) assert.ok(!seen.has(ref.subarray(i * per, (i + 1) * per).join(',')), `${name} test image ${i}`);
    }
    for (const v of ref) assert.ok(Number.isFinite(v));
  });

  it('rejects bad options with E_ARG', () => {
    assert.throws(() => createReferenceSet({ size: 1000 }), isArgError);
    assert.throws(() => createReferenceSet({ seed: 1.5 }), isArgError);
    assert.throws(() => createReferenceSet({ mixture: { promptCaptionRate: 1.5, promptTasks: ['shapes'] } }), isArgError);
    assert.throws(() => createReferenceSet({ mixture: { promptCaptionRate: 0.5, promptTasks: ['nope'] } }), isArgError);
    assert.throws(() => createReferenceSet({ mixture: { promptCaptionRate: 0.5, promptTasks: [] } }), isArgError);
    assert.throws(() => createReferenceSet().texts(-2), isArgError);
  });

  it("the default mixture is the shipped model's recorded pretraining mixture", () => {
    const record = JSON.parse(fs.readFileSync(path.join(packageRoot, 'assets', 'demo-clip.json'), 'utf8')) as { settings: MixtureSettings };
    assert.deepEqual({ promptCaptionRate: record.settings.promptCaptionRate, promptTasks: record.settings.promptTasks }, DEMO_PRETRAINING_MIXTURE);
  });
});
