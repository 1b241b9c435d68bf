import assert from 'node:assert/strict';
import { diagonalTable } from '../../lib/cli/run-output';
import type { MethodResult } from '../../lib/report/types';

describe('CLI result tables', () => {
  const method = (name: string, accuracy: number[][]): MethodResult => ({
    method: name,
    matrix: { tasks: ['a', 'b', 'c'], accuracy },
    metrics: { avg: 0, last: 0 },
  });

  it('the diagonal table gives each task right after training it, and the mean', () => {
    const table = diagonalTable([
      method('FT', [
        [90, 10, 20],
        [50, 80, 30],
        [40, 60, 70],
      ]),
    ]);
    assert.deepEqual(table.split('\n'), ['| Method | a | b | c | mean |', '| --- | ---: | ---: | ---: | ---: |', '| FT | 90.0 | 80.0 | 70.0 | 80.0 |']);
    assert.equal(diagonalTable([]), '');
  });
});
