/**
 * npm run reference-fixture -- FIXTURE_DIR OUT_DIR
 *
 * Recomputes a fixture folder with zscl and writes the same files and tensor names into OUT_DIR,
 * so any new fixture of a known format can be checked the same way:
 *   tiny-clip kind (config.json "model" + weights/inputs.safetensors) -> expected.safetensors
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../lib/errors';
import { writeSafetensors } from '../lib/io/safetensors';
import { runForwardFixture } from '../lib/clip/reference-forward';

function main(argv: string[]): void {
  const [fixtureDir, outDir] = argv;
  if (!fixtureDir || !outDir) throw new ZsclError('usage: npm run reference-fixture -- FIXTURE_DIR OUT_DIR', 'E_ARG');
  if (!fs.existsSync(fixtureDir)) throw new ZsclError(`fixture folder ${fixtureDir} does not exist`, 'E_IO');
  fs.mkdirSync(outDir, { recursive: true });
  if (fs.existsSync(path.join(fixtureDir, 'weights.safetensors'))) {
    const outputs = runForwardFixture(fixtureDir);
    const file = path.join(outDir, 'expected.safetensors');
    writeSafetensors(file, { ...outputs });
    console.log(`wrote ${file} (${Object.keys(outputs).join(', ')})`);
    return;
  }
  throw new ZsclError(`${fixtureDir} is not a known fixture kind (expected weights.safetensors or init_weights.safetensors)`, 'E_FORMAT');
}

try {
  main(process.argv.slice(2));
} catch (error) {
  const e = error as Error & { code?: string };
  console.error(`reference-fixture: ${e.message}${e.code ? ` [${e.code}]` : ''}`);
  process.exit(1);
}
