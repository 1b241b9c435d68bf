import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { benchmarkJsonSchema, withKeyTable } from '../../scripts/config-docs/generate';
import { repoRoot } from '../support/fixtures';

describe('generated config docs (npm run config-docs)', () => {
  it('configs/benchmark.schema.json matches the schema', () => {
    const file = path.join(repoRoot, 'configs', 'benchmark.schema.json');
    assert.ok(fs.readFileSync(file, 'utf8') === benchmarkJsonSchema(), 'configs/benchmark.schema.json is stale: run npm run config-docs');
  });

  it("docs/benchmarks.md's key table matches the schema", () => {
    const markdown = fs.readFileSync(path.join(repoRoot, 'docs', 'benchmarks.md'), 'utf8');
    assert.ok(markdown === withKeyTable(markdown), "docs/benchmarks.md's key table is stale: run npm run config-docs");
  });

  it('every shipped benchmark config names the JSON Schema keys only', () => {
    const keys = Object.keys(JSON.parse(benchmarkJsonSchema()).properties as object);
    for (const file of fs.readdirSync(path.join(repoRoot, 'configs', 'benchmarks'))) {
      const config = JSON.parse(fs.readFileSync(path.join(repoRoot, 'configs', 'benchmarks', file), 'utf8')) as object;
      for (const key of Object.keys(config)) assert.ok(keys.includes(key), `${file}: ${key}`);
    }
  });
});
