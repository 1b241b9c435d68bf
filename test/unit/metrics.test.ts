import assert from 'node:assert/strict';
import { accuracyMetrics, checkAccuracyMatrix, classIncrementalMetrics, summaryMetrics } from '../../lib/cl/metrics';
import { validateReportInput } from '../../lib/report/validate';
import { type MtilCase, readJsonFixture } from '../support/fixtures';

interface MetricsExample {
  matrix: number[][];
  transfer: number;
  avg: number;
  last: number;
  transfer_per_column: number[];
  avg_per_column: number[];
  last_per_column: number[];
}

/** Equal up to float64 summation-order rounding. */
function close(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('continual-learning metrics', () => {
  it('reproduces the published Transfer / Avg / Last of every MTIL matrix (rounded to 0.1)', () => {
    const file = readJsonFixture<{ description: string; cases: MtilCase[] }>('metrics', 'mtil-matrices.json');
    assert.match(file.description, /rounded to 0\.1/);
    assert.ok(file.cases.length >= 3);
    for (const c of file.cases) {
      const m = accuracyMetrics(c.accuracy);
      const label = `${c.method} order ${c.order}`;
      assert.equal(m.tasks, c.tasks.length, label);
      for (const key of ['transfer', 'avg', 'last'] as const) {
        const value = m[key]!;
        assert.equal(Number(value.toFixed(1)), c.expected[key], `${label} ${key}: ${value}`);
      }
    }
  });

  for (const folder of ['zscl-mtil', 'zscl-cil']) {
    it(`matches ${folder}/metrics_example.json exactly, with the per-column lists`, () => {
      const example = readJsonFixture<MetricsExample>(folder, 'metrics_example.json');
      const m = accuracyMetrics(example.matrix);
      close(m.transfer, example.transfer, 'transfer');
      close(m.avg, example.avg, 'avg');
      close(m.last, example.last, 'last');
      assert.equal(m.transferPerTask.length, example.transfer_per_column.length);
      example.transfer_per_column.forEach((v, j) => close(m.transferPerTask[j], v, `transfer column ${j + 1}`));
      example.avg_per_column.forEach((v, j) => close(m.avgPerTask[j], v, `avg column ${j}`));
      assert.deepEqual(m.lastPerTask, example.last_per_column);
    });
  }

  it('gives the documented zero-shot sanity values (one row repeated: 69.4 / 65.3 / 65.3, no forgetting)', () => {
    const zeroShot = [24.3, 88.4, 68.2, 44.6, 54.9, 71.0, 88.5, 59.4, 89.0, 64.7, 65.2];
    const m = accuracyMetrics(zeroShot.map(() => [...zeroShot]));
    assert.equal(Number(m.transfer!.toFixed(1)), 69.4);
    assert.equal(Number(m.avg.toFixed(1)), 65.3);
    assert.equal(Number(m.last.toFixed(1)), 65.3);
    close(m.bwt, 0, 'bwt');
    close(m.forgetting, 0, 'forgetting');
  });

  it('computes BWT and forgetting (Chaudhry et al.) on a hand-worked 3×3 matrix', () => {
    const A = [
      [50, 20, 10],
      [40, 90, 30],
      [45, 60, 80],
    ];
    const m = accuracyMetrics(A);
    // transfer: column 1 → 20; column 2 → (10 + 30) / 2 = 20
    assert.deepEqual(m.transferPerTask, [20, 20]);
    assert.equal(m.transfer, 20);
    assert.deepEqual(m.avgPerTask, [45, 170 / 3, 40]);
    assert.equal(m.avg, 425 / 9);
    assert.deepEqual(m.lastPerTask, [45, 60, 80]);
    assert.equal(m.last, 185 / 3);
    // bwt: (45 − 50) and (60 − 90)
    assert.deepEqual(m.bwtPerTask, [-5, -30]);
    assert.equal(m.bwt, -17.5);
    // forgetting: max(50, 40) − 45 = 5 and max(20, 90) − 60 = 30
    assert.deepEqual(m.forgettingPerTask, [5, 30]);
    assert.equal(m.forgetting, 17.5);
  });

  it('forgetting takes the max over every earlier row, including before the task was trained', () => {
    // task 1's zero-shot accuracy (95, row 0) is its best: forgetting 95 − 70 = 25; BWT only sees 80 − 70
    const m = accuracyMetrics([
      [60, 95, 0],
      [55, 80, 0],
      [50, 70, 0],
    ]);
    assert.deepEqual(m.forgettingPerTask, [10, 25]);
    assert.deepEqual(m.bwtPerTask, [-10, -10]);
  });

  it('handles a single task: transfer, BWT and forgetting are null', () => {
    const m = accuracyMetrics([[73.5]]);
    assert.deepEqual(m, {
      tasks: 1,
      transfer: null,
      avg: 73.5,
      last: 73.5,
      bwt: null,
      forgetting: null,
      transferPerTask: [],
      avgPerTask: [73.5],
      lastPerTask: [73.5],
      bwtPerTask: [],
      forgettingPerTask: [],
    });
  });

  it('rejects malformed matrices with E_ARG naming the problem', () => {
    const bad: [unknown, RegExp][] = [
      [[], /A: expected a non-empty array of rows .*, got array/],
      [null, /got null/],
      ['[[1]]', /got string/],
      [[1, 2], /A\[0\]: expected an array of accuracies, got number 1/],
      [[[1, 2], [3]], /A\[1\]: expected 2 entries, one per task \(the matrix has 2 rows and must be T×T\), but it has 1/],
      [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        /A\[0\]: expected 2 entries.* but it has 3/,
      ],
      [[[1], [2]], /A\[0\]: expected 2 entries.* but it has 1/],
      [
        [
          [1, NaN],
          [3, 4],
        ],
        /A\[0\]\[1\]: expected a finite number, got number NaN/,
      ],
      [
        [
          [1, 2],
          [Infinity, 4],
        ],
        /A\[1\]\[0\]: expected a finite number, got number Infinity/,
      ],
      [
        [
          [1, '2'],
          [3, 4],
        ],
        /A\[0\]\[1\]: expected a finite number, got string '2'/,
      ],
      [
        [
          [1, 2],
          [3, null],
        ],
        /A\[1\]\[1\]: expected a finite number, got null/,
      ],
    ];
    for (const [matrix, message] of bad) {
      assert.throws(() => accuracyMetrics(matrix as number[][]), { code: 'E_ARG', message: new RegExp(`^accuracyMetrics: .*${message.source}`) });
    }
    assert.throws(() => checkAccuracyMatrix({}, 'caller'), { code: 'E_ARG', message: /^caller: A: .*got Object/ });
  });

  it('a single task has no Transfer, BWT or forgetting, and its results entry validates', () => {
    const metrics = summaryMetrics(accuracyMetrics([[42]]));
    assert.deepEqual(metrics, { avg: 42, last: 42 });
    const written = JSON.parse(JSON.stringify({ methods: [{ method: 'finetune', matrix: { tasks: ['a'], accuracy: [[42]] }, metrics }] }));
    assert.equal(validateReportInput(written, 'results.json').methods.length, 1);
  });
});

describe('class-incremental metrics', () => {
  it('average incremental accuracy is the mean over steps; last is the final step', () => {
    assert.deepEqual(classIncrementalMetrics([90, 80, 70, 64]), { steps: 4, averageIncremental: 76, last: 64 });
    assert.deepEqual(classIncrementalMetrics([0.5]), { steps: 1, averageIncremental: 0.5, last: 0.5 });
  });

  it('rejects empty or non-finite input with E_ARG', () => {
    assert.throws(() => classIncrementalMetrics([]), { code: 'E_ARG', message: /non-empty array of step accuracies but received array/ });
    assert.throws(() => classIncrementalMetrics('1' as never), { code: 'E_ARG', message: /received string '1'/ });
    assert.throws(() => classIncrementalMetrics([1, NaN]), { code: 'E_ARG', message: /step 1 accuracy must be a finite number but is number NaN/ });
  });
});
