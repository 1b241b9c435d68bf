/** `zscl demo`: the miniature MTIL with the shipped pretrained model (also `npm run demo`). */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { DEMO_DEFAULTS, runDemo } from '../demo/run-demo';
import { DEMO_SEQUENCE, DEMO_TASK_NAMES } from '../demo/sequence';
import { checkPrecision } from '../clip/precision';
import { ProgressBar, formatSeconds } from './progress';
import { diagonalTable, matrixTable, methodsTable } from './run-output';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('continual learning on a miniature MTIL (handwritten digits, rendered tasks): zero-shot, Continual-FT, WiSE-FT, LwF and ZSCL side by side')
    .option('--out <dir>', 'run folder', path.join(os.tmpdir(), `zscl-demo-${process.pid}`))
    .option('--seed <n>', 'seed', '0')
    .option('--iterations <n>', 'training iterations per task', String(DEMO_DEFAULTS.iterations))
    .option('--lr <x>', 'peak learning rate', String(DEMO_DEFAULTS.lr))
    .option('--methods <list>', 'comma-separated subset of: Zero-shot, Continual-FT, WiSE-FT, LwF, ZSCL')
    .option('--tasks <list>', `comma-separated tasks in training order (default ${DEMO_SEQUENCE.join(',')}; any of ${DEMO_TASK_NAMES.join(', ')})`)
    .option('--precision <precision>', 'fp32 (default), tf32 or bf16', 'fp32')
    .option('--json', 'print summary.json only')
    .action(async (o: { out: string; seed: string; iterations: string; lr: string; methods?: string; tasks?: string; precision: string; json?: boolean }) => {
      const bar = new ProgressBar(!o.json);
      const { summary, results, missing } = await runDemo({
        dir: o.out,
        seed: Number(o.seed),
        iterations: Number(o.iterations),
        lr: Number(o.lr),
        methods: o.methods?.split(',').map((m) => m.trim()),
        tasks: o.tasks?.split(',').map((t) => t.trim()),
        precision: checkPrecision(o.precision, 'demo: --precision'),
        onStep: (method, e) =>
          bar.update({ label: `${method.padEnd(12)} ${e.taskIndex + 1}. ${e.task.padEnd(8)}`, done: e.it + 1, total: e.iterations + 1, loss: e.loss }),
        onMethodDone: (method, r) => {
          bar.done(`${method}: Transfer ${r.metrics.transfer?.toFixed(1) ?? '–'}  Avg ${r.metrics.avg.toFixed(1)}  Last ${r.metrics.last.toFixed(1)}`);
          if (!o.json) console.log(`\n${method} — accuracy (%) after each task (rows) on each task (columns)\n${matrixTable(r)}\n`);
        },
      });
      if (o.json) {
        console.log(JSON.stringify(summary));
        return;
      }
      for (const m of missing) console.log(`note: left out ${m}`);
      console.log(`\n${methodsTable(results)}\n`);
      console.log(`Accuracy (%) on each task right after training it (Zero-shot: before any training):\n\n${diagonalTable(results)}\n`);
      console.log(`run folder: ${o.out} (summary.json, report/report.html)`);
      console.log(`total time: ${formatSeconds(summary.seconds)}`);
    });
}
