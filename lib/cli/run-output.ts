/** Printing of run results shared by the train, benchmark and demo commands. */
import type { MethodResult } from '../report';

function fixed(v: number | undefined | null): string {
  return v === undefined || v === null || Number.isNaN(v) ? '–' : v.toFixed(1);
}

/** The accuracy matrix as an aligned text table (rows: after task i; columns: task j). */
export function matrixTable(result: MethodResult): string {
  const { tasks, accuracy } = result.matrix;
  const width = Math.max(8, ...tasks.map((t) => t.length));
  const head = ['after ↓ / on →'.padEnd(width), ...tasks.map((t) => t.padStart(width))].join(' ');
  const rows = accuracy.map((row, i) => [tasks[i].padEnd(width), ...row.map((v) => fixed(v).padStart(width))].join(' '));
  return [head, ...rows].join('\n');
}

/** Transfer / Avg / Last (and BWT) of several methods side by side, as Markdown. */
export function methodsTable(results: MethodResult[]): string {
  const lines = ['| Method | Transfer | Avg | Last | BWT |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    lines.push(`| ${r.method} | ${fixed(r.metrics.transfer)} | ${fixed(r.metrics.avg)} | ${fixed(r.metrics.last)} | ${fixed(r.metrics.bwt)} |`);
  }
  return lines.join('\n');
}
