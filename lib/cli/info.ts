/** `zscl info`: versions, where libtorch was found, BLAS, threads, CUDA devices. */
import type { Command } from 'commander';
import { blasThreading, blasWarning } from '../blas-check';
import { systemInfo } from '../runtime';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('show zscl/libtorch versions, libtorch location, BLAS, threads and CUDA devices')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const info = systemInfo();
      if (options.json) {
        console.log(JSON.stringify(info, null, 2));
        return;
      }
      const threading = blasThreading(info.blas);
      const blas = `${info.blas.name}${threading ? ` (${threading})` : ''}`;
      const warning = blasWarning(info.blas);
      const rows: [string, string][] = [
        ['zscl', info.zsclVersion],
        ['node', info.node],
        ['libtorch', info.torchVersion],
        ['libtorch library', info.torchLibrary || info.torchBuiltAgainst],
        ['libtorch found via', info.libtorchSource ?? 'prebuild'],
        ['BLAS', `${blas}${info.blas.library ? ` ${info.blas.library}` : ''}`],
        ...(warning ? [['BLAS warning', warning] as [string, string]] : []),
        ['threads', String(info.threads)],
        [
          'CUDA',
          info.cudaAvailable
            ? info.cudaDevices.map((d, i) => `cuda:${i} ${d}`).join(', ')
            : info.cudaCompiled
              ? 'built with CUDA, no device'
              : 'not in this libtorch',
        ],
      ];
      const width = Math.max(...rows.map(([k]) => k.length));
      for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
    });
}
