/**
 * zscl: continual fine-tuning of CLIP without losing zero-shot ability (ZSCL, ICCV 2023),
 * TypeScript over libtorch.
 * @packageDocumentation
 */
export { ZsclError, type ErrorCode } from './errors';
export { Tensor, type TensorLike, type Reduction } from './tensor/tensor';
export type { DType, Device, DataTypeMap, TypedArray } from './tensor/dtype';
export {
  tensor,
  fromBytes,
  scalar,
  zeros,
  ones,
  empty,
  full,
  arange,
  eye,
  rand,
  randn,
  randint,
  randperm,
  zerosLike,
  onesLike,
  fullLike,
  cat,
  stack,
  where,
  type TensorOptions,
} from './tensor/create';
export * as F from './tensor/functional';
export { tidy, tidyAsync, keep, Scope } from './tensor/scope';
export { noGrad, enableGrad, isGradEnabled } from './tensor/autograd';
export {
  setNumThreads,
  getNumThreads,
  manualSeed,
  memory,
  cpuCache,
  releaseCpuCache,
  cudaAvailable,
  cudaSynchronize,
  setAllowTF32,
  allowTF32,
  systemInfo,
  type MemoryInfo,
  type CpuCacheInfo,
  type SystemInfo,
} from './runtime';
export type { TF32Settings } from './native';
export {
  parseSafetensors,
  readSafetensors,
  readSafetensorsAsync,
  loadTensors,
  loadTensorsAsync,
  writeSafetensors,
  writeSafetensorsAsync,
  serializeSafetensors,
  typedArrayOf,
  type SafetensorsFile,
  type SafetensorsEntry,
  type SafetensorsDType,
  type RawTensor,
  type SafetensorsInput,
  type LoadTensorsOptions,
} from './io/safetensors';
export { accuracyMetrics, classIncrementalMetrics, checkAccuracyMatrix, type AccuracyMetrics, type ClassIncrementalMetrics } from './cl/metrics';
export * as report from './report';
export {
  ClipTokenizer,
  ByteLevelTokenizer,
  WordLevelTokenizer,
  tokenizeToTensor,
  cleanClipText,
  fixText,
  OPEN_CLIP_SPECIAL_TOKENS,
  OPENAI_SPECIAL_TOKENS,
  type Tokenizer,
  type TokenizeOptions,
  type Truncation,
  type ClipTokenizerOptions,
  type ByteLevelTokenizerOptions,
  type WordLevelTokenizerOptions,
  type TokenTensorOptions,
} from './clip/tokenizer';
export { ClipModel, partOf, describeReport, type ClipPart, type FeaturesWithHidden, type LoadReport } from './clip/model';
export { PRECISIONS, type Precision } from './clip/precision';
export { loadModelConfig, listModelConfigs, parseModelConfig, inferConfig, validateConfig, type ClipConfig } from './clip/config';
export {
  loadClip,
  loadClipAsync,
  saveClip,
  readCheckpoint,
  fromHuggingFaceKeys,
  fromOpenAiKeys,
  type ClipActivation,
  type LoadClipOptions,
} from './clip/checkpoint';
export { ZeroShotClassifier, fillTemplate, type PromptTemplate, type TokenizeFn } from './clip/zero-shot';
export * as data from './data';
export {
  ProcessGroup,
  compiledBackends,
  readDistEnv,
  launch,
  freePort,
  evaluateAllDataParallel,
  shardEvaluationSet,
  DEFAULT_DIST_TIMEOUT_MS,
  DEFAULT_BUCKET_BYTES,
  type ProcessGroupOptions,
  type ReduceOp,
  type DistEnv,
  type DistBackend,
  type LaunchOptions,
  type LaunchResult,
  type RankExit,
} from './distributed';
export { startRun, type RunHandle, type RunProgress, type ModelLease, type ServedModel, type ServiceEvents, type ServingOptions } from './cl/service';
export { ZeroShotGuardPlugin, type GuardOptions, type GuardAction, type GuardEvent, type GuardHooks, type RetentionEvent } from './cl/plugins/zero-shot-guard';
export { folderProbe, type FolderProbe } from './cl/plugins/guard-probe';
export { runExperiment, type RunSpec, type RunResult, type RunEvents } from './cl/runner';
export { ContinualTrainer, type TrainerOptions, type StepEvent, type TrainMode } from './cl/trainer';
export {
  strategyPlugins,
  strategyDefaults,
  findStrategy,
  defineStrategy,
  REFERENCE_DEFAULTS,
  STRATEGIES,
  type Strategy,
  type StrategyContext,
  type StrategyNeed,
  type StrategyName,
  type StrategyOptions,
  type StrategyData,
  type Setting,
} from './cl/strategies';
export { stepEvent, stepListener } from './cl/plugin';
export type { Plugin, LossTerm, RunContext, TaskContext, StepContext, PluginState } from './cl/plugin';
export type { CheckpointState, Checkpointable } from './cl/checkpoint-state';
export { DistillationPlugin, type DistillationOptions, type TeacherChoice } from './cl/plugins/distillation';
export { WeightEnsemblePlugin } from './cl/plugins/weight-ensemble';
export { L2AnchorPlugin } from './cl/plugins/l2-anchor';
export { WiseFtPlugin } from './cl/plugins/wise-ft';
export { ICarlPlugin, type ICarlOptions } from './cl/plugins/icarl';
export { freezeAll, frozenCopyAsync } from './cl/snapshot';
export { clipLogits, type UnitFeatures } from './clip/logits';
export type { TrainingTask, Batch, BatchStream, ImageStream, ExampleSource } from './cl/task';
export { Optimizer, type OptimizerOptions } from './cl/optimizer';
export { evaluateSet, evaluateAll, type EvaluationSet, type TaskAccuracy } from './cl/evaluation';
export {
  splitClassOrder,
  ClassIndex,
  stepTrainingSet,
  seenTestSet,
  seenClassesEvaluation,
  evaluateSeenClasses,
  type ClassStep,
  type ClassSplitOptions,
  type CilEvalTransform,
} from './cl/class-incremental';
export {
  cilBenchmark,
  resolveClassOrder,
  evaluateCilStep,
  cilResultsEntry,
  type CilSettings,
  type CilBenchmark,
  type CilResultsEntry,
} from './cl/cil-benchmark';
export { validateBenchmarkConfig, type BenchmarkConfig } from './cl/benchmark/config';
export { buildBenchmark, buildBenchmarkAsync, type BenchmarkReadAhead } from './cl/benchmark/build';
