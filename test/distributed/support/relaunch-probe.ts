/**
 * A command with a `--nproc N` option, as `zscl train` would have: `relaunch-probe.ts DIR --nproc N`
 * relaunches itself N times (relaunchForNproc, on `--device D` when given); each rank writes
 * DIR/<RANK>.json with its argv, world size and backend (ZSCL_DIST_BACKEND).
 */
import fs from 'node:fs';
import path from 'node:path';
import { relaunchForNproc } from '../../../lib/cli/launch';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--nproc');
  const nproc = at >= 0 ? Number(argv[at + 1]) : undefined;
  const device = argv.includes('--device') ? argv[argv.indexOf('--device') + 1] : undefined;
  if (await relaunchForNproc(nproc, { prefixOutput: false, device })) return;
  const record = { argv, worldSize: process.env.WORLD_SIZE ?? null, backend: process.env.ZSCL_DIST_BACKEND ?? null };
  fs.writeFileSync(path.join(argv[0], `${process.env.RANK ?? 'single'}.json`), JSON.stringify(record));
}

void main();
