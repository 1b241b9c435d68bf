/**
 * The demo's procedurally rendered, captioned image world: seeded scenes of shapes and glyphs,
 * their captions, CLIP-ready batches, classification tasks, the pretraining mixture and the reference set drawn from it.
 */
export { Rng } from './random';
export * from './vocabulary';
export { createSceneSampler } from './scene';
export type { Scene, SceneObject, Background, SceneOptions, SceneSampler, Holdout } from './scene';
export { renderScene } from './render';
export { captionFor } from './caption';
export { CLIP_MEAN, CLIP_STD } from './normalise';
export { createCaptionedWorld } from './batch';
export type { ImageBatch, CaptionedBatch, CaptionedWorld, CaptionedWorldOptions } from './batch';
export { shapeTask, colourTask, textureTask, WORLD_TASKS } from './tasks';
export type { WorldTask, WorldTaskOptions, LabelledBatch } from './tasks';
export { createPretrainingMixture, DEMO_PRETRAINING_MIXTURE } from './pretraining-mixture';
export type { MixtureSettings, MixtureBatch, PretrainingMixture } from './pretraining-mixture';
export { createReferenceSet } from './reference';
export type { ReferenceSet, ReferenceSetOptions } from './reference';
