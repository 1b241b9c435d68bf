import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findLibtorchFolder, prebuildLibtorch, preloadLibtorch, type PrebuildLibtorch } from '../../lib/libtorch';
import { coded } from '../support/errors';

// Where a prebuild looks for libtorch (no library is loaded here: the folders hold empty files).
describe('libtorch lookup for prebuilds', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-libtorch-'));
  const debian: PrebuildLibtorch = { libraries: ['libc10.so.1.13', 'libtorch_cpu.so.1.13', 'libtorch.so.1.13'], torchVersion: '1.13.0' };
  const pip: PrebuildLibtorch = { libraries: ['libc10.so', 'libtorch_cpu.so', 'libtorch.so'], torchVersion: '2.4.1' };
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function folderWith(name: string, libraries: string[]): string {
    const folder = path.join(root, name);
    fs.mkdirSync(folder, { recursive: true });
    for (const library of libraries) fs.writeFileSync(path.join(folder, library), '');
    return folder;
  }

  it('LIBTORCH: its lib/ folder, or the folder itself', () => {
    const libtorch = path.dirname(folderWith('libtorch/lib', debian.libraries));
    assert.equal(findLibtorchFolder(debian, { LIBTORCH: libtorch }).folder, path.join(libtorch, 'lib'));
    const flat = folderWith('flat', debian.libraries);
    assert.equal(findLibtorchFolder(debian, { LIBTORCH: flat }).folder, flat);
  });

  it('ZSCL_LIBTORCH_SEARCH replaces the defaults; the first folder with every library wins', () => {
    const partial = folderWith('partial', debian.libraries.slice(0, 2));
    const full = folderWith('full', debian.libraries);
    const found = findLibtorchFolder(debian, { ZSCL_LIBTORCH_SEARCH: [partial, full].join(path.delimiter) });
    assert.equal(found.folder, full);
    assert.deepEqual(found.looked, [partial, full]);
    assert.equal(findLibtorchFolder(debian, { ZSCL_LIBTORCH_SEARCH: '' }).folder, undefined);
  });

  it('none found: E_NATIVE_LOAD naming what to install, fitted to how the prebuild was made', () => {
    assert.throws(
      () => preloadLibtorch(debian, { ZSCL_LIBTORCH_SEARCH: '' }),
      coded(
        'E_NATIVE_LOAD',
        'libtorch was not found',
        'libtorch 1.13.0',
        'sudo apt-get install -y libtorch-dev',
        'LIBTORCH=/path/to/libtorch',
        'npm rebuild zscl',
      ),
    );
    assert.throws(() => preloadLibtorch(pip, { ZSCL_LIBTORCH_SEARCH: '' }), coded('E_NATIVE_LOAD', 'pip install torch==2.4.*', 'LIBTORCH=/path/to/libtorch'));
    const empty = folderWith('empty', []);
    assert.throws(() => preloadLibtorch(debian, { LIBTORCH: empty }), coded('E_NATIVE_LOAD', `LIBTORCH=${empty} does not hold them`));
  });

  it('a damaged libtorch.json beside a prebuilt addon is E_NATIVE_LOAD naming the file and the fix', () => {
    const folder = folderWith('prebuild', []);
    const addon = path.join(folder, 'zscl.node');
    const record = path.join(folder, 'libtorch.json');
    assert.equal(prebuildLibtorch(addon), undefined);
    fs.writeFileSync(record, '{"libraries": [');
    assert.throws(() => prebuildLibtorch(addon), coded('E_NATIVE_LOAD', `${record} is damaged`, 'not valid JSON', 'npm install zscl'));
    fs.writeFileSync(record, '{}');
    assert.throws(() => prebuildLibtorch(addon), coded('E_NATIVE_LOAD', `${record} is damaged (no "libraries" list)`));
    fs.writeFileSync(record, JSON.stringify(debian));
    assert.deepEqual(prebuildLibtorch(addon), debian);
  });
});
