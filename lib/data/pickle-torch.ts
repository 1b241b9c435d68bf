/**
 * The globals of a torch.save archive's `data.pkl`, allowed as `torch.load(weights_only=True)`
 * allows them: tensors (`torch._utils._rebuild_tensor_v2` over a storage named by a persistent
 * id), parameters, `collections.OrderedDict`, and the storage classes that give a storage its
 * element type. Each is emulated here, so reading a file never runs code from it; any other global
 * is refused with E_FORMAT naming it as `module.name`.
 */
import type { Fail, PickleGlobals } from './pickle-machine';
import type { Item, PickleValue, TorchTensorRef } from './pickle-values';
import { Global, Latin1, TorchStorage, plain, text } from './pickle-values';

/** Storage class → element type (the dtypes zscl tensors have). */
const TORCH_STORAGE_DTYPES: Readonly<Record<string, string>> = {
  'torch.FloatStorage': 'float32',
  'torch.DoubleStorage': 'float64',
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.LongStorage': 'int64',
  'torch.IntStorage': 'int32',
  'torch.ByteStorage': 'uint8',
  'torch.BoolStorage': 'bool',
};

const ORDERED_DICT = 'collections.OrderedDict';
const REBUILD_TENSOR = 'torch._utils._rebuild_tensor_v2';
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';
const REBUILD_PARAMETER_WITH_STATE = 'torch._utils._rebuild_parameter_with_state';

const CALLABLE = new Set([ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE]);

function global(qualified: string, fail: Fail): Global {
  if (CALLABLE.has(qualified) || qualified in TORCH_STORAGE_DTYPES) return new Global(qualified);
  if (/^torch\.\w+Storage$/.test(qualified))
    fail(`the storage type ${qualified} is not supported (supported: ${Object.keys(TORCH_STORAGE_DTYPES).join(', ')})`);
  return fail(`refusing to load the global ${qualified}: a weights-only torch archive holds only tensors, dicts, lists, tuples, numbers and strings`);
}

const isCount = (v: Item): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isInteger = (v: Item): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function rebuildTensor(args: Item[], fail: Fail): TorchTensorRef {
  const [storage, offset, shape, stride] = args;
  if (!(storage instanceof TorchStorage)) return fail(`${REBUILD_TENSOR} without a storage`);
  if (!isCount(offset)) return fail(`${REBUILD_TENSOR}: storage offset is not a count`);
  if (!Array.isArray(shape) || !(shape as Item[]).every(isCount)) return fail(`${REBUILD_TENSOR}: size is not a tuple of counts`);
  if (!Array.isArray(stride) || stride.length !== shape.length || !(stride as Item[]).every(isInteger)) {
    return fail(`${REBUILD_TENSOR}: stride is not a tuple of ${shape.length} integers`);
  }
  const sizes = shape as number[];
  const strides = stride as number[];
  if (sizes.every((d) => d > 0)) {
    let last = offset;
    for (let i = 0; i < sizes.length; i++) last += (sizes[i] - 1) * strides[i];
    let first = offset;
    for (let i = 0; i < sizes.length; i++) first += Math.min(0, (sizes[i] - 1) * strides[i]);
    if (first < 0 || last >= storage.size) {
      fail(`tensor of size [${sizes.join(', ')}] at offset ${offset} runs outside its storage '${storage.key}' of ${storage.size} elements`);
    }
  }
  return { kind: 'torch-tensor', storage: storage.key, dtype: storage.dtype, storageSize: storage.size, offset, shape: sizes, stride: strides };
}

function isTensorRef(item: Item): item is TorchTensorRef {
  return typeof item === 'object' && item !== null && 'kind' in item && item.kind === 'torch-tensor';
}

function reduce(name: string, args: Item[], fail: Fail): Item {
  switch (name) {
    case ORDERED_DICT: {
      const map = new Map<PickleValue, PickleValue>();
      if (args.length === 0) return map;
      const [pairs] = args;
      if (args.length !== 1 || !Array.isArray(pairs)) return fail(`${ORDERED_DICT} called with arguments other than a list of pairs`);
      for (const pair of pairs as Item[]) {
        if (!Array.isArray(pair) || pair.length !== 2) fail(`${ORDERED_DICT} called with an item that is not a pair`);
        map.set(plain((pair as Item[])[0]), plain((pair as Item[])[1]));
      }
      return map;
    }
    case REBUILD_TENSOR:
      return rebuildTensor(args, fail);
    case REBUILD_PARAMETER:
    case REBUILD_PARAMETER_WITH_STATE:
      return isTensorRef(args[0]) ? args[0] : fail(`${name} of something that is not a tensor`);
    default:
      return fail(`cannot call ${name}`);
  }
}

/** BUILD: only an OrderedDict's attributes (a state dict's `_metadata`), which are dropped. */
function build(target: Item, state: Item, fail: Fail): void {
  if (target instanceof Map && (state instanceof Map || state === null)) return;
  fail('BUILD on an object other than an OrderedDict');
}

/** A persistent id `('storage', storage_type, key, location, numel)`, as torch.save writes it. */
function persistentLoad(pid: Item, fail: Fail): Item {
  if (!Array.isArray(pid) || pid.length !== 5) return fail('a persistent id that is not a storage 5-tuple');
  const [tag, type, key, , size] = pid as Item[];
  if (!(typeof tag === 'string' || tag instanceof Latin1) || text(tag) !== 'storage') return fail('a persistent id other than a storage');
  if (!(type instanceof Global) || !(type.name in TORCH_STORAGE_DTYPES)) return fail('a storage without a supported storage type');
  if (!(typeof key === 'string' || key instanceof Latin1)) return fail('a storage without a key');
  if (!isCount(size)) return fail(`storage '${text(key)}' without an element count`);
  return new TorchStorage(text(key), TORCH_STORAGE_DTYPES[type.name], size);
}

/** The globals of torch.save archives, as `torch.load(weights_only=True)`. */
export const TORCH_GLOBALS: PickleGlobals = { global, reduce, build, persistentLoad };
