/**
 * Tensor lifetime: dispose, use after dispose, scopes (tidy, tidyAsync, keep, using), the
 * memory ledger and V8 external memory, a long run of small ops, and the GC finalizer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Tensor } from '../../lib';
import { F, cpuCache, keep, memory, ones, rand, releaseCpuCache, tidy, tidyAsync, zeros } from '../../lib';
import { coreLibSource } from '../support/core-lib';
import { native } from '../../lib/native';
import { repoRoot } from '../support/fixtures';

const codeOf = (code: string) => (e: unknown) => {
  assert.equal((e as { code?: string }).code, code, String(e));
  return true;
};

describe('memory: dispose', () => {
  it('is idempotent and frees the tensor at once', () => {
    const before = memory();
    const t = zeros([256]);
    assert.equal(memory().tensors, before.tensors + 1);
    assert.equal(memory().bytes, before.bytes + 1024);
    t.dispose();
    t.dispose();
    t[Symbol.dispose]();
    assert.equal(t.disposed, true);
    assert.equal(memory().tensors, before.tensors);
    assert.equal(memory().bytes, before.bytes);
    assert.equal(String(t), 'Tensor(disposed)');
  });

  it('use after dispose throws E_DISPOSED naming the call, wherever the tensor appears', () => {
    const t = ones([2, 2]);
    const other = ones([2, 2]);
    t.dispose();
    const uses: [string, () => unknown][] = [
      ['add', () => t.add(other)],
      ['add', () => other.add(t)],
      ['matmul', () => other.matmul(t)],
      ['cat', () => F.linear(other, t)],
      ['shape', () => t.shape],
      ['dtype', () => t.dtype],
      ['device', () => t.device],
      ['data', () => t.data()],
      ['item', () => t.item()],
      ['toArray', () => t.toArray()],
      ['add_', () => other.add_(t)],
      ['backward', () => t.backward()],
    ];
    for (const [label, use] of uses) {
      assert.throws(use, (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'E_DISPOSED', `${label}: ${String(e)}`);
        assert.match((e as Error).message, /dispose/, label);
        return true;
      });
    }
    other.dispose();
  });

  it('a disposed tensor in an async op rejects with E_DISPOSED', async () => {
    const t = ones([2, 2]);
    t.dispose();
    const other = ones([2, 2]);
    await assert.rejects(async () => other.matmulAsync(t), codeOf('E_DISPOSED'));
    other.dispose();
  });

  it('disposed handles are reused, never for two live tensors at once', () => {
    const live = new Map<unknown, number>();
    const tensors: Tensor[] = [];
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 2) tensors.splice(i % tensors.length, 1)[0].dispose();
      tensors.push(ones([1]).mul(i));
    }
    for (const t of tensors) live.set(t.handle, (live.get(t.handle) ?? 0) + 1);
    assert.equal(live.size, tensors.length, 'one handle per live tensor');
    // a handle handed back twice (only internal code can) still goes to one tensor
    const t = ones([2]);
    const handle = t.handle;
    native().dispose(handle, true);
    native().dispose(handle, true);
    const [a, b] = [ones([3]), ones([4])];
    assert.notEqual(a.handle, b.handle);
    assert.deepEqual([a.shape, b.shape], [[3], [4]]);
    for (const x of [...tensors, a, b]) x.dispose();
  });

  it('views share one storage: bytes count it once', () => {
    const before = memory();
    const base = zeros([10, 10], { dtype: 'float64' });
    const views = [base.select(0, 1), base.slice(1, 2, 5), base.T, base.reshape(100)];
    assert.equal(memory().tensors, before.tensors + 5);
    assert.equal(memory().storages, before.storages + 1);
    assert.equal(memory().bytes, before.bytes + 800);
    base.dispose();
    assert.equal(memory().bytes, before.bytes + 800, 'the views still hold the storage');
    for (const v of views) v.dispose();
    assert.equal(memory().bytes, before.bytes);
    assert.equal(memory().storages, before.storages);
  });
});

describe('memory: scopes', () => {
  it('tidy frees intermediates and hands the result to the enclosing scope', () => {
    const before = memory().tensors;
    let innerResult: Tensor | undefined;
    const outer = tidy(() => {
      innerResult = tidy(() => ones([3]).add(1).mul(2));
      assert.equal(memory().tensors, before + 1);
      return innerResult.sum();
    });
    assert.equal(innerResult?.disposed, true, 'the inner result belonged to the outer scope');
    assert.equal(outer.item(), 12);
    assert.equal(memory().tensors, before + 1);
    outer.dispose();
    assert.equal(memory().tensors, before);
  });

  it('tidy keeps tensors passed to keep() and results inside arrays and objects', () => {
    const before = memory().tensors;
    let kept: Tensor | undefined;
    const result = tidy(() => {
      kept = keep(zeros([1]));
      ones([1]);
      return { list: [ones([2]), ones([3])], nested: { t: ones([4]) } };
    });
    assert.equal(memory().tensors, before + 4);
    for (const t of [kept!, ...result.list, result.nested.t]) t.dispose();
    assert.equal(memory().tensors, before);
  });

  it('tidy frees everything when the function throws, and refuses a Promise', async () => {
    const before = memory().tensors;
    assert.throws(
      () =>
        tidy(() => {
          ones([2]);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(memory().tensors, before);
    assert.throws(() => tidy(() => Promise.resolve(ones([1])) as never), codeOf('E_ARG'));
    await new Promise((r) => setImmediate(r));
    assert.equal(memory().tensors, before);
  });

  it('tidyAsync frees what its async work created, and concurrent scopes stay apart', async () => {
    const before = memory().tensors;
    const a = rand([8, 8]);
    const run = (n: number) =>
      tidyAsync(async () => {
        let x = a;
        for (let i = 0; i < n; i++) {
          x = await x.matmulAsync(a);
          await new Promise((r) => setImmediate(r));
          x = x.div(x.norm());
        }
        return x.sum();
      });
    const [r1, r2] = await Promise.all([run(3), run(5)]);
    assert.equal(memory().tensors, before + 3);
    for (const t of [a, r1, r2]) t.dispose();
    assert.equal(memory().tensors, before);
  });

  it('tidyAsync frees on rejection', async () => {
    const before = memory().tensors;
    await assert.rejects(
      tidyAsync(async () => {
        ones([2]);
        await ones([2, 2]).matmulAsync(ones([3, 3]));
      }),
      codeOf('E_SHAPE'),
    );
    assert.equal(memory().tensors, before);
  });

  it('`using` disposes at the end of the block', () => {
    const before = memory().tensors;
    {
      using t = ones([5]);
      using u = t.mul(2);
      assert.equal(u.sum().item(), 10);
      assert.equal(memory().tensors, before + 3);
    }
    assert.equal(memory().tensors, before + 1, 'only the unscoped sum remains');
  });
});

describe('memory: a long run of small ops', function () {
  this.timeout(120_000);

  it('100k small ops in scopes: tensor count back to baseline, RSS drift < 5% (fresh process)', () => {
    // A process of its own: RSS then shows this workload, not what earlier tests left behind.
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `${coreLibSource}
        const a = lib.rand([2, 2]);
        const b = lib.rand([2, 2]);
        const w = lib.rand([2, 2]).requiresGrad_(true);
        const round = (ops) => {
          for (let i = 0; i < ops / 10; i++) {
            lib.tidy(() => {
              const c = a.add(b).mul(w).relu();
              const d = c.matmul(b).sub(1).abs();
              const e = lib.F.mseLoss(d, a).add(c.sum());
              e.exp().log();
            });
          }
        };
        round(50000); // warm-up: JIT tiers, allocator pools, handle pool
        const baseline = lib.memory().tensors;
        const rssBefore = process.memoryUsage().rss;
        round(100000);
        console.log(JSON.stringify({ baseline, tensors: lib.memory().tensors, rssBefore, rssAfter: process.memoryUsage().rss }));`,
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const { baseline, tensors, rssBefore, rssAfter } = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
    const drift = (rssAfter - rssBefore) / rssBefore;
    console.log(`      RSS ${(rssBefore / 2 ** 20).toFixed(1)} -> ${(rssAfter / 2 ** 20).toFixed(1)} MiB (${(drift * 100).toFixed(2)}%)`);
    assert.equal(tensors, baseline);
    assert.ok(drift < 0.05, `RSS ${rssBefore} -> ${rssAfter} (${(drift * 100).toFixed(2)}%)`);
  });
});

describe('memory: finalizer', function () {
  this.timeout(60_000);

  /** Runs `body` (a script using `lib`) in a fresh node and returns its last stdout line as JSON. */
  const runChild = (body: string, nodeArgs: string[] = []) => {
    const script = `${coreLibSource}\n${body}`;
    const run = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
  };

  it('native bytes are reported to V8: undisposed 16 MiB tensors are collected though JS allocates little', () => {
    // 40 x 16 MiB never disposed, with an event-loop turn after each (finalizers run there).
    // Without the report V8 sees no heap growth and collects nothing: all 640 MiB stay live.
    const { maxMiB } = runChild(`
      (async () => {
        let max = 0;
        for (let i = 0; i < 40; i++) {
          lib.zeros([4, 1024, 1024]);
          max = Math.max(max, lib.memory().bytes);
          await new Promise((r) => setImmediate(r));
        }
        console.log(JSON.stringify({ maxMiB: max / 2 ** 20 }));
      })();
    `);
    assert.ok(maxMiB <= 320, `at most ${maxMiB} MiB were live at once`);
  });

  it('GC frees tensors nobody disposed (child process with --expose-gc)', () => {
    const { baseline, made, after } = runChild(
      `
      const baseline = lib.memory();
      (function make() { for (let i = 0; i < 2000; i++) lib.zeros([256]); })();
      const made = lib.memory();
      (async () => {
        for (let i = 0; i < 10 && lib.memory().tensors > baseline.tensors; i++) {
          global.gc();
          await new Promise((r) => setImmediate(r)); // finalizers run from the event loop
        }
        console.log(JSON.stringify({ baseline, made, after: lib.memory() }));
      })();
    `,
      ['--expose-gc'],
    );
    assert.equal(made.tensors - baseline.tensors, 2000);
    assert.equal(made.bytes - baseline.bytes, 2000 * 1024);
    assert.equal(after.tensors, baseline.tensors, 'every undisposed tensor was finalized');
    assert.equal(after.bytes, baseline.bytes);
  });
});

