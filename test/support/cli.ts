/** Runs one zscl subcommand in-process, the way the tests of each command need it. */
import { Command } from 'commander';

/**
 * Runs `zscl <name> ...args` on a fresh program that only has the command `register` adds, and
 * returns the lines it printed with console.log (commander's own output is silenced; a usage
 * error rejects with commander's error).
 */
export async function runCommand(register: (program: Command) => void, name: string, ...args: string[]): Promise<string[]> {
  const program = new Command('zscl').exitOverride();
  program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  register(program);
  const printed: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => printed.push(parts.join(' '));
  try {
    await program.parseAsync([name, ...args], { from: 'user' });
  } finally {
    console.log = log;
  }
  return printed;
}
