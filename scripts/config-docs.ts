/**
 * `npm run config-docs`: writes configs/benchmark.schema.json and the key table of
 * docs/benchmarks.md from the benchmark config schema. `--check` only reports stale files (exit 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchmarkJsonSchema, withKeyTable } from './config-docs/generate';

const root = path.join(__dirname, '..');
const files: [string, (old: string) => string][] = [
  [path.join(root, 'configs', 'benchmark.schema.json'), () => benchmarkJsonSchema()],
  [path.join(root, 'docs', 'benchmarks.md'), withKeyTable],
];

const check = process.argv.includes('--check');
let stale = 0;
for (const [file, generate] of files) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const next = generate(old);
  if (next === old) continue;
  stale++;
  if (check) console.error(`${path.relative(root, file)} is stale; run npm run config-docs`);
  else fs.writeFileSync(file, next);
}
if (check && stale > 0) process.exit(1);
