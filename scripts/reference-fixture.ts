/**
 * npm run reference-fixture -- FIXTURE_DIR OUT_DIR
 *
 * Recomputes a fixture folder with zscl and writes the same files and tensor names into OUT_DIR,
 * so any new fixture of a known format can be checked the same way:
 *   tiny-clip kind (config.json "model" + weights/inputs.safetensors) -> expected.safetensors
 *   zscl-mtil / zscl-cil kind (config.json "run" + init_weights/inputs.safetensors) -> trace.json,
 *     task{k}_{grads_it0,student_it0,final_student,final_we}.safetensors, eval.safetensors, and
 *     metrics_example.json (its matrix's metrics recomputed), plus a copy of config.json
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../lib/errors';
import { writeSafetensors } from '../lib/io/safetensors';
import { runForwardFixture } from '../test/support/reference-forward';
import { accuracyMetrics } from '../lib/cl/metrics';
import { runReferenceFixture } from '../test/support/reference-run';

async function runTrainingFixture(fixtureDir: string, outDir: string): Promise<void> {
  const result = await runReferenceFixture(fixtureDir);
  for (const [file, tensors] of Object.entries(result.files)) writeSafetensors(path.join(outDir, file), tensors);
  fs.writeFileSync(path.join(outDir, 'trace.json'), JSON.stringify(result.trace, null, 1) + '\n');
  fs.copyFileSync(path.join(fixtureDir, 'config.json'), path.join(outDir, 'config.json'));
  const example = path.join(fixtureDir, 'metrics_example.json');
  if (fs.existsSync(example)) {
    const { matrix } = JSON.parse(fs.readFileSync(example, 'utf8')) as { matrix: number[][] };
    const m = accuracyMetrics(matrix);
    const out = {
      matrix,
      transfer: m.transfer,
      avg: m.avg,
      last: m.last,
      transfer_per_column: m.transferPerTask,
      avg_per_column: m.avgPerTask,
      last_per_column: m.lastPerTask,
    };
    fs.writeFileSync(path.join(outDir, 'metrics_example.json'), JSON.stringify(out, null, 1) + '\n');
  }
  console.log(`wrote ${Object.keys(result.files).length + 2} files into ${outDir}`);
}

async function main(argv: string[]): Promise<void> {
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
  if (fs.existsSync(path.join(fixtureDir, 'init_weights.safetensors'))) {
    await runTrainingFixture(fixtureDir, outDir);
    return;
  }
  throw new ZsclError(`${fixtureDir} is not a known fixture kind (expected weights.safetensors or init_weights.safetensors)`, 'E_FORMAT');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = error as Error & { code?: string };
  console.error(`reference-fixture: ${e.message}${e.code ? ` [${e.code}]` : ''}`);
  process.exit(1);
});
