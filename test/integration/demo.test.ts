import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_MODEL, runDemo } from '../../lib/demo/run-demo';
import { DEMO_SEQUENCE } from '../../lib/demo/sequence';

// A shortened demo (2 iterations a task, 40 evaluation images, two methods): the full one is `npm run demo`.
describe('demo', function () {
  this.timeout(600000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-demo-test-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const short = (dir: string) => runDemo({ dir: path.join(root, dir), iterations: 2, evalCount: 40, referenceTexts: 20, methods: ['Continual-FT', 'ZSCL'] });

  it('ships its pretrained model (≤ 20 MB) with the record of how it was made', () => {
    assert.ok(fs.statSync(DEMO_MODEL).size <= 20 * 2 ** 20);
    const record = JSON.parse(fs.readFileSync(path.join(path.dirname(DEMO_MODEL), 'demo-clip.json'), 'utf8'));
    assert.deepEqual(Object.keys(record.settings).sort(), ['batch', 'lr', 'promptCaptionRate', 'promptTasks', 'seed', 'steps', 'threads']);
    assert.equal(record.device.kind, 'cpu');
    assert.ok(Object.keys(record.zeroShot).length >= 4);
  });

  it('writes summary.json and the report; the same seed gives the same numbers', async () => {
    const a = await short('a');
    const b = await short('b');
    assert.deepEqual(Object.keys(a.summary.methods), ['Continual-FT', 'ZSCL']);
    for (const method of ['Continual-FT', 'ZSCL']) assert.deepEqual(b.summary.methods[method], a.summary.methods[method], method);
    assert.deepEqual(
      b.results.map((r) => r.matrix.accuracy),
      a.results.map((r) => r.matrix.accuracy),
    );
    assert.equal(a.results[0].matrix.accuracy.length, DEMO_SEQUENCE.length - a.missing.length);
    assert.deepEqual(a.results[0].matrix.tasks, DEMO_SEQUENCE);
    const summary = JSON.parse(fs.readFileSync(path.join(root, 'a', 'summary.json'), 'utf8'));
    assert.deepEqual(summary.methods, a.summary.methods);
    assert.ok(summary.seconds > 0);
    for (const file of ['report/report.html', 'report/report.md', 'results.json']) assert.ok(fs.existsSync(path.join(root, 'a', file)), file);
  });

  it('refuses an unknown, repeated or empty task list, naming the tasks it has (E_ARG)', async () => {
    const refused = (tasks: string[], message: RegExp) =>
      assert.rejects(
        runDemo({ dir: path.join(root, 'refused'), tasks }),
        (error: Error & { code?: string }) => error.code === 'E_ARG' && message.test(error.message),
      );
    await refused(['digits', 'cars'], /unknown task cars; the tasks are digits, fashion, shapes/);
    await refused(['shapes', 'shapes'], /task shapes is listed twice/);
    await refused([], /the task list is empty/);
  });

  it('trains the tasks named, in the order given', async () => {
    const run = await runDemo({ dir: path.join(root, 'order'), tasks: ['counts', 'digits'], iterations: 1, evalCount: 10, methods: ['Continual-FT'] });
    assert.deepEqual(run.results[0].matrix.tasks, ['counts', 'digits']);
  });
});
