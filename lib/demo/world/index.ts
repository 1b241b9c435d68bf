/**
 * The demo's procedurally rendered, captioned image world: seeded scenes of shapes and glyphs,
 * their captions, CLIP-ready batches, classification tasks and a disjoint reference set.
 */
export { Rng, hashString } from './random';
export * from './vocabulary';
export { createSceneSampler, sampleScene, isHomogeneous } from './scene';
export type { Scene, SceneObject, Background, SceneOptions, SceneSampler, Holdout } from './scene';
export { renderScene, renderSceneInto, checkImageSize, checkScene, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE } from './render';
export { captionFor, POSITION_PHRASES, GENERIC_NOUNS } from './caption';
export { CLIP_MEAN, CLIP_STD, normaliseForClip, normaliseInto } from './normalise';
export { DEFAULT_IMAGE_SIZE, renderBatch, createCaptionedWorld, captionedStream } from './batch';
export type { ImageBatch, CaptionedBatch, CaptionedWorld, CaptionedWorldOptions } from './batch';
export { shapeTask, colourTask, countTask, textureTask, letterTask, digitGlyphTask, WORLD_TASKS, TEXTURE_TASK_SHAPES } from './tasks';
export type { WorldTask, WorldTaskOptions, LabelledBatch } from './tasks';
export { createReferenceSet } from './reference';
export type { ReferenceSet, ReferenceSetOptions } from './reference';
