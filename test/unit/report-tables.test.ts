import assert from 'node:assert/strict';
import { ZsclError } from '../../lib/errors';
import { toCsv } from '../../lib/report/csv-table';
import { fileStem, uniqueFileStems } from '../../lib/report/file-stems';
import { formatNumber } from '../../lib/report/format-number';
import { escapeMarkdown, toMarkdown } from '../../lib/report/markdown-table';
import { accuracyTable, methodsTable } from '../../lib/report/tables';
import type { MethodResult } from '../../lib/report/types';
import { validateAccuracyMatrix, validateReportInput } from '../../lib/report/validate';
import { mtilMatrices } from '../support/fixtures';

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let k = 0;
  while (k < text.length) {
    if (text[k] === '"' && field === '') {
      k++;
      for (;;) {
        if (k >= text.length) throw new Error('unterminated quoted field');
        if (text[k] === '"' && text[k + 1] === '"') {
          field += '"';
          k += 2;
        } else if (text[k] === '"') {
          k++;
          break;
        } else {
          field += text[k++];
        }
      }
      if (k < text.length && text[k] !== ',' && !text.startsWith('\r\n', k)) throw new Error(`text after a closing quote at ${k}`);
    } else if (text[k] === ',') {
      record.push(field);
      field = '';
      k++;
    } else if (text.startsWith('\r\n', k)) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      k += 2;
    } else if (text[k] === '"' || text[k] === '\n' || text[k] === '\r') {
      throw new Error(`unquoted special character at ${k}`);
    } else {
      field += text[k++];
    }
  }
  if (field !== '' || record.length > 0) throw new Error('last record lacks CRLF');
  return records;
}

const mtil = mtilMatrices();

function expectCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ZsclError && e.code === code && pattern.test(e.message));
}

const ODD = ['say "hi", ok', 'a<b>&c', 'line\nbreak', 'pipe | here', 'Ünïcødé 日本'];

