/** Printing of run results shared by the train, benchmark and demo commands. */
import type { ReportMethod } from '../report';

function fixed(v: number | undefined | null): string {
  return v === undefined || v === null || Number.isNaN(v) ? '–' : v.toFixed(1);
}

/**
 * The accuracy matrix as an aligned text table (rows: after task i; columns: task j); for a
 * class-incremental run, the accuracy over the seen classes after each step.
 */
export function matrixTable(result: ReportMethod): string {
  if (!('matrix' in result)) {
    const { steps, stepAccuracy } = result.classIncremental;
    const width = Math.max(10, ...steps.map((t) => t.length));
    return [`${'after step'.padEnd(width)} accuracy (seen classes)`, ...steps.map((t, i) => `${t.padEnd(width)} ${fixed(stepAccuracy[i]).padStart(8)}`)].join(
      '\n',
    );
  }
  const { tasks, accuracy } = result.matrix;
  const width = Math.max(8, ...tasks.map((t) => t.length));
  const head = ['after ↓ / on →'.padEnd(width), ...tasks.map((t) => t.padStart(width))].join(' ');
  const rows = accuracy.map((row, i) => [tasks[i].padEnd(width), ...row.map((v) => fixed(v).padStart(width))].join(' '));
  return [head, ...rows].join('\n');
}

/** Transfer / Avg / Last (and BWT) of several methods side by side, as Markdown. */
export function methodsTable(results: ReportMethod[]): string {
  const lines = ['| Method | Transfer | Avg | Last | BWT |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    const m: { transfer?: number; avg: number; last: number; bwt?: number } = r.metrics;
    lines.push(`| ${r.method} | ${fixed(m.transfer)} | ${fixed(m.avg)} | ${fixed(m.last)} | ${fixed(m.bwt)} |`);
  }
  return lines.join('\n');
}

/**
 * Each task's accuracy right after training it (the matrix diagonal; for a method that does not
 * train, its zero-shot accuracy) per method, with the mean, as Markdown: whether each task was learnt.
 */
export function diagonalTable(results: ReportMethod[]): string {
  const withMatrix = results.filter((r) => 'matrix' in r);
  if (withMatrix.length === 0) return '';
  const tasks = withMatrix[0].matrix.tasks;
  const lines = [`| Method | ${tasks.join(' | ')} | mean |`, `| --- |${' ---: |'.repeat(tasks.length + 1)}`];
  for (const r of withMatrix) {
    const diagonal = r.matrix.accuracy.map((row, i) => row[i]);
    lines.push(`| ${r.method} | ${diagonal.map(fixed).join(' | ')} | ${fixed(diagonal.reduce((a, b) => a + b, 0) / diagonal.length)} |`);
  }
  return lines.join('\n');
}
