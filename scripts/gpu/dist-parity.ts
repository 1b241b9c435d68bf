/**
 * The data-parallel parity check outside mocha (for machines without the dev dependencies):
 * the zscl-mtil fixture trained by 1 process and by `--nproc` ranks, compared per step and per
 * task. Device and backend come from the environment (ZSCL_TEST_DEVICE, ZSCL_DIST_BACKEND);
 * the rank processes from ZSCL_DIST_WORKER_JS (a bundle of test/distributed/support/zscl-rank.ts).
 * Exits 0 when the runs agree, 1 otherwise. Bundled by scripts/gpu/dist-nccl.sh prepare.
 *
 *   node dist-parity.js --nproc 2 [--tolerance 1e-5]
 */
import { describeComparison } from '../../test/distributed/support/compare-weights';
import { dataParallelParity } from '../../test/distributed/support/parity';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const nproc = value('nproc', 2);
  const tolerance = value('tolerance', 1e-5);
  const label = `${process.env.ZSCL_DIST_BACKEND ?? 'gloo'} on ${process.env.ZSCL_TEST_DEVICE ?? 'cpu'}, ${nproc} rank(s) vs 1 process`;
  const result = await dataParallelParity({ nproc, tolerance });
  console.log(
    `${label}: per-step losses max |Δ|/max(1,|loss|) ${result.stepDifference.toExponential(2)}; averaged weights ${describeComparison(result.weights)}; replicas differ by ${result.replicaDifference}`,
  );
  if (result.failures.length) {
    console.log(`FAILED (tolerance ${tolerance}):\n  ${result.failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`ok (tolerance ${tolerance})`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
