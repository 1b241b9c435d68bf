/** The report as one self-contained HTML page: inline CSS, PNG charts embedded as data URIs. */
import { configRows } from './config-summary';
import { escapeMarkup } from './escape-markup';
import { formatNumber } from './format-number';
import type { Table } from './tables';
import { accuracyTable, methodsTable, skippedImagesTable, stepsTable } from './tables';
import type { MethodMetrics, ReportInput, ReportMethod } from './types';

/** A rendered chart to embed: PNG bytes, its size in CSS px and its alternative text. */
export interface EmbeddedImage {
  png: Buffer;
  width: number;
  height: number;
  alt: string;
}

/** The charts of a report. */
export interface ReportImages {
  methodsChart: EmbeddedImage;
  /** Per matrix (MTIL) method, in the order of `input.methods`. */
  methods: { stem: string; heatmap: EmbeddedImage; retention: EmbeddedImage; guard?: EmbeddedImage }[];
  /** The incremental-accuracy curves of the class-incremental methods (when there are any). */
  incremental?: EmbeddedImage;
  /** Section anchors by method name (default: the matrix methods' stems; a class-incremental method's index otherwise). */
  stems?: Record<string, string>;
}

const CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --stripe: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1140px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 40px 0 8px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 8px; }
p { margin: 6px 0; }
.muted, figcaption, footer { color: var(--muted); }
nav { margin: 12px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.scroll { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 14px; }
th, td { padding: 5px 10px; border: 1px solid var(--line); text-align: left; white-space: nowrap; }
thead th { background: var(--stripe); }
tbody tr:nth-child(even) { background: #fbfcfd; }
.num { text-align: right; }
td.best { font-weight: 700; }
th.zero-shot { font-style: italic; font-weight: 400; color: var(--muted); }
figure { margin: 16px 0 24px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { font-size: 13px; margin-top: 6px; }
.metrics { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 4px; padding: 0; list-style: none; }
.metrics li { border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px; background: var(--stripe); }
.metrics b { font-variant-numeric: tabular-nums; }
footer { margin-top: 48px; font-size: 13px; }
`;

function imageHtml(image: EmbeddedImage, caption: string): string {
  const src = `data:image/png;base64,${image.png.toString('base64')}`;
  return `<figure><img src="${src}" width="${image.width}" height="${image.height}" alt="${escapeMarkup(image.alt)}"><figcaption>${escapeMarkup(caption)}</figcaption></figure>`;
}

/** Row indices holding each column's best value (only for `better` columns and 2+ rows). */
function bestCells(table: Table): Set<string> {
  const best = new Set<string>();
  if (table.rows.length < 2) return best;
  table.columns.forEach((column, k) => {
    if (!column.better) return;
    const values = table.rows.map((row) => row[k]).filter((v): v is number => typeof v === 'number');
    if (values.length === 0) return;
    const target = column.better === 'higher' ? Math.max(...values) : Math.min(...values);
    table.rows.forEach((row, r) => {
      if (row[k] === target) best.add(`${r}:${k}`);
    });
  });
  return best;
}

/** `table` as HTML: the first column as row headers, numbers right-aligned with one decimal. */
function tableHtml(table: Table, zeroShotRow = false): string {
  const best = bestCells(table);
  const head = table.columns.map((c) => `<th scope="col"${c.numeric ? ' class="num"' : ''}>${escapeMarkup(c.title)}</th>`).join('');
  const body = table.rows.map((row, r) => {
    const cells = row.map((cell, k) => {
      if (k === 0) {
        const cls = zeroShotRow && r === 0 ? ' class="zero-shot"' : '';
        return `<th scope="row"${cls}>${escapeMarkup(String(cell))}</th>`;
      }
      const text = cell === null ? '–' : typeof cell === 'number' ? formatNumber(cell) : escapeMarkup(cell);
      const classes = [table.columns[k].numeric ? 'num' : '', best.has(`${r}:${k}`) ? 'best' : ''].filter(Boolean).join(' ');
      return `<td${classes ? ` class="${classes}"` : ''}>${text}</td>`;
    });
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table></div>`;
}

function metricsHtml(metrics: Partial<MethodMetrics>): string {
  const items: [string, number | undefined][] = [
    ['Transfer', metrics.transfer],
    ['Avg', metrics.avg],
    ['Last', metrics.last],
    ['BWT', metrics.bwt],
    ['Forgetting', metrics.forgetting],
  ];
  const shown = items.filter((item): item is [string, number] => item[1] !== undefined);
  return `<ul class="metrics">${shown.map(([name, v]) => `<li>${name} <b>${formatNumber(v)}</b></li>`).join('')}</ul>`;
}

/**
 * The report page: title, navigation, the methods table (best value per column in bold) and chart,
 * (and the incremental-accuracy curves of class-incremental runs), the run's config, and per
 * method its metrics and either its accuracy-matrix table, heatmap and retention curves (MTIL) or
 * its accuracy after each step (CIL). Every name is HTML-escaped; nothing is loaded from
 * elsewhere. Sync. Expects validated input (see validateReportInput) and one image set per matrix method.
 */
export function reportHtml(input: ReportInput, images: ReportImages): string {
  const title = input.title ?? 'zscl report';
  const taskCounts = [...new Set(input.methods.map(taskCount))].join(' / ');
  const methodCount = `${input.methods.length} method${input.methods.length === 1 ? '' : 's'}`;
  const matrixImages = new Map(input.methods.flatMap((m) => ('matrix' in m ? [m.method] : [])).map((name, k) => [name, images.methods[k]]));
  const stem = (m: ReportMethod, k: number) => images.stems?.[m.method] ?? matrixImages.get(m.method)?.stem ?? `m${k}`;
  const nav = [
    '<a href="#methods">Methods</a>',
    ...(input.config ? ['<a href="#run">Run</a>'] : []),
    ...input.methods.map((m, k) => `<a href="#method-${stem(m, k)}">${escapeMarkup(m.method)}</a>`),
  ];
  const explained = [
    ...(input.methods.some((m) => 'matrix' in m)
      ? [
          'Transfer: accuracy on tasks before they are trained (zero-shot transfer). Avg: mean of the whole accuracy matrix. Last: mean accuracy after the final task.',
        ]
      : []),
    ...(input.methods.some((m) => 'classIncremental' in m)
      ? [
          'Class-incremental runs: Avg is the mean over steps of the accuracy on all classes seen so far (average incremental accuracy); Last is that accuracy after the final step.',
        ]
      : []),
  ];
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="zscl report">',
    `<title>${escapeMarkup(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<header><h1>${escapeMarkup(title)}</h1><p class="muted">${methodCount}, ${taskCounts} tasks. Accuracies are top-1 in percent.</p>`,
    `<nav>${nav.join('')}</nav></header>`,
    '<section id="methods"><h2>Methods</h2>',
    `<p class="muted">${escapeMarkup([...explained, 'Bold: best per column.'].join(' '))}</p>`,
    tableHtml(methodsTable(input.methods)),
    imageHtml(images.methodsChart, 'The summary metrics of each method.'),
    ...(images.incremental ? [imageHtml(images.incremental, 'Accuracy over all classes seen so far after each step (incremental accuracy).')] : []),
    '</section>',
  ];
  if (input.config) {
    const rows = configRows(input.config).map(([k, v]) => `<tr><th scope="row">${escapeMarkup(k)}</th><td>${escapeMarkup(v)}</td></tr>`);
    out.push('<section id="run"><h2>Run</h2>');
    out.push(rows.length ? `<div class="scroll"><table><tbody>\n${rows.join('\n')}\n</tbody></table></div>` : '<p class="muted">The config is empty.</p>');
    out.push('</section>');
  }
  const skipped = skippedImagesTable(input.methods);
  if (skipped) {
    out.push('<section id="skipped"><h2>Skipped images</h2>');
    out.push('<p class="muted">Unreadable images left out of training batches (each draw) and evaluation.</p>');
    out.push(tableHtml(skipped), '</section>');
  }
  input.methods.forEach((m, k) => {
    out.push(`<section id="method-${stem(m, k)}"><h2>${escapeMarkup(m.method)}</h2>`);
    out.push(metricsHtml(m.metrics));
    if (!('matrix' in m)) {
      out.push('<h3>Accuracy after each step (%)</h3>');
      out.push('<p class="muted">Over all classes seen so far, on the union of their test sets.</p>');
      out.push(tableHtml(stepsTable(m.classIncremental)));
      out.push('</section>');
      return;
    }
    const { heatmap, retention, guard } = matrixImages.get(m.method)!;
    out.push('<h3>Accuracy matrix (%)</h3>');
    out.push('<p class="muted">Row: after training that task. Column: accuracy on that task.</p>');
    out.push(tableHtml(accuracyTable(m.matrix), m.matrix.zeroShot !== undefined));
    out.push(imageHtml(heatmap, `Accuracy matrix of ${m.method}.`));
    out.push(imageHtml(retention, `Accuracy on each task of ${m.method} after each training step.`));
    if (guard) out.push(imageHtml(guard, `Zero-shot probe accuracy of ${m.method} at each check of the guard.`));
    out.push('</section>');
  });
  out.push(
    '<footer>Written by <code>zscl report</code>. The same numbers, unrounded: report.json, report.csv, matrix-*.csv and steps-*.csv beside this page.</footer>',
  );
  out.push('</main>', '</body>', '</html>', '');
  return out.join('\n');
}

/** Tasks of a matrix run, steps of a class-incremental one. */
function taskCount(m: ReportMethod): number {
  return 'matrix' in m ? m.matrix.tasks.length : m.classIncremental.steps.length;
}
