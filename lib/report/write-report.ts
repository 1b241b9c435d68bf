/** Writes every report file of a run into one folder. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ZsclError, describeValue } from '../errors';
import { toCsv } from './csv-table';
import { uniqueFileStems } from './file-stems';
import { guardChart } from './guard-curve';
import { heatmapChart } from './heatmap';
import { incrementalChart } from './incremental-chart';
import { methodsChart } from './methods-chart';
import { chartToPng } from './rasterize';
import type { EmbeddedImage } from './report-html';
import { reportHtml } from './report-html';
import { reportMarkdown } from './report-markdown';
import { retentionChart } from './retention';
import { accuracyTable, methodsTable, stepsTable } from './tables';
import type { Chart, ClassIncrementalResult, MethodResult, ReportFiles, ReportInput } from './types';
import { validateReportInput } from './validate';

/** Identifies report.json; its other keys are a valid results.json, so a report can be re-rendered. */
export const REPORT_FORMAT = { format: 'zscl-report', version: 1 } as const;

async function embed(chart: Chart, alt: string): Promise<EmbeddedImage> {
  return { png: await chartToPng(chart), width: chart.width, height: chart.height, alt };
}

async function writeFile(file: string, data: string | Buffer): Promise<void> {
  try {
    await fs.writeFile(file, data);
  } catch (error) {
    throw new ZsclError(`writeReport: cannot write ${file}: ${(error as Error).message}`, 'E_IO', { cause: error });
  }
}

/**
 * Writes the report of `input` into `dir` (created if missing; existing report files are
 * replaced): report.json (the validated input), report.csv (methods table), report.md, one
 * matrix-<stem>.csv, heatmap-<stem>.png and retention-<stem>.png per matrix (MTIL) method (and
 * guard-<stem>.png when it has a zero-shot guard curve), one
 * steps-<stem>.csv per class-incremental method and incremental-accuracy.svg/.png with their
 * curves, methods.png and a self-contained report.html. Stems are sanitized, unique forms of the method names. Async.
 * @returns the absolute paths written.
 * @throws ZsclError E_ARG for invalid input (see validateReportInput); E_IO when the folder or a
 *   file cannot be written; E_FORMAT if a chart cannot be rasterised.
 */
export async function writeReport(dir: string, input: ReportInput): Promise<ReportFiles> {
  if (typeof dir !== 'string' || dir === '') {
    throw new ZsclError(`writeReport: dir must be a non-empty path but received ${describeValue(dir)}`, 'E_ARG');
  }
  const report = validateReportInput(input, 'writeReport');
  const out = path.resolve(dir);
  try {
    await fs.mkdir(out, { recursive: true });
  } catch (error) {
    throw new ZsclError(`writeReport: cannot create the folder ${out}: ${(error as Error).message}`, 'E_IO', { cause: error });
  }

  const stems = uniqueFileStems(report.methods.map((m) => m.method));
  // Matrix (MTIL) methods get a heatmap and retention curves; class-incremental ones share one curve chart.
  const matrices = report.methods.flatMap((m, k) => ('matrix' in m ? [{ m: m as MethodResult, stem: stems[k] }] : []));
  const incremental = report.methods.flatMap((m, k) => ('classIncremental' in m ? [{ m: m as ClassIncrementalResult, stem: stems[k] }] : []));
  const curve = incremental.length ? incrementalChart(incremental.map((e) => e.m)) : undefined;
  const [summaryImage, methodImages, curveImage] = await Promise.all([
    embed(methodsChart(report.methods), 'Bar chart of the summary metrics per method'),
    Promise.all(
      matrices.map(async ({ m, stem }) => ({
        stem,
        heatmap: await embed(heatmapChart(m.matrix, { title: `${m.method}: accuracy (%) after each task` }), `Accuracy-matrix heatmap of ${m.method}`),
        retention: await embed(retentionChart(m.matrix, { title: `${m.method}: accuracy on each task during training` }), `Retention curves of ${m.method}`),
        guard: m.guard
          ? await embed(guardChart(m.guard, { title: `${m.method}: zero-shot probe during training` }), `Zero-shot guard curve of ${m.method}`)
          : undefined,
      })),
    ),
    curve ? embed(curve, 'Accuracy over all classes seen so far after each step, per method') : undefined,
  ]);

  const files: ReportFiles = {
    dir: out,
    json: path.join(out, 'report.json'),
    csv: path.join(out, 'report.csv'),
    markdown: path.join(out, 'report.md'),
    html: path.join(out, 'report.html'),
    methodsChart: path.join(out, 'methods.png'),
    methods: matrices.map(({ m, stem }) => ({
      method: m.method,
      matrixCsv: path.join(out, `matrix-${stem}.csv`),
      heatmap: path.join(out, `heatmap-${stem}.png`),
      retention: path.join(out, `retention-${stem}.png`),
      ...(m.guard ? { guard: path.join(out, `guard-${stem}.png`) } : {}),
    })),
    classIncremental: incremental.map(({ m, stem }) => ({ method: m.method, stepsCsv: path.join(out, `steps-${stem}.csv`) })),
    ...(curve ? { incrementalChart: { svg: path.join(out, 'incremental-accuracy.svg'), png: path.join(out, 'incremental-accuracy.png') } } : {}),
  };
  await Promise.all([
    writeFile(files.json, JSON.stringify({ ...REPORT_FORMAT, ...report }, null, 2) + '\n'),
    writeFile(files.csv, toCsv(methodsTable(report.methods))),
    writeFile(files.markdown, reportMarkdown(report)),
    writeFile(files.methodsChart, summaryImage.png),
    ...matrices.flatMap(({ m }, k) => [
      writeFile(files.methods[k].matrixCsv, toCsv(accuracyTable(m.matrix))),
      writeFile(files.methods[k].heatmap, methodImages[k].heatmap.png),
      writeFile(files.methods[k].retention, methodImages[k].retention.png),
      ...(files.methods[k].guard && methodImages[k].guard ? [writeFile(files.methods[k].guard, methodImages[k].guard.png)] : []),
    ]),
    ...incremental.map(({ m }, k) => writeFile(files.classIncremental[k].stepsCsv, toCsv(stepsTable(m.classIncremental)))),
    ...(curve && curveImage && files.incrementalChart
      ? [writeFile(files.incrementalChart.svg, curve.svg + '\n'), writeFile(files.incrementalChart.png, curveImage.png)]
      : []),
  ]);
  // The page last: once it exists, everything it describes exists too.
  await writeFile(
    files.html,
    reportHtml(report, {
      methodsChart: summaryImage,
      methods: methodImages,
      incremental: curveImage,
      stems: Object.fromEntries(report.methods.map((m, k) => [m.method, stems[k]])),
    }),
  );
  return files;
}
