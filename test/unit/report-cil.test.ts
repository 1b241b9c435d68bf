import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZsclError } from '../../lib/errors';
import { incrementalChart } from '../../lib/report/incremental-chart';
import { methodsTable, stepsTable } from '../../lib/report/tables';
import type { ClassIncrementalResult, MethodResult } from '../../lib/report/types';
import { validateReportInput } from '../../lib/report/validate';
import { writeReport } from '../../lib/report/write-report';

const cil = (method: string, stepAccuracy: number[]): ClassIncrementalResult => {
  const avg = stepAccuracy.reduce((a, v) => a + v, 0) / stepAccuracy.length;
  const last = stepAccuracy[stepAccuracy.length - 1];
  return { method, classIncremental: { steps: stepAccuracy.map((_, i) => `after step ${i}`), stepAccuracy, avg, last }, metrics: { avg, last } };
};
const mtil: MethodResult = {
  method: 'mtil',
  matrix: {
    tasks: ['a', 'b'],
    accuracy: [
      [50, 20],
      [40, 60],
    ],
  },
  metrics: { transfer: 20, avg: 42.5, last: 50 },
};

describe('report: class-incremental entries', () => {
  it('validates a CIL entry beside a matrix one; Transfer is "–" for the CIL run', () => {
    const input = validateReportInput({ methods: [mtil, cil('zscl', [90, 80, 70])] }, 'test');
    const table = methodsTable(input.methods);
    assert.deepEqual(
      table.columns.map((c) => c.title),
      ['Method', 'Transfer', 'Avg', 'Last'],
    );
    assert.deepEqual(table.rows[1], ['zscl', null, 80, 70]);
    assert.deepEqual(
      methodsTable([cil('x', [10])]).columns.map((c) => c.title),
      ['Method', 'Avg', 'Last'],
    );
    assert.deepEqual(stepsTable(cil('x', [10, 5]).classIncremental).rows, [
      ['after step 0', 10],
      ['after step 1', 5],
    ]);
  });

  it('names the bad field of a malformed CIL entry', () => {
    const bad = cil('zscl', [90, 80]);
    bad.classIncremental.stepAccuracy = [90, 101];
    assert.throws(
      () => validateReportInput({ methods: [bad] }, 'r'),
      (e: unknown) =>
        e instanceof ZsclError &&
        e.code === 'E_ARG' &&
        /methods\[0\]\.classIncremental\.stepAccuracy\[1\]: expected a finite number in 0\.\.100/.test(e.message),
    );
    const short = cil('zscl', [90, 80]);
    short.classIncremental.steps = ['one'];
    assert.throws(() => validateReportInput({ methods: [short] }, 'r'), /stepAccuracy: expected 1 percentages \(one per step\) but it has 2/);
    assert.throws(() => validateReportInput({ methods: [{ method: 'm', metrics: { avg: 1, last: 1 } }] }, 'r'), /methods\[0\]\.matrix/);
  });

  it('draws one curve per CIL method and writes the curve and step tables', async () => {
    const chart = incrementalChart([cil('zscl', [90, 80, 70]), cil('finetune', [90, 60, 40])]);
    assert.equal(chart.svg.match(/<polyline /g)?.length, 2);
    assert.ok(chart.svg.includes('zscl (Avg 80.0, Last 70.0)'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-report-cil-'));
    try {
      const files = await writeReport(dir, { methods: [mtil, cil('zscl', [90, 80, 70])] });
      assert.equal(files.methods.length, 1);
      assert.equal(files.classIncremental.length, 1);
      assert.equal(fs.readFileSync(files.classIncremental[0].stepsCsv, 'utf8').split('\r\n')[1], 'after step 0,90');
      assert.ok(fs.readFileSync(files.incrementalChart!.svg, 'utf8').startsWith('<svg'));
      const md = fs.readFileSync(files.markdown, 'utf8');
      assert.match(md, /## zscl: accuracy after each step/);
      assert.match(md, /## mtil: accuracy matrix/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
