import assert from 'node:assert/strict';
import { blasThreading, blasWarning, openmpBlasFix } from '../../lib/blas-check';
import type { RuntimeInfo } from '../../lib/native';

// What the addon reports on Debian 12 for each OpenBLAS alternative (runtimeInfo().blas).
const PTHREAD_LIBRARY = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so';
const OPENMP_LIBRARY = '/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblasp-r0.3.21.so';
const PTHREAD_CONFIG = 'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64';
const OPENMP_CONFIG = 'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY USE_OPENMP Haswell MAX_THREADS=64';

function openblas(library: string, detail: string, threading?: RuntimeInfo['blas']['threading']): RuntimeInfo['blas'] {
  return { name: 'openblas', library, detail, ...(threading ? { threading } : {}) };
}

describe('BLAS check', () => {
  it("takes OpenBLAS's own answer (openblas_get_parallel) over its folder", () => {
    assert.equal(blasThreading(openblas(PTHREAD_LIBRARY, PTHREAD_CONFIG, 'pthread')), 'pthread');
    assert.equal(blasThreading(openblas(OPENMP_LIBRARY, OPENMP_CONFIG, 'openmp')), 'openmp');
    assert.equal(blasThreading(openblas('/opt/blas/libopenblas.so.0', 'OpenBLAS 0.3.26', 'sequential')), 'sequential');
    assert.equal(blasThreading(openblas(PTHREAD_LIBRARY, PTHREAD_CONFIG, 'openmp')), 'openmp');
  });

  it('without it, reads USE_OPENMP in the config string and the Debian folder', () => {
    assert.equal(blasThreading(openblas(PTHREAD_LIBRARY, PTHREAD_CONFIG)), 'pthread');
    assert.equal(blasThreading(openblas(OPENMP_LIBRARY, OPENMP_CONFIG)), 'openmp');
    assert.equal(blasThreading(openblas('/opt/ob/libopenblas.so.0', OPENMP_CONFIG)), 'openmp');
    assert.equal(blasThreading(openblas('/usr/lib/aarch64-linux-gnu/openblas-serial/libopenblas.so.0', 'OpenBLAS 0.3.21')), 'sequential');
    assert.equal(blasThreading(openblas('/opt/ob/libopenblas.so.0', 'OpenBLAS 0.3.21')), undefined);
    assert.equal(blasThreading({ name: 'mkl', library: '/opt/intel/libmkl_rt.so.2' }), undefined);
  });

  it('warns about the pthread build with the update-alternatives fix for its multiarch folder', () => {
    const warning = blasWarning(openblas(PTHREAD_LIBRARY, PTHREAD_CONFIG, 'pthread'));
    assert.match(warning ?? '', /pthread build of OpenBLAS/);
    assert.ok(warning?.includes('sudo update-alternatives --set $so-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/$so'), warning);
    assert.ok(warning?.includes('for so in libblas.so.3 liblapack.so.3 libopenblas.so.0;'), warning);
    assert.ok(warning?.includes('LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp'), warning);
    assert.doesNotMatch(openmpBlasFix('/opt/ob/libopenblas.so.0'), /update-alternatives/);
  });

  it('warns about the reference BLAS; not about the OpenMP build, MKL or an unknown BLAS', () => {
    assert.match(blasWarning({ name: 'reference', library: '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0' }) ?? '', /reference BLAS.*libopenblas0-openmp/);
    assert.equal(blasWarning(openblas(OPENMP_LIBRARY, OPENMP_CONFIG, 'openmp')), undefined);
    assert.equal(blasWarning({ name: 'mkl', library: '/opt/intel/libmkl_rt.so.2' }), undefined);
    assert.equal(blasWarning({ name: 'unknown', library: '' }), undefined);
  });
});
