/**
 * A command with a `--nproc N` option, as `zscl train` would have: `relaunch-probe.ts DIR --nproc N`
 * relaunches itself N times (relaunchForNproc); each rank writes DIR/<RANK>.json with its argv.
 */
import fs from 'node:fs';
import path from 'node:path';
import { relaunchForNproc } from '../../../lib/cli/launch';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--nproc');
  const nproc = at >= 0 ? Number(argv[at + 1]) : undefined;
  if (await relaunchForNproc(nproc, { prefixOutput: false })) return;
  fs.writeFileSync(path.join(argv[0], `${process.env.RANK ?? 'single'}.json`), JSON.stringify({ argv, worldSize: process.env.WORLD_SIZE ?? null }));
}

void main();
