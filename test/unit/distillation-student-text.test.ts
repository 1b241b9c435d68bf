import assert from 'node:assert/strict';
import { ClipModel, manualSeed, randint, randn } from '../../lib';
import { stepListener } from '../../lib/cl/plugin';
import { ContinualTrainer } from '../../lib/cl/trainer';
import { DistillationPlugin } from '../../lib/cl/plugins/distillation';
import { keep } from '../../lib/tensor/scope';
import { TINY_CLIP_CONFIG as TINY } from '../support/fixtures';

// Only the text tower trains (by CE): the student's image features stay the teacher's.
async function distillTrace(studentText: boolean): Promise<number[][]> {
  manualSeed(3);
  const model = ClipModel.create(TINY, { seed: 3 });
  const references = keep(randn([4, 3, 32, 32]));
  const texts = keep(randint(1, TINY.vocabSize - 2, [6, TINY.contextLength]));
  const classTokens = keep(randint(1, TINY.vocabSize - 2, [3, TINY.contextLength]));
  const plugin = new DistillationPlugin({ teacher: 'initial', images: () => ({ next: async () => references.clone() }), texts: () => texts, studentText });
  const trace: number[][] = [];
  const record = stepListener((e) => void trace.push([e.trace.distill_img as number, e.trace.distill_txt as number]));
  const trainer = new ContinualTrainer(model, { plugins: [plugin, record], trainMode: 'text' });
  const batches = { next: async () => ({ images: randn([4, 3, 32, 32]), labels: randint(0, 3, [4]) }) };
  await trainer.trainTask({ name: 't', classNames: ['a', 'b', 'c'], classTokens, batches, iterations: 6, lr: 1e-2, warmup: 1 }, 0);
  await trainer.end();
  model.dispose();
  return trace;
}

describe('distillation with the student text features (strategyOptions.studentText)', function () {
  this.timeout(60000);

  it("sees the text tower's drift, which the reference's teacher text features do not", async () => {
    const teacherText = await distillTrace(false);
    const studentText = await distillTrace(true);
    // Step 0: student = teacher, so both variants give the teacher's entropy.
    studentText[0].forEach((v, k) => assert.ok(Math.abs(v - teacherText[0][k]) < 1e-5));
    // Teacher text features and an unchanged image tower: the terms never move.
    for (const row of teacherText) row.forEach((v, k) => assert.ok(Math.abs(v - teacherText[0][k]) < 1e-5, `teacher text: ${v}`));
    // Student text features: the trained text tower moves the logits, and the soft-target CE rises above its floor.
    const last = studentText[studentText.length - 1];
    last.forEach((v, k) => assert.ok(v > studentText[0][k] + 1e-4, `student text: ${v} vs ${studentText[0][k]}`));
  });
});
