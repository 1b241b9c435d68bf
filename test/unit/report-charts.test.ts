import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ZsclError } from '../../lib/errors';
import { relativeLuminance, viridisRgb } from '../../lib/report/colormap';
import { heatmapChart } from '../../lib/report/heatmap';
import { methodsChart } from '../../lib/report/methods-chart';
import { chartToPng, DEFAULT_SCALE } from '../../lib/report/rasterize';
import { retentionChart } from '../../lib/report/retention';
import type { Chart, MethodResult } from '../../lib/report/types';
import { mtilMatrices } from '../support/fixtures';

const mtil = mtilMatrices();

interface Raster {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

/** Decodes a PNG, checks its size against the chart, and returns its pixels. */
async function decode(png: Buffer, chart: Chart): Promise<Raster> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, Math.round(chart.width * DEFAULT_SCALE));
  assert.equal(info.height, Math.round(chart.height * DEFAULT_SCALE));
  return { width: info.width, height: info.height, channels: info.channels, data };
}

/** Variance of the grey level over all pixels: 0 for a blank image. */
function greyVariance(r: Raster): number {
  let sum = 0;
  let sumSq = 0;
  const n = r.width * r.height;
  for (let p = 0; p < n; p++) {
    const o = p * r.channels;
    const g = (r.data[o] + r.data[o + 1] + r.data[o + 2]) / 3;
    sum += g;
    sumSq += g * g;
  }
  return sumSq / n - (sum / n) ** 2;
}

function pixel(r: Raster, x: number, y: number): [number, number, number] {
  const o = (Math.round(y) * r.width + Math.round(x)) * r.channels;
  return [r.data[o], r.data[o + 1], r.data[o + 2]];
}

/** Cell rectangles of a heatmap SVG, in the order they are drawn (row-major). */
function cellRects(svg: string): { x: number; y: number; size: number; fill: string }[] {
  const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="(#[0-9a-f]{6})"/g)];
  return rects.filter((m) => m[3] === m[4]).map((m) => ({ x: Number(m[1]), y: Number(m[2]), size: Number(m[3]), fill: m[5] }));
}

const ODD_TASKS = ['say "hi"', '<script>alert(1)</script>', 'R&D', 'Ünïcødé 日本語', 'ctrl\u0001char', 'x'.repeat(80)];

