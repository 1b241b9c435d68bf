/**
 * A checkpoint's tensors read without blocking the event loop: only headers, zip directories and
 * pickles are read whole; tensor data is read a chunk at a time (lib/io/file-tensor-reader.ts), and
 * a TorchScript archive is read once, by libtorch on a worker thread.
 */
import fs from 'node:fs';
import { ZsclError } from '../errors';
import { FileTensorReader } from '../io/file-tensor-reader';
import { HEADER_LENGTH_BYTES, checkBoolChunk, parseSafetensorsHeader, safetensorsHeaderLength } from '../io/safetensors-parse';
import { toTensorDType } from '../io/safetensors-dtypes';
import { native } from '../native';
import type { NativeHandle, NativeResult } from '../native';
import type { Tensor } from '../tensor/tensor';
import { wrapList } from '../tensor/tensor';
import type { CheckpointLayout } from './checkpoint-format';
import { checkpointContainer, isHuggingFaceLayout, refusedContainer, storedModelConfig } from './checkpoint-format';
import type { ClipConfig } from './config';
import { readTorchSaveStateAsync, torchZipKind } from './torch-archive';
import { ZipFile } from './torch-zip';

/** A checkpoint's tensors under the names the file uses, with what the file says about the model. */
export interface CheckpointTensors {
  tensors: Map<string, Tensor>;
  config?: ClipConfig;
  /** The activation the file implies (OpenAI TorchScript: QuickGELU). */
  activation?: ClipConfig['activation'];
  layout: CheckpointLayout;
}

/**
 * Reads the tensors of the checkpoint at `path` (safetensors, torch.save zip, or TorchScript with
 * `allowCodeExecution`). Async; the caller owns (disposes) the tensors.
 * @throws (rejects) as loadClip: E_IO, E_FORMAT, E_ARG (TorchScript without the opt-in). Tensors
 *   already made are disposed.
 */
export async function readCheckpointTensorsAsync(path: string, options: { allowCodeExecution?: boolean }): Promise<CheckpointTensors> {
  let file: fs.promises.FileHandle;
  try {
    file = await fs.promises.open(path, 'r');
  } catch (error) {
    throw new ZsclError(`cannot read ${path}: ${(error as Error).message}`, 'E_IO', { cause: error });
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new ZsclError(`cannot read ${path}: not a regular file`, 'E_IO');
    const reader = new FileTensorReader(file, path);
    const first = await reader.bytes(0, Math.min(HEADER_LENGTH_BYTES, stat.size));
    const container = checkpointContainer(first);
    if (container === 'legacy-pickle') throw refusedContainer(path, 'legacy-pickle');
    if (container === 'safetensors') return await safetensorsTensors(reader, first, stat.size, path);
    const zip = await ZipFile.open(file, stat.size, path);
    const { kind, prefix } = torchZipKind([...zip.entries.keys()], path);
    if (kind === 'torch-save') return { tensors: await readTorchSaveStateAsync(zip, prefix, path, reader), layout: 'openai' };
    if (!options.allowCodeExecution) throw refusedContainer(path, 'torchscript');
    // OpenAI's TorchScript CLIP models all use QuickGELU.
    return { tensors: tensorsByName(await native().opAsync('jitLoadParameters', path)), activation: 'quick_gelu', layout: 'openai' };
  } finally {
    await file.close();
  }
}

async function safetensorsTensors(reader: FileTensorReader, first: Uint8Array, size: number, path: string): Promise<CheckpointTensors> {
  const headerLength = safetensorsHeaderLength(first, size, `${path}`);
  const layout = parseSafetensorsHeader(await reader.bytes(HEADER_LENGTH_BYTES, headerLength), size, path);
  const config = storedModelConfig(layout.metadata, path);
  const tensors = new Map<string, Tensor>();
  try {
    for (const t of layout.tensors) {
      const check = t.dtype === 'BOOL' ? (chunk: Uint8Array, at: number) => checkBoolChunk(chunk, at, t.name, path) : undefined;
      tensors.set(t.name, await reader.tensor({ position: t.begin, byteLength: t.end - t.begin, shape: t.shape, dtype: toTensorDType(t.dtype) }, check));
    }
  } catch (error) {
    for (const t of tensors.values()) t.dispose();
    throw error;
  }
  return { tensors, config, activation: config?.activation, layout: isHuggingFaceLayout(tensors) ? 'hf' : 'openai' };
}

/** The `[names, handles]` pair jitLoadParameters returns, as tensors by name. */
export function tensorsByName(result: NativeResult): Map<string, Tensor> {
  const [names, handles] = result as unknown as [string[], NativeHandle[]];
  const tensors = wrapList(handles as unknown as NativeResult);
  return new Map(names.map((n, i) => [n, tensors[i]]));
}
