/** Class names and prompt templates of the demo's real-data tasks (digits, Fashion-MNIST). */
import { FASHION_MNIST_CLASS_NAMES } from '../data/mnist';

export const DIGIT_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const DIGIT_TEMPLATES = ['a photo of the digit {}.', 'the digit {}.', 'a photo of the number {}.', 'the number {}.'];
export const FASHION_TEMPLATES = ['a photo of a {}.', 'a photo of the {}.', 'a picture of a {}.'];
/** torchvision's names as prompts say them ("T-shirt/top" → "t-shirt or top"). */
export const FASHION_CLASS_NAMES = FASHION_MNIST_CLASS_NAMES.map((c) => c.toLowerCase().replace('/', ' or '));

/** Every text of these tasks (the demo tokenizer's vocabulary includes their words). */
export const DEMO_DATASET_TEXTS: readonly string[] = [...DIGIT_CLASS_NAMES, ...DIGIT_TEMPLATES, ...FASHION_TEMPLATES, ...FASHION_CLASS_NAMES];
