/**
 * The zero-shot guard's probe from an image folder (`<folder>/<class>/<image>`): the images are
 * decoded and transformed once (CLIP's val transform), then served as an evaluation set.
 */
import type { PromptTemplate } from '../../clip/zero-shot';
import { ZsclError } from '../../errors';
import { imageFolder } from '../../data/image-folder';
import { preprocessBatch } from '../../data/preprocess';
import { clipEvalTransform } from '../../data/transform';
import { tensor } from '../../tensor/create';
import type { EvaluationSet } from '../evaluation';
import type { Batch } from '../task';

/** A probe read from an image folder: one sub-folder per class. */
export interface FolderProbe {
  folder: string;
  /** Class names as the prompts write them, in the sorted order of the class folders (default: the folder names). */
  classNames?: readonly string[];
  /** Prompt templates (default `['a photo of a {}.']`). */
  templates?: readonly PromptTemplate[];
}

/**
 * The evaluation set of a folder probe at the model's image size. Async (images decode on libuv's threads).
 * @throws ZsclError E_IO/E_FORMAT for a missing folder or bad images, E_CONFIG when classNames does not match the folders.
 */
export async function folderProbe(probe: FolderProbe, imageSize: number): Promise<EvaluationSet> {
  const dataset = imageFolder(probe.folder);
  const folders = dataset.classNames ?? [];
  const classNames = probe.classNames ?? folders;
  if (classNames.length !== folders.length) {
    throw new ZsclError(`guard probe: ${probe.folder} has ${folders.length} class folders but ${classNames.length} class names were given`, 'E_CONFIG');
  }
  const samples = Array.from({ length: dataset.length }, (_, i) => dataset.sample(i));
  const batch = await preprocessBatch(
    samples.map((s) => s.image),
    clipEvalTransform({ size: imageSize }),
  );
  const images = Float32Array.from(batch.data() as Float32Array);
  batch.dispose();
  const labels = Int32Array.from(samples.map((s) => s.label));
  return {
    name: `probe:${probe.folder}`,
    classNames: [...classNames],
    templates: [...(probe.templates ?? ['a photo of a {}.'])],
    // Fresh tensors per pass: evaluation disposes the batches it reads.
    async *batches(): AsyncIterable<Batch> {
      yield { images: tensor(images, { shape: [labels.length, 3, imageSize, imageSize] }), labels: tensor(labels, { dtype: 'int64' }) };
    },
  };
}
