import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { registerReport } from '../../lib/cli/report';
import { ZsclError } from '../../lib/errors';
import { readResults } from '../../lib/report/results-file';
import type { MethodResult, ReportInput } from '../../lib/report/types';
import { writeReport } from '../../lib/report/write-report';
import { mtilMatrices } from '../support/fixtures';

const mtil = mtilMatrices();
const zeroShot = [24.3, 88.4, 68.2, 44.6, 54.9, 71.0, 88.5, 59.4, 89.0, 64.7, 65.2];

const ODD_METHOD = 'ZSCL <b>"v2"</b> & co';
const ODD_TASKS = ['say "hi", ok', '<img src=x onerror=alert(1)>', 'R&D', 'Ünïcødé 日本語'];

function input(): ReportInput {
  const methods: MethodResult[] = [
    { method: 'Continual-FT', matrix: { tasks: mtil[0].tasks, accuracy: mtil[0].accuracy, zeroShot }, metrics: { ...mtil[0].expected, bwt: -12.5 } },
    { method: 'ZSCL', matrix: { tasks: mtil[1].tasks, accuracy: mtil[1].accuracy, zeroShot }, metrics: { ...mtil[1].expected, bwt: -1.5 } },
    {
      method: ODD_METHOD,
      matrix: {
        tasks: ODD_TASKS,
        accuracy: [
          [90, 10, 20, 30],
          [80, 95, 25, 35],
        ],
      },
      metrics: { transfer: 25, avg: 48.1, last: 58.8 },
    },
  ];
  return { methods, config: { model: { name: 'ViT-B-16', note: '<i>x</i>' }, lr: 1e-5, order: 'I' }, title: 'MTIL <order I>' };
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-report-'));
}

function expectCoded(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof ZsclError && e.code === code && pattern.test(e.message);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

describe('writeReport', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = tmpDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every file, named by sanitized method stems, inside the folder', async () => {
    const out = path.join(dir, 'nested', 'report');
    const files = await writeReport(out, input());
    assert.equal(files.dir, out);
    assert.deepEqual(fs.readdirSync(out).sort(), [
      'heatmap-continual-ft.png',
      'heatmap-zscl-b-v2-b-co.png',
      'heatmap-zscl.png',
      'matrix-continual-ft.csv',
      'matrix-zscl-b-v2-b-co.csv',
      'matrix-zscl.csv',
      'methods.png',
      'report.csv',
      'report.html',
      'report.json',
      'report.md',
      'retention-continual-ft.png',
      'retention-zscl-b-v2-b-co.png',
      'retention-zscl.png',
    ]);
    assert.deepEqual(
      files.methods.map((m) => m.method),
      ['Continual-FT', 'ZSCL', ODD_METHOD],
    );

    // PNGs decode and are not blank
    for (const png of [files.methodsChart, ...files.methods.flatMap((m) => [m.heatmap, m.retention])]) {
      const stats = await sharp(png).stats();
      assert.ok(
        stats.channels.slice(0, 3).every((c) => c.stdev > 10),
        png,
      );
    }

    // report.json holds the input and is itself a valid results.json
    const json = JSON.parse(fs.readFileSync(files.json, 'utf8'));
    assert.equal(json.format, 'zscl-report');
    assert.deepEqual(json.methods, input().methods);
    fs.copyFileSync(files.json, path.join(dir, 'results.json'));
    assert.deepEqual((await readResults(dir)).methods, input().methods);

    // report.csv: one row per method with full-precision metrics
    const csv = fs.readFileSync(files.csv, 'utf8').split('\r\n');
    assert.equal(csv[0], 'Method,Transfer,Avg,Last,BWT');
    assert.equal(csv[2], `ZSCL,${mtil[1].expected.transfer},${mtil[1].expected.avg},${mtil[1].expected.last},-1.5`);
    assert.equal(csv[3], '"ZSCL <b>""v2""</b> & co",25,48.1,58.8,');

    // report.md: methods table, then each matrix with a zero-shot row
    const md = fs.readFileSync(files.markdown, 'utf8');
    assert.ok(md.startsWith('# MTIL \\<order I\\>\n'));
    assert.match(md, /^\| ZSCL +\| +68\.1 \| +75\.4 \| +83\.6 \| +-1\.5 \|$/m);
    assert.match(md, /^\| zero-shot +\| +24\.3 \|/m);
    assert.match(md, /^\| SUN397 +\| +40\.6 \|/m);
    assert.equal(md.match(/^## .*accuracy matrix/gm)?.length, 3);
  });

  it('the HTML page is one file holding every method, task name (escaped) and chart', async () => {
    const files = await writeReport(path.join(dir, 'html'), input());
    const html = fs.readFileSync(files.html, 'utf8');
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    for (const m of input().methods) {
      assert.ok(html.includes(`<h2>${escapeHtml(m.method)}</h2>`), m.method);
      for (const t of 'matrix' in m ? m.matrix.tasks : []) assert.ok(html.includes(`>${escapeHtml(t)}</th>`), t);
    }
    assert.ok(!html.includes('<b>"v2"</b>') && !html.includes('<img src=x'), 'no raw markup from names');
    assert.ok(html.includes('<title>MTIL &lt;order I&gt;</title>'));
    assert.ok(html.includes('&lt;i&gt;x&lt;/i&gt;'), 'config values escaped');
    assert.ok(html.includes('<th scope="row">model.name</th><td>ViT-B-16</td>'));

    // images: embedded, decodable, and the page loads nothing from elsewhere
    const images = [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)"/g)];
    assert.equal(images.length, 1 + 2 * 3);
    for (const [, base64, width] of images) {
      const meta = await sharp(Buffer.from(base64, 'base64')).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, 2 * Number(width));
    }
    assert.ok(!/(src|href)="(?!data:|#)/.test(html), 'no external references');
    // the best value per metric column is marked
    assert.ok(html.includes('<td class="num best">68.1</td>'));
  });

  it('renders a run in progress (fewer rows than tasks) and a single method', async () => {
    const files = await writeReport(path.join(dir, 'partial'), {
      methods: [{ method: 'LwF', matrix: { tasks: mtil[0].tasks, accuracy: mtil[0].accuracy.slice(0, 3) }, metrics: { transfer: 1, avg: 2, last: 3 } }],
    });
    const csv = fs.readFileSync(files.methods[0].matrixCsv, 'utf8').trimEnd().split('\r\n');
    assert.equal(csv.length, 4);
    assert.ok((await sharp(files.methods[0].heatmap).metadata()).width! > 0);
  });

  it('rejects bad input and unwritable folders with coded errors', async () => {
    await assert.rejects(writeReport(path.join(dir, 'x'), { methods: [] }), expectCoded('E_ARG', /^writeReport: methods: expected a non-empty array/));
    await assert.rejects(writeReport('', input()), expectCoded('E_ARG', /dir must be a non-empty path/));
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    await assert.rejects(writeReport(path.join(file, 'sub'), input()), expectCoded('E_IO', /cannot create the folder/));
  });
});

