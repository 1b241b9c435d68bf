/**
 * CUDA checks of the CLIP model and the ZSCL engine, run on a GPU machine by scripts/gpu/check.sh
 * (bundled with esbuild; fixtures from $ZSCL_FIXTURES). Prints one JSON line per check:
 *   1. tiny-clip forward on cuda vs the float32 reference (1e-5 abs + 1e-5 rel)
 *   2. zscl-mtil (and zscl-cil when carried) training on cuda vs the fixtures (README tolerances)
 *   3. encodeImage throughput of ViT-B/16 on the GPU (batch 64) vs PyTorch on the same GPU
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClipModel } from '../../lib/clip/model';
import { runForwardFixture } from '../../test/support/reference-forward';
import { runReferenceFixture } from '../../test/support/reference-run';
import { loadTensors, writeSafetensors } from '../../lib/io/safetensors';
import { allowTF32, cudaSynchronize, noGrad, randn, setAllowTF32, systemInfo } from '../../lib';
import { closeness } from '../../test/support/compare';
import { compareZsclFixture } from '../../test/support/zscl-fixture-check';

const fixtures = process.env.ZSCL_FIXTURES!;

const tf32 = (): string => JSON.stringify(allowTF32());

function forward(): void {
  const out = runForwardFixture(path.join(fixtures, 'tiny-clip'), { device: 'cuda' });
  const expected = loadTensors(path.join(fixtures, 'tiny-clip', 'expected.safetensors'));
  const result: Record<string, { ok: boolean; maxAbs: number }> = {};
  for (const [name, t] of Object.entries(out)) {
    const c = closeness(t, expected[name], 1e-5, 1e-5);
    result[name] = { ok: c.ok, maxAbs: c.maxAbs };
  }
  console.log(JSON.stringify({ check: `tiny-clip forward on cuda, tf32 ${tf32()}`, ok: Object.values(result).every((r) => r.ok), result }));
}

async function training(kind: string): Promise<void> {
  const dir = path.join(fixtures, kind);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `${kind}-`));
  const started = performance.now();
  const result = await runReferenceFixture(dir, { device: 'cuda' });
  for (const [file, tensors] of Object.entries(result.files)) writeSafetensors(path.join(out, file), tensors);
  fs.writeFileSync(path.join(out, 'trace.json'), JSON.stringify(result.trace));
  const c = compareZsclFixture(dir, out);
  console.log(
    JSON.stringify({
      check: `${kind} training on cuda, tf32 ${tf32()}`,
      ok: c.failures.length === 0,
      seconds: (performance.now() - started) / 1000,
      worstTrace: c.worstTrace,
      worstWeights: c.worstWeights,
      failures: c.failures.slice(0, 10),
    }),
  );
}

async function encodeThroughput(): Promise<void> {
  const model = ClipModel.create('ViT-B-16', { seed: 0, device: 'cuda' }).eval();
  const images = randn([64, 3, 224, 224], { device: 'cuda' });
  const times: number[] = [];
  for (let i = 0; i < 13; i++) {
    const t0 = performance.now();
    noGrad(() => model.encodeImage(images)).dispose();
    cudaSynchronize();
    if (i >= 3) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const zscl = (64 * 1000) / times[Math.floor(times.length / 2)];
  const py = spawnSync(
    'python3',
    [
      '-c',
      `import sys, time, torch; sys.path.insert(0, ${JSON.stringify(process.env.ZSCL_REFERENCE_BENCH)}); import reference_clip as r
torch.manual_seed(0); m = r.build_model("vit-b-16").cuda().eval(); x = torch.randn(64, 3, 224, 224, device="cuda"); ts = []
with torch.no_grad():
    for i in range(13):
        t0 = time.perf_counter(); m.encode_image(x); torch.cuda.synchronize(); t = time.perf_counter() - t0
        if i >= 3: ts.append(t)
ts.sort(); print(64 / ts[len(ts) // 2])`,
    ],
    { encoding: 'utf8' },
  );
  const python = Number(py.stdout.trim().split('\n').pop());
  console.log(
    JSON.stringify({
      check: 'ViT-B/16 encodeImage batch 64 fp32 on the GPU (median of 10)',
      zscl_images_per_s: zscl,
      pytorch_images_per_s: python,
      ratio: zscl / python,
      python_error: py.status === 0 ? undefined : py.stderr.slice(-500),
    }),
  );
  model.dispose();
}

async function main(): Promise<void> {
  const info = systemInfo();
  console.log(JSON.stringify({ torch: info.torchVersion, cuda: info.cudaDevices, blas: info.blas.name }));
  // PyTorch's defaults first (cuDNN convolutions in TF32), then full float32 like the CPU fixtures.
  forward();
  setAllowTF32({ cudnn: false, matmul: false });
  forward();
  await training('zscl-mtil');
  if (fs.existsSync(path.join(fixtures, 'zscl-cil'))) await training('zscl-cil');
  setAllowTF32({ cudnn: true, matmul: false });
  await encodeThroughput();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
