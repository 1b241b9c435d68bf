#!/usr/bin/env node
/** The `zscl` command line. Each command lives in its own module under lib/cli/. */
import { Command } from 'commander';
import { ZsclError } from '../errors';
import { registerConvert } from './convert';
import { registerDemo } from './demo';
import { registerEmbed } from './embed';
import { registerInfo } from './info';
import { registerLaunch } from './launch';
import { registerMetrics } from './metrics';
import { registerPreprocess } from './preprocess';
import { registerReport } from './report';
import { registerTokenize } from './tokenize';
import { registerTrain } from './train';

export function buildProgram(): Command {
  const program = new Command('zscl').description('Continual fine-tuning of CLIP without losing zero-shot ability (ZSCL)').showHelpAfterError();
  registerInfo(program);
  registerMetrics(program);
  registerPreprocess(program);
  registerReport(program);
  registerTokenize(program);
  registerEmbed(program);
  registerConvert(program);
  registerTrain(program);
  registerDemo(program);
  registerLaunch(program);
  return program;
}

/** Prints a coded error without a stack trace and exits 1 (2 for usage errors). */
export function reportAndExit(error: unknown): never {
  if (error instanceof ZsclError) {
    console.error(`zscl: ${error.message} [${error.code}]`);
    process.exit(error.code === 'E_ARG' || error.code === 'E_CONFIG' ? 2 : 1);
  }
  console.error(`zscl: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => reportAndExit(error));
}