describe('report tables', () => {
  it('an accuracy matrix CSV parses back to the same numbers and names (11x11 MTIL fixture)', () => {
    const c = mtil[1];
    const zeroShot = [24.3, 88.4, 68.2, 44.6, 54.9, 71.0, 88.5, 59.4, 89.0, 64.7, 65.2];
    const records = parseCsv(toCsv(accuracyTable({ tasks: c.tasks, accuracy: c.accuracy, zeroShot })));
    assert.deepEqual(records[0], ['after task', ...c.tasks]);
    assert.deepEqual(records[1], ['zero-shot', ...zeroShot.map(String)]);
    assert.equal(records.length, 13);
    c.accuracy.forEach((row, i) => {
      assert.equal(records[i + 2][0], c.tasks[i]);
      assert.deepEqual(records[i + 2].slice(1).map(Number), row);
    });
  });

  it('CSV keeps full precision and quotes odd names per RFC 4180', () => {
    const tasks = ODD.slice(0, 3);
    const accuracy = [
      [1 / 3, 100, 0],
      [2 / 3, 99.99999999999, 1e-7],
    ];
    const records = parseCsv(toCsv(accuracyTable({ tasks, accuracy })));
    assert.deepEqual(records[0], ['after task', ...tasks]);
    assert.deepEqual(
      records.slice(1).map((r) => r.slice(1).map(Number)),
      accuracy,
    );
    assert.deepEqual(
      records.slice(1).map((r) => r[0]),
      tasks.slice(0, 2),
    );
  });

  it('the methods table shows BWT/Forgetting only when reported, empty CSV field and "–" when missing', () => {
    const base = (method: string, extra: object): MethodResult => ({
      method,
      matrix: { tasks: ['a'], accuracy: [[50]] },
      metrics: { transfer: 1, avg: 2, last: 3, ...extra },
    });
    assert.deepEqual(
      methodsTable([base('x', {})]).columns.map((c) => c.title),
      ['Method', 'Transfer', 'Avg', 'Last'],
    );
    const table = methodsTable([base('x', { bwt: -4.25 }), base('y', {})]);
    assert.deepEqual(
      table.columns.map((c) => c.title),
      ['Method', 'Transfer', 'Avg', 'Last', 'BWT'],
    );
    const records = parseCsv(toCsv(table));
    assert.deepEqual(records, [
      ['Method', 'Transfer', 'Avg', 'Last', 'BWT'],
      ['x', '1', '2', '3', '-4.25'],
      ['y', '1', '2', '3', ''],
    ]);
    const md = toMarkdown(table).trimEnd().split('\n');
    assert.match(md[2], /^\| x +\| +1\.0 \| +2\.0 \| +3\.0 \| +-4\.3 \|$/);
    assert.match(md[3], /\| +– \|$/);
  });

  it('Markdown has a header, a rule and one aligned row per matrix row', () => {
    const c = mtil[0];
    const md = toMarkdown(accuracyTable({ tasks: c.tasks, accuracy: c.accuracy }));
    const lines = md.trimEnd().split('\n');
    assert.equal(lines.length, 2 + c.accuracy.length);
    assert.ok(
      lines.every((l) => l.length === lines[0].length),
      'pipes align',
    );
    assert.equal(lines[0].split('|').length - 2, 1 + c.tasks.length);
    assert.match(lines[1], /^\| -+ \|( -+: \|)+$/);
    assert.ok(lines[2].startsWith('| Aircraft '));
    assert.ok(lines[2].includes(` ${c.accuracy[0][0].toFixed(1)} `));
    assert.ok(lines[12].startsWith('| SUN397 '));
  });

  it('Markdown escapes names so pipes, HTML and emphasis cannot break the table', () => {
    const md = toMarkdown(accuracyTable({ tasks: ODD, accuracy: [[1, 2, 3, 4, 5]] }));
    const header = md.split('\n')[0];
    // splitting on unescaped pipes gives exactly the column count
    assert.equal(header.split(/(?<!\\)\|/).length - 2, 1 + ODD.length);
    assert.ok(header.includes('say "hi", ok'));
    assert.ok(header.includes('a\\<b\\>\\&c'));
    assert.ok(header.includes('line break'));
    assert.ok(header.includes('Ünïcødé 日本'));
    assert.equal(escapeMarkdown('*x* _y_ [z](u)'), '\\*x\\* \\_y\\_ \\[z\\]\\(u\\)');
  });

  it('formatNumber rounds and never shows -0.0', () => {
    assert.equal(formatNumber(83.56), '83.6');
    assert.equal(formatNumber(-0.04), '0.0');
    assert.equal(formatNumber(-6.25, 2), '-6.25');
    assert.equal(formatNumber(100), '100.0');
  });
});

