/**
 * Pretrains the demo's small CLIP on the rendered, captioned world and writes the package asset
 * assets/demo-clip.safetensors plus assets/demo-clip.json (seed, config, hyper-parameters,
 * zero-shot scores, time). Seeded: the same seed and thread count re-create the same model.
 *
 *   npx tsx scripts/pretrain-demo-model.ts [--steps 3000] [--batch 64] [--seed 1] [--threads 2] [--eval-every 250 --snapshots DIR]
 *   npx tsx scripts/pretrain-demo-model.ts --verify     # retrain from the recorded seed, compare scores
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { loadModelConfig, type ClipConfig } from '../lib/clip/config';
import { saveClip } from '../lib/clip/checkpoint';
import { pretrainOnWorld } from './demo/pretrain';
import { worldZeroShotScores } from './demo/zero-shot-scores';
import { packageRoot } from '../lib/native';
import { setNumThreads } from '../lib/runtime';
import { demoVocabularyHash } from '../lib/demo/tokenizer';
import { DEMO_PRETRAINING_MIXTURE } from '../lib/demo/world';

interface PretrainSettings {
  steps: number;
  batch: number;
  seed: number;
  lr: number;
  threads: number;
  promptCaptionRate: number;
  promptTasks: string[];
}

const assetDir = path.join(packageRoot, 'assets');
const record = path.join(assetDir, 'demo-clip.json');

interface Options {
  steps: string;
  batch: string;
  seed: string;
  lr: string;
  threads: string;
  promptCaptions: string;
  promptTasks: string;
  modelConfig: string;
  evalEvery?: string;
  snapshots?: string;
  out: string;
  verify?: boolean;
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--steps <n>', 'optimizer steps', '3000')
    .option('--batch <n>', 'captioned images per step', '64')
    .option('--seed <n>', 'seed of data and initialisation', '1')
    .option('--lr <x>', 'peak learning rate', '0.001')
    .option('--threads <n>', 'libtorch threads', '2')
    .option('--prompt-captions <x>', 'share of one-attribute prompt captions', String(DEMO_PRETRAINING_MIXTURE.promptCaptionRate))
    .option('--prompt-tasks <list>', 'world tasks whose prompts those captions use', DEMO_PRETRAINING_MIXTURE.promptTasks.join(','))
    .option('--model-config <name|file>', 'model config (a configs/models name or a JSON file)', 'demo')
    .option('--eval-every <n>', 'print zero-shot scores every n steps')
    .option('--snapshots <dir>', 'with --eval-every, also save the model there each time')
    .option('--out <file>', 'weights file', path.join(assetDir, 'demo-clip.safetensors'))
    .option('--verify', 'retrain with the recorded settings and compare zero-shot scores (within 2 points)')
    .parse()
    .opts<Options>();
  const recorded = o.verify
    ? (JSON.parse(fs.readFileSync(record, 'utf8')) as { settings: PretrainSettings; config: ClipConfig; zeroShot: Record<string, number> })
    : undefined;
  const settings: PretrainSettings = recorded?.settings ?? {
    steps: Number(o.steps),
    batch: Number(o.batch),
    seed: Number(o.seed),
    lr: Number(o.lr),
    threads: Number(o.threads),
    promptCaptionRate: Number(o.promptCaptions),
    promptTasks: o.promptTasks.split(',').map((t) => t.trim()),
  };
  setNumThreads(settings.threads);
  const config = recorded?.config ?? loadModelConfig(o.modelConfig);
  const started = performance.now();
  const model = await pretrainOnWorld({
    config,
    seed: settings.seed,
    steps: settings.steps,
    batchSize: settings.batch,
    lr: settings.lr,
    warmup: Math.round(settings.steps / 20),
    weightDecay: 0.1,
    promptCaptionRate: settings.promptCaptionRate,
    promptTasks: settings.promptTasks,
    logEvery: 50,
    onProgress: async (p) => {
      console.log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} scale ${p.logitScale.toFixed(1)} ${p.seconds.toFixed(0)}s`);
      const every = Number(o.evalEvery ?? 0);
      if (every > 0 && p.step > 0 && p.step % every === 0) {
        console.log(`zero-shot at step ${p.step}: ${JSON.stringify(await worldZeroShotScores(p.model, 300))}`);
        if (o.snapshots) saveClip(p.model, path.join(o.snapshots, `step-${p.step}.safetensors`));
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const zeroShot = await worldZeroShotScores(model);
  console.log(JSON.stringify({ seconds, zeroShot }));
  if (recorded) {
    const worst = Math.max(...Object.entries(recorded.zeroShot).map(([k, v]) => Math.abs(v - zeroShot[k])));
    console.log(`largest zero-shot difference to the recorded model: ${worst.toFixed(2)} points (${worst <= 2 ? 'ok' : 'FAILED'})`);
    process.exit(worst <= 2 ? 0 : 1);
  }
  fs.mkdirSync(assetDir, { recursive: true });
  saveClip(model, o.out, { 'zscl.demo': 'pretrained on the rendered world by scripts/pretrain-demo-model.ts' });
  fs.writeFileSync(
    record,
    JSON.stringify(
      {
        settings,
        device: { kind: 'cpu', cpu: os.cpus()[0]?.model, cores: os.availableParallelism() },
        config,
        vocabularyHash: demoVocabularyHash(),
        zeroShot,
        seconds,
        parameters: model.parameterCount,
        date: new Date().toISOString(),
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`wrote ${o.out} and ${record}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
