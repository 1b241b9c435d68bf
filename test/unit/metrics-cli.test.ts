import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZsclError } from '../../lib';
import type { MetricsReport } from '../../lib/cli/metrics';
import { registerMetrics } from '../../lib/cli/metrics';
import { type MtilCase, readJsonFixture } from '../support/fixtures';
import { runCommand } from '../support/cli';

/** Runs `zscl metrics ...args` in-process; returns what it printed. */
const runMetrics = async (...args: string[]): Promise<string> => (await runCommand(registerMetrics, 'metrics', ...args)).join('\n');

describe('zscl metrics', () => {
  let dir: string;
  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-metrics-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the published Transfer / Avg / Last of each MTIL matrix with --digits 1', async () => {
    const { cases } = readJsonFixture<{ cases: MtilCase[] }>('metrics', 'mtil-matrices.json');
    for (const c of cases) {
      const file = write(`${c.method}.json`, { tasks: c.tasks, accuracy: c.accuracy });
      const report = JSON.parse(await runMetrics(file, '--digits', '1')) as MetricsReport;
      assert.deepEqual({ transfer: report.transfer, avg: report.avg, last: report.last }, c.expected, c.method);
      assert.deepEqual(report.tasks, c.tasks);
      assert.deepEqual(
        report.perTask.map((row) => row.task),
        c.tasks,
      );
      assert.equal(report.perTask[0].transfer, null);
      assert.equal(report.perTask.at(-1)!.bwt, null);
      assert.equal(report.perTask.at(-1)!.forgetting, null);
      assert.deepEqual(
        report.perTask.map((row) => row.last),
        c.accuracy.at(-1)!.map((v) => Number(v.toFixed(1))),
      );
    }
  });

  it('prints full-precision BWT, forgetting and per-task rows; names tasks when the file has none', async () => {
    const file = write('small.json', {
      accuracy: [
        [50, 20, 10],
        [40, 90, 30],
        [45, 60, 80],
      ],
    });
    const report = JSON.parse(await runMetrics(file)) as MetricsReport;
    assert.deepEqual(report, {
      tasks: ['task0', 'task1', 'task2'],
      transfer: 20,
      avg: 425 / 9,
      last: 185 / 3,
      bwt: -17.5,
      forgetting: 17.5,
      perTask: [
        { task: 'task0', transfer: null, avg: 45, last: 45, bwt: -5, forgetting: 5 },
        { task: 'task1', transfer: 20, avg: 170 / 3, last: 60, bwt: -30, forgetting: 30 },
        { task: 'task2', transfer: 20, avg: 40, last: 80, bwt: null, forgetting: null },
      ],
    });
  });

  it('rejects bad files with coded errors naming the file', async () => {
    const bad: [string, unknown, string, RegExp][] = [
      ['not-json.json', '{"accuracy": [[1]', 'E_FORMAT', /not valid JSON/],
      ['array.json', [[1]], 'E_FORMAT', /expected an object \{"tasks": \[...\], "accuracy": \[\[...\]\]\} but found array/],
      ['no-accuracy.json', { tasks: ['a'] }, 'E_FORMAT', /missing "accuracy"/],
      ['ragged.json', { accuracy: [[1, 2], [3]] }, 'E_FORMAT', /"accuracy": A\[1\]: expected 2 entries.* but it has 1/],
      [
        'nan.json',
        {
          accuracy: [
            [1, 'x'],
            [3, 4],
          ],
        },
        'E_FORMAT',
        /"accuracy": A\[0\]\[1\]: expected a finite number, got string 'x'/,
      ],
      ['empty.json', { accuracy: [] }, 'E_FORMAT', /"accuracy": A: expected a non-empty array of rows/],
      [
        'count.json',
        {
          tasks: ['a'],
          accuracy: [
            [1, 2],
            [3, 4],
          ],
        },
        'E_FORMAT',
        /"tasks" names 1 tasks but "accuracy" is 2×2/,
      ],
      [
        'twice.json',
        {
          tasks: ['a', 'a'],
          accuracy: [
            [1, 2],
            [3, 4],
          ],
        },
        'E_FORMAT',
        /task 'a' is named twice/,
      ],
      [
        'names.json',
        {
          tasks: [1, 2],
          accuracy: [
            [1, 2],
            [3, 4],
          ],
        },
        'E_FORMAT',
        /"tasks" must be an array of task names/,
      ],
    ];
    for (const [name, content, code, message] of bad) {
      const file = write(name, content);
      await assert.rejects(runMetrics(file), (error: unknown) => {
        assert.ok(error instanceof ZsclError, String(error));
        assert.equal(error.code, code, `${name}: ${error.message}`);
        assert.ok(error.message.startsWith(file), error.message);
        assert.match(error.message, message);
        return true;
      });
    }
    const missing = path.join(dir, 'missing.json');
    await assert.rejects(runMetrics(missing), { code: 'E_IO', message: `cannot read ${missing}: no such file` });
    const ok = write('ok.json', { accuracy: [[1]] });
    await assert.rejects(runMetrics(ok, '--digits', 'two'), { code: 'E_ARG', message: /--digits must be an integer from 0 to 15 but is 'two'/ });
    await assert.rejects(runMetrics(ok, '--digits', '16'), { code: 'E_ARG' });
    await assert.rejects(runMetrics(), { code: 'commander.missingArgument' });
  });
});
