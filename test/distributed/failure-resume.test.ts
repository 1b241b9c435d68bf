import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../lib/distributed/launch';
import { readSafetensors, typedArrayOf } from '../../lib/io/safetensors';
import { compareWeights, describeComparison } from './support/compare-weights';
import { killAll, rankEnv, runRank, singleProcessEnv, startRank, type Running } from './support/processes';

interface State {
  completedTasks: number;
  step?: { task: number; it: number };
  finished: boolean;
  accuracy: number[][];
}

function readState(dir: string): State | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the run to reach a mid-task checkpoint');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function readWeights(file: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, entry] of readSafetensors(file).tensors) out.set(name, typedArrayOf(entry) as Float32Array);
  return out;
}

describe('dist: a rank that dies fails the others with E_DIST; the run resumes', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-dp-fail-'));
  const reference = path.join(tmp, 'reference');
  after(() => {
    killAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  before(async function () {
    this.timeout(60000);
    const done = await runRank(['run', reference], singleProcessEnv());
    assert.equal(done.code, 0, done.stderr);
  });

  // Starts 2 ranks (steps slowed down), waits for a mid-task checkpoint, SIGKILLs `victim`, and
  // returns the survivor's end and how long after the kill it came.
  async function killMidRun(dir: string, victim: number): Promise<{ survivor: Awaited<Running['done']>; seconds: number; state: State }> {
    const port = await freePort();
    const ranks = [0, 1].map((r) => startRank(['run', dir], rankEnv(r, 2, port, { ZSCL_TEST_STEP_DELAY_MS: '150' })));
    await until(() => readState(dir)?.step !== undefined, 40000);
    const killedAt = Date.now();
    ranks[victim].child.kill('SIGKILL');
    const survivor = await ranks[1 - victim].done;
    await ranks[victim].done;
    return { survivor, seconds: (survivor.endedAt - killedAt) / 1000, state: readState(dir)! };
  }

  it('kill rank 1 mid-task: rank 0 exits with E_DIST in < 60 s; resuming with 1 process finishes the run as an uninterrupted one', async () => {
    const dir = path.join(tmp, 'kill-rank-1');
    const { survivor, seconds, state } = await killMidRun(dir, 1);
    console.log(
      `      rank 0 exited ${seconds.toFixed(2)} s after rank 1 was killed (checkpoint: task ${state.step?.task} it ${state.step?.it}): ${survivor.stderr.trim().split('\n').pop()}`,
    );
    assert.equal(survivor.code, 3, `expected the E_DIST exit code 3:\n${survivor.stderr}`);
    assert.match(survivor.stderr, /rank 0 of 2 \(gloo\).*failed.*\[E_DIST\]/s);
    assert.ok(seconds < 60);
    assert.equal(state.finished, false);
    const resumed = await runRank(['run', dir], singleProcessEnv());
    assert.equal(resumed.code, 0, resumed.stderr);
    assertSameRun(dir);
  });

  it('kill rank 0 (the store host) mid-task: rank 1 exits with E_DIST in < 60 s; resuming with 2 processes finishes the run', async () => {
    const dir = path.join(tmp, 'kill-rank-0');
    const { survivor, seconds } = await killMidRun(dir, 0);
    console.log(`      rank 1 exited ${seconds.toFixed(2)} s after rank 0 was killed: ${survivor.stderr.trim().split('\n').pop()}`);
    assert.equal(survivor.code, 3, `expected the E_DIST exit code 3:\n${survivor.stderr}`);
    assert.match(survivor.stderr, /rank 1 of 2 \(gloo\).*\[E_DIST\]/s);
    assert.ok(seconds < 60);
    const port = await freePort();
    const resumed = await Promise.all([0, 1].map((r) => runRank(['run', dir], rankEnv(r, 2, port))));
    resumed.forEach((r) => assert.equal(r.code, 0, r.stderr));
    assertSameRun(dir);
  });

  it('a rank that stops answering (SIGSTOP) fails its peer with E_DIST after the collective timeout', async () => {
    const dir = path.join(tmp, 'stop-rank-1');
    const port = await freePort();
    const env = (r: number) => rankEnv(r, 2, port, { ZSCL_TEST_STEP_DELAY_MS: '150', ZSCL_DIST_TIMEOUT_MS: '5000' });
    const ranks = [0, 1].map((r) => startRank(['run', dir], env(r)));
    await until(() => readState(dir)?.step !== undefined, 40000);
    const stoppedAt = Date.now();
    ranks[1].child.kill('SIGSTOP');
    const survivor = await ranks[0].done;
    ranks[1].child.kill('SIGKILL');
    await ranks[1].done;
    const seconds = (survivor.endedAt - stoppedAt) / 1000;
    console.log(`      rank 0 exited ${seconds.toFixed(2)} s after rank 1 stopped (timeout 5 s): ${survivor.stderr.trim().split('\n').pop()}`);
    assert.equal(survivor.code, 3, survivor.stderr);
    assert.match(survivor.stderr, /rank 0 of 2 \(gloo\).*failed.*5000 ms.*\[E_DIST\]/s);
    assert.ok(seconds >= 4 && seconds < 30, `exited after ${seconds} s`);
  });

  function assertSameRun(dir: string): void {
    const state = readState(dir)!;
    const expected = readState(reference)!;
    assert.equal(state.finished, true);
    assert.deepEqual(state.accuracy, expected.accuracy);
    for (const k of [0, 1]) {
      const file = path.join('checkpoints', `task-${k}.safetensors`);
      const c = compareWeights(readWeights(path.join(dir, file)), readWeights(path.join(reference, file)));
      console.log(`      task ${k} checkpoint vs an uninterrupted 1-process run: ${describeComparison(c)}`);
      assert.deepEqual(c.failures, []);
    }
  }
});
