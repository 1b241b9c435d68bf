import assert from 'node:assert/strict';
import { describeComparison } from './support/compare-weights';
import { dataParallelParity } from './support/parity';
import { killAll } from './support/processes';

// ZSCL_TEST_DIST_NPROC / ZSCL_TEST_DIST_TOLERANCE let scripts/gpu/dist-nccl.sh reuse this check
// (with ZSCL_TEST_DEVICE=cuda and ZSCL_DIST_BACKEND=nccl|gloo); the defaults are the CPU check.
const nproc = Number(process.env.ZSCL_TEST_DIST_NPROC ?? 2);
const tolerance = Number(process.env.ZSCL_TEST_DIST_TOLERANCE ?? 1e-5);

describe('dist: data-parallel ZSCL training equals one process (zscl-mtil fixture)', function () {
  this.timeout(60000);
  const abort = new AbortController();
  after(() => {
    abort.abort();
    killAll();
  });

  it(`${nproc} ranks on equal shards of each batch (8 task + 6 reference images): same losses per step and averaged weights within ${tolerance}`, async () => {
    const result = await dataParallelParity({ nproc, tolerance, signal: abort.signal });
    console.log(
      `      1 vs ${nproc} processes: per-step losses max |Δ|/max(1,|loss|) ${result.stepDifference.toExponential(2)}; averaged weights ${describeComparison(result.weights)}`,
    );
    assert.equal(result.steps, 22, '2 tasks of 11 steps');
    assert.equal(result.tensors, 2 * 62, 'averaged weights after each task');
    assert.deepEqual(result.failures, []);
    assert.equal(result.replicaDifference, 0, 'the replicas never drift apart');
  });

  it(`${nproc} ranks reading their own shards of odd-sized loaders (29 and 19 images in batches of 8, one skipped; 11 reference images in 6s): same losses and weights within ${tolerance}`, async () => {
    const result = await dataParallelParity({ nproc, tolerance, signal: abort.signal, mode: 'loaders' });
    console.log(
      `      1 vs ${nproc} processes on loaders: per-step losses max |Δ|/max(1,|loss|) ${result.stepDifference.toExponential(2)}; averaged weights ${describeComparison(result.weights)}`,
    );
    assert.equal(result.steps, 22, '2 tasks of 11 steps (several epochs, each ending in a partial batch)');
    // Task 1's bad image is drawn once per epoch (11 steps over 3 batches an epoch: 4 epochs); every rank reports the job's count.
    for (const skipped of result.skipped) assert.deepEqual(skipped, [0, 4]);
    assert.deepEqual(result.failures, []);
    assert.equal(result.replicaDifference, 0, 'the replicas never drift apart');
  });
});
