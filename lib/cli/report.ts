/** `zscl report RUN_DIR [--out DIR]`: tables, charts and an HTML page from a run's results.json. */
import path from 'node:path';
import type { Command } from 'commander';
import { readResults } from '../report/results-file';
import { writeReport } from '../report/write-report';

/**
 * Registers `zscl report`: reads `<RUN_DIR>/results.json` (format: see readResults) and writes the
 * report (see writeReport) into `--out` or `<RUN_DIR>/report`, then prints where the page is.
 * The action is async and rejects with the coded ZsclError of readResults/writeReport (E_IO for
 * a missing or unreadable file, E_FORMAT for bad JSON or shape), which main.ts prints.
 */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write tables (JSON, CSV, Markdown), heatmaps, retention curves and an HTML page for a run')
    .argument('<run-dir>', 'run folder holding results.json')
    .option('--out <dir>', 'output folder (default: RUN_DIR/report)')
    .action(async (runDir: string, options: { out?: string }) => {
      const input = await readResults(runDir);
      const files = await writeReport(options.out ?? path.join(runDir, 'report'), input);
      const count = 5 + 3 * files.methods.length;
      console.log(`zscl report: wrote ${count} files to ${files.dir}; open ${files.html}`);
    });
}
