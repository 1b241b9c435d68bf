import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/fixtures';

const child = path.join(repoRoot, 'test', 'support', 'tiny-run-child.ts');
const args = (dir: string): string[] => ['--import', 'tsx', child, dir, 'zscl', '2', '6'];

function runToEnd(dir: string): void {
  const result = spawnSync(process.execPath, args(dir), { cwd: repoRoot, encoding: 'utf8', timeout: 300000 });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /done/);
}

function finalWeights(dir: string): Buffer {
  return fs.readFileSync(path.join(dir, 'checkpoints', 'task-1.safetensors'));
}

describe('kill -9 during the second task, then resume', function () {
  this.timeout(600000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-resume-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('gives final weights bitwise equal to an uninterrupted run (CPU)', async () => {
    const straight = path.join(root, 'straight');
    runToEnd(straight);

    const killed = path.join(root, 'killed');
    const proc = spawn(process.execPath, args(killed), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const killedAt = await new Promise<string>((resolve, reject) => {
      proc.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /checkpoint 1 (\d+)/.exec(seen);
        if (m) {
          proc.kill('SIGKILL');
          resolve(m[0]);
        }
      });
      proc.on('exit', () => reject(new Error(`child exited before a task-2 checkpoint:\n${seen}`)));
    });
    await new Promise((r) => proc.once('exit', r));
    assert.equal(proc.signalCode, 'SIGKILL');
    assert.ok(!fs.existsSync(path.join(killed, 'checkpoints', 'task-1.safetensors')), `killed too late (${killedAt})`);
    const state = JSON.parse(fs.readFileSync(path.join(killed, 'state.json'), 'utf8'));
    assert.equal(state.completedTasks, 1);
    const checkpoints = path.join(killed, 'checkpoints');
    const stepFiles = (): string[] => fs.readdirSync(checkpoints).filter((f) => f.startsWith('step-'));
    assert.deepEqual(
      stepFiles().sort(),
      [`step-1-${state.step.it}.json`, `step-1-${state.step.it}.safetensors`],
      'state.json points at the only step checkpoint',
    );
    // A crash while writing the next step checkpoint leaves files state.json does not name: resume ignores them.
    fs.writeFileSync(path.join(checkpoints, 'step-1-999.safetensors'), 'torn');
    fs.writeFileSync(path.join(checkpoints, 'step-1-999.json'), '{"task": 1, "it": 999');

    runToEnd(killed);
    assert.deepEqual(stepFiles(), [], 'finished runs keep no step checkpoints');
    assert.ok(finalWeights(killed).equals(finalWeights(straight)), 'final weights differ');
    const a = JSON.parse(fs.readFileSync(path.join(straight, 'results.json'), 'utf8'));
    const b = JSON.parse(fs.readFileSync(path.join(killed, 'results.json'), 'utf8'));
    assert.deepEqual(b.methods[0].matrix.accuracy, a.methods[0].matrix.accuracy);
  });
});