describe('memory: the CPU block cache', () => {
  it('keeps freed large blocks for reuse on any thread, and gives them back on request', async () => {
    const mb = 2 ** 20;
    releaseCpuCache();
    const start = cpuCache();
    const a = ones([1024, 512]); // 2 MiB each: large blocks
    const b = ones([512, 1024]).mul(0.5);
    const big = zeros([1024, 1024]); // 4 MiB
    const mapped = cpuCache().mappedBytes;
    assert.ok(mapped - start.mappedBytes >= 8 * mb, `mapped ${mapped - start.mappedBytes}`);
    big.dispose();
    assert.ok(cpuCache().cachedBytes >= 4 * mb);
    // Allocated on a worker thread (async op): the freed block of that size is reused.
    const product = await a.matmulAsync(b);
    assert.equal(cpuCache().mappedBytes, mapped, 'the freed block was reused');
    assert.ok((product.data() as Float32Array).every((v) => v === 256));
    for (const t of [a, b, product]) t.dispose();
    assert.ok(cpuCache().peakLiveBytes >= 8 * mb);
    assert.ok(releaseCpuCache() >= 8 * mb);
    assert.equal(cpuCache().cachedBytes, 0);
  });

  it('small tensors and ZSCL_CPU_ALLOCATOR=system bypass it', () => {
    releaseCpuCache();
    const before = cpuCache().mappedBytes;
    const small = zeros([1000]);
    assert.equal(cpuCache().mappedBytes, before);
    small.dispose();
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', `${coreLibSource}\nconst t = lib.zeros([1024, 1024]); console.log(JSON.stringify(lib.cpuCache()));`],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, ZSCL_CPU_ALLOCATOR: 'system' },
      },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout.trim().split('\n').pop()!).mappedBytes, 0);
  });
});
