/**
 * Processes that used the addon exit cleanly: code 0 (or the code they asked for) and no signal,
 * after sync ops, with async ops still in flight, on process.exit() during an async op, with
 * worker threads running, and with undisposed tensors left to teardown.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { coreLibSource } from '../support/core-lib';
import { repoRoot } from '../support/fixtures';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the tasks with at most `limit` at a time; resolves to each one's result, in order. */
function limited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T>[] {
  let running = 0;
  const queue: (() => void)[] = [];
  return tasks.map(
    (task) =>
      new Promise<T>((resolve, reject) => {
        const start = () => {
          running++;
          task()
            .then(resolve, reject)
            .finally(() => {
              running--;
              queue.shift()?.();
            });
        };
        if (running < limit) start();
        else queue.push(start);
      }),
  );
}

/** Runs `body` with `lib` loaded in a fresh node process (one libtorch thread: they run side by side). */
function runChild(body: string): Promise<Exit> {
  const script = `${coreLibSource}\n${body}`;
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ZSCL_NUM_THREADS: '1' };
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function assertClean(exit: Exit, label: string, code = 0): void {
  assert.equal(exit.signal, null, `${label}: killed by ${exit.signal}\n${exit.stderr}`);
  assert.equal(exit.code, code, `${label}: exit code ${exit.code}\n${exit.stderr}`);
  assert.doesNotMatch(exit.stderr, /terminate called|Aborted|Segmentation|FATAL|core dumped/, label);
}

const WORKER = `
  const { Worker } = require('node:worker_threads');
  const startWorker = () => new Worker(\`
    const { parentPort } = require('node:worker_threads');
    require('tsx/cjs/api').register();
    ${coreLibSource}
    const a = lib.randn([200, 200]);
    parentPort.postMessage('up');
    (async () => { for (;;) { const r = await a.matmulAsync(a); r.dispose(); lib.tidy(() => a.add(1)); } })();
  \`, { eval: true });
`;

const CASES: { name: string; body: string; code?: number; stdout?: RegExp }[] = [
  {
    name: 'sync ops, then the natural end',
    body: `
      const x = lib.randn([64, 64], { requiresGrad: true });
      const loss = lib.F.crossEntropy(x, lib.zeros([64], { dtype: 'int64' }), { labelSmoothing: 0.1 });
      loss.backward();
      console.log('done', lib.memory().tensors);
    `,
    stdout: /done \d+/,
  },
  {
    name: 'async ops still in flight when the script ends (not awaited)',
    body: `
      const a = lib.randn([400, 400]);
      for (let i = 0; i < 4; i++) a.matmulAsync(a);
      const w = lib.randn([256, 256], { requiresGrad: true });
      lib.F.linear(a.slice(1, 0, 256), w).square().mean().backwardAsync();
      console.log('queued');
    `,
    stdout: /queued/,
  },
  {
    name: 'process.exit(0) while async matmuls run',
    body: `
      const a = lib.randn([500, 500]);
      for (let i = 0; i < 4; i++) a.matmulAsync(a);
      setTimeout(() => process.exit(0), 20);
    `,
  },
  {
    name: 'process.exit(0) synchronously right after queuing async work',
    body: `
      const a = lib.randn([500, 500]);
      a.matmulAsync(a);
      F = lib.F; F.conv2dAsync(lib.randn([4, 3, 64, 64]), lib.randn([8, 3, 5, 5]));
      process.exit(0);
    `,
  },
  {
    name: 'process.exit(7) during an async backward keeps the requested code',
    body: `
      const w = lib.randn([400, 400], { requiresGrad: true });
      const loss = lib.F.mseLoss(lib.randn([400, 400]).matmul(w), lib.zeros([400, 400]));
      loss.backwardAsync();
      setImmediate(() => process.exit(7));
    `,
    code: 7,
  },
  {
    name: 'process.exit(0) with worker threads computing',
    body: `
      ${WORKER}
      const workers = [startWorker(), startWorker()];
      let up = 0;
      for (const w of workers) w.on('message', () => { if (++up === 2) setTimeout(() => process.exit(0), 50); });
    `,
  },
  {
    name: 'worker threads terminated, then the natural end',
    body: `
      ${WORKER}
      const w = startWorker();
      w.on('message', async () => { console.log('terminated', await w.terminate()); });
    `,
    stdout: /terminated 1/,
  },
  {
    name: 'thousands of undisposed tensors and views left to teardown',
    body: `
      const keep = [];
      for (let i = 0; i < 3000; i++) { const t = lib.randn([16, 16]); keep.push(t, t.T, t.select(0, 1)); }
      const g = lib.ones([4], { requiresGrad: true }); g.mul(2).sum().backward(); keep.push(g.grad);
      console.log('tensors', lib.memory().tensors);
    `,
    stdout: /tensors \d+/,
  },
  {
    name: 'queued async ops not yet started are dropped at exit, not run first',
    body: `
      const { native } = require(${JSON.stringify(path.join(repoRoot, 'lib', 'native'))});
      // Products big enough (~7 GFLOP each) that none finishes before cancelPending runs: with a
      // fast BLAS, 300×300 products completed several of the 12 first.
      const a = lib.randn([1500, 1500]);
      for (let i = 0; i < 12; i++) a.matmulAsync(a);
      // libuv runs 4 at a time: at least 8 are still queued
      console.log('dropped', native().cancelPending());
      process.exit(0);
    `,
    stdout: /dropped (8|9|10|11|12)\b/,
  },
  {
    name: 'an uncaught error after ops exits with code 1, not a crash',
    body: `
      lib.ones([2]).add(1);
      setImmediate(() => { throw new Error('boom'); });
    `,
    code: 1,
  },
  {
    name: 'an unhandled rejection from an async op exits with code 1, not a crash',
    body: `
      lib.ones([2, 3]).matmulAsync(lib.ones([4, 5]));
    `,
    code: 1,
  },
];

describe('process exit after using the addon', function () {
  this.timeout(180_000);

  // The children start together (each spends seconds loading libtorch); each case awaits its own.
  let exits: Promise<Exit>[] = [];
  const REPEATS = 4;
  before(() => {
    const body = `
      const a = lib.randn([500, 500]);
      const w = lib.randn([500, 500], { requiresGrad: true });
      a.matmulAsync(a); a.matmulAsync(w); lib.F.linear(a, w).sum().backwardAsync();
      setTimeout(() => process.exit(0), Math.floor(Math.random() * 30));
    `;
    const bodies = [...CASES.map((c) => c.body), ...Array.from({ length: REPEATS }, () => body)];
    exits = limited(
      bodies.map((b) => () => runChild(b)),
      3,
    );
  });

  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const exit = await exits[k];
      assertClean(exit, c.name, c.code ?? 0);
      if (c.stdout) assert.match(exit.stdout, c.stdout);
    });
  });

  it(`process.exit() at a random moment during async ops is clean every time (${REPEATS} runs)`, async () => {
    (await Promise.all(exits.slice(CASES.length))).forEach((exit, k) => assertClean(exit, `run ${k}`));
  });
});
