/**
 * The class orders and class names of the reference's class-incremental experiments, shipped in
 * assets/cil/ (see its README): class order k lists the dataset's class indices in the order the
 * steps learn them; the names are the prompts' class names (CLIP's curated ImageNet names).
 */
import path from 'node:path';
import { ZsclError, describeValue } from '../errors';
import { readJsonFile } from '../io/json-file';
import { packageRoot } from '../native';

/** Datasets with a shipped class order. */
export const CIL_DATASETS = ['cifar100', 'tinyimagenet', 'imagenet100', 'imagenet1000'] as const;
export type CilDatasetKey = (typeof CIL_DATASETS)[number];

// Where the shipped lists live.
const CIL_ASSETS = path.join(packageRoot, 'assets', 'cil');

const cache = new Map<string, unknown>();

function readAsset(file: string): Record<string, unknown> {
  const full = path.join(CIL_ASSETS, file);
  if (!cache.has(full)) {
    cache.set(full, readJsonFile(full, { what: 'the shipped class lists' }));
  }
  return cache.get(full) as Record<string, unknown>;
}

/** Resolves a dataset name as configs spell it ('CIFAR100', 'TinyImageNet', 'imagenet-100', …) to its key. */
export function cilDatasetKey(dataset: string): CilDatasetKey | undefined {
  const key = dataset.toLowerCase().replace(/[^a-z0-9]/g, '');
  const aliases: Record<string, CilDatasetKey> = {
    cifar100: 'cifar100',
    tinyimagenet: 'tinyimagenet',
    tinyimagenet200: 'tinyimagenet',
    imagenet100: 'imagenet100',
    imagenet1000: 'imagenet1000',
    imagenet1k: 'imagenet1000',
    imagenet: 'imagenet1000',
  };
  return aliases[key];
}

/**
 * Checks that `order` is a permutation of 0…n−1 and returns it as a fresh array. Sync.
 * @param what names the list in messages (a file or config field).
 * @throws ZsclError E_CONFIG naming the first duplicate, missing or out-of-range class.
 */
export function checkClassOrder(order: unknown, n: number, what: string): number[] {
  if (!Array.isArray(order)) throw new ZsclError(`${what}: the class order must be a list of class indices but is ${describeValue(order)}`, 'E_CONFIG');
  const seen = new Map<number, number>();
  order.forEach((c: unknown, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= n) {
      throw new ZsclError(`${what}: entry ${i} of the class order is ${describeValue(c)}, not a class index in 0…${n - 1}`, 'E_CONFIG');
    }
    if (seen.has(c)) throw new ZsclError(`${what}: class ${c} appears twice in the class order (entries ${seen.get(c)} and ${i})`, 'E_CONFIG');
    seen.set(c, i);
  });
  if (order.length !== n) {
    const missing = Array.from({ length: n }, (_, c) => c).filter((c) => !seen.has(c));
    throw new ZsclError(
      `${what}: the class order lists ${order.length} classes but the dataset has ${n}; missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`,
      'E_CONFIG',
    );
  }
  return [...(order as number[])];
}

/**
 * The reference's class order of a dataset (e.g. CIFAR-100: 87, 0, 52, 58, …), validated. Sync.
 * @throws ZsclError E_CONFIG for a dataset without a shipped order or a list that is not a permutation.
 */
export function cilClassOrder(dataset: string): number[] {
  const key = cilDatasetKey(dataset);
  if (!key) throw new ZsclError(`no shipped class order for dataset '${dataset}'; known: ${CIL_DATASETS.join(', ')}`, 'E_CONFIG');
  const order = readAsset('class-orders.json')[key];
  const size = { cifar100: 100, tinyimagenet: 200, imagenet100: 100, imagenet1000: 1000 }[key];
  return checkClassOrder(order, size, `assets/cil/class-orders.json (${key})`);
}

/**
 * The reference's class names of a dataset, by class index (the prompts of its CIL runs), with
 * the wnid of each class where the reference lists it (TinyImageNet, ImageNet-100). Sync.
 * @throws ZsclError E_CONFIG for a dataset without shipped names (CIFAR-100 names come from its meta file).
 */
export function cilReferenceClassNames(dataset: string): { names: string[]; wnids?: string[] } {
  const key = cilDatasetKey(dataset);
  const all = readAsset('class-names.json');
  if (!key || !Array.isArray(all[key]))
    throw new ZsclError(`no shipped class names for dataset '${dataset}' (shipped: tinyimagenet, imagenet100, imagenet1000)`, 'E_CONFIG');
  const wnids = all[`${key}Wnids`];
  return { names: [...(all[key] as string[])], ...(Array.isArray(wnids) ? { wnids: [...(wnids as string[])] } : {}) };
}
