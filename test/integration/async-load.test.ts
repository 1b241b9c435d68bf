/**
 * loadClipAsync and referenceImagesAsync keep the event loop free: the largest lag that
 * perf_hooks.monitorEventLoopDelay (10 ms resolution) sees while a ViT-B/16-sized checkpoint
 * (~600 MB) loads and while a 100k-file reference folder is scanned stays under 50 ms.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ClipModel, loadClipAsync, saveClip } from '../../lib';
import { listImages } from '../../lib/data/image-folder';
import { referenceImagesAsync } from '../../lib/data/reference';

const MAX_LAG_MS = 50;

/** Runs `work` while sampling the event loop's delay; returns its result and the largest lag in ms. */
async function withLag<T>(work: () => Promise<T>): Promise<{ result: T; maxLagMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, maxLagMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** The largest lag of an idle event loop over `ms`: what the machine itself adds (a loaded CI box). */
async function idleLag(ms: number): Promise<number> {
  return (await withLag(() => new Promise((resolve) => setTimeout(resolve, ms)))).maxLagMs;
}

/**
 * Checks a measured lag against 50 ms when the machine is quiet enough to judge (an idle loop
 * lags at most 15 ms); on a loaded machine the numbers are printed and the check is skipped.
 */
function checkLag(test: Mocha.Context, what: string, maxLagMs: number, idle: number): void {
  if (idle > 15) {
    console.log(`      (${what}: the machine is too loaded to judge — idle lag ${idle.toFixed(1)} ms; not asserted)`);
    test.skip();
  }
  assert.ok(maxLagMs < MAX_LAG_MS, `${what}: max lag ${maxLagMs} ms (idle ${idle} ms)`);
}

describe('async loading keeps the event loop free', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-async-load-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`loadClipAsync of a ViT-B/16 checkpoint: max lag < ${MAX_LAG_MS} ms, weights exact`, async function () {
    const file = path.join(dir, 'vit-b-16.safetensors');
    const source = ClipModel.create('ViT-B-16', { seed: 1 });
    saveClip(source, file);
    const megabytes = fs.statSync(file).size / 2 ** 20;
    const idle = await idleLag(3000);
    const { result: model, maxLagMs } = await withLag(() => loadClipAsync(file));
    console.log(`      loadClipAsync ${megabytes.toFixed(0)} MB: max event-loop lag ${maxLagMs.toFixed(1)} ms (idle ${idle.toFixed(1)} ms)`);
    try {
      for (const name of ['token_embedding.weight', 'visual.conv1.weight', 'transformer.resblocks.11.mlp.c_fc.weight', 'logit_scale']) {
        assert.ok(Buffer.from(model.parameter(name).bytes()).equals(Buffer.from(source.parameter(name).bytes())), name);
      }
      assert.deepEqual(model.config, source.config);
    } finally {
      model.dispose();
      source.dispose();
      fs.rmSync(file);
    }
    checkLag(this, 'loadClipAsync', maxLagMs, idle);
  });

  it(`referenceImagesAsync over 100k files in 1,000 classes: max lag < ${MAX_LAG_MS} ms, same files as the sync scan`, async function () {
    const root = path.join(dir, 'reference');
    for (let c = 0; c < 1000; c++) {
      const folder = path.join(root, `n${String(c).padStart(8, '0')}`);
      fs.mkdirSync(folder, { recursive: true });
      for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(folder, `img_${i}.JPEG`), '');
    }
    const idle = await idleLag(3000);
    const { result, maxLagMs } = await withLag(() => referenceImagesAsync(root));
    console.log(`      referenceImagesAsync 100k files: max event-loop lag ${maxLagMs.toFixed(1)} ms (idle ${idle.toFixed(1)} ms)`);
    assert.equal(result.dataset.length, 100_000);
    const sync = listImages(root).files;
    assert.deepEqual(
      Array.from({ length: result.dataset.length }, (_, i) => result.dataset.sample(i).name),
      sync,
    );
    checkLag(this, 'referenceImagesAsync', maxLagMs, idle);
  });
});
