/** The image and dataset pipeline: decoding, CLIP transforms, datasets, reference sets, the batch loader. */
export { decodeImage, type DecodeOptions, type ImageSource, type RawImage, DEFAULT_MAX_PIXELS } from './decode';
export type { Pixels, Box } from './resample';
export {
  CLIP_MEAN,
  CLIP_STD,
  clipEvalTransform,
  clipTrainTransform,
  type EvalTransform,
  type TrainTransform,
  type ImageTransform,
  type TransformOptions,
} from './transform';
export { preprocessBatch, type PreprocessOptions } from './preprocess';
export { SeededRandom, type StreamKey } from './random';
export { torchRandperm, torchRandomSplit } from './torch-random';
export { ListDataset, SubsetDataset, GeneratedDataset, splitTrainTest, fewShot, type Dataset, type Sample } from './dataset';
export { imageFolder, listImages, IMAGE_EXTENSIONS, type ImageFolderOptions } from './image-folder';
export { manifestDataset, type ManifestOptions } from './manifest';
export { idxDataset, fashionMnistDataset, mnistPackageDataset, MNIST_CLASS_NAMES, FASHION_MNIST_CLASS_NAMES, DEBIAN_FASHION_MNIST } from './mnist';
export { readIdx, type IdxArray } from './idx';
export { cifarDataset, type CifarVariant } from './cifar';
export { tinyImageNet, TinyImageNetDataset, type TinyImageNetOptions } from './tiny-imagenet';
export { imageNet100, imageNet1k } from './imagenet';
export { cilClassOrder, cilReferenceClassNames, checkClassOrder, cilDatasetKey, CIL_DATASETS, type CilDatasetKey } from './cil-class-orders';
export { readPickle, type PickleValue, type NdArray } from './pickle';
export { readMat, type MatValue } from './mat';
export { mtilDataset, mtilInfo, MTIL_ORDER_I, MTIL_ORDER_II, type MtilDatasetName, type MtilInfo } from './mtil';
export {
  referenceImages,
  referenceTexts,
  classPrompts,
  virtualVocabulary,
  type ReferenceImages,
  type ReferenceTextOptions,
  type VirtualVocabularyOptions,
} from './reference';
export { DataLoader, type LoaderOptions, type LoaderState, type LoaderBatch, type SkippedSample, type BadSamplePolicy } from './loader';
