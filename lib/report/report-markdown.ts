/** The report as one Markdown page: the methods table, then each method's accuracy matrix. */
import { configRows } from './config-summary';
import { escapeMarkdown, toMarkdown } from './markdown-table';
import { accuracyTable, methodsTable, skippedImagesTable, stepsTable } from './tables';
import type { ReportInput } from './types';

/**
 * report.md: title, the Transfer/Avg/Last(/BWT/Forgetting) table, the run's config (when given)
 * and every method's accuracy matrix with task names (a class-incremental run: its accuracy after
 * each step), one decimal. Sync.
 * Expects validated input (see validateReportInput).
 */
export function reportMarkdown(input: ReportInput): string {
  const parts = [`# ${escapeMarkdown(input.title ?? 'zscl report')}`, '', '## Methods', '', toMarkdown(methodsTable(input.methods))];
  if (input.config) {
    const rows = configRows(input.config).map(([key, value]) => [key, value]);
    const table = {
      columns: [
        { title: 'setting', numeric: false },
        { title: 'value', numeric: false },
      ],
      rows,
    };
    parts.push('## Run', '', rows.length ? toMarkdown(table) : 'The config is empty.\n');
  }
  const skipped = skippedImagesTable(input.methods);
  if (skipped) parts.push('## Skipped images', '', 'Unreadable images left out of training batches (each draw) and evaluation.', '', toMarkdown(skipped));
  for (const m of input.methods) {
    if (!('matrix' in m)) {
      parts.push(`## ${escapeMarkdown(m.method)}: accuracy after each step (%)`, '');
      parts.push('Over all classes seen so far, on the union of their test sets.', '');
      parts.push(toMarkdown(stepsTable(m.classIncremental)));
      continue;
    }
    parts.push(`## ${escapeMarkdown(m.method)}: accuracy matrix (%)`, '');
    parts.push('Row: after training that task. Column: accuracy on that task.', '');
    parts.push(toMarkdown(accuracyTable(m.matrix)));
  }
  return parts.join('\n');
}
