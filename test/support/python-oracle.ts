/** Runs scripts/fixtures/cl-plugin-oracle.py (Debian's python3 with numpy, and torch for some modes). */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './fixtures';

const python = '/usr/bin/python3';
const probed = new Map<string, boolean>();

/** Whether /usr/bin/python3 can import every module named (tests skip when it cannot). */
export function pythonHas(...modules: string[]): boolean {
  const key = modules.join(',');
  let found = probed.get(key);
  if (found === undefined) {
    found = spawnSync(python, ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' }).status === 0;
    probed.set(key, found);
  }
  return found;
}

/** Runs the plugin oracle with `args` and returns its stdout. */
export function runPluginOracle(...args: (string | number)[]): string {
  return execFileSync(python, [path.join(repoRoot, 'scripts', 'fixtures', 'cl-plugin-oracle.py'), ...args.map(String)], { encoding: 'utf8' });
}
