import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { registerLaunch, withoutNproc } from '../../lib/cli/launch';
import { readDistEnv } from '../../lib/distributed/env';
import { launch } from '../../lib/distributed/launch';

// A child that records its data-parallel environment in DIR/<RANK>.json.
const RECORD_ENV = `require('node:fs').writeFileSync(require('node:path').join(process.argv[1], process.env.RANK + '.json'), JSON.stringify(Object.fromEntries(['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'ZSCL_NUM_THREADS', 'ZSCL_DIST_BACKEND'].map((k) => [k, process.env[k]]))))`;

function recorded(dir: string): Record<string, string>[] {
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, string>);
}

describe('dist: launcher (zscl launch)', function () {
  this.timeout(30000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-launch-'));
  const abort = new AbortController();
  after(() => {
    abort.abort();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("starts N processes with torchrun's variables (this node's ranks of a multi-node job)", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'env-'));
    const result = await launch({
      nproc: 2,
      nnodes: 2,
      nodeRank: 1,
      masterAddr: '10.1.2.3',
      masterPort: 29555,
      backend: 'gloo',
      threadsPerProcess: 3,
      command: process.execPath,
      args: ['-e', RECORD_ENV, dir],
      signal: abort.signal,
    });
    assert.deepEqual(result, {
      code: 0,
      exits: [
        { rank: 2, code: 0, signal: null },
        { rank: 3, code: 0, signal: null },
      ],
      firstFailure: undefined,
    });
    assert.deepEqual(recorded(dir), [
      {
        RANK: '2',
        LOCAL_RANK: '0',
        WORLD_SIZE: '4',
        LOCAL_WORLD_SIZE: '2',
        MASTER_ADDR: '10.1.2.3',
        MASTER_PORT: '29555',
        ZSCL_NUM_THREADS: '3',
        ZSCL_DIST_BACKEND: 'gloo',
      },
      {
        RANK: '3',
        LOCAL_RANK: '1',
        WORLD_SIZE: '4',
        LOCAL_WORLD_SIZE: '2',
        MASTER_ADDR: '10.1.2.3',
        MASTER_PORT: '29555',
        ZSCL_NUM_THREADS: '3',
        ZSCL_DIST_BACKEND: 'gloo',
      },
    ]);
  });

  it('a failing process ends the job: the others are terminated after the grace period, the first failure is the exit code', async () => {
    const started = Date.now();
    const script = 'if (process.env.RANK === "1") process.exit(7); setTimeout(() => {}, 60000);';
    const result = await launch({ nproc: 3, command: process.execPath, args: ['-e', script], graceMs: 200, prefixOutput: false, signal: abort.signal });
    assert.equal(result.code, 7);
    assert.deepEqual(result.firstFailure, { rank: 1, code: 7, signal: null });
    assert.deepEqual(
      result.exits.map((e) => e.signal),
      ['SIGTERM', null, 'SIGTERM'],
    );
    assert.ok(Date.now() - started < 10000, `took ${Date.now() - started} ms`);
  });

  it('refuses bad options with E_CONFIG', async () => {
    await assert.rejects(launch({ nproc: 0, command: 'true' }), { code: 'E_CONFIG', message: /nproc must be a positive integer, got 0/ });
    await assert.rejects(launch({ nproc: 1, nnodes: 2, command: 'true' }), { code: 'E_CONFIG', message: /several nodes needs masterPort/ });
    await assert.rejects(launch({ nproc: 1, nnodes: 2, nodeRank: 2, masterPort: 1, command: 'true' }), {
      code: 'E_CONFIG',
      message: /nodeRank must be an integer in 0…1/,
    });
  });

  it('`zscl launch --nproc 2 -- CMD ARGS` runs the command as 2 ranks and exits with their status', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'cli-'));
    const program = new Command('zscl').exitOverride();
    registerLaunch(program);
    const saved = process.exitCode;
    try {
      await program.parseAsync(['launch', '--nproc', '2', '--threads', '1', '--', process.execPath, '-e', RECORD_ENV, dir], { from: 'user' });
      assert.equal(process.exitCode, 0);
    } finally {
      process.exitCode = saved;
    }
    assert.deepEqual(
      recorded(dir).map((e) => [e.RANK, e.WORLD_SIZE, e.ZSCL_NUM_THREADS]),
      [
        ['0', '2', '1'],
        ['1', '2', '1'],
      ],
    );
  });

  it('a command with --nproc N relaunches itself as N ranks, without --nproc', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'relaunch-'));
    const probe = path.join(__dirname, 'support', 'relaunch-probe.ts');
    const result = spawnSync(process.execPath, ['--import', 'tsx', probe, dir, '--nproc', '2', '--flag'], { encoding: 'utf8', timeout: 30000 });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['0.json', '1.json']);
    for (const file of ['0.json', '1.json'])
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), { argv: [dir, '--flag'], worldSize: '2', backend: 'gloo' });
  });

  it('a relaunch on a CUDA device uses NCCL unless ZSCL_DIST_BACKEND says otherwise', () => {
    const probe = path.join(__dirname, 'support', 'relaunch-probe.ts');
    for (const [override, expected] of [
      [undefined, 'nccl'],
      ['gloo', 'gloo'],
    ] as const) {
      const dir = fs.mkdtempSync(path.join(tmp, 'relaunch-cuda-'));
      const env = { ...process.env, ZSCL_DIST_BACKEND: override };
      const result = spawnSync(process.execPath, ['--import', 'tsx', probe, dir, '--nproc', '2', '--device', 'cuda:0'], {
        encoding: 'utf8',
        timeout: 30000,
        env,
      });
      assert.equal(result.status, 0, result.stderr);
      for (const file of ['0.json', '1.json'])
        assert.equal((JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { backend: string }).backend, expected);
    }
  });

  it('reads the backend from ZSCL_DIST_BACKEND, else from the device (NCCL for CUDA, Gloo for the CPU)', () => {
    const env = { WORLD_SIZE: '2', RANK: '1', MASTER_PORT: '29500' };
    assert.equal(readDistEnv(env)?.backend, 'gloo');
    assert.equal(readDistEnv(env, { device: 'cpu' })?.backend, 'gloo');
    assert.equal(readDistEnv(env, { device: 'cuda' })?.backend, 'nccl');
    assert.equal(readDistEnv(env, { device: 'cuda:1' })?.backend, 'nccl');
    assert.equal(readDistEnv({ ...env, ZSCL_DIST_BACKEND: 'gloo' }, { device: 'cuda' })?.backend, 'gloo');
    assert.equal(readDistEnv({}, { device: 'cuda' }), undefined);
  });

  it('removes --nproc from a command line that relaunches itself', () => {
    assert.deepEqual(withoutNproc(['train', '--nproc', '2', '--config', 'x.json', '--nproc=4', '--', '--nproc', '9']), [
      'train',
      '--config',
      'x.json',
      '--',
      '--nproc',
      '9',
    ]);
  });
});
