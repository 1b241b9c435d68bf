/**
 * The zero-shot guard's curve: the probe accuracy at each check over the training steps, against
 * the initial model's accuracy and the guard's bound (initial − maxDrop), trips marked. The data
 * come from the `retention` and `guard` lines of a run's metrics.jsonl.
 */
import { z } from 'zod';
import type { PlotArea } from './percent-axis';
import { AXIS_FONT, PERCENT_AXIS_WIDTH, percentAxis, yOfPercent } from './percent-axis';
import { px, svgDocument, svgText } from './svg';
import { fitText, textWidth } from './text-width';
import type { Chart } from './types';

const percent = z.number().min(0).max(100);

/** The guard's checks of one run (see {@link guardChart}). */
export const guardCurveSchema = z.object(
  {
    /** The initial model's probe accuracy (percent). */
    initial: percent,
    /** The guard's bound in points. */
    maxDrop: z.number().min(0),
    checks: z
      .array(
        z.object({
          task: z.number().int().min(0),
          it: z.number().int().min(0),
          accuracy: percent,
          tripped: z.boolean(),
          /** What the guard did when it tripped. */
          action: z.enum(['warn', 'stop', 'rollback']).optional(),
        }),
      )
      .min(1),
  },
  { error: 'expected an object { initial, maxDrop, checks }' },
);

/** The guard's checks of one run. */
export type GuardCurve = z.infer<typeof guardCurveSchema>;

/**
 * The guard curve of the `retention`/`guard` lines of metrics.jsonl, in file order (a resumed run
 * repeats steps: the later line wins), or undefined when the run had no guard. Torn or foreign
 * lines are skipped. Sync.
 */
export function guardCurveOf(lines: readonly unknown[]): GuardCurve | undefined {
  const checks = new Map<string, GuardCurve['checks'][number]>();
  let initial: number | undefined;
  let maxDrop = 0;
  for (const line of lines) {
    const l = line as Record<string, unknown>;
    const key = `${String(l.task)}:${String(l.it)}`;
    if (l.event === 'retention' && typeof l.accuracy === 'number' && typeof l.initial === 'number') {
      initial = l.initial;
      maxDrop = typeof l.maxDrop === 'number' ? l.maxDrop : maxDrop;
      checks.set(key, { task: Number(l.task), it: Number(l.it), accuracy: l.accuracy, tripped: l.tripped === true });
    } else if (l.event === 'guard' && checks.has(key)) {
      checks.get(key)!.action = l.action as 'warn' | 'stop' | 'rollback';
    }
  }
  if (initial === undefined) return undefined;
  return guardCurveSchema.parse({ initial, maxDrop, checks: [...checks.values()].sort((a, b) => a.task - b.task || a.it - b.it) });
}

const MARGIN = 16;
const TITLE_FONT = 16;
const PLOT_WIDTH = 560;
const PLOT_HEIGHT = 260;
const TRIP = '#c0392b';
const LINE = '#1f77b4';

/**
 * Renders the probe accuracy (y, 0..100 %) at each check against the training step counted over
 * the whole sequence (x; tasks separated by vertical rules), with the initial accuracy (grey
 * dashes), the bound initial − maxDrop (red dashes) and the tripped checks (red rings). Sync.
 */
export function guardChart(curve: GuardCurve, options: { title?: string } = {}): Chart {
  const { initial, maxDrop, checks } = guardCurveSchema.parse(curve);
  const title = options.title ?? 'Zero-shot probe accuracy during training';
  // Each task spans its checked steps 0…last; later tasks start after it.
  const lastIt = new Map<number, number>();
  for (const c of checks) lastIt.set(c.task, Math.max(lastIt.get(c.task) ?? 0, c.it));
  const tasks = [...lastIt.keys()].sort((a, b) => a - b);
  const start = new Map<number, number>();
  let total = 0;
  for (const t of tasks) {
    start.set(t, total);
    total += lastIt.get(t)! + 1;
  }
  const plot: PlotArea = { x: MARGIN + PERCENT_AXIS_WIDTH, y: MARGIN + TITLE_FONT + 26, width: PLOT_WIDTH, height: PLOT_HEIGHT };
  const xOf = (task: number, it: number): number => plot.x + (plot.width * (start.get(task)! + it + 1)) / total;
  const parts: string[] = [];
  const width = plot.x + plot.width + 150;
  const height = plot.y + plot.height + 2 * AXIS_FONT + 24 + MARGIN;
  parts.push(svgText(MARGIN, MARGIN + TITLE_FONT, fitText(title, width - 2 * MARGIN, TITLE_FONT, true), { size: TITLE_FONT, bold: true }));
  parts.push(...percentAxis(plot, 'probe accuracy (%)'));
  for (const t of tasks) {
    const x = plot.x + (plot.width * start.get(t)!) / total;
    if (t !== tasks[0]) parts.push(`<line x1="${px(x)}" y1="${px(plot.y)}" x2="${px(x)}" y2="${px(plot.y + plot.height)}" stroke="#bbbbbb"/>`);
    parts.push(svgText(x + 4, plot.y + plot.height + AXIS_FONT + 4, `task ${t + 1}`, { size: AXIS_FONT, fill: '#444444' }));
  }
  parts.push(svgText(plot.x + plot.width / 2, plot.y + plot.height + 2 * AXIS_FONT + 14, 'training step', { size: AXIS_FONT + 1, anchor: 'middle' }));
  const level = (value: number, color: string, label: string): void => {
    const y = yOfPercent(plot, value);
    parts.push(`<line x1="${px(plot.x)}" y1="${px(y)}" x2="${px(plot.x + plot.width)}" y2="${px(y)}" stroke="${color}" stroke-dasharray="6 4"/>`);
    parts.push(svgText(plot.x + plot.width + 6, y + 4, fitText(label, 140, AXIS_FONT - 1), { size: AXIS_FONT - 1, fill: color }));
  };
  level(initial, '#777777', `initial ${initial.toFixed(1)}%`);
  level(initial - maxDrop, TRIP, `bound −${maxDrop} points`);
  const points = checks.map((c) => `${px(xOf(c.task, c.it))},${px(yOfPercent(plot, c.accuracy))}`).join(' ');
  parts.push(`<polyline points="${points}" fill="none" stroke="${LINE}" stroke-width="2" stroke-linejoin="round"/>`);
  for (const c of checks) {
    const [cx, cy] = [px(xOf(c.task, c.it)), px(yOfPercent(plot, c.accuracy))];
    parts.push(
      c.tripped
        ? `<circle cx="${cx}" cy="${cy}" r="5" fill="none" stroke="${TRIP}" stroke-width="2"><title>${c.action ?? 'tripped'}</title></circle>`
        : `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${LINE}"/>`,
    );
  }
  const note = 'ring: a check beyond the bound';
  parts.push(svgText(plot.x + plot.width - textWidth(note, AXIS_FONT - 1), plot.y - 8, note, { size: AXIS_FONT - 1, italic: true, fill: '#555555' }));
  return { svg: svgDocument(width, height, title, parts), width: Math.ceil(width), height: Math.ceil(height) };
}
