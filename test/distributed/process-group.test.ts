import assert from 'node:assert/strict';
import { ZsclError } from '../../lib/errors';
import { readDistEnv } from '../../lib/distributed/env';
import { freePort } from '../../lib/distributed/launch';
import { ProcessGroup, compiledBackends } from '../../lib/distributed/process-group';
import { shardRange, shardSizes } from '../../lib/distributed/shard';
import { tensor, zeros } from '../../lib/tensor/create';
import type { Tensor } from '../../lib/tensor/tensor';

// Two ranks of one Gloo group inside this process: each rank's collectives block a worker
// thread of its own, so issuing both ranks' calls together completes them.
async function pair(timeoutMs = 10000): Promise<[ProcessGroup, ProcessGroup]> {
  const port = await freePort();
  const make = (rank: number) => ProcessGroup.create({ rank, worldSize: 2, host: '127.0.0.1', port, timeoutMs });
  return (await Promise.all([make(0), make(1)])) as [ProcessGroup, ProcessGroup];
}

function values(t: Tensor): number[] {
  return Array.from(t.data() as Float32Array);
}

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<ZsclError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ZsclError, `expected a ZsclError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('dist: process group collectives (Gloo, 2 ranks in one process)', function () {
  this.timeout(30000);
  let groups: [ProcessGroup, ProcessGroup];

  before(async () => {
    assert.ok(compiledBackends().includes('gloo'), 'this build of the addon has no Gloo: install libgloo-dev (its headers) and rebuild');
    groups = await pair();
  });
  after(() => groups?.forEach((g) => g.dispose()));

  it('knows its rank, world size and shard', () => {
    assert.deepEqual(
      groups.map((g) => [g.rank, g.worldSize, g.isMain, g.backend]),
      [
        [0, 2, true, 'gloo'],
        [1, 2, false, 'gloo'],
      ],
    );
    assert.deepEqual(groups[1].shardRange(8), { start: 4, end: 8 });
    // Any batch splits: the first ranks take one more row, a rank may take none.
    assert.deepEqual(
      [groups[0].shardRange(3), groups[1].shardRange(3)],
      [
        { start: 0, end: 2 },
        { start: 2, end: 3 },
      ],
    );
    assert.deepEqual(
      [groups[0].shardRange(1), groups[1].shardRange(1)],
      [
        { start: 0, end: 1 },
        { start: 1, end: 1 },
      ],
    );
    assert.deepEqual(groups[0].shardSizes(7), [4, 3]);
    assert.deepEqual(shardSizes(10, 4), [3, 3, 2, 2]);
    assert.deepEqual(shardRange(10, 3, 4), { start: 8, end: 10 });
  });

  it('all-reduces (sum, mean, max) and reduces plain numbers in float64', async () => {
    const a = [tensor([1, 2, 3]), tensor([10, 20, 30])];
    for (const [op, expected] of [
      ['sum', [11, 22, 33]],
      ['mean', [5.5, 11, 16.5]],
      ['max', [10, 20, 30]],
    ] as const) {
      const out = await Promise.all(groups.map((g, r) => g.allReduce(a[r], op)));
      for (const t of out) assert.deepEqual(values(t), expected);
    }
    assert.deepEqual(values(a[0]), [1, 2, 3], 'the input is not modified');
    const numbers = await Promise.all(groups.map((g, r) => g.allReduceNumbers([0.1 * (r + 1), 1e-12], 'sum')));
    assert.deepEqual(numbers[0], [0.1 + 0.2, 2e-12]);
    assert.deepEqual(numbers[1], numbers[0]);
  });

  it('broadcasts rank 0 tensors in place (bucketed) and refuses ranks whose tensors differ', async () => {
    const mine = [
      [tensor([1, 2]), tensor([[3, 4, 5]])],
      [zeros([2]), zeros([1, 3])],
    ];
    await Promise.all(groups.map((g, r) => g.broadcast(mine[r], 0, { bucketBytes: 8 })));
    assert.deepEqual(mine[1].map(values), [
      [1, 2],
      [3, 4, 5],
    ]);
    const other = await pair();
    try {
      const results = await Promise.allSettled([other[0].broadcast([zeros([2])]), other[1].broadcast([zeros([3])])]);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        const error = (result as PromiseRejectedResult).reason as ZsclError;
        assert.equal(error.code, 'E_DIST');
        assert.match(error.message, /ranks hold different tensors: rank 0 has 1 tensors of 2 elements, rank 1 has 1 of 3/);
      }
    } finally {
      other.forEach((g) => g.dispose());
    }
  });

  it('all-gathers rows in rank order and names different shapes', async () => {
    const out = await Promise.all(groups.map((g, r) => g.allGather(tensor([[r, r + 0.5]]))));
    for (const t of out)
      assert.deepEqual(t.toArray(), [
        [0, 0.5],
        [1, 1.5],
      ]);
    const other = await pair();
    try {
      const results = await Promise.allSettled([other[0].allGather(zeros([2, 4])), other[1].allGather(zeros([3, 4]))]);
      assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as ZsclError).code === 'E_DIST'));
      assert.match(
        ((results[0] as PromiseRejectedResult).reason as Error).message,
        /different shapes: this rank \[2, 4\], rank 1 \[3, 4\].*divide by the world size/,
      );
    } finally {
      other.forEach((g) => g.dispose());
    }
  });

  it('all-gather with grad: backward returns this rank rows of the gradient summed over ranks', async () => {
    const x = [tensor([[1, 2]], { requiresGrad: true }), tensor([[3, 4]], { requiresGrad: true })];
    const gathered = await Promise.all(groups.map((g, r) => g.allGatherWithGrad(x[r])));
    assert.deepEqual(gathered[1].toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.ok(gathered[0].requiresGrad);
    // Rank 0 backpropagates loss = Σ w0·y; one process runs one backward at a time, so rank 1's
    // side of the backward's all-reduce is played by hand with its gradient w1.
    const w0 = tensor([
      [1, 10],
      [100, 1000],
    ]);
    const w1 = tensor([
      [2, 20],
      [200, 2000],
    ]);
    const [, rank1Sum] = await Promise.all([gathered[0].mul(w0).sum().backwardAsync(), groups[1].allReduce(w1, 'sum')]);
    assert.deepEqual(x[0].grad!.toArray(), [[3, 30]]);
    assert.deepEqual(rank1Sum.toArray(), [
      [3, 30],
      [300, 3000],
    ]);
  });

  it('all-gathers shards of different sizes (one empty) in rank order, with the gradient of this rank rows', async () => {
    const counts = await Promise.all(groups.map((g, r) => g.rowCounts(r === 0 ? 3 : 0)));
    assert.deepEqual(counts, [
      [3, 0],
      [3, 0],
    ]);
    const x = [
      tensor(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        { requiresGrad: true },
      ),
      zeros([0, 2], { requiresGrad: true }),
    ];
    // Counts exchanged inside (no `counts` given).
    const gathered = await Promise.all(groups.map((g, r) => g.allGatherRows(x[r], { grad: true })));
    for (const t of gathered)
      assert.deepEqual(t.toArray(), [
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
    const w0 = tensor([
      [1, 10],
      [100, 1000],
      [2, 3],
    ]);
    const w1 = tensor([
      [1, 1],
      [1, 1],
      [1, 1],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    // Rank 1's side of the backward's all-reduce (its gradient of the padded gather) by hand, as above.
    await Promise.all([gathered[0].mul(w0).sum().backwardAsync(), groups[1].allReduce(w1, 'sum')]);
    assert.deepEqual(x[0].grad!.toArray(), [
      [2, 11],
      [101, 1001],
      [3, 4],
    ]);
    const plain = await Promise.all(groups.map((g, r) => g.allGatherRows(tensor(r === 0 ? [[7]] : [[8], [9]]), { counts: [1, 2] })));
    for (const t of plain) assert.deepEqual(t.toArray(), [[7], [8], [9]]);
  });

  it('averages gradients over ranks: missing on one rank counts as zero, missing on all stays missing', async () => {
    const params = [0, 1].map(() => [zeros([3], { requiresGrad: true }), zeros([2, 2], { requiresGrad: true }), zeros([1], { requiresGrad: true })]);
    params[0][0].setGrad(tensor([1, 2, 3]));
    params[1][0].setGrad(tensor([3, 4, 5]));
    params[0][1].setGrad(
      tensor([
        [2, 2],
        [2, 2],
      ]),
    );
    await Promise.all(groups.map((g, r) => g.allReduceGradients(params[r], { bucketBytes: 4 })));
    for (const p of params) {
      assert.deepEqual(values(p[0].grad!), [2, 3, 4]);
      assert.deepEqual(values(p[1].grad!), [1, 1, 1, 1]);
      assert.equal(p[2].grad, null);
    }
  });

  it('keeps the event loop running while a rank waits for its peer', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const first = groups[0].barrier();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const waited = ticks;
    await Promise.all([first, groups[1].barrier()]);
    clearInterval(timer);
    assert.ok(waited >= 10, `only ${waited} timer ticks in 300 ms while rank 0 waited`);
  });
});

describe('dist: failures are coded errors within the timeout', function () {
  this.timeout(30000);

  it('a rendezvous that a rank never joins fails with E_DIST', async () => {
    const started = Date.now();
    await rejectsWith(
      ProcessGroup.create({ rank: 0, worldSize: 2, host: '127.0.0.1', port: await freePort(), timeoutMs: 1000 }),
      'E_DIST',
      /rank 0 of 2 \(gloo\): rendezvous at 127\.0\.0\.1:\d+ failed.*all 2 ranks must start within 1000 ms/s,
    );
    assert.ok(Date.now() - started < 10000);
  });

  it('a collective that a peer never joins fails with E_DIST, and the group then fails fast', async () => {
    const [a, b] = await pair(1000);
    try {
      const started = Date.now();
      await rejectsWith(a.barrier(), 'E_DIST', /rank 0 of 2 \(gloo\): distBarrier failed/);
      assert.ok(Date.now() - started < 10000, `took ${Date.now() - started} ms`);
      await rejectsWith(a.allReduceNumbers([1]), 'E_DIST', /unusable after an earlier failure/);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('bad options are E_CONFIG before any connection', async () => {
    await rejectsWith(ProcessGroup.create({ rank: 2, worldSize: 2, host: '127.0.0.1', port: 1234 }), 'E_CONFIG', /rank must be an integer in 0…1, got 2/);
    await rejectsWith(ProcessGroup.create({ rank: 0, worldSize: 1, host: '127.0.0.1', port: 0 }), 'E_CONFIG', /port must be/);
  });
});

describe('dist: environment (torchrun convention)', () => {
  it('reads MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK', () => {
    assert.equal(readDistEnv({}), undefined);
    assert.deepEqual(readDistEnv({ WORLD_SIZE: '4', RANK: '3', LOCAL_RANK: '1', MASTER_ADDR: 'node0', MASTER_PORT: '29500' }), {
      rank: 3,
      worldSize: 4,
      localRank: 1,
      host: 'node0',
      port: 29500,
      backend: 'gloo',
      timeoutMs: 30000,
    });
    assert.deepEqual(readDistEnv({ WORLD_SIZE: '1', RANK: '0', MASTER_PORT: '1', ZSCL_DIST_BACKEND: 'nccl', ZSCL_DIST_TIMEOUT_MS: '500' })?.timeoutMs, 500);
  });

  it('names the variable that is missing or malformed', () => {
    const bad: [NodeJS.ProcessEnv, RegExp][] = [
      [{ WORLD_SIZE: '2', RANK: '2', MASTER_PORT: '1' }, /RANK must be an integer in 0…1, got '2'/],
      [{ WORLD_SIZE: '2', RANK: '0' }, /MASTER_PORT is not/],
      [{ WORLD_SIZE: 'two', RANK: '0', MASTER_PORT: '1' }, /WORLD_SIZE must be an integer/],
      [{ WORLD_SIZE: '2', RANK: '0', MASTER_PORT: '1', ZSCL_DIST_BACKEND: 'mpi' }, /ZSCL_DIST_BACKEND must be 'gloo' or 'nccl'/],
    ];
    for (const [env, pattern] of bad)
      assert.throws(
        () => readDistEnv(env),
        (e: ZsclError) => e.code === 'E_CONFIG' && pattern.test(e.message),
      );
  });
});
