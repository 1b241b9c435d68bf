/**
 * Which BLAS build serves libtorch's matrix products, and what to do about a slow one: the
 * reference BLAS (about 30x slower), or OpenBLAS built with its own pthread pool. libtorch runs
 * its intra-op work on an OpenMP pool; the pthread build keeps a second pool whose idle threads
 * spin beside OpenMP's and take their cores. The OpenMP build shares libtorch's pool (the same
 * sums either way: neither build splits a product's inner dimension).
 */
import type { RuntimeInfo } from './native';

type BlasInfo = RuntimeInfo['blas'];

/** How OpenBLAS runs its own threads; undefined for another BLAS or when it cannot be told. */
export type BlasThreading = 'openmp' | 'pthread' | 'sequential';

/**
 * OpenBLAS's threading: what openblas_get_parallel() said (`threading`), else its config string
 * (`USE_OPENMP`) and Debian's folders (`openblas-openmp`, `openblas-pthread`, `openblas-serial`).
 */
export function blasThreading(blas: BlasInfo): BlasThreading | undefined {
  if (blas.name !== 'openblas') return undefined;
  if (blas.threading) return blas.threading;
  if (/\bUSE_OPENMP\b/.test(blas.detail ?? '') || blas.library.includes('/openblas-openmp/')) return 'openmp';
  if (blas.library.includes('/openblas-pthread/')) return 'pthread';
  if (blas.library.includes('/openblas-serial/')) return 'sequential';
  return undefined;
}

const REFERENCE_FIX = 'sudo apt-get install -y libopenblas0-openmp';

/**
 * The command that selects the OpenMP OpenBLAS instead of `library` (a pthread build): Debian's
 * update-alternatives for the three sonames libtorch loads, when `library` is in Debian's
 * multiarch folder; else a pointer to an OpenMP build.
 */
export function openmpBlasFix(library: string): string {
  const debian = /^(\/usr\/lib\/([^/]+))\/openblas-pthread\//.exec(library);
  if (!debian) return 'use an OpenBLAS built with USE_OPENMP=1 (e.g. LD_LIBRARY_PATH=<its folder>)';
  const [, dir, triplet] = debian;
  return (
    `${REFERENCE_FIX} && for so in libblas.so.3 liblapack.so.3 libopenblas.so.0; do ` +
    `sudo update-alternatives --set $so-${triplet} ${dir}/openblas-openmp/$so; done ` +
    `(or, for one process: LD_LIBRARY_PATH=${dir}/openblas-openmp)`
  );
}

/** What makes this BLAS slow, with the fix; undefined when it is not known to be slow. */
export function blasWarning(blas: BlasInfo): string | undefined {
  if (blas.name === 'reference') {
    return `libtorch is using the reference BLAS, which makes matrix products about 30x slower. Fix: ${REFERENCE_FIX}`;
  }
  if (blasThreading(blas) === 'pthread') {
    return (
      "libtorch is using the pthread build of OpenBLAS, whose idle threads spin beside libtorch's OpenMP threads " +
      `and slow training down. Fix: ${openmpBlasFix(blas.library)}`
    );
  }
  return undefined;
}
