/**
 * The command line of the miniature writers (mini-mtil, mini-cil): `OUT_DIR [--name N]...`.
 * Prints the usage and exits 2 without OUT_DIR; prints what was written, or the error and exits 1.
 */
export function runMiniatureCli(usage: string, write: (out: string, flag: (name: string) => number | undefined) => Promise<string>): void {
  const args = process.argv.slice(2);
  const out = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  if (!out) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  const flag = (name: string): number | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  write(out, flag).then(
    (written) => console.log(`wrote ${written}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
