/** Tables as RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF. */
import type { Cell, Table } from './tables';

function csvField(cell: Cell): string {
  // Numbers keep full precision (the shortest text that parses back to the same double).
  const text = cell === null ? '' : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `table` as CSV text with a header row; `null` cells are empty fields. Sync. */
export function toCsv(table: Table): string {
  const lines = [table.columns.map((c) => c.title), ...table.rows].map((row) => row.map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}
