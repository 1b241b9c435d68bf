import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeMiniMtil, CAPTIONS_FILE } from '../../scripts/mini-mtil';
import { MTIL_ORDER_I, MTIL_ORDER_II } from '../../lib/data/mtil';
import { fixture, repoRoot } from '../support/fixtures';
import { readMetricsLines } from '../support/metrics-lines';

// The shipped MTIL configs, unchanged, run through the CLI on the miniature MTIL with the tiny
// fixture model: only `--set` overrides point them at the test data and shrink the run.
const cli = ['--import', 'tsx', path.join(repoRoot, 'lib', 'cli', 'main.ts')];

function overrides(root: string): string[] {
  const sets = {
    'data.root': root,
    'model.checkpoint': fixture('tiny-clip', 'weights.safetensors'),
    'model.config': 'tiny',
    // The tiny model has a 1000-token vocabulary: byte-level tokens instead of CLIP's BPE.
    'tokenizer.vocab': 'null',
    'tokenizer.byteLevel': 'true',
    'reference.images': path.join(root, 'ImageNet', 'train'),
    'reference.texts': path.join(root, CAPTIONS_FILE),
    'reference.batchSize': '4',
    'training.iterations': '2',
    'training.warmup': '1',
    'training.batchSize': '4',
    'training.workers': '1',
    'evaluation.batchSize': '64',
    'evaluation.maxImages': '16',
    checkpointEvery: '1',
  };
  return Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

function config(order: 1 | 2): string {
  return path.join(repoRoot, 'configs', 'benchmarks', `mtil-order-${order}.json`);
}

function runCli(args: string[]): { stdout: string; seconds: number } {
  const start = Date.now();
  const run = spawnSync(process.execPath, [...cli, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 300000 });
  assert.equal(run.status, 0, `zscl ${args.slice(0, 2).join(' ')} failed:\n${run.stderr}`);
  return { stdout: run.stdout, seconds: (Date.now() - start) / 1000 };
}

const finalWeights = (dir: string): Buffer => fs.readFileSync(path.join(dir, 'checkpoints', 'task-10.safetensors'));

function checkRun(dir: string, stdout: string, order: readonly string[]): void {
  const printed = JSON.parse(stdout.trim().split('\n').pop()!) as {
    methods: { accuracy: number[][]; transfer: number; avg: number; last: number; bwt: number }[];
  };
  const method = printed.methods[0];
  assert.equal(method.accuracy.length, 11);
  for (const row of method.accuracy) assert.equal(row.length, 11);
  for (const key of ['transfer', 'avg', 'last', 'bwt'] as const) assert.ok(Number.isFinite(method[key]), `${key} = ${method[key]}`);
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
  assert.deepEqual(results.methods[0].matrix.tasks, [...order]);
  assert.deepEqual(results.methods[0].matrix.accuracy, method.accuracy);
  for (const f of ['report/report.html', 'report/report.md', 'report/report.json', 'checkpoints/task-10.safetensors']) {
    assert.ok(fs.existsSync(path.join(dir, f)), `${f} missing`);
  }
  assert.deepEqual(
    fs.readdirSync(path.join(dir, 'checkpoints')).filter((f) => f.startsWith('step-')),
    [],
    'a finished run keeps no step checkpoints',
  );
}

describe('MTIL orders I and II end to end through the CLI (miniature data, tiny model)', function () {
  this.timeout(600000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-mtil-e2e-'));
  const data = path.join(root, 'mini');
  before(async () => writeMiniMtil(data, { train: 1, test: 1, side: 32 }));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('order I: zscl train writes the 11×11 matrix, metrics and report', () => {
    const dir = path.join(root, 'order-1');
    const { stdout, seconds } = runCli(['train', config(1), '--out', dir, '--json', ...overrides(data)]);
    checkRun(dir, stdout, MTIL_ORDER_I);
    console.log(`      order I: ${seconds.toFixed(1)} s`);
  });

  it('order II: zscl train writes the 11×11 matrix, metrics and report', () => {
    const dir = path.join(root, 'order-2');
    const { stdout, seconds } = runCli(['train', config(2), '--out', dir, '--json', ...overrides(data)]);
    checkRun(dir, stdout, MTIL_ORDER_II);
    console.log(`      order II: ${seconds.toFixed(1)} s`);
  });

  it('order I: kill -9 mid-run, then zscl resume, ends bitwise equal to the uninterrupted run (CPU)', async () => {
    const straight = path.join(root, 'order-1');
    assert.ok(fs.existsSync(path.join(straight, 'checkpoints', 'task-10.safetensors')), 'needs the order I run above');
    const dir = path.join(root, 'killed');
    const checkpoints = path.join(dir, 'checkpoints');
    const start = Date.now();
    const proc = spawn(process.execPath, [...cli, 'train', config(1), '--out', dir, '--json', ...overrides(data)], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Kill as soon as a mid-task checkpoint of the third task or later is on disk.
    const seen = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const step = fs.existsSync(checkpoints) ? fs.readdirSync(checkpoints).find((f) => /^step-([2-9]|10)-\d+\.json$/.test(f)) : undefined;
        if (step) {
          clearInterval(timer);
          proc.kill('SIGKILL');
          resolve(step);
        }
      }, 10);
      proc.on('exit', () => {
        clearInterval(timer);
        reject(new Error(`zscl train exited before a step checkpoint:\n${stderr}`));
      });
    });
    await new Promise((r) => (proc.exitCode === null && proc.signalCode === null ? proc.once('exit', r) : r(undefined)));
    assert.equal(proc.signalCode, 'SIGKILL');
    assert.ok(!fs.existsSync(path.join(checkpoints, 'task-10.safetensors')), `killed too late (${seen})`);
    const { stdout, seconds } = runCli(['resume', dir, '--json']);
    checkRun(dir, stdout, MTIL_ORDER_I);
    assert.ok(finalWeights(dir).equals(finalWeights(straight)), 'final weights differ from the uninterrupted run');
    const a = JSON.parse(fs.readFileSync(path.join(straight, 'results.json'), 'utf8'));
    const b = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    assert.deepEqual(b.methods[0].matrix.accuracy, a.methods[0].matrix.accuracy);
    console.log(`      killed at ${seen}; kill + resume: ${((Date.now() - start) / 1000).toFixed(1)} s (resume ${seconds.toFixed(1)} s)`);
  });

  it('counts unreadable images per task in metrics.jsonl, results.json and the report input', async () => {
    // One task whose train/ and test/ each hold one corrupt JPEG beside good ones. A batch is the
    // whole training set and iterations 1 is two steps (0 and 1), so training draws it twice;
    // evaluation reads the test set once.
    const folder = path.join(root, 'custom');
    const eurosat = path.join(data, 'eurosat', '2750');
    const classes = fs.readdirSync(eurosat).sort().slice(0, 2);
    for (const split of ['train', 'test']) {
      for (const c of classes) {
        fs.mkdirSync(path.join(folder, split, c), { recursive: true });
        for (const f of fs.readdirSync(path.join(eurosat, c)).slice(0, 2)) fs.copyFileSync(path.join(eurosat, c, f), path.join(folder, split, c, f));
      }
      fs.writeFileSync(path.join(folder, split, classes[0], 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]));
    }
    const file = path.join(root, 'custom.json');
    const custom = {
      setting: 'mtil',
      strategy: 'finetune',
      model: { config: 'tiny' },
      tokenizer: { byteLevel: true },
      tasks: [{ dataset: 'custom', imageFolder: folder }],
      training: { iterations: 1, warmup: 0, batchSize: 5, workers: 1 },
    };
    fs.writeFileSync(file, JSON.stringify(custom));
    const dir = path.join(root, 'skipped');
    runCli(['train', file, '--out', dir, '--json']);
    const task = readMetricsLines(dir, 'task')[0];
    assert.deepEqual(task.skippedImages, { train: 2, test: [1] });
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    assert.deepEqual(results.methods[0].skippedImages, { train: [2], test: [1] });
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report', 'report.json'), 'utf8'));
    assert.deepEqual(report.methods[0].skippedImages, { train: [2], test: [1] });
    const markdown = fs.readFileSync(path.join(dir, 'report', 'report.md'), 'utf8');
    assert.match(markdown, /## Skipped images[\s\S]*\| finetune +\| 2 +\| custom 2 +\| 1 +\| custom 1 +\|/);
    assert.match(fs.readFileSync(path.join(dir, 'report', 'report.html'), 'utf8'), /<section id="skipped">/);
  });

  it('a misspelt --set key is a coded config error naming its JSON path', () => {
    const run = spawnSync(process.execPath, [...cli, 'train', config(1), '--out', path.join(root, 'x'), ...overrides(data), '--set', 'training.iteration=2'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /training\.iteration: unknown key.*\[E_CONFIG\]/);
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
  });

  it('--device cuda on a CPU-only libtorch says so (E_DEVICE, no stack)', function () {
    if (process.env.ZSCL_TEST_DEVICE === 'cuda') this.skip();
    const run = spawnSync(process.execPath, [...cli, 'eval', config(1), ...overrides(data), '--device', 'cuda'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /device 'cuda': .*(CUDA is not available in this build|no GPU is available).*\[E_DEVICE\]/);
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
  });
});
