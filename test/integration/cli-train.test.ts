import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '../support/fixtures';

// Two tiny custom tasks (image folders of flat-colour PNGs) trained through the CLI.
async function makeFolder(dir: string, classes: Record<string, [number, number, number]>): Promise<void> {
  for (const [name, rgb] of Object.entries(classes)) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < 10; i++) {
      const [r, g, b] = rgb.map((v) => Math.min(255, v + i * 3));
      await sharp({ create: { width: 40, height: 36, channels: 3, background: { r, g, b } } })
        .png()
        .toFile(path.join(dir, name, `${i}.png`));
    }
  }
}

describe('zscl train / resume / eval on a config', function () {
  this.timeout(300000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-cli-train-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('trains two custom tasks, writes the run folder and report, and evaluates a checkpoint', async () => {
    await makeFolder(path.join(root, 'warm'), { red: [200, 20, 20], orange: [230, 120, 10] });
    await makeFolder(path.join(root, 'cold'), { blue: [20, 20, 200], green: [20, 180, 40] });
    const config = {
      setting: 'mtil',
      strategy: 'wc',
      model: { config: 'tiny' },
      tokenizer: { byteLevel: true },
      tasks: [
        { dataset: 'warm', imageFolder: path.join(root, 'warm'), templates: ['a {} square.'] },
        { dataset: 'cold', imageFolder: path.join(root, 'cold'), templates: ['a {} square.'] },
      ],
      training: { iterations: 3, warmup: 1, batchSize: 4, lr: 1e-3, workers: 2 },
    };
    const file = path.join(root, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
    const out = path.join(root, 'run');
    const run = spawnSync(process.execPath, [cli, 'train', file, '--out', out, '--json'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const printed = JSON.parse(run.stdout.trim().split('\n').pop()!);
    assert.equal(printed.methods[0].accuracy.length, 2);
    for (const f of ['config.json', 'state.json', 'metrics.jsonl', 'results.json', 'checkpoints/task-1.safetensors', 'report/report.html']) {
      assert.ok(fs.existsSync(path.join(out, f)), `${f} missing`);
    }
    const again = spawnSync(process.execPath, [cli, 'resume', out, '--json'], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout.trim().split('\n').pop()!).methods[0].accuracy, printed.methods[0].accuracy);
    const evaluated = spawnSync(process.execPath, [cli, 'eval', file, '--checkpoint', path.join(out, 'checkpoints', 'task-1.safetensors')], {
      encoding: 'utf8',
    });
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const accuracy = JSON.parse(evaluated.stdout).accuracy;
    assert.deepEqual(Object.keys(accuracy), ['warm', 'cold']);
    assert.equal(accuracy.cold, printed.methods[0].accuracy[1][1]);
  });

  it('a bad config is a coded error without a stack trace', () => {
    const file = path.join(root, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ setting: 'mtil', strategy: 'nope' }));
    const run = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'train', file, '--out', path.join(root, 'x')], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /strategy: expected one of .* \[E_CONFIG\]/);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/);
  });
});
