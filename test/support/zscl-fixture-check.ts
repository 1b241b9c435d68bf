/**
 * Compares a fixture folder of the zscl-mtil kind produced by some implementation (`actual`)
 * with a reference folder (`expected`), using the tolerances of the fixtures README:
 * trace scalars |d| ≤ 1e-5 + 1e-4·|ref| (l2 and loss without the key-bias share), norms to a
 * relative 1e-5, we_n/we_updated exact, gradients per tensor max|d| ≤ 1e-5 + 1e-4·max|ref|,
 * weights and eval logits per element (key-bias slice against max(1e-3, 2·tasks·Σlr); up to two
 * near-zero-gradient elements per tensor within 2·lr), eval preds exact.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors, typedArrayOf } from '../../lib/io/safetensors';

interface Step {
  [field: string]: number | boolean;
}
interface Trace {
  tasks: { steps: Step[] }[];
}

export interface FixtureComparison {
  failures: string[];
  /** Largest |d| / tolerance seen over trace scalars and weights (≤ 1 passes). */
  worstTrace: number;
  worstWeights: number;
  checkedTensors: number;
}

function numbers(file: string): Map<string, { shape: number[]; values: Float64Array }> {
  const out = new Map<string, { shape: number[]; values: Float64Array }>();
  for (const [name, entry] of readSafetensors(file).tensors) {
    const data = typedArrayOf(entry);
    out.set(name, { shape: entry.shape, values: Float64Array.from(data as ArrayLike<number | bigint>, Number) });
  }
  return out;
}

/** `config` is the fixture's config.json (its run.l2 and run.lr set the loss adjustment and bounds). */
export function compareZsclFixture(expectedDir: string, actualDir: string): FixtureComparison {
  const { run } = JSON.parse(fs.readFileSync(path.join(expectedDir, 'config.json'), 'utf8')) as { run: { l2: number; lr: number } };
  const lr = run.lr;
  const failures: string[] = [];
  let worstTrace = 0;
  let worstWeights = 0;
  let checkedTensors = 0;
  const expected = JSON.parse(fs.readFileSync(path.join(expectedDir, 'trace.json'), 'utf8')) as Trace;
  const actual = JSON.parse(fs.readFileSync(path.join(actualDir, 'trace.json'), 'utf8')) as Trace;
  const tasks = expected.tasks.length;
  if (actual.tasks.length !== tasks) failures.push(`trace has ${actual.tasks.length} tasks, expected ${tasks}`);
  let sumLr = 0;
  expected.tasks.forEach((task, k) => {
    task.steps.forEach((ref, i) => {
      const ours = actual.tasks[k]?.steps[i];
      if (!ours) return void failures.push(`task ${k} step ${i} missing`);
      if (k === 0) sumLr += ref.lr as number;
      const kbRef = (ref.l2_key_bias as number) ?? 0;
      const kbOurs = (ours.l2_key_bias as number | undefined) ?? kbRef;
      for (const field of ['lr', 'ce', 'l2', 'distill_img', 'distill_txt', 'loss']) {
        let a = ours[field] as number;
        let b = ref[field] as number;
        if (field === 'l2') {
          a -= kbOurs;
          b -= kbRef;
        }
        if (field === 'loss') {
          a -= run.l2 * kbOurs;
          b -= run.l2 * kbRef;
        }
        const tol = 1e-5 + 1e-4 * Math.abs(b);
        const d = Math.abs(a - b);
        worstTrace = Math.max(worstTrace, d / tol);
        if (!(d <= tol)) failures.push(`task ${k} it ${i} ${field}: ${a} vs ${b}`);
      }
      for (const field of ['student_sqnorm', 'we_sqnorm']) {
        const a = ours[field] as number;
        const b = ref[field] as number;
        if (!(Math.abs(a - b) <= 1e-5 * Math.abs(b))) failures.push(`task ${k} it ${i} ${field}: ${a} vs ${b}`);
      }
      for (const field of ['we_n', 'we_updated']) {
        if (ours[field] !== ref[field]) failures.push(`task ${k} it ${i} ${field}: ${ours[field]} vs ${ref[field]}`);
      }
    });
  });
  const keyBiasTolerance = Math.max(1e-3, 2 * tasks * sumLr);
  const files = fs.readdirSync(expectedDir).filter((f) => /^task\d+_.*\.safetensors$|^eval\.safetensors$/.test(f));
  for (const file of files) {
    const ref = numbers(path.join(expectedDir, file));
    const oursFile = path.join(actualDir, file);
    if (!fs.existsSync(oursFile)) {
      failures.push(`${file} missing`);
      continue;
    }
    const ours = numbers(oursFile);
    for (const [name, e] of ref) {
      const a = ours.get(name);
      checkedTensors++;
      if (!a || a.values.length !== e.values.length) {
        failures.push(`${file} ${name}: missing or wrong size`);
        continue;
      }
      if (name.endsWith('.pred')) {
        if (a.values.some((v, i) => v !== e.values[i])) failures.push(`${file} ${name}: predictions differ`);
        continue;
      }
      if (file.includes('_grads_')) {
        let maxRef = 0;
        let maxD = 0;
        e.values.forEach((v, i) => {
          maxRef = Math.max(maxRef, Math.abs(v));
          maxD = Math.max(maxD, Math.abs(a.values[i] - v));
        });
        const tol = 1e-5 + 1e-4 * maxRef;
        worstWeights = Math.max(worstWeights, maxD / tol);
        if (!(maxD <= tol)) failures.push(`${file} ${name}: max |d| ${maxD} > ${tol}`);
        continue;
      }
      const width = name.endsWith('attn.in_proj_bias') ? e.values.length / 3 : 0;
      let over = 0;
      let overMax = 0;
      e.values.forEach((v, i) => {
        const d = Math.abs(a.values[i] - v);
        if (width && i >= width && i < 2 * width) {
          if (!(d <= keyBiasTolerance)) failures.push(`${file} ${name}[${i}] key bias off by ${d}`);
          return;
        }
        const tol = 1e-5 + 1e-4 * Math.abs(v);
        worstWeights = Math.max(worstWeights, d / tol);
        if (!(d <= tol)) {
          over++;
          overMax = Math.max(overMax, d);
        }
      });
      if (over > 2 || (over > 0 && overMax > 2 * lr)) failures.push(`${file} ${name}: ${over} elements over tolerance (max ${overMax})`);
    }
  }
  return { failures, worstTrace, worstWeights, checkedTensors };
}
