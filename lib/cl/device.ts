/** The device a benchmark runs on: checked once up front, so a run never starts on a device it cannot use. */
import { ZsclError } from '../errors';
import { native } from '../native';
import type { Device } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import type { Batch } from './task';

/**
 * Checks a config's or command line's device against this libtorch build and returns it. Sync.
 * @throws ZsclError E_ARG for a malformed device; E_DEVICE when CUDA is asked for and this build or machine has none, or the index is past the last GPU.
 */
export function resolveDevice(device: string | undefined): Device {
  const d = (device ?? 'cpu') as Device;
  if (!/^(cpu|cuda(:\d+)?)$/.test(d)) throw new ZsclError(`device '${d}': expected 'cpu', 'cuda' or 'cuda:N'`, 'E_ARG');
  if (d === 'cpu') return d;
  const info = native().runtimeInfo();
  if (!info.cudaCompiled)
    throw new ZsclError(`device '${d}': CUDA is not available in this build (libtorch ${info.torchVersion} is CPU-only); use 'cpu'`, 'E_DEVICE');
  if (!info.cudaAvailable)
    throw new ZsclError(`device '${d}': this libtorch build has CUDA but no GPU is available (driver or CUDA_VISIBLE_DEVICES)`, 'E_DEVICE');
  const index = d === 'cuda' ? 0 : Number(d.slice(5));
  if (index >= info.cudaDevices.length) {
    throw new ZsclError(`device '${d}': there ${info.cudaDevices.length === 1 ? 'is 1 GPU' : `are ${info.cudaDevices.length} GPUs`} (cuda:0…)`, 'E_DEVICE');
  }
  return d;
}

/**
 * A tensor on `device`: itself on the CPU (nothing changes), else a copy there, and the host
 * tensor is disposed. A pinned host tensor is copied without blocking (the loaders assemble their
 * batches pinned when given a GPU; see DataLoader's `device`). Sync.
 */
export function onDevice(t: Tensor, device: Device): Tensor {
  if (device === 'cpu' || sameDevice(t.device, device)) return t;
  const moved = t.to(device, { nonBlocking: t.isPinned });
  t.dispose();
  return moved;
}

/** A batch's images and labels on `device` (see {@link onDevice}); the loaders given a device hand them over there already. Sync. */
export function batchOnDevice(batch: Batch, device: Device): Batch {
  return device === 'cpu' ? batch : { ...batch, images: onDevice(batch.images, device), labels: onDevice(batch.labels, device) };
}

// 'cuda' is the current GPU, cuda:0 unless set otherwise.
function sameDevice(a: Device, b: Device): boolean {
  const norm = (d: Device) => (d === 'cuda' ? 'cuda:0' : d);
  return norm(a) === norm(b);
}

/**
 * Checks that tensors about to meet the model are on its device. Sync.
 * @throws ZsclError E_DEVICE naming the first tensor elsewhere and both devices.
 */
export function expectOnDevice(where: string, device: Device, tensors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (!sameDevice(t.device, device)) {
      throw new ZsclError(`${where}: ${name} is on ${t.device} but the model is on ${device} (give the data source the model's device)`, 'E_DEVICE');
    }
  }
}
