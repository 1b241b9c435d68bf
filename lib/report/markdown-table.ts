/** Tables as GitHub-flavoured Markdown with aligned pipes (numbers right-aligned, one decimal). */
import { formatNumber } from './format-number';
import type { Cell, Table } from './tables';

/**
 * `text` safe inside a Markdown table cell or heading: every ASCII punctuation character that
 * Markdown or inline HTML could interpret is backslash-escaped, line breaks become spaces. Sync.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_{}[\]()<>#+!|&~]/g, '\\$&');
}

function cellText(cell: Cell, digits: number): string {
  if (cell === null) return '–';
  return typeof cell === 'number' ? formatNumber(cell, digits) : escapeMarkdown(cell);
}

// Display width by code point, so names with accents stay aligned.
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return right ? fill + text : text + fill;
}

/** `table` as a Markdown table; numbers rounded to `digits` decimals, `null` shown as "–". Sync. */
export function toMarkdown(table: Table, digits = 1): string {
  const header = table.columns.map((c) => escapeMarkdown(c.title));
  const body = table.rows.map((row) => row.map((cell) => cellText(cell, digits)));
  const widths = header.map((h, k) => Math.max(3, width(h), ...body.map((row) => width(row[k]))));
  const line = (cells: string[]): string => `| ${cells.map((text, k) => pad(text, widths[k], table.columns[k].numeric)).join(' | ')} |`;
  const rule = `|${widths.map((w, k) => (table.columns[k].numeric ? ` ${'-'.repeat(w - 1)}: ` : ` ${'-'.repeat(w)} `)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n') + '\n';
}