describe('report input validation', () => {
  const good = {
    method: 'ZSCL',
    matrix: {
      tasks: ['a', 'b'],
      accuracy: [
        [1, 2],
        [3, 4],
      ],
    },
    metrics: { transfer: 2, avg: 2.5, last: 3.5 },
  };

  it('accepts valid input and drops unknown keys', () => {
    const out = validateReportInput({ methods: [{ ...good, extra: 1 }], config: { lr: 1e-5, model: { name: 'x' } }, other: true }, 't');
    assert.deepEqual(out, { methods: [{ method: 'ZSCL', matrix: good.matrix, metrics: good.metrics }], config: { lr: 1e-5, model: { name: 'x' } } });
  });

  it('accepts a run in progress (fewer rows than tasks)', () => {
    assert.equal(validateAccuracyMatrix({ tasks: ['a', 'b', 'c'], accuracy: [[1, 2, 3]] }, 't').accuracy.length, 1);
  });

  it('rejects bad input with coded errors that name the field', () => {
    const withMatrix = (matrix: object) => ({ methods: [{ ...good, matrix }] });
    expectCode(() => validateReportInput(null, 'src'), 'E_ARG', /^src: \(root\): expected an object .* got null$/);
    expectCode(() => validateReportInput({}, 'src'), 'E_ARG', /methods: expected a non-empty array .* missing/);
    expectCode(() => validateReportInput({ methods: [] }, 'src'), 'E_ARG', /methods: expected a non-empty array .* got array/);
    expectCode(
      () =>
        validateReportInput(
          withMatrix({
            tasks: ['a', 'b'],
            accuracy: [
              [1, 2],
              [101, 4],
            ],
          }),
          'results.json at /r',
          'E_FORMAT',
        ),
      'E_FORMAT',
      /^results\.json at \/r: methods\[0\]\.matrix\.accuracy\[1\]\[0\]: expected a finite number in 0\.\.100, got number 101$/,
    );
    expectCode(() => validateReportInput(withMatrix({ tasks: ['a', 'b'], accuracy: [[NaN, 2]] }), 's'), 'E_ARG', /accuracy\[0\]\[0\]: .* number NaN/);
    expectCode(() => validateReportInput(withMatrix({ tasks: ['a', 'b'], accuracy: [['7', 2]] }), 's'), 'E_ARG', /got string '7'/);
    expectCode(
      () => validateReportInput(withMatrix({ tasks: ['a', 'b'], accuracy: [[1, 2], [3]] }), 's'),
      'E_ARG',
      /accuracy\[1\]: expected 2 percentages \(one per task\) but it has 1/,
    );
    expectCode(
      () =>
        validateReportInput(
          withMatrix({
            tasks: ['a', 'b'],
            accuracy: [
              [1, 2],
              [3, 4],
              [5, 6],
            ],
          }),
          's',
        ),
      'E_ARG',
      /accuracy: expected 1\.\.2 rows .* but it has 3/,
    );
    expectCode(() => validateReportInput(withMatrix({ tasks: ['a', 'b'], accuracy: [] }), 's'), 'E_ARG', /accuracy: expected 1\.\.2 rows .* but it has 0/);
    expectCode(() => validateReportInput(withMatrix({ tasks: ['a', ' '], accuracy: [[1, 2]] }), 's'), 'E_ARG', /tasks\[1\]: expected a non-empty string/);
    expectCode(() => validateReportInput(withMatrix({ tasks: [], accuracy: [[1]] }), 's'), 'E_ARG', /tasks: expected a non-empty array/);
    expectCode(
      () => validateReportInput(withMatrix({ tasks: ['a', 'b'], accuracy: [[1, 2]], zeroShot: [1] }), 's'),
      'E_ARG',
      /zeroShot: expected 2 percentages/,
    );
    const many = Array.from({ length: 257 }, (_, k) => `t${k}`);
    expectCode(() => validateReportInput(withMatrix({ tasks: many, accuracy: [many.map(() => 1)] }), 's'), 'E_ARG', /tasks: expected at most 256 tasks/);
    expectCode(() => validateReportInput({ methods: [good, good] }, 's'), 'E_ARG', /methods\[1\]\.method: expected a unique name; 'ZSCL' appears twice/);
    expectCode(
      () => validateReportInput({ methods: [{ ...good, metrics: { transfer: 1, avg: 2 } }] }, 's'),
      'E_ARG',
      /metrics\.last: expected a finite number, missing/,
    );
    expectCode(
      () => validateReportInput({ methods: [{ ...good, metrics: { ...good.metrics, bwt: Infinity } }] }, 's'),
      'E_ARG',
      /metrics\.bwt: .* number Infinity/,
    );
    expectCode(() => validateReportInput({ methods: [{ ...good, method: '' }] }, 's'), 'E_ARG', /methods\[0\]\.method: expected a non-empty string/);
    expectCode(() => validateReportInput({ methods: [good], config: [1] }, 's'), 'E_ARG', /config: expected an object, got array/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expectCode(() => validateReportInput({ methods: [good], config: cyclic }, 's'), 'E_ARG', /config must be JSON-serialisable/);
  });
});

describe('report file names', () => {
  it('sanitizes method names into portable stems', () => {
    assert.equal(fileStem('ZSCL (order II)'), 'zscl-order-ii');
    assert.equal(fileStem('../../etc/passwd'), 'etc-passwd');
    assert.equal(fileStem('Über Café'), 'uber-cafe');
    assert.equal(fileStem('日本'), 'method');
    assert.equal(fileStem('CON'), 'method-con');
    assert.equal(fileStem('x'.repeat(100)).length, 60);
  });

  it('makes stems unique in order', () => {
    assert.deepEqual(uniqueFileStems(['ZSCL', 'zscl', 'Z S C L', 'z-s-c-l', 'LwF']), ['zscl', 'zscl-2', 'z-s-c-l', 'z-s-c-l-2', 'lwf']);
  });
});
