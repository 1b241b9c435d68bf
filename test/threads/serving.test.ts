import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { classifyImage, createClassifyServer, demoTraining, labelClassifier } from '../../examples/serve-while-training';
import { startRun } from '../../lib/cl/service';
import { getNumThreads, setNumThreads } from '../../lib/runtime';

type Scores = { label: string; score: number }[];
interface Reply {
  version: number;
  task: string;
  labels: Scores;
}

describe('serving while training (examples/serve-while-training.ts)', function () {
  this.timeout(180000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-serving-'));
  const threads = getNumThreads();
  after(() => {
    setNumThreads(threads);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('answers 200 requests during a ZSCL run: no failure, every version complete, one version per WE update', async () => {
    const iterations = 24;
    const averageEvery = 2;
    const training = demoTraining({ dir: path.join(root, 'run'), iterations, averageEvery, batchSize: 8 });
    const probe = await sharp({ create: { width: 40, height: 32, channels: 3, background: { r: 220, g: 30, b: 40 } } })
      .png()
      .toBuffer();
    // The recipe's advice: leave the event loop a core (libtorch would otherwise take both of a 2-core machine).
    setNumThreads(Math.max(1, os.cpus().length - 1));
    const run = startRun(training.spec);
    // What each version answers for the probe, computed from that version's own snapshot.
    const expected = new Map<number, Promise<Scores>>();
    let weUpdates = 0;
    run.on('step', (e) => e.trace.we_updated && weUpdates++);
    run.on('model', () => {
      const lease = run.acquireModel()!;
      const labels = training.labels[Math.max(0, lease.taskIndex)];
      expected.set(
        lease.version,
        labelClassifier(lease.model, training.tokenize, labels).then(async (classifier) => {
          try {
            return await classifyImage(lease.model, classifier, probe, training.imageSize);
          } finally {
            classifier.dispose();
            lease.release();
          }
        }),
      );
    });
    const service = createClassifyServer(run, training);
    await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}/classify`;
    let training_ = true;
    const finished = run.done.finally(() => (training_ = false));
    // Requests start once training steps run; a few first ones warm up fetch, sharp and the JIT.
    while (!service.current() || !run.progress()) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 8; i++) await (await fetch(url, { method: 'POST', body: probe })).arrayBuffer();

    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const latencies: number[] = [];
    const replies: Reply[] = [];
    let failures = 0;
    let duringTraining = 0;
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < 200) {
        next++;
        const start = performance.now();
        try {
          const res = await fetch(url, { method: 'POST', body: probe, headers: { 'content-type': 'image/png' } });
          if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
          replies.push((await res.json()) as Reply);
          if (training_) duringTraining++;
        } catch (error) {
          failures++;
          console.error(error);
        }
        latencies.push(performance.now() - start);
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    lag.disable();
    await finished;

    latencies.sort((a, b) => a - b);
    const p = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    const maxLag = lag.max / 1e6;
    const versions = new Set(replies.map((r) => r.version));
    console.log(
      `      200 requests after 8 warm-up ones (${duringTraining} while training, 8 at a time): ${failures} failures, p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, ` +
        `max event-loop lag ${maxLag.toFixed(1)} ms; ${expected.size} model versions for ${weUpdates} WE updates, ${versions.size} versions answered`,
    );
    assert.equal(failures, 0);
    assert.equal(replies.length, 200);
    assert.ok(maxLag < 50, `max event-loop lag ${maxLag} ms`);
    assert.ok(duringTraining > 0, 'some requests were answered while the run trained');
    // One version at run start, one per averaging update, one per task end.
    const perTask = Math.floor(iterations / averageEvery) + 1;
    assert.equal(weUpdates, 2 * perTask);
    assert.equal(expected.size, 1 + weUpdates + 2);
    assert.deepEqual(
      [...expected.keys()],
      Array.from({ length: expected.size }, (_, i) => i + 1),
    );
    assert.ok(versions.size > 1, 'the served version advanced during the requests');
    // Every reply is exactly what its version's complete snapshot answers.
    for (const reply of replies) {
      const want = await expected.get(reply.version);
      assert.ok(want, `reply of unknown version ${reply.version}`);
      assert.deepEqual(reply.labels, want, `version ${reply.version}`);
    }

    service.dispose();
    await new Promise((resolve) => service.server.close(resolve));
    run.stopServing();
    assert.equal(run.acquireModel(), undefined);
    training.dispose();
  });
});