describe('zscl report', function () {
  this.timeout(60000);
  let runDir: string;
  let log: typeof console.log;
  const printed: string[] = [];
  before(() => {
    runDir = tmpDir();
    log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  });
  after(() => {
    console.log = log;
    fs.rmSync(runDir, { recursive: true, force: true });
  });

  async function cli(...args: string[]): Promise<void> {
    const program = new Command('zscl').exitOverride();
    registerReport(program);
    await program.parseAsync(['report', ...args], { from: 'user' });
  }

  it('reads RUN_DIR/results.json and writes RUN_DIR/report, or --out', async () => {
    const { methods } = input();
    fs.writeFileSync(path.join(runDir, 'results.json'), JSON.stringify({ methods }));
    fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ strategy: 'zscl', lr: 7e-6 }));
    await cli(runDir);
    const html = fs.readFileSync(path.join(runDir, 'report', 'report.html'), 'utf8');
    assert.ok(html.includes(`<h1>zscl report: ${path.basename(runDir)}</h1>`));
    assert.ok(html.includes('<th scope="row">strategy</th><td>zscl</td>'), 'config.json is the run info');
    assert.match(printed.at(-1) ?? '', /wrote 14 files to .*report/);

    const out = path.join(runDir, 'elsewhere');
    await cli(runDir, '--out', out);
    assert.ok(fs.existsSync(path.join(out, 'report.html')));
  });

  it('a missing results.json is E_IO; bad JSON or shape is E_FORMAT naming the file', async () => {
    const empty = path.join(runDir, 'empty');
    fs.mkdirSync(empty);
    await assert.rejects(cli(empty), expectCoded('E_IO', /cannot read results\.json .*results\.json: no such file/));
    await assert.rejects(cli(path.join(runDir, 'no-such-run')), expectCoded('E_IO', /no such file/));

    const bad = path.join(runDir, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'results.json'), '{"methods": [');
    await assert.rejects(cli(bad), expectCoded('E_FORMAT', /results\.json .* is not valid JSON/));
    fs.writeFileSync(path.join(bad, 'results.json'), '[]');
    await assert.rejects(cli(bad), expectCoded('E_FORMAT', /^results\.json at .*: \(root\): expected an object/));
    fs.writeFileSync(path.join(bad, 'results.json'), JSON.stringify({ methods: [{ method: 'x', matrix: { tasks: ['a'], accuracy: [[-1]] }, metrics: {} }] }));
    await assert.rejects(cli(bad), expectCoded('E_FORMAT', /methods\[0\]\.matrix\.accuracy\[0\]\[0\]: expected a finite number in 0\.\.100, got number -1/));
    fs.writeFileSync(path.join(bad, 'results.json'), JSON.stringify({ methods: input().methods }));
    fs.writeFileSync(path.join(bad, 'config.json'), '{oops');
    await assert.rejects(cli(bad), expectCoded('E_FORMAT', /config\.json .* is not valid JSON/));
    assert.ok(!fs.existsSync(path.join(bad, 'report')), 'nothing written on error');
  });
});
