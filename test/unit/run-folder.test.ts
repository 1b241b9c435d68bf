import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RUN_STATE_VERSION, RunFolder } from '../../lib/cl/run-folder';
import { ZsclError } from '../../lib/errors';

function coded(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof ZsclError && e.code === code && pattern.test(e.message);
}

describe('run folder state.json', () => {
  let dir: string;
  let folder: RunFolder;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-run-'));
    folder = new RunFolder(dir);
    folder.create();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (json: unknown): void => fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(json));

  it('round-trips a state', () => {
    const state = {
      version: RUN_STATE_VERSION,
      completedTasks: 1,
      accuracy: [[50, 20]],
      zeroShot: [10, 20],
      step: { task: 1, it: 5 },
      finished: false,
    } as const;
    folder.writeState({ ...state, accuracy: [[50, 20]], zeroShot: [10, 20] });
    assert.deepEqual(folder.readState(), state);
  });

  it('a folder of another state version gives E_FORMAT naming both versions', () => {
    write({ version: 2, completedTasks: 0, accuracy: [], finished: false });
    assert.throws(() => folder.readState(), coded('E_FORMAT', /holds state version number 2; this zscl reads and writes version 1/));
    write({ completedTasks: 0, accuracy: [], finished: false });
    assert.throws(() => folder.readState(), coded('E_FORMAT', /holds state version undefined/));
  });

  it('a malformed state names the JSON path', () => {
    write({ version: 1, completedTasks: -1, accuracy: [], finished: false });
    assert.throws(() => folder.readState(), coded('E_FORMAT', /completedTasks: expected an integer ≥ 0, got number -1/));
    write({ version: 1, completedTasks: 0, accuracy: [['x']], finished: false, extra: 1 });
    assert.throws(() => folder.readState(), coded('E_FORMAT', /accuracy\[0\]\[0\]: expected a finite number.*extra: unknown key/));
  });

  it('a missing or broken state.json is E_IO / E_FORMAT naming the file', () => {
    assert.throws(() => folder.readState(), coded('E_IO', /cannot read run state .*state\.json: no such file/));
    fs.writeFileSync(path.join(dir, 'state.json'), '{');
    assert.throws(() => folder.readState(), coded('E_FORMAT', /run state .*state\.json is not valid JSON/));
  });
});
