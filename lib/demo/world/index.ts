/**
 * The demo's procedurally rendered, captioned image world: seeded scenes of shapes and glyphs,
 * their captions, CLIP-ready batches, classification tasks and a disjoint reference set.
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
export { createReferenceSet } from './reference';
export type { ReferenceSet, ReferenceSetOptions } from './reference';
