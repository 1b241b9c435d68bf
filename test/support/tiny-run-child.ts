/**
 * Child process for resume tests: runs (or resumes) the tiny ZSCL run in argv[2] and prints one
 * line per checkpoint ("checkpoint <task> <it>") so the parent can kill it at a known point.
 */
import { EventEmitter } from 'node:events';
import { runExperiment } from '../../lib/cl/runner';
import type { StrategyName } from '../../lib/cl/strategies';
import { tinyRun } from './tiny-run';

const [dir, strategy, every, iterations] = process.argv.slice(2);
const run = tinyRun(dir, strategy as StrategyName, { checkpointEvery: Number(every), iterations: Number(iterations) });
const events = new EventEmitter();
events.on('checkpoint', (e: { taskIndex: number; it: number | null }) => console.log(`checkpoint ${e.taskIndex} ${e.it ?? 'end'}`));
runExperiment(run.spec, events)
  .then(() => {
    run.dispose();
    console.log('done');
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