describe('report charts', () => {
  it('heatmap PNG has the chart size, is not blank, and colours cells by value along viridis', async () => {
    const tasks = ['low', 'mid', 'high'];
    const accuracy = [
      [5, 50, 95],
      [10, 60, 90],
      [20, 70, 80],
    ];
    const chart = heatmapChart({ tasks, accuracy });
    const raster = await decode(await chartToPng(chart), chart);
    assert.ok(greyVariance(raster) > 100);

    const cells = cellRects(chart.svg);
    assert.equal(cells.length, 9);
    // sample inside the cell, away from the printed value and the 1 px white grid line
    const sample = (k: number) => pixel(raster, (cells[k].x + 4) * DEFAULT_SCALE, (cells[k].y + 4) * DEFAULT_SCALE);
    const low = sample(0); // 5 %
    const high = sample(2); // 95 %
    // viridis runs from dark purple to bright yellow
    assert.ok(relativeLuminance(high) > relativeLuminance(low) + 0.5, `high ${high} brighter than low ${low}`);
    assert.ok(high[0] > low[0] + 100 && high[1] > low[1] + 100, 'high is yellow');
    assert.ok(low[2] > low[1] && low[2] > high[2] + 50, 'low is purple-blue');
    // every cell is the colormap's colour of its value (within PNG rounding)
    accuracy.flat().forEach((v, k) => {
      const expected = viridisRgb(v / 100);
      const got = sample(k);
      expected.forEach((c, ch) => assert.ok(Math.abs(c - got[ch]) <= 2, `cell ${k} (${v} %): ${got} vs ${expected}`));
    });
    // brightness increases with value in every row
    for (let i = 0; i < 3; i++) {
      const l = [0, 1, 2].map((j) => relativeLuminance(sample(i * 3 + j)));
      assert.ok(l[0] < l[1] && l[1] < l[2], `row ${i}: ${l}`);
    }
  });

  it('heatmap of the 11x11 MTIL matrix with a zero-shot row renders every task and value', async () => {
    const c = mtil[1];
    const zeroShot = [24.3, 88.4, 68.2, 44.6, 54.9, 71.0, 88.5, 59.4, 89.0, 64.7, 65.2];
    const chart = heatmapChart({ tasks: c.tasks, accuracy: c.accuracy, zeroShot }, { title: 'ZSCL' });
    assert.equal(cellRects(chart.svg).length, 12 * 11);
    for (const task of c.tasks) assert.equal(chart.svg.split(`>${task}</text>`).length - 1, 2, task); // row and column
    assert.ok(chart.svg.includes(`>${c.accuracy[10][10].toFixed(1)}</text>`));
    assert.ok(chart.svg.includes('>zero-shot</text>'));
    const raster = await decode(await chartToPng(chart), chart);
    assert.ok(greyVariance(raster) > 100);
  });

  it('a large matrix renders with small cells and no value labels; a run in progress has fewer rows', async () => {
    const tasks = Array.from({ length: 100 }, (_, k) => `task-${k}`);
    const accuracy = tasks.slice(0, 40).map((_, i) => tasks.map((__, j) => (i * 7 + j * 3) % 101));
    const chart = heatmapChart({ tasks, accuracy });
    assert.equal(cellRects(chart.svg).length, 40 * 100);
    assert.ok(chart.width < 1200, `width ${chart.width}`);
    const texts = chart.svg.split('<text').length - 1;
    assert.ok(texts < 200, `${texts} labels: only every few task names, no values`);
    await decode(await chartToPng(chart), chart);
  });

  it('odd task names are escaped in every chart and still rasterise', async () => {
    const accuracy = [ODD_TASKS.map((_, j) => 10 + j * 15)];
    const zeroShot = ODD_TASKS.map(() => 30);
    for (const chart of [heatmapChart({ tasks: ODD_TASKS, accuracy, zeroShot }), retentionChart({ tasks: ODD_TASKS, accuracy, zeroShot })]) {
      assert.ok(!chart.svg.includes('<script>'));
      assert.ok(chart.svg.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
      assert.ok(chart.svg.includes('say &quot;hi&quot;'));
      assert.ok(chart.svg.includes('R&amp;D'));
      assert.ok(chart.svg.includes('Ünïcødé 日本語'));
      assert.ok(!chart.svg.includes('\u0001'));
      assert.ok(chart.svg.includes('ctrl\uFFFDchar'));
      assert.ok(chart.svg.includes('x'.repeat(20) + '\u2026'), 'long names are shortened');
      const raster = await decode(await chartToPng(chart), chart);
      assert.ok(greyVariance(raster) > 100);
    }
  });

  it('retention curves: one line per task with one point per step, sized PNG, not blank', async () => {
    const c = mtil[0];
    const zeroShot = c.accuracy[0].map(() => 50);
    const chart = retentionChart({ tasks: c.tasks, accuracy: c.accuracy, zeroShot });
    const lines = [...chart.svg.matchAll(/<polyline points="([^"]+)"/g)];
    assert.equal(lines.length, 11);
    for (const line of lines) assert.equal(line[1].split(' ').length, 12);
    for (const task of c.tasks) assert.ok(chart.svg.includes(`>${task}</text>`), task);
    const raster = await decode(await chartToPng(chart), chart);
    assert.ok(greyVariance(raster) > 100);

    // the curve of task 0 goes down where its accuracy does: y grows as accuracy falls
    const ys = lines[0][1].split(' ').map((p) => Number(p.split(',')[1]));
    const values = [50, ...c.accuracy.map((row) => row[0])];
    for (let s = 1; s < values.length; s++) {
      if (values[s] !== values[s - 1]) assert.equal(Math.sign(ys[s] - ys[s - 1]), -Math.sign(values[s] - values[s - 1]));
    }
  });

  it('methods chart: one bar per method and metric, sized PNG, not blank', async () => {
    const methods: MethodResult[] = mtil.map((c, k) => ({
      method: `${c.method} ${k}`,
      matrix: { tasks: c.tasks, accuracy: c.accuracy },
      metrics: { ...c.expected, bwt: -3 },
    }));
    const chart = methodsChart(methods);
    const bars = [...chart.svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#/g)];
    assert.equal(bars.length, 3 * 3 + 3); // bars + legend swatches
    assert.ok(chart.svg.includes('>68.1</text>') && chart.svg.includes('>83.4</text>'));
    const raster = await decode(await chartToPng(chart), chart);
    assert.ok(greyVariance(raster) > 100);
  });

  it('rejects invalid matrices and bad rasterisation requests with coded errors', async () => {
    assert.throws(
      () => heatmapChart({ tasks: ['a'], accuracy: [[120]] }),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG' && /heatmapChart: matrix\.accuracy\[0\]\[0\]/.test(e.message),
    );
    assert.throws(
      () => retentionChart({ tasks: [], accuracy: [] }),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
    );
    assert.throws(
      () => methodsChart([]),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
    );
    const chart = heatmapChart({ tasks: ['a'], accuracy: [[1]] });
    await assert.rejects(chartToPng(chart, 0), (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG');
    await assert.rejects(chartToPng({ svg: '<svg', width: 1, height: 1 }), (e: unknown) => e instanceof ZsclError && e.code === 'E_FORMAT');
  });
});
