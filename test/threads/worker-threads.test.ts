/**
 * The addon in worker_threads: several workers load it and compute at once, each with its own
 * tensors, memory ledger and grad mode; workers that exit or are terminated leave the process
 * (and the main thread's tensors) unharmed.
 */
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { isGradEnabled, memory, ones, tidy } from '../../lib';
import { coreLibSource } from '../support/core-lib';

/** A worker running `body` with `lib` (the TypeScript sources, through tsx) and `parentPort`. */
function startWorker(body: string, workerData?: unknown): Worker {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    require('tsx/cjs/api').register();
    ${coreLibSource}
    ${body}
  `;
  return new Worker(code, { eval: true, workerData });
}

interface Outcome {
  messages: unknown[];
  exitCode: number;
  error?: Error;
}

function settle(worker: Worker): Promise<Outcome> {
  return new Promise((resolve) => {
    const messages: unknown[] = [];
    let error: Error | undefined;
    worker.on('message', (m) => messages.push(m));
    worker.on('error', (e) => (error = e));
    worker.on('exit', (exitCode) => resolve({ messages, exitCode, error }));
  });
}

describe('threads: the addon in worker_threads', function () {
  this.timeout(120_000);

  it('several workers load the addon and compute at once, each with its own ledger', async () => {
    const body = `
      const n = workerData.n;
      const a = lib.full([n, n], workerData.value);
      const sync = lib.tidy(() => a.matmul(a).sum().item());
      (async () => {
        const product = await a.matmulAsync(a);
        const w = lib.ones([n, n], { requiresGrad: true });
        const loss = lib.tidy(() => lib.F.mseLoss(lib.F.linear(a, w), lib.zerosLike(a), 'sum'));
        await loss.backwardAsync();
        const grad = w.grad;
        const gradSum = grad.sum().item();
        const mine = lib.memory().tensors;
        parentPort.postMessage({ sync, async: lib.tidy(() => product.sum().item()), gradSum, mine,
          grad: lib.isGradEnabled(), noGrad: lib.noGrad(() => lib.isGradEnabled()) });
      })();
    `;
    const mainBefore = memory().tensors;
    const main = ones([2, 2]);
    const specs = [
      { n: 16, value: 1 },
      { n: 32, value: 0.5 },
      { n: 24, value: 2 },
      { n: 8, value: -1 },
    ];
    const outcomes = await Promise.all(specs.map((spec) => settle(startWorker(body, spec))));
    outcomes.forEach((o, k) => {
      const { n, value } = specs[k];
      assert.equal(o.error, undefined, String(o.error));
      assert.equal(o.exitCode, 0);
      const m = o.messages[0] as Record<string, number | boolean>;
      const expected = n * n * n * value * value; // every element of a·a is n·value²
      assert.equal(m.sync, expected);
      assert.equal(m.async, expected);
      // d/dW sum((a Wᵀ)²) = 2 (a Wᵀ)ᵀ a, every element 2·n·(n·value)·value
      assert.equal(m.gradSum, n * n * 2 * n * n * value * value);
      assert.equal(m.mine, 6, 'a worker counts only its own tensors (a, product, w, loss, grad, its sum)');
      assert.equal(m.grad, true);
      assert.equal(m.noGrad, false);
    });
    // Each worker made 6 tensors; none may reach the main ledger. (At most `main` was added: garbage of earlier tests
    // may be finalised meanwhile, so the count can also drop.)
    const mainAfter = memory().tensors;
    assert.ok(mainAfter <= mainBefore + 1, `the workers' tensors reached the main ledger: ${mainBefore} -> ${mainAfter}`);
    assert.equal(isGradEnabled(), true);
    assert.equal(
      tidy(() => main.matmul(main).sum().item()),
      8,
    );
    main.dispose();
  });

  it('a worker that exits with undisposed tensors and pending GC exits cleanly', async () => {
    const outcome = await settle(
      startWorker(`
        for (let i = 0; i < 200; i++) lib.randn([64, 64]).matmul(lib.randn([64, 64]));
        parentPort.postMessage(lib.memory().tensors);
      `),
    );
    assert.equal(outcome.error, undefined, String(outcome.error));
    assert.equal(outcome.exitCode, 0);
    assert.ok((outcome.messages[0] as number) >= 600);
  });

  it('process.exit() inside a worker while its async op runs ends only that worker', async () => {
    const outcome = await settle(
      startWorker(`
        const a = lib.randn([600, 600]);
        a.matmulAsync(a);
        a.matmulAsync(a);
        parentPort.postMessage('started');
        process.exit(3);
      `),
    );
    assert.equal(outcome.error, undefined, String(outcome.error));
    assert.equal(outcome.exitCode, 3);
    assert.deepEqual(outcome.messages, ['started']);
  });

  it('terminate() during sync ops and during async ops is clean, and the main thread carries on', async () => {
    const busyLoop = startWorker(`
      parentPort.postMessage('running');
      for (;;) lib.tidy(() => lib.ones([32, 32]).matmul(lib.ones([32, 32])).sum());
    `);
    const inFlight = startWorker(`
      const a = lib.randn([700, 700]);
      (async () => {
        for (;;) {
          const pending = [a.matmulAsync(a), a.matmulAsync(a)];
          parentPort.postMessage('in flight');
          for (const t of await Promise.all(pending)) t.dispose();
        }
      })();
    `);
    const firstMessage = (w: Worker) => new Promise((resolve) => w.once('message', resolve));
    await Promise.all([firstMessage(busyLoop), firstMessage(inFlight)]);
    const exits = await Promise.all([busyLoop.terminate(), inFlight.terminate()]);
    assert.deepEqual(exits, [1, 1]);
    // the addon still works here, and new workers can load it again
    assert.equal(
      tidy(() => ones([3]).sum().item()),
      3,
    );
    const again = await settle(startWorker(`parentPort.postMessage(lib.tidy(() => lib.ones([4]).sum().item()));`));
    assert.equal(again.exitCode, 0);
    assert.deepEqual(again.messages, [4]);
  });
});
