/**
 * safetensors checkpoints: validated reading (no code execution, bounds-checked offsets) and atomic
 * writing. The format: an 8-byte little-endian header length N, N bytes of JSON header mapping
 * tensor names to `{dtype, shape, data_offsets}` (plus optional `__metadata__` strings), then the
 * raw little-endian data.
 */
export { parseSafetensors, type SafetensorsEntry, type SafetensorsFile } from './safetensors-parse';
export { readSafetensors, readSafetensorsAsync, loadTensors, loadTensorsAsync, type LoadTensorsOptions } from './safetensors-read';
export { serializeSafetensors, writeSafetensors, writeSafetensorsAsync, type RawTensor, type SafetensorsInput } from './safetensors-write';
export { typedArrayOf, type SafetensorsArrayMap } from './safetensors-typed-array';
export { elementSize, fromTensorDType, type SafetensorsDType } from './safetensors-dtypes';
