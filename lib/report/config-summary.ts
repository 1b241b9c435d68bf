/** A run's config as "key: value" rows for the pages: nested objects flattened to dotted keys. */

const MAX_VALUE = 160;
const MAX_ROWS = 200;

function valueText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}\u2026` : text;
}

/**
 * Flattens a JSON object (as validateReportInput returns it) to `[key, value]` rows in key order:
 * `{ model: { name: 'ViT-B-16' } }` gives `['model.name', 'ViT-B-16']`; arrays and other values
 * are shown as JSON, long values shortened with "…", and past 200 rows one row says how many
 * were left out. Sync.
 */
export function configRows(config: Record<string, unknown>): [string, string][] {
  const rows: [string, string][] = [];
  const visit = (prefix: string, value: unknown): void => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) visit(prefix ? `${prefix}.${key}` : key, child);
    } else {
      rows.push([prefix, valueText(value)]);
    }
  };
  for (const [key, value] of Object.entries(config)) visit(key, value);
  if (rows.length <= MAX_ROWS) return rows;
  return [...rows.slice(0, MAX_ROWS - 1), ['\u2026', `${rows.length - MAX_ROWS + 1} more settings in report.json`]];
}
